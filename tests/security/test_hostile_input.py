"""Every request answers cleanly, whatever the input: no 500 from anyone, on either database.

The fuzz test walks every route (``app.url_map``) as every kind of visitor and sends every form
field and URL parameter the app knows, filled with hostile values: NUL bytes, non-ASCII,
overlong text, trailing newlines and line breaks, huge and negative numbers, extreme dates."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from wtforms.fields.core import UnboundField

from maturity.extensions import db
from maturity.instrument import load_instrument

from tests.conftest import sign_in
from ..helpers import own_url, routes
from ..helpers import world_with_rounds  # noqa: F401  (replaces the world fixture)

HOSTILE = {
    "nul": "a\x00b",
    "non_ascii": "é…ü\u202e漢",
    "overlong": "x" * 70_000,
    "newline": "#00695c\n",
    "crlf": "Naam\r\nBcc: iemand@example.nl",
    "huge": "9" * 400,
    "negative": "-99999999999999999999",
    "date_min": "0001-01-01",
    "date_max": "9999-12-31",
}


#: Every query parameter a view reads (grep request.args), and the language switch's.
URL_PARAMETERS = ("q", "lang", "page", "next", "section", "dir", "sort", "phase")


def _field_names() -> set[str]:
    from flask_wtf import FlaskForm

    import maturity.accounts.forms  # noqa: F401
    import maturity.consultancies.forms  # noqa: F401
    import maturity.organisations.forms  # noqa: F401
    import maturity.plans.forms  # noqa: F401
    import maturity.rounds.forms  # noqa: F401

    names, todo = set(), [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        names |= {name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField)}
    instrument = load_instrument("1")
    names |= set(instrument.customer_answer_keys())
    names |= {item.key for section in instrument.likert_sections for item in section.items}
    names |= {q.key for q in instrument.quiz.questions}
    return names | {"comment", "website", "emails", "q", "lang", "page", "next", "direction", "section", "retry"}


def _visitors(world, make_client):
    """Anonymous, a respondent (link opened), a customer, an employee, a director, a consultant, an admin."""
    anonymous = make_client()
    respondent = make_client()
    respondent.get(f"/r/{world.ours.respondent_token}/")
    yield "anonymous", anonymous
    yield "respondent", respondent
    for user in (world.ours.employee, world.ours.director, world.ours.consultant, world.admin):
        client = make_client()
        sign_in(client, user.email)
        yield user.email, client


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_no_route_answers_500_to_hostile_input(app, world, make_client, kind):  # noqa: F811
    value = HOSTILE[kind]
    fields = _field_names()
    # Each route's URL with our own objects, worked out while they all exist.
    urls = [(rule, own_url(rule, world)) for rule in routes(app) if rule.endpoint != "accounts.logout"]
    for who, client in _visitors(world, make_client):
        token = client.csrf_token()
        # What this visitor's hostile posts change (a person removed, a round closed) is undone
        # before the next visitor signs in; a rollback of the test's own session instead would
        # undo the world itself, and every later visitor would be an anonymous one.
        checkpoint = db.session.begin_nested()
        for rule, url in urls:
            if "GET" in rule.methods:
                response = client.get(url, query_string={name: value for name in URL_PARAMETERS})
                assert response.status_code < 500, f"{who} GET {url} [{kind}] -> {response.status_code}"
            if "POST" in rule.methods:
                data = {name: value for name in fields} | {"csrf_token": token}
                response = client.post(url, data=data)
                assert response.status_code < 500, f"{who} POST {url} [{kind}] -> {response.status_code}"
        checkpoint.rollback()
        db.session.expire_all()


@pytest.mark.parametrize("path", ["/k/%00/", "/r/%00/", "/kp/%00/", "/r/1.%C3%A9%E2%80%A6/", "/k/%C3%A9/",
                                  "/invitation/%00", "/password/reset/%C3%A9%00", "/shared/%00", "/shared/1.%C3%A9%00",
                                  "/shared/99999999999." + "a" * 32])
def test_odd_links_are_not_found_or_invalid(client, path):
    assert client.get(path).status_code in (400, 404)


def test_a_nul_in_a_customer_comment_is_dropped_not_a_500(make_client, world):  # noqa: F811
    from maturity.rounds.models import CustomerResponse

    customer = make_client()
    data = {key: "7" for key in load_instrument("1").customer_answer_keys()}
    url = f"/k/{world.ours.round.customer_token}/"
    assert customer.submit(url, {**data, "comment": "Prima\x00 service"}).status_code == 302
    from maturity.results import publication

    publication.close(world.ours.round)
    assert db.session.scalar(sa.select(CustomerResponse.comment)) == "Prima service"


def test_a_line_break_or_a_long_name_never_stops_the_invitations(app, world, client, auth):  # noqa: F811
    """An organisation name with a line break and 93 characters, a round title of 91: the
    invitation subject stays one line within its column, and everyone is invited."""
    from aiosmtpd.controller import Controller

    from maturity.mail.models import OutboxMessage
    from maturity.rounds import services as rounds
    from maturity.rounds import inviting

    from ..helpers import Collect, free_port

    handler = Collect()
    smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
    smtp.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_USE_TLS=False)
    try:
        world.ours.org.name = "Woonstichting\nDe Linde " + "x" * 80
        from datetime import date, timedelta

        round_ = rounds.create_round(world.ours.org, rounds.RoundSettings(
            title="R" * 91, opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
        rounds.open_round(round_)
        with app.test_request_context():
            assert inviting.invite_employees(round_) == 1
        db.session.commit()
    finally:
        app.config.update(saved)
        smtp.stop()
    [subject] = db.session.scalars(sa.select(OutboxMessage.subject).where(OutboxMessage.round_id == round_.id)).all()
    assert "\n" not in subject and len(subject) <= 200
    from email.header import decode_header, make_header

    assert [str(make_header(decode_header(m["Subject"]))).replace("\r\n", "") for m in handler.messages] == [subject]


def test_extreme_round_dates_get_a_message(client, auth, world):  # noqa: F811
    auth.login(world.ours.director)
    response = client.submit(f"/o/{world.ours.org.slug}/rounds/new", {
        "title": "Eeuwig", "opens_on": "0001-01-01", "closes_on": "9999-12-31", "min_group_size": "9" * 400,
        "min_comment_group_size": "10"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Kies een datum tussen 2000 en 2100" in page


def test_a_round_of_more_than_a_year_gets_a_message(client, auth, world):  # noqa: F811
    auth.login(world.ours.director)
    response = client.submit(f"/o/{world.ours.org.slug}/rounds/new", {
        "title": "Lang", "opens_on": "2027-01-01", "closes_on": "2029-01-01", "min_group_size": "5",
        "min_comment_group_size": "10"})
    assert response.status_code == 400 and "hoogstens een jaar" in response.get_data(as_text=True)


def test_an_id_beyond_any_column_is_not_found_on_every_route(app, world, make_client):  # noqa: F811
    """2147483648 does not fit PostgreSQL's INTEGER ("integer out of range" was a 500 on 90 of 90
    routes, anonymous ones too): every ``<int:…>`` route, and every link that carries an id,
    treats it as naming nothing."""
    from werkzeug.routing import IntegerConverter

    from ..helpers import route_url, routes

    too_big = str(2**31)
    children = {name: (lambda w, v=too_big: v) for name in ("membership_id", "round_id", "item_id", "consultant_id",
                                                         "user_id", "message_id", "number", "segment_id", "value_id",
                                                         "service_id", "token_id", "consultancy_id", "key_id",
                                                         "webhook_id", "delivery_id",
                                                         # the JSON API's ids
                                                         "org_id", "action_id", "person_id")}
    children |= {"token": lambda w: world.ours.round.customer_token, "section": lambda w: "quiz"}
    tried = 0
    for who, client in _visitors(world, make_client):
        for rule in routes(app):
            if not any(isinstance(rule._converters.get(name), IntegerConverter) for name in rule.arguments):
                continue
            url = route_url(rule, world, tenant=world.ours, children=children)
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
                assert response.status_code < 500, f"{who} {method} {url} -> {response.status_code}"
                tried += 1
    assert tried > 100
    for path in (f"/r/{too_big}.{'a' * 32}/", f"/r/{too_big}.{'a' * 32}/reminders", f"/kp/{too_big}.{'a' * 32}/",
                 f"/r/999999999999.{'a' * 32}/", f"/shared/{too_big}.{'a' * 32}"):
        assert make_client().get(path).status_code == 404, path
