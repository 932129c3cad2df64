"""The main journeys, end to end in a real browser, as the users would take them."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD

NEW_PASSWORD = "koffie met de klant op vrijdag"


@pytest.fixture
def consultancy(live):
    """A consultancy with one consultant, as the platform admin would have set it up."""
    from maturity.extensions import db

    from ..factories import ConsultancyFactory, consultant

    label = secrets.token_hex(3)
    with live.app.app_context():
        firm = ConsultancyFactory(name=f"Koers {label}", slug=f"koers-{label}")
        person = consultant(firm, email=f"adviseur-{label}@example.nl")
        db.session.commit()
        return {"slug": firm.slug, "consultant": person.email, "label": label}


@pytest.fixture
def person(browser, live, check_a11y):
    """Someone with a browser of their own (a fresh context: own cookies, own language)."""
    contexts = []

    def make(*, width: int = 1280, locale: str = "nl-NL", javascript: bool = True) -> Visit:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale,
                                      java_script_enabled=javascript, accept_downloads=True)
        contexts.append(context)
        return Visit(context.new_page(), live, check_a11y)

    yield make
    for context in contexts:
        context.close()


class Visit:
    """A user in a browser: every page they reach is checked for accessibility."""

    def __init__(self, page, live, check_a11y):
        self.page, self.live, self.check = page, live, check_a11y

    def go(self, path: str):
        self.page.goto(path if path.startswith("http") else self.live.url + path)
        self.check(self.page)

    def click(self, name: str, *, role: str = "button"):
        self.page.get_by_role(role, name=name).first.click()
        self.page.wait_for_load_state()
        self.check(self.page)

    def fill(self, values: dict[str, str]):
        for name, value in values.items():
            self.page.locator(f"[name='{name}']").fill(value)

    def login(self, email: str, password: str = PASSWORD):
        self.go("/login")
        self.fill({"email": email, "password": password})
        self.click("Inloggen")


def test_a_new_client_from_invitation_to_a_round_with_everyone_invited(person, live, consultancy):
    visit = person()
    page = visit.page
    label = consultancy["label"]
    director = f"directeur-{label}@example.nl"

    # 1. The consultant creates the client and invites its director.
    visit.login(consultancy["consultant"])
    visit.go(f"/c/{consultancy['slug']}/")
    visit.fill({"name": f"Gemeente {label}", "sector": "Gemeente", "director_name": "Daan de Directeur",
                "director_email": director})
    visit.click("Organisatie aanmaken en directeur uitnodigen")
    expect(page.get_by_text(f"Gemeente {label}").first).to_be_visible()

    # The director follows the link in the invitation and chooses a password.
    director_visit = person()
    director_visit.go(live.outbox_link(director, "/invitation/"))
    director_visit.fill({"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    director_visit.click("Account activeren")
    expect(director_visit.page.get_by_text("Uw account is actief")).to_be_visible()
