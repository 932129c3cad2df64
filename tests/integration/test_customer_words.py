"""The client's words and the consultancy's brand: a housing corporation speaks of huurders, in
every language, and its tenants get mail in its name from the consultancy's sender, as text and
HTML (#28)."""

from __future__ import annotations

import email
import email.policy
import html as html_lib
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from maturity.i18n import CUSTOMER_WORDS

from ..conftest import outbox_messages
from ..helpers import open_round  # noqa: F401  (a fixture)
from ..helpers import smtp_server  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from customer_contexts import customer_msgids  # noqa: E402  (the script make messages runs)

LOGO = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
        b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_customer_sentence_is_translated_for_every_word(language):
    path = ROOT / "maturity" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    expected = {(msgid, word) for msgid in customer_msgids() for word in CUSTOMER_WORDS}
    present = {(m.id if isinstance(m.id, str) else tuple(m.id), m.context) for m in catalog if m.context}
    assert expected - present == set(), "run `make messages` and translate the new customer sentences"
    untranslated = [(m.id, m.context) for m in catalog if m.context and (
        not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)]
    assert untranslated == []
    # Each word's own translation names it (the catalogue, not one copy for all words).
    dutch = {m.context: m.string for m in catalog if m.context and m.id == "Customers"}
    assert dutch["huurder"] == ("Huurders" if language == "nl" else "Tenants")
    assert dutch["client"] == ("Cliënten" if language == "nl" else "Clients")


def _housing_corporation(client, auth, world, db):
    org = world.ours.org
    org.name = "Woonstichting De Linde"
    consultancy = org.consultancy
    consultancy.mail_sender = "spiegel@koersenklant.example"
    consultancy.host = "spiegel.koersenklant.example"
    consultancy.logo, consultancy.logo_mimetype = LOGO, "image/png"
    db.session.flush()
    auth.login(world.ours.director)
    page = client.get(f"/o/{org.slug}/").get_data(as_text=True)
    assert "Uw woord voor klanten" in page
    response = client.submit(f"/o/{org.slug}/customer-word", {"customer_word": "huurder"}, follow_redirects=True)
    saved = html_lib.unescape(response.get_data(as_text=True))
    assert "Opgeslagen: vragen, pagina's, e-mails en rapporten spreken nu van huurders." in saved, saved[-3000:]
    db.session.refresh(org)
    assert org.customer_word == "huurder"
    return org


def test_a_tenant_gets_the_invitation_in_the_corporations_name_speaking_of_huurders(smtp_server, client, auth, world, db, open_round):
    org = _housing_corporation(client, auth, world, db)
    round_ = open_round
    response = client.submit(f"/o/{org.slug}/rounds/{round_.id}/customers", {"emails": "huurder@example.nl"})
    assert response.status_code == 302
    [received] = smtp_server.messages
    mail = email.message_from_bytes(received.as_bytes(), policy=email.policy.default)
    assert mail["From"].addresses[0].display_name == "Woonstichting De Linde"
    assert mail["From"].addresses[0].addr_spec == "spiegel@koersenklant.example"
    assert mail["Reply-To"] == world.ours.director.email
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html_part = mail.get_body(("html",))
    html = html_part.get_content()
    for body in (text, html):
        assert "Beste huurder," in body and "als huurder ervaart" in body
        words = re.sub(r"https?://\S+", "", body).lower()
        assert "klant" not in words  # neither "klant" nor "Klantspiegel": the corporation's words
        assert "/kp/" in body
    assert "Woonstichting De Linde" in text.rstrip().splitlines()[-1]  # signed by the corporation
    # The logo travels with the message (no remote image); the HTML points at it.
    assert 'src="cid:logo"' in html and "http" not in re.findall(r'<img[^>]*>', html)[0]
    [logo] = [part for part in mail.walk() if part.get_content_type() == "image/png"]
    assert logo["Content-ID"] == "<logo>" and logo.get_content() == LOGO
    # The readable copy kept no link; nothing sealed lingers once sent.
    [recorded] = [m for m in outbox_messages() if m.kind == "customer-invitation"]
    assert recorded.status == "sent" and recorded.body_sealed is None and recorded.html_sealed is None
    # The link opens the questionnaire, which speaks of huurders too, in Dutch and English.
    # The director's round page speaks of them too.
    round_page = client.get(f"/o/{org.slug}/rounds/{round_.id}").get_data(as_text=True)
    assert "Huurders persoonlijk uitnodigen" in round_page and "Deel deze link met huurders" in round_page, \
        re.findall(r"[^<>]*uitnodigen[^<>]*|[^<>]*Deel deze link[^<>]*", round_page)
    link = re.search(r"https?://\S+/kp/\S+/", text).group(0)
    assert link.startswith("https://spiegel.koersenklant.example/kp/")  # on the consultancy's own host
    path = link.split("://", 1)[1].split("/", 1)[1]
    auth.logout()
    page = client.get(f"/{path}").get_data(as_text=True)
    assert "Hoe ervaren huurders Woonstichting De Linde?" in page and "Voor de huurders van" in page
    assert "klanten" not in page
    english = client.get(f"/{path}?lang=en").get_data(as_text=True)
    assert "How do tenants experience Woonstichting De Linde?" in english and "customers" not in english


def test_the_words_change_only_through_the_settings_of_those_who_manage(client, auth, world, db):
    org = world.ours.org
    auth.login(world.ours.employee)
    assert client.submit(f"/o/{org.slug}/customer-word", {"customer_word": "huurder"}).status_code == 403
    auth.logout()
    auth.login(world.ours.director)
    refused = client.submit(f"/o/{org.slug}/customer-word", {"customer_word": "koning"})
    db.session.refresh(org)
    assert refused.status_code == 302 and org.customer_word == "klant"


@pytest.mark.parametrize(("language", "expected", "default"), [
    ("nl", ["Opmerkingen van huurders", "Reacties van huurders", "Eigen oordeel − huurders",
            "Bereikbaar als huurders ons nodig hebben"], "klanten"),
    ("en", ["Tenant comments", "Tenant responses", "Own rating − tenants", "Reachable when tenants need us"], "customers"),
])
def test_the_board_report_speaks_of_huurders(app, world, language, expected, default):
    from flask import render_template
    from flask_babel import force_locale

    from maturity.extensions import db
    from maturity.reports.context import report_context
    from maturity.results.services import round_results

    from ..helpers import planted_round

    round_ = planted_round(app, world)
    world.ours.org.customer_word = "huurder"
    db.session.flush()
    # As the worker renders it: outside the organisation's request (no g.org).
    with app.test_request_context(), force_locale(language):
        html = render_template("pdf/report.html", **report_context(round_, round_results(round_)))
    for heading in expected:
        assert heading in html
    assert f"<th class=\"num\">{default.capitalize()}</th>" not in html


def test_the_mirror_questions_stay_the_same_items_in_the_organisations_word(app, client, auth, world, db, open_round):
    """Employees are asked what the tenants think, and the results name the topics so; the items'
    keys and scoring are unchanged (the wording comes from the catalogue, not new items)."""
    from maturity.instrument import load_instrument
    from maturity.rounds.questionnaire import describe_item

    from ..helpers import R, invite_and_get_link, opened

    world.ours.org.customer_word = "huurder"
    db.session.flush()
    respondent = opened(client, invite_and_get_link(open_round))
    page = respondent.get(f"{R}section/mirror").get_data(as_text=True)
    assert "Welk cijfer geven onze huurders ons volgens u voor: nakomen wat we huurders toezeggen?" in page, \
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))[:1500]
    assert 'name="mirror.m5.estimate"' in page and "onze klanten" not in page
    english = respondent.get(f"{R}section/mirror?lang=en").get_data(as_text=True)
    assert "What mark do you think our tenants give us for: keeping the promises we make to tenants?" in english
    with app.test_request_context():
        instrument = load_instrument(open_round.instrument_version)
        assert describe_item(instrument, "mirror.m5.estimate", "nl")["text"].startswith("Welk cijfer geven onze klanten")


def test_account_mail_comes_from_the_consultancy_and_is_signed_by_it(smtp_server, client, world, db):
    """A password reset and an invitation: the consultancy's name and sender, never "Klantspiegel"
    as the signature; text and HTML."""
    consultancy = world.ours.consultancy
    consultancy.mail_sender = "spiegel@koersenklant.example"
    db.session.flush()
    response = client.submit("/password/forgot", {"email": world.ours.director.email})
    assert response.status_code == 302
    [received] = [m for m in smtp_server.messages if m["To"] == world.ours.director.email]
    mail = email.message_from_bytes(received.as_bytes(), policy=email.policy.default)
    sender = mail["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (consultancy.name, "spiegel@koersenklant.example")
    text = mail.get_body(("plain",)).get_content()
    assert text.rstrip().splitlines()[-1] == consultancy.name
    assert "/password/reset/" in mail.get_body(("html",)).get_content()


#: "klant" or "klanten" as a word of its own in a page's visible text (not "Klantspiegel" or
#: "klantgerichtheid": names of the product and the concept, which keep their words).
KLANT = re.compile(r"\bklant(en)?\b", re.IGNORECASE)


def _visible(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


def _instrument_texts_nl() -> list[str]:
    """The instrument's own items in Dutch, longest first (the plan quotes weak statements)."""
    from maturity.instrument import available_versions, load_instrument

    texts = set()
    for version in available_versions():
        instrument = load_instrument(version)
        for section in instrument.likert_sections:
            for item in section.items:
                texts.update(t.get("nl") for t in (item.text, item.aim))
    return sorted(filter(None, texts), key=len, reverse=True)


def _says_klant(page: str) -> list[str]:
    text = _visible(page)
    for item in _instrument_texts_nl():  # the instrument's items stay the same for every organisation
        text = text.replace(item, "…")
    return [text[max(0, m.start() - 60):m.end() + 40] for m in KLANT.finditer(text)]


def test_a_housing_corporations_director_reads_huurders_on_every_page_of_the_journey(app, client, auth, world, db):
    """The round form, the round page and the personal links' confirmation, the close page, the
    plan with its generated sentences, the progress page and the results page shared with
    employees: nowhere "klant(en)" for an organisation that speaks of huurders. The
    instrument's own items (the quiz's questions) stay the same and are not on these pages."""
    from ..helpers import filled_round

    org = world.ours.org
    org.customer_word, org.name = "huurder", "Woonstichting De Linde"
    measured = filled_round(app, world, {"Wonen": 6, "Verhuur": 7}, customers=3)  # too few: "ask customers"
    db.session.flush()
    auth.login(world.ours.director)
    base = f"/o/{org.slug}"
    pages = {
        "round form": client.get(f"{base}/rounds/new").get_data(as_text=True),
        "progress": client.get(f"{base}/progress/").get_data(as_text=True),
    }
    assert client.submit(f"{base}/rounds/{measured.id}/plan/generate?lang=nl").status_code == 302
    pages["plan"] = client.get(f"{base}/rounds/{measured.id}/plan/").get_data(as_text=True)
    assert client.submit(f"{base}/rounds/{measured.id}/plan/publish").status_code == 302
    shared = re.search(r'href="https?://[^/"]+(/shared/[^"]+)"', client.get(f"{base}/rounds/{measured.id}/plan/")
                       .get_data(as_text=True)).group(1)

    # A second round, open: its page, the customers' personal links, the close page.
    from maturity.rounds import services as rounds

    second = rounds.create_round(org, rounds.RoundSettings(title="Tweede meting", opens_on=date.today(),
                                                           closes_on=date.today() + timedelta(days=9)))
    rounds.open_round(second)
    db.session.commit()
    confirmation = client.submit(f"{base}/rounds/{second.id}/customers", {"emails": "a@example.nl\nb@example.nl"},
                                 follow_redirects=True)
    pages["round page with the personal links' confirmation"] = confirmation.get_data(as_text=True)
    pages["close"] = client.get(f"{base}/rounds/{second.id}/close").get_data(as_text=True)
    auth.logout()
    pages["shared results"] = client.get(shared).get_data(as_text=True)

    said = {name: _says_klant(page) for name, page in pages.items()}
    assert {name: found for name, found in said.items() if found} == {}
    assert "huurders" in _visible(pages["plan"]) and "huurders" in _visible(pages["shared results"])
    assert "2 huurders" in _visible(pages["round page with the personal links' confirmation"])


def test_a_housing_corporations_rounds_dashboard_and_mails_speak_of_huurders(app, client, auth, world, db):
    """The dashboard and the rounds list (before the first round and with one open), an open
    round's page with its link paused and resumed (buttons, notices, flashes), the card's page and
    the QR code, and every mail the round sends (the invitation, the reminder, the tenant's
    invitation, the shared results) and the audit trail of the round's opening, in Dutch and
    English: nowhere klant(en) or customer(s),
    compounds too ("klantlink", "klantreacties"). The product's and the concept's names
    (Klantspiegel, klantgericht) stay; so does the setting where the word is chosen, which names
    the choice ("Uw woord voor klanten: huurder / huurders")."""
    import sqlalchemy as sa

    from maturity.accounts.models import User
    from maturity.mail.models import OutboxMessage
    from maturity.models_base import utcnow
    from maturity.rounds import inviting
    from maturity.rounds import services as rounds
    from maturity.rounds.models import Invitation

    from ..helpers import filled_round, strays

    org = world.ours.org
    org.customer_word, org.name = "huurder", "Woonstichting De Linde"
    world.ours.department.name = "Verhuurteam"  # the factory's "Klantcontact" is a name, not a word of ours
    db.session.flush()
    auth.login(world.ours.director)
    base = f"/o/{org.slug}"

    def read(url: str, **kwargs) -> str:
        response = client.get(url, **kwargs)
        assert response.status_code in (200, 202), (url, response.status_code)
        # The setting names the choice it offers ("klant / klanten", "Your word for customers").
        return re.sub(r'<article id="customer-word">.*?</article>', " ", response.get_data(as_text=True), flags=re.S)

    pages = {(name, lang): read(f"{url}?lang={lang}") for lang in ("nl", "en")
             for name, url in (("rounds, none yet", f"{base}/rounds/"), ("dashboard, before the first round", f"{base}/"))}
    assert "Een ronde is één meting" in pages["rounds, none yet", "nl"]
    assert "Volgende stap" in pages["dashboard, before the first round", "nl"]

    measured = filled_round(app, world, {"Wonen": 6, "Verhuur": 7}, customers=3)
    invited = db.session.scalars(sa.select(Invitation.user_id).where(Invitation.round_id == measured.id)).all()
    for user_id in invited[::2]:  # half the employees read their mail in English
        db.session.get(User, user_id).locale = "en"
    db.session.flush()
    assert client.submit(f"{base}/rounds/{measured.id}/plan/generate").status_code == 302
    assert client.submit(f"{base}/rounds/{measured.id}/plan/publish").status_code == 302  # mails the results

    second = rounds.create_round(org, rounds.RoundSettings(title="Tweede meting", opens_on=date.today(),
                                                           closes_on=date.today() + timedelta(days=9)))
    db.session.commit()
    for lang in ("nl", "en"):
        pages["round page, just opened", lang] = (
            client.submit(f"{base}/rounds/{second.id}/open?lang={lang}", follow_redirects=True).get_data(as_text=True)
            if lang == "nl" else read(f"{base}/rounds/{second.id}?lang=en"))
    assert "De ronde is open" in pages["round page, just opened", "nl"]
    invited_now = client.submit(f"{base}/rounds/{second.id}/invite?lang=nl", follow_redirects=True).get_data(as_text=True)
    assert "personen uitgenodigd" in invited_now, re.findall(r"flash[^>]*>[^<]*", invited_now)
    assert client.submit(f"{base}/rounds/{second.id}/customers?lang=nl", {"emails": "a@example.nl"}).status_code == 302
    db.session.refresh(second)
    with app.test_request_context():
        assert inviting.send_reminders(second, now=utcnow() + timedelta(days=4))
    db.session.commit()
    for lang in ("nl", "en"):
        pages["round page, link paused", lang] = client.submit(
            f"{base}/rounds/{second.id}/customer-link?lang={lang}", follow_redirects=True).get_data(as_text=True)
        pages["round page, link resumed", lang] = client.submit(
            f"{base}/rounds/{second.id}/customer-link?lang={lang}", follow_redirects=True).get_data(as_text=True)
        for name, url in (("dashboard, a round open", f"{base}/"), ("rounds", f"{base}/rounds/"),
                          ("card", f"{base}/rounds/{second.id}/customer-card"),
                          ("QR code", f"{base}/rounds/{second.id}/customer-qr.svg")):
            pages[name, lang] = read(f"{url}?lang={lang}")
    # The round's minimums, as opened; the filter's "Woord voor klanten gewijzigd" names the setting.
    pages["audit trail", "nl"] = read(f"{base}/audit/?lang=nl").replace("Woord voor klanten gewijzigd", "…")

    said = {where: strays(_visible(page) + " " + " ".join(re.findall(r'(?:alt|title|aria-label)="([^"]*)"', page)),
                          where[1]) for where, page in pages.items()}
    found = [f"{name} ({lang}): {text}" for (name, lang), texts in said.items() for text in texts]
    assert found == [], "\n".join(found)
    assert "Link voor huurders weer openen" in pages["round page, link paused", "nl"]
    assert "Resume the tenant link" in pages["round page, link paused", "en"]
    assert "0 reacties van huurders" in _visible(pages["dashboard, a round open", "nl"])
    assert "minimum huurders: 5" in pages["audit trail", "nl"]

    mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.organisation_id == org.id)).all()
    kinds = {m.kind for m in mails}
    assert {"results-shared", "customer-invitation"} <= kinds and len(kinds) >= 4, kinds
    languages = {m.id: "en" if re.search(r"\b(Hello|Dear)\b", m.body_text) else "nl" for m in mails}
    assert set(languages.values()) == {"nl", "en"}
    wrong = {(m.kind, m.recipient): strays(f"{m.subject}\n{m.body_text}", languages[m.id]) for m in mails}
    found = [f"{kind} to {recipient}: {text}" for (kind, recipient), texts in wrong.items() for text in texts]
    assert found == [], "\n".join(found)
    shared = next(m for m in mails if m.kind == "results-shared" and languages[m.id] == "nl")
    assert "hoe medewerkers en huurders haar zien" in shared.body_text


def test_the_chart_names_the_consultancys_other_clients_organisations_not_klanten(app):
    """The dimension chart's legend for the benchmark: in Dutch "klanten" would read as the
    organisation's own customers (the tenants, for a housing corporation); the table beside it
    says "Andere organisaties"."""
    from flask import render_template_string
    from flask_babel import force_locale

    from maturity.results.figures import Bar, BarMark, DimensionRow

    row = DimensionRow("skills", "Vaardigheden", 50, "50", 10, "bar", Bar(175.0, 165.0),
                       (BarMark("benchmark", Bar(140.0, 132.0)),))
    with app.test_request_context(), force_locale("nl"):
        svg = render_template_string('{% from "charts/_charts.html" import hbars %}{{ hbars(rows, "t") }}', rows=[row])
    assert "andere organisaties (gemiddelde)" in svg and not KLANT.search(svg)
