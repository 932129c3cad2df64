"""Dutch by default, English on request and remembered; the Dutch catalogue is complete and current."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from customer_contexts import instrument_texts  # noqa: E402  (the script make messages runs)

PO = ROOT / "maturity" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None,
            # Customer sentences: an entry per customer word (tests/integration/test_customer_words.py).
            "customer_gettext": None, "lazy_customer_gettext": None, "customer_ngettext": (1, 2), "NC_": None}


def _catalog():
    with PO.open("rb") as fh:
        return read_po(fh, locale="nl")


def _source_msgids() -> set:
    ids = set()
    method_map = [("maturity/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        ids.add(message if isinstance(message, str) else tuple(message))
    return ids


def test_dutch_catalogue_is_current_with_the_source():
    in_po = {m.id if isinstance(m.id, str) else tuple(m.id) for m in _catalog() if m.id}
    in_source = _source_msgids() | set(instrument_texts())  # the instrument's texts naming customers
    assert in_source - in_po == set(), "run `make messages` and translate the new strings"
    assert in_po - in_source == set(), "obsolete strings in the catalogue: run `make messages`"


def test_dutch_catalogue_is_complete_and_well_formed():
    catalog = _catalog()
    assert not catalog.fuzzy
    untranslated = [m.id for m in catalog if m.id and (
        not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)]
    assert untranslated == []
    problems = [(m.id, errors) for m, errors in catalog.check() if errors]
    assert problems == []


def test_english_catalogue_is_well_formed():
    """The English catalogue holds the customer sentences per word ("residents", "tenants"):
    each keeps the placeholders of its msgid (a msgstr that said %(resident)s where the msgid
    has %(customer)s made pybabel compile report 30 errors, and would fail when formatted)."""
    with (PO.parents[2] / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="en")
    problems = [(m.context, m.id, errors) for m, errors in catalog.check() if errors]
    assert problems == []


def test_dutch_is_the_default(client, db):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="nl"' in html and "Wachtwoord vergeten?" in html


def test_language_choice_is_remembered_in_the_session(client, db):
    client.submit("/language", {"locale": "en", "next": "/login"})
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="en-GB"' in html and "Forgot your password?" in html


def test_language_choice_is_saved_on_the_account(make_client, world):
    from maturity.accounts.models import User
    from maturity.extensions import db

    first = make_client()
    first.submit("/login", {"email": world.ours.director.email, "password": "correct horse battery"})
    first.submit("/language", {"locale": "en"})
    db.session.expire_all()
    assert db.session.get(User, world.ours.director.id).locale == "en"
    second = make_client()  # another device, a fresh session
    second.submit("/login", {"email": world.ours.director.email, "password": "correct horse battery"})
    assert "Overview" in second.get("/", follow_redirects=True).get_data(as_text=True)


def test_unknown_language_is_ignored(client, db):
    client.submit("/language", {"locale": "xx"})
    assert 'lang="nl"' in client.get("/login").get_data(as_text=True)


def test_mail_goes_out_in_the_recipients_language(client, auth, world):
    from maturity.extensions import db

    from ..conftest import outbox_messages

    world.ours.employee.locale = "en"
    db.session.flush()
    client.submit("/password/forgot", {"email": world.ours.employee.email})
    assert outbox_messages()[-1].subject == "Reset your Klantspiegel password"


def test_an_anonymous_visitor_gets_the_browsers_language_and_lang_sticks(client, world):
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Log in" in english and "Inloggen" not in english
    dutch = client.get("/login", headers={"Accept-Language": "nl-NL,nl;q=0.9"}).get_data(as_text=True)
    assert "Inloggen" in dutch
    # ?lang= on any page, and the choice sticks for this browser whatever it asks for.
    assert "Log in" in client.get("/login?lang=en", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Log in" in client.get("/password/forgot", headers={"Accept-Language": "nl"}).get_data(as_text=True)


def test_templates_follow_a_forced_locale_inside_a_request_and_back(app):
    """Templates look their catalogue up once per request and locale: a mail written in English
    during a Dutch page (``force_locale``) is English, and the page goes on in Dutch."""
    from flask import render_template_string
    from flask_babel import force_locale

    page = '{{ _("Log in") }} · {{ ngettext("%(num)d question on this page is still open; it is marked.", "%(num)d questions on this page are still open; they are marked.", 2) }}'
    with app.test_request_context("/?lang=nl"):
        before = render_template_string(page)
        with force_locale("en_GB"):
            inside = render_template_string(page)
        after = render_template_string(page)
    assert before == after and before.startswith("Inloggen · 2 vragen")
    assert inside == "Log in · 2 questions on this page are still open; they are marked."


def test_a_pages_strings_and_a_macros_escape_their_values_alike(app):
    """Pages translate through functions bound to the render's catalogue, macros imported without
    context through the environment's: the same text, values escaped in both. Customer sentences
    (``customer_gettext``, a message context per word) are escaped alike."""
    from flask import render_template_string
    from markupsafe import Markup

    macro = app.jinja_env.from_string('{% macro m(org) %}{{ customer_gettext("How do customers experience %(org)s?", org=org) }}{% endmacro %}')
    app.jinja_env.globals["_test_macro"] = macro.module.m
    try:
        with app.test_request_context("/?lang=nl"):
            page = render_template_string('{{ customer_gettext("How do customers experience %(org)s?", org=org) }}|{{ _test_macro(org) }}',
                                          org="<b>A&B</b>")
    finally:
        del app.jinja_env.globals["_test_macro"]
    bound, from_macro = page.split("|")
    assert bound == from_macro and "&lt;b&gt;A&amp;B&lt;/b&gt;" in bound and bound.startswith("Hoe ervaren klanten")
    # Markup stays markup: the translation itself is Markup, so a safe value is not escaped twice.
    with app.test_request_context("/?lang=nl"):
        page = render_template_string('{{ customer_gettext("How do customers experience %(org)s?", org=org) }}', org=Markup("<b>A</b>"))
    assert "<b>A</b>" in page


def test_numbers_read_as_babel_formats_them_and_zero_has_no_sign(app):
    """``i18n.number`` formats without Babel's per-call cost; it must read exactly as Babel's
    "0.0…" pattern does (decimal comma in Dutch), except that a value shown as zero is "0,0",
    never "-0,0"."""
    import random

    from flask_babel import force_locale, format_decimal

    from maturity.core.display import shown
    from maturity.i18n import number

    rng = random.Random(7)
    with app.test_request_context():
        for locale in ("nl", "en_GB"):
            with force_locale(locale):
                for _ in range(3000):
                    value = rng.choice([rng.uniform(-200, 200), rng.randint(-1000, 1000) / 100, -9876.54])
                    digits = rng.choice([0, 1, 2])
                    expected = format_decimal(shown(value, digits), format="0" if digits == 0 else "0." + "0" * digits)
                    assert number(value, digits) == (expected.lstrip("-−") if shown(value, digits) == 0 else expected)
                assert number(-0.04, 1) == ("0,0" if locale == "nl" else "0.0")
