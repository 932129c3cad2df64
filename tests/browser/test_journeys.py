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
        # axe runs as JavaScript in the page: without JavaScript, the same pages are checked
        # in the journeys that have it.
        return Visit(context.new_page(), live, check_a11y if javascript else (lambda page: None))

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

    def shot(self, name: str):
        """With SCREENSHOTS=<dir> (``make screenshots``): the picture for the README, taken from
        this journey so it never goes stale."""
        import os
        from pathlib import Path

        if os.environ.get("SCREENSHOTS"):
            Path(os.environ["SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(os.environ["SCREENSHOTS"]) / f"{name}.png"), full_page=True)

    def login(self, email: str, password: str = PASSWORD):
        self.go("/login")
        self.fill({"email": email, "password": password})
        self.click("Inloggen")
        if "/login/code" in self.page.url:  # two-step sign-in: the code from the app
            self.fill({"code": self.live.second_step_code(email)})
            self.click("Bevestigen")


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

    # 2. The director imports people from a spreadsheet with one bad row, opens a round and
    #    invites everyone.
    org = f"gemeente-{label}"
    csv = ("naam;e-mail;afdeling\n" + "".join(f"Medewerker {i};m{i}-{label}@example.nl;{'Wonen' if i % 2 else 'Klantcontact'}\n"
                                              for i in range(6)) + "Zonder adres;;Wonen\n")
    director_visit.go(f"/o/{org}/people/import")
    director_visit.page.locator("input[name='file']").set_input_files(
        {"name": "mensen.csv", "mimeType": "text/csv", "buffer": csv.encode()})
    director_visit.click("Bestand controleren")
    preview = director_visit.page
    expect(preview.get_by_text("6 personen worden toegevoegd")).to_be_visible()
    expect(preview.get_by_text("E-mailadres ontbreekt")).to_be_visible()
    director_visit.click("Deze personen toevoegen")
    expect(preview.get_by_text("Medewerker 5")).to_be_visible()
    director_visit.go(f"/o/{org}/rounds/new")
    from datetime import date, timedelta

    director_visit.fill({"title": "Nulmeting", "opens_on": date.today().isoformat(),
                         "closes_on": (date.today() + timedelta(days=14)).isoformat()})
    director_visit.click("Ronde opslaan")
    director_visit.click("Ronde openen")
    director_visit.click("Uitnodigingen versturen")
    expect(preview.get_by_text("van 6 uitgenodigden hebben gereageerd")).to_be_visible()
    director_visit.shot("1-round-page")

    # 3. An employee answers with JavaScript: an answer survives a reload mid-page (autosave) and
    #    is there on a second device; the personal result and its PDF follow the submit.
    link = live.outbox_link(f"m0-{label}@example.nl", "/r/")
    phone = person(width=360)
    phone.go(link)
    phone.click("Beginnen")
    questions = phone.page.locator("fieldset.question")
    first = questions.nth(0).locator("input[type=radio]").nth(1)
    second = questions.nth(1).locator("input[type=radio]").nth(2)
    saves = []
    phone.page.on("request", lambda r: saves.append(r.url) if "/respond/save" in r.url else None)
    with phone.page.expect_response(lambda r: "/respond/save" in r.url):
        first.check()
        second.check()
    assert len(saves) == 1  # answers given together travel together: one request, not one per click
    phone.page.reload()
    expect(phone.page.locator("fieldset.question").nth(0).locator("input[type=radio]").nth(1)).to_be_checked()
    expect(phone.page.locator("fieldset.question").nth(1).locator("input[type=radio]").nth(2)).to_be_checked()
    phone.shot("2-questionnaire-phone")
    answer_all(phone)
    # The next page came back as the answer to the form (one request, not two); the address
    # bar names it, so a reload asks for this page.
    expect(phone.page).to_have_url(re.compile(r"/respond/section/leadership$"))
    phone.page.reload()
    expect(phone.page.get_by_role("heading", level=1)).to_contain_text("Leiderschap")
    laptop = person()
    laptop.go(link)
    laptop.click("Verder waar ik gebleven was")
    answer_until_review(laptop)
    laptop.click("Mijn antwoorden versturen")
    expect(laptop.page.get_by_role("heading", level=1)).to_contain_text("persoonlijke uitslag")
    laptop.shot("3-personal-result")
    with laptop.page.expect_download() as download:
        laptop.page.get_by_role("button", name="Downloaden als pdf").click()
    assert download.value.suggested_filename.endswith(".pdf")

    # Another employee, with JavaScript off, on a phone.
    plain = person(width=360, javascript=False)
    plain.go(live.outbox_link(f"m1-{label}@example.nl", "/r/"))
    plain.click("Beginnen")
    answer_until_review(plain)
    plain.click("Mijn antwoorden versturen")
    expect(plain.page.get_by_role("heading", level=1)).to_contain_text("persoonlijke uitslag")


    # 4. Customers answer through the public link: one whose browser asks for English, one who
    #    follows a link with ?lang=en (as a consultancy sends to English-speaking customers).
    token = _customer_token(live, org)
    for n, (locale, suffix) in enumerate((("en-GB", ""), ("nl-NL", "?lang=en"), ("nl-NL", ""))):
        customer = person(locale=locale, width=360 if n else 1280)
        customer.go(f"/k/{token}/{suffix}")
        english = n < 2
        expect(customer.page.get_by_role("heading", level=1)).to_contain_text(
            "How do customers experience" if english else "Hoe ervaren klanten")
        for question in customer.page.locator("fieldset.question").all():
            question.locator("input[value='8']").check()
        customer.page.locator("textarea[name='comment']").fill("Friendly people." if english else "Vriendelijk.")
        if n == 1:
            customer.shot("4-customer-phone-english")
        customer.click("Send" if english else "Versturen")
        expect(customer.page.get_by_role("heading", level=1)).to_contain_text(
            "Thank you" if english else "Bedankt")

    # 5. More colleagues answer (as in steps 3), the director closes the round, reads the results,
    #    makes the action plan and downloads the report; the consultant sees the client.
    _more_answers(live, org, 4)
    director_visit.go(f"/o/{org}/rounds/")
    director_visit.click("Nulmeting", role="link")
    director_visit.click("Ronde sluiten…")
    expect(director_visit.page.get_by_text("kan niet worden heropend")).to_be_visible()
    director_visit.click("Ronde sluiten en resultaten publiceren")
    director_visit.go(f"/o/{org}/rounds/")
    director_visit.click("Nulmeting", role="link")
    director_visit.click("Resultaten bekijken")
    expect(director_visit.page.get_by_text("Fase").first).to_be_visible()
    director_visit.shot("5-results")
    director_visit.click("Het actieplan")
    director_visit.click("Actieplan maken")
    director_visit.shot("6-action-plan")
    with director_visit.page.expect_download() as report:
        director_visit.page.get_by_role("button", name="Rapport downloaden (pdf)").first.click()
    assert report.value.suggested_filename.endswith(".pdf")
    # The same figures as a deck for the board meeting, made by the worker like the report.
    with director_visit.page.expect_download() as deck:
        director_visit.page.get_by_role("button", name="Presentatie (PowerPoint)").first.click()
    assert deck.value.suggested_filename.endswith(".pptx")
    from pptx import Presentation

    slides = Presentation(deck.value.path()).slides
    assert len(slides) >= 6 and any(shape.has_chart for slide in slides for shape in slide.shapes)
    adviser = person()
    adviser.login(consultancy["consultant"])
    adviser.go(f"/c/{consultancy['slug']}/portfolio/")
    expect(adviser.page.get_by_text(f"Gemeente {label}").first).to_be_visible()

    # A second round, like the first: progress between the two rounds.
    director_visit.go(f"/o/{org}/rounds/{_round_id(live, org)}")
    director_visit.click("Nieuwe ronde zoals deze")
    director_visit.click("Ronde opslaan")  # the copy opens at its dates: checked, saved
    director_visit.click("Ronde openen")
    director_visit.click("Uitnodigingen versturen")
    _more_answers(live, org, 6, likert="5")
    director_visit.click("Ronde sluiten…")
    director_visit.click("Ronde sluiten en resultaten publiceren")
    director_visit.go(f"/o/{org}/progress/")
    expect(director_visit.page.get_by_role("img", name="Scores per dimensie per ronde")).to_be_visible()
    expect(director_visit.page.get_by_text("Nulmeting (kopie)").first).to_be_visible()
    director_visit.shot("7-progress")

    # The director's pages on a phone: readable and usable by keyboard at 360 px.
    pocket = person(width=360)
    pocket.login(director, NEW_PASSWORD)
    round_id = _round_id(live, org)
    for path in (f"/o/{org}/", f"/o/{org}/rounds/{round_id}", f"/o/{org}/rounds/{round_id}/results",
                 f"/o/{org}/rounds/{round_id}/plan/", f"/o/{org}/progress/", f"/o/{org}/people"):
        pocket.go(path)
        overflow = pocket.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a 360px phone"
    # The results on a phone: the phase, the mirror and the focus areas are reached from the
    # first screen; each scale's statements open on request, and then read as cards.
    pocket.go(f"/o/{org}/rounds/{round_id}/results")
    nav = pocket.page.get_by_role("navigation", name="Onderdelen")
    for name in ("Fase", "Spiegel", "Verbeterpunten (actieplan)"):
        box = nav.get_by_role("link", name=name, exact=True).bounding_box()
        assert box and box["y"] + box["height"] <= 900, f"{name} is not on the first screen"
    scale = pocket.page.locator("details.scale").first
    expect(scale.locator("table")).to_be_hidden()
    scale.locator("summary").click()
    expect(scale.locator("td[data-label='Score']").first).to_be_visible()
    pocket.check(pocket.page)
    pocket.shot("9-results-phone")

    # The director turns on two-step sign-in on the phone: the QR code and the key fit, and the
    # recovery codes are shown once.
    pocket.go("/account")
    pocket.click("Tweestapsaanmelding aanzetten")
    secret = pocket.page.locator("code.secret").inner_text().replace(" ", "")
    overflow = pocket.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the setup page is {overflow}px wider than a 360px phone"
    pocket.fill({"code": __import__("pyotp").TOTP(secret).now()})
    pocket.click("Bevestigen")
    expect(pocket.page.locator("ul.recovery-codes li")).to_have_count(10)
    pocket.shot("8-two-step-recovery-codes")


def _round_id(live, org_slug: str) -> int:
    import sqlalchemy as sa

    from maturity.extensions import db
    from maturity.rounds.models import Round
    from maturity.tenancy.models import Organisation

    with live.app.app_context():
        return db.session.scalar(sa.select(Round.id).join(Organisation, Organisation.id == Round.organisation_id)
                                 .where(Organisation.slug == org_slug))


def _customer_token(live, org_slug: str) -> str:
    import sqlalchemy as sa

    from maturity.extensions import db
    from maturity.rounds.models import Round
    from maturity.tenancy.models import Organisation

    with live.app.app_context():
        return db.session.scalar(sa.select(Round.customer_token).join(Organisation, Organisation.id == Round.organisation_id)
                                 .where(Organisation.slug == org_slug))


def _more_answers(live, org_slug: str, n: int, likert: str = "4") -> None:
    """Colleagues who answer the same way as the browser journeys above, through the same service."""
    import sqlalchemy as sa

    from maturity.extensions import db
    from maturity.rounds import links
    from maturity.rounds import submission
    from maturity.rounds.models import Invitation, Round, RoundStatus
    from maturity.tenancy.models import Organisation

    from ..helpers import full_answers

    with live.app.app_context(), live.app.test_request_context():
        waiting = db.session.scalars(sa.select(Invitation).join(Round).join(Organisation, Organisation.id == Round.organisation_id)
                                     .where(Organisation.slug == org_slug, Invitation.submitted_at.is_(None),
                                            Round.status == RoundStatus.OPEN).limit(n)).all()
        for invitation in waiting:
            token = links.invitation_token(invitation.id, invitation.nonce)
            submission.save_answers(invitation, token, full_answers(likert=likert, mark="7"))
            submission.submit_response(invitation, token)
        db.session.commit()


def answer_until_review(visit) -> None:
    for _ in range(8):
        if not answer_all(visit):
            return
    raise AssertionError(f"still not at the review page: {visit.page.url}")


def answer_all(visit) -> bool:
    """Answer every open question on this section page and go on; False on the review page."""
    page = visit.page
    if page.locator("form[action$='/respond/submit']").count() or "review" in page.url:
        return False
    for question in page.locator("fieldset.question").all():
        options = question.locator("input[type=radio]")
        if not question.locator("input[type=radio]:checked").count():
            options.nth(min(2, options.count() - 1)).check()
    visit.click("Opslaan en verder")
    return True


def test_the_questionnaire_can_be_completed_with_the_keyboard_alone(person, live, consultancy):
    """Tab to each question, Space to choose, Enter on the button: no mouse anywhere."""
    from datetime import date, timedelta

    from maturity.extensions import db
    from maturity.rounds import inviting
    from maturity.rounds import services as rounds
    from maturity.tenancy.models import OrgRole

    from ..factories import member

    with live.app.app_context():
        from ..factories import OrganisationFactory

        org = OrganisationFactory(consultancy_id=_consultancy_id(consultancy["slug"]))
        employee = member(org, OrgRole.EMPLOYEE, email=f"toetsenbord-{consultancy['label']}@example.nl")
        round_ = rounds.create_round(org, rounds.RoundSettings(
            title="Toetsenbord", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
        rounds.open_round(round_)
        with live.app.test_request_context(base_url=live.url):
            inviting.invite_employees(round_)
        db.session.commit()
        email = employee.email
    visit = person()
    page = visit.page
    visit.go(live.outbox_link(email, "/r/"))
    keyboard_to(page, "Beginnen")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for _ in range(6):
        if "/respond/review" in page.url:
            break
        visit.check(page)
        if "/respond/open-question" in page.url:
            # The one open question (optional): its text field is reached and filled by keyboard too.
            for _ in range(50):
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.tagName") == "TEXTAREA":
                    break
            else:
                raise AssertionError("the open question cannot be reached with Tab")
            page.keyboard.type("Eerder terugbellen.")
            keyboard_to(page, "Opslaan en verder")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            expect(page.get_by_text("Eerder terugbellen.")).to_be_visible()  # on the review page
            continue
        answered = 0
        for _ in range(200):
            page.keyboard.press("Tab")
            focused = page.evaluate("({type: document.activeElement.type, text: document.activeElement.textContent.trim()})")
            if focused["type"] == "radio":
                page.keyboard.press("Space")
                answered += 1
            elif focused["text"].startswith("Opslaan en verder"):
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                break
        assert answered, f"no question reached by keyboard on {page.url}"
    visit.check(page)
    keyboard_to(page, "Mijn antwoorden versturen")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("persoonlijke uitslag")


def keyboard_to(page, text: str) -> None:
    """Tab until the element with this text has the focus."""
    for _ in range(100):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()").startswith(text):
            return
    raise AssertionError(f"“{text}” cannot be reached with Tab on {page.url}")


def _consultancy_id(slug: str) -> int:
    import sqlalchemy as sa

    from maturity.extensions import db
    from maturity.tenancy.models import Consultancy

    return db.session.scalar(sa.select(Consultancy.id).where(Consultancy.slug == slug))


def test_a_director_reads_each_service_beside_its_own_customers_and_filters(person, live, consultancy):
    """A housing corporation with three services, two locations and two roles: the director
    reads the overview per service and segment, filters by service and location combined (and
    on a phone), and a tenant answers through the repairs service's own link."""
    from datetime import date, timedelta

    from maturity.extensions import db
    from maturity.rounds import services
    from maturity.tenancy.models import Consultancy, OrgRole

    from ..factories import OrganisationFactory, member
    from ..helpers import corporation

    label = consultancy["label"]
    with live.app.app_context():
        firm = db.session.query(Consultancy).filter_by(slug=consultancy["slug"]).one()
        org = OrganisationFactory(consultancy_id=firm.id, name=f"Woonstichting {label}", slug=f"woon-{label}")
        director = member(org, OrgRole.DIRECTOR, email=f"directeur-{label}@example.nl")
        round_, value = corporation(org, live.app)
        with live.app.test_request_context():
            later = services.create_round(org, services.RoundSettings(
                title="Klantenpeiling", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
            services.open_round(later)
        db.session.commit()
        slug, round_id, email = org.slug, round_.id, director.email
        repairs, noord = value["Dienst", "Reparaties"].id, value["Locatie", "Noord"].id
        service_link = f"/k/{later.customer_token}/d/{repairs}/"

    visit = person()
    page = visit.page
    visit.login(email)
    visit.go(f"/o/{slug}/rounds/{round_id}/results")
    overview = page.locator("#segments")
    expect(overview).to_contain_text("Per dienst en segment")
    expect(overview).to_contain_text("Dienst: Reparaties")
    expect(overview).to_contain_text("Locatie: Noord")
    page.locator("select[name=f]").nth(0).select_option(str(f"s{repairs}"))
    page.locator("select[name=f]").nth(1).select_option(str(f"s{noord}"))
    visit.click("Tonen")
    expect(page.locator(".segment-banner")).to_contain_text("Alleen: Dienst: Reparaties · Locatie: Noord")
    expect(page.locator("#phase")).to_be_visible()
    # The roles are hidden: one person is Wmo's only manager in Zuid.
    expect(page.locator("select[name=f]").nth(0)).not_to_contain_text("Leidinggevend")

    phone = person(width=360)
    phone.login(email)
    phone.go(f"/o/{slug}/rounds/{round_id}/results")
    expect(phone.page.locator("#segments")).to_contain_text("Dienst: Reparaties")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width  # the overview becomes cards, nothing off-screen

    tenant = person(width=360)
    tenant.go(service_link)
    expect(tenant.page.locator("body")).to_contain_text("Over: Reparaties")
    for radio in tenant.page.locator("input[type=radio][value='6']").all():
        radio.check()
    tenant.click("Versturen")
    expect(tenant.page.locator("body")).to_contain_text("Bedankt")


@pytest.mark.parametrize("width", [1280, 360])
def test_a_consultant_makes_an_api_key_copies_it_once_and_revokes_it(person, live, consultancy, width):
    visit = person(width=width)
    page = visit.page
    visit.login(consultancy["consultant"])
    visit.go(f"/c/{consultancy['slug']}/")
    visit.click("API", role="link")
    expect(page.locator("h1")).to_have_text("API-sleutels")
    visit.fill({"label": "Power BI"})
    page.get_by_label("Resultaten lezen").check()
    page.locator("select[name=days]").select_option("30")
    visit.click("Sleutel maken")
    key = page.locator("#new-key").input_value()
    assert key.startswith("ksk_")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    visit.click("Kopiëren")
    expect(page.locator("#new-key-copied")).to_have_text("Gekopieerd")
    assert page.evaluate("navigator.clipboard.readText()") == key
    expect(page.locator("pre.example")).to_contain_text(f"Bearer {key}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing off-screen on a phone
    visit.shot(f"api-key-made-{width}")
    visit.go(f"/c/{consultancy['slug']}/api/")
    expect(page.locator("body")).not_to_contain_text(key)
    page.get_by_text("Intrekken…").first.click()
    visit.shot(f"api-key-revoke-{width}")
    visit.shot(f"polish-api-keys-{width}")
    visit.click("Deze sleutel intrekken")
    expect(page.locator(".flash-success")).to_contain_text("„Power BI” is ingetrokken")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


#: Words in a table's cells that a line break splits ("activ e"): each word's client rects, in
#: the text outside addresses (one long word that breaks where it must).
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('.address')) continue;
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("width", [1280, 360])
def test_a_consultant_registers_a_webhook_copies_its_secret_and_reads_the_log(person, live, consultancy, width):
    """The webhooks page at a laptop's and a phone's width: the secret copied with the button
    (announced), the test event in the log, no word broken in two, nothing off-screen; the
    webhooks guide it links to, with the API guide beside it."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import threading

    class Ok(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    allowed = live.app.config["WEBHOOKS_ALLOW_PRIVATE_TARGETS"], live.app.config["WEBHOOKS_ALLOW_HTTP"]
    live.app.config.update(WEBHOOKS_ALLOW_PRIVATE_TARGETS=True, WEBHOOKS_ALLOW_HTTP=True)
    try:
        visit = person(width=width)
        page = visit.page
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
        visit.login(consultancy["consultant"])
        visit.go(f"/c/{consultancy['slug']}/webhooks/")
        visit.fill({"url": f"http://127.0.0.1:{receiver.server_port}/hooks/klantspiegel/events?source=klantspiegel"})
        page.get_by_label("Een ronde is gesloten").check()
        page.get_by_label("Een actieplan").first.check()
        visit.click("Webhook toevoegen")
        secret = page.locator("#new-secret").input_value()
        visit.click("Kopiëren")
        expect(page.locator("#new-secret-copied")).to_have_text("Gekopieerd")
        assert page.evaluate("navigator.clipboard.readText()") == secret
        visit.shot(f"polish-webhook-secret-{width}")
        visit.go(f"/c/{consultancy['slug']}/webhooks/")
        visit.click("Testgebeurtenis sturen")
        expect(page.locator("body")).to_contain_text("De laatste aflevering.")
        expect(page.locator("table.webhooks").last).to_contain_text("afgeleverd")
        assert page.evaluate(BROKEN_WORDS, "table.webhooks td") == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        visit.shot(f"polish-webhooks-{width}")
        visit.click("de webhooks-handleiding", role="link")
        expect(page.locator("h1")).to_have_text("Webhooks")
        expect(page.locator("body")).to_contain_text("Deze handleiding is in het Engels")
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # code scrolls inside its block
        visit.shot(f"polish-guide-webhooks-{width}")
        visit.click("API-handleiding", role="link")
        expect(page.locator("h1")).to_have_text("The Klantspiegel API")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        visit.shot(f"polish-guide-api-{width}")
    finally:
        live.app.config.update(WEBHOOKS_ALLOW_PRIVATE_TARGETS=allowed[0], WEBHOOKS_ALLOW_HTTP=allowed[1])
        receiver.shutdown()
        receiver.server_close()
