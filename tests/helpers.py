"""Helpers shared by the test modules: rounds with answers, the respondent's pages, a real SMTP
server, copies of the database, every route of the app. Test modules import from here (and from
``conftest`` and ``factories``), never from each other (``tests/unit/test_suite_layout.py``).

The fixtures here (``open_round``, ``smtp_server``, and ``world_with_rounds``, which replaces
``world``) are used by importing them into a test module."""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import random
import re
import socket
from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from maturity.accounts.models import User
from maturity.api.keys import create_key as create_api_key
from maturity.core import DONT_KNOW, DimensionStats, GroupProfile, actions
from maturity.core.actions import PlanInput
from maturity.extensions import db
from maturity.i18n import in_every_language
from maturity.instrument import available_versions, load_instrument
from maturity.mail.models import OutboxMessage
from maturity.models_base import utcnow
from maturity.organisations.services import department_named
from maturity.plans import services as plans
from maturity.plans.models import ActionPlan
from maturity.provisioning.services import create_token as create_scim_token
from maturity.results import publication, tally
from maturity.rounds import links, segment_answers, services
from maturity.rounds import customer_responses, inviting, submission
from maturity.rounds.models import (CustomerAnswer, CustomerResponse, Invitation, Response, ResponseAnswer, Round,
                                    RoundStatus)
from maturity.rounds.questionnaire import SECTIONS, customer_keys, section_keys
from maturity.segments import services as segment_services
from maturity.segments.models import MemberSegment, Segment, SegmentValue
from maturity.tenancy.access import CONSULTANCY_PREFIX, ORG_PREFIX
from maturity.tenancy.models import Consultancy, Organisation, OrganisationMembership, OrgRole
from maturity.webhooks import events as webhook_events
from maturity.webhooks import services as webhooks
from maturity.webhooks.models import DeliveryStatus, WebhookDelivery

from .factories import DepartmentFactory, build_tenant, member


# The questionnaire: full answers, the personal link, the respondent's pages ---------------------


#: The current instrument: the version a round opened today is pinned to.
INSTRUMENT = load_instrument()
#: The answers that score 5 each in seed 001's table.
BEST = {"quiz.q1": "c", "quiz.q2": "b", "quiz.q3": "a", "quiz.q4": "b", "quiz.q5": "c", "quiz.q6": "c"}


def full_answers(choice=None, likert="4", mark="7") -> dict[str, str]:
    answers = {}
    for section in SECTIONS:
        for key in section_keys(INSTRUMENT, section):
            if key.startswith("quiz."):
                answers[key] = choice or BEST[key]
            else:
                answers[key] = mark if key.startswith("mirror.") else likert
    return answers


def section_form(section: str, answers: dict) -> dict:
    return {k: v for k, v in answers.items() if k in section_keys(INSTRUMENT, section)}


@pytest.fixture
def open_round(world):
    round_ = services.create_round(world.ours.org, services.RoundSettings(
        title="Voorjaar", opens_on=date.today() - timedelta(days=1), closes_on=date.today() + timedelta(days=20)))
    services.open_round(round_)
    db.session.flush()
    return round_


#: Where the questionnaire lives once the personal link has been opened in a browser.
R = "/respond/"


def invite_and_get_link(round_, client_or_none=None) -> str:
    """Invite everyone; the personal link of the last one invited (as in their mail)."""
    inviting.invite_employees(round_)
    db.session.flush()
    invitation = db.session.scalars(
        sa.select(Invitation).where(Invitation.round_id == round_.id).order_by(Invitation.id.desc())).first()
    return f"/r/{links.invitation_token(invitation.id, invitation.nonce)}/"


def opened(client, link: str):
    """Open the personal link as a browser does: it is exchanged for the session."""
    response = client.get(link)
    assert response.status_code == 302 and response.location.endswith(R), response.status_code
    return client


# Rounds with responses --------------------------------------------------------------------------


def round_with_people(world, *, min_size=5, departments=None, org=None):
    """An open round in our organisation (or ``org``) with the given departments (name -> people)."""
    org = org or world.ours.org
    for name, size in (departments or {}).items():
        department = DepartmentFactory(organisation_id=org.id, name=name)
        for _ in range(size):
            member(org, OrgRole.EMPLOYEE, department)
    round_ = services.create_round(org, services.RoundSettings(
        title="Meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=9), min_group_size=min_size,
        min_comment_group_size=max(min_size, 10)))
    services.open_round(round_)
    inviting.invite_employees(round_)
    db.session.flush()
    return round_


def invitations_of(round_):
    return list(db.session.scalars(sa.select(Invitation).where(Invitation.round_id == round_.id).order_by(Invitation.id)))


def submit_answers(invitation, answers):
    token = links.invitation_token(invitation.id, invitation.nonce)
    submission.save_answers(invitation, token, answers)
    return submission.submit_response(invitation, token)


def round_url(world, round_, suffix):
    return f"/o/{world.ours.org.slug}/rounds/{round_.id}/{suffix}"


def download(client, url: str):
    """A document the worker makes (the report, a version, the deck, the customer card, the
    personal result), as its page's button gets it: a POST asks for it and answers with the
    file's address, which serves it (the immediate queue has made it by then)."""
    asked = client.submit(url)
    assert asked.status_code == 303 and asked.location.endswith(url.rsplit("/", 1)[-1]), asked.status_code
    return client.get(asked.location)


def without_csrf(page: bytes) -> bytes:
    """The page without its CSRF tokens (the meta tag and every form's hidden field), which carry
    the clock second they were made in."""
    page = re.sub(rb'<meta name="csrf-token" content="[^"]*">', b"", page)
    return re.sub(rb'(name="csrf_token"[^>]*?value=")[^"]*(")', rb"\1\2", page)


def filled_round(app, world, sizes: dict[str, int], customers: int = 0, comments=(), seed=3, close=True):
    """A round in our organisation with ``sizes`` responses per department (real submits)."""
    rng = random.Random(seed)
    org = world.ours.org
    for name, size in sizes.items():
        department = DepartmentFactory(organisation_id=org.id, name=name)
        for _ in range(size):
            member(org, OrgRole.EMPLOYEE, department)
    round_ = services.create_round(org, services.RoundSettings(
        title="Meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
    services.open_round(round_)
    with app.test_request_context():
        inviting.invite_employees(round_)
        department_of = {d.id: d.name for d in db.session.scalars(sa.select(type(department)))}
        for invitation in db.session.scalars(sa.select(Invitation).where(Invitation.round_id == round_.id)):
            if department_of.get(invitation.department_id) not in sizes:
                continue
            token = links.invitation_token(invitation.id, invitation.nonce)
            submission.save_answers(invitation, token, full_answers(likert=str(rng.randint(2, 5)), mark=str(rng.randint(5, 9))))
            submission.submit_response(invitation, token)
        for i in range(customers):
            customer_responses.submit_customer_response(
                round_, {k: str(rng.randint(4, 8)) for k in full_answers() if k.endswith(".self")} and
                {f"mirror.m{j}.customer": str(rng.randint(4, 8)) for j in range(1, 6)},
                comments[i] if i < len(comments) else "", "nl")
        if close:
            publication.close(round_)  # publishes: the ballot box is released
    db.session.flush()
    return round_


def bulk_responses(round_, world, n: int, customers: int, seed: int = 5) -> None:
    """n responses and answers inserted in bulk (submitting 1,000 one by one would be slow)."""
    rng = random.Random(seed)
    org = db.session.get(type(world.ours.org), round_.organisation_id)
    departments = [department_named(org, f"Afdeling {i}").name for i in range(8)]
    responses, answers = [], []
    for i in range(n):
        rid = f"{seed:04d}{i:028d}"
        responses.append(dict(id=rid, round_id=round_.id, organisation_id=round_.organisation_id,
                              department=rng.choice(departments),
                              quiz_total=20, band="average", skills=rng.uniform(20, 90), leadership=rng.uniform(20, 90),
                              culture=rng.uniform(20, 90), mirror_self=rng.uniform(40, 90), mirror_estimate=rng.uniform(40, 90)))
        for key, value in full_answers(likert=str(rng.randint(1, 5)), mark=str(rng.randint(3, 10))).items():
            answers.append(dict(response_id=rid, item_key=key, choice=value if key.startswith("quiz.") else None,
                                value=3 if key.startswith("quiz.") else int(value)))
    db.session.execute(sa.insert(Response), responses)
    db.session.execute(sa.insert(ResponseAnswer), answers)
    customer_rows = [dict(id=f"c{seed:03d}{i:028d}", round_id=round_.id, organisation_id=round_.organisation_id,
                          submitted_on=date.today(), language="nl", mirror_customer=rng.uniform(30, 90),
                          comment=f"Opmerking {i}") for i in range(customers)]
    if not customer_rows:
        db.session.flush()
        _published_as_released(round_)
        return
    db.session.execute(sa.insert(CustomerResponse), customer_rows)
    db.session.execute(sa.insert(CustomerAnswer), [
        dict(customer_response_id=c["id"], item_key=f"mirror.m{j}.customer", value=rng.randint(3, 10))
        for c in customer_rows for j in range(1, 6)])
    db.session.flush()
    _published_as_released(round_)


def _published_as_released(round_):
    """Closed without going through the ballot box (the rows were bulk-inserted as released):
    its tally is built from those rows, as ``flask rebuild-tallies`` would."""
    round_.status = RoundStatus.CLOSED
    db.session.flush()
    tally.rebuild(round_)
    db.session.flush()


def bulk_round(org, title, days_ago, n, world, seed):
    """A published round ``days_ago`` days back with ``n`` responses inserted in bulk, in our
    organisation or another one."""
    round_ = services.create_round(org, services.RoundSettings(
        title=title, opens_on=date.today() - timedelta(days=days_ago), closes_on=date.today() - timedelta(days=days_ago - 20)))
    services.open_round(round_)
    bulk_responses(round_, world, n=n, customers=0, seed=seed) if org.id == world.ours.org.id else bulk_other_responses(round_, n, seed)
    db.session.flush()
    return round_


def bulk_other_responses(round_, n, seed):
    """Another organisation's round: ``n`` responses without answers, published (the benchmark
    hears of it)."""
    rng = random.Random(seed)
    round_.status = RoundStatus.CLOSED
    db.session.execute(sa.insert(Response), [dict(
        id=f"o{seed:03d}{i:028d}", round_id=round_.id, organisation_id=round_.organisation_id, department=None,
        quiz_total=20, band="average",
        skills=rng.uniform(40, 80), leadership=rng.uniform(40, 80), culture=rng.uniform(40, 80),
        mirror_self=60.0, mirror_estimate=60.0) for i in range(n)])
    tally.rebuild(round_)
    # Published as a close publishes: what listens to a publication (the benchmark) hears it.
    round_.closed_at = utcnow()
    publication.published.send(round_)


LEADERSHIP_REVERSED = "leadership.l6"  # reverse-keyed in instrument v1


def planted_round(app, world) -> Round:
    """What used to make the surfaces disagree (``test_one_truth``): reverse-keyed statements,
    "weet ik niet", a department too small to show, and a mirror topic whose gap sits exactly on
    the one-mark edge (own 8.2, customers 7.2)."""
    round_ = round_with_people(world, departments={"Wonen": 6, "Juridisch": 2})
    invitations = invitations_of(round_)
    with app.test_request_context():
        for n, invitation in enumerate(invitations):
            answers = full_answers(likert=str(2 + n % 4))
            answers[LEADERSHIP_REVERSED] = "4"  # agreeing with a negative statement: weak
            answers["culture.c2"] = "dk" if n % 3 == 0 else "3"
            answers["mirror.m1.self"] = "9" if n < 2 else "8"  # 2 of 10 give a 9: mean 8.2
            submit_answers(invitation, answers)
        for n in range(5):
            customer_responses.submit_customer_response(
                round_, {f"mirror.m{j}.customer": ("8" if n == 0 else "7") for j in range(1, 6)}, f"Opmerking {n}", "nl")
        publication.close(round_)
    db.session.flush()
    return round_


# A housing corporation with segments and services -----------------------------------------------


def leaning_answers(rng: random.Random, lean: int) -> dict[str, str]:
    """A full questionnaire, leaning higher or lower (a team's own tone)."""
    answers = {}
    for question in INSTRUMENT.quiz.questions:
        answers[question.key] = rng.choice(question.options).key
    for section in INSTRUMENT.likert_sections:
        for item in section.items:
            answers[item.key] = str(min(section.scale.max, max(section.scale.min, rng.randint(2, 4) + lean)))
    for item in INSTRUMENT.mirror.items:
        for view in ("self", "estimate"):
            answers[item.answer_key(view)] = str(min(10, max(1, rng.randint(5, 8) + lean)))
    return answers


#: The corporation's services, and how a team's answers lean.
CORPORATION_SERVICES = {"Reparaties": 1, "Verhuur": 0, "Wmo": -1}
CORPORATION_PEOPLE = [
    # service, location, role, how many
    ("Reparaties", "Noord", "Uitvoerend", 6), ("Reparaties", "Zuid", "Uitvoerend", 6),
    ("Reparaties", "Noord", "Leidinggevend", 5),
    ("Verhuur", "Noord", "Uitvoerend", 6), ("Verhuur", "Zuid", "Uitvoerend", 7), ("Verhuur", "Zuid", "Leidinggevend", 5),
    ("Wmo", "Noord", "Uitvoerend", 5), ("Wmo", "Zuid", "Uitvoerend", 5), ("Wmo", "Zuid", "Leidinggevend", 1),
]


def corporation(org, app, seed: int = 26, customers: dict[str, int] | None = None):
    """Segments, people with their values, a round answered by everyone, customers per service."""
    rng = random.Random(seed)
    customers = customers if customers is not None else {"Reparaties": 9, "Verhuur": 6, "Wmo": 3}
    segments = {}
    for name, values, is_service in (("Dienst", CORPORATION_SERVICES, True), ("Locatie", ["Noord", "Zuid"], False),
                                     ("Rol", ["Uitvoerend", "Leidinggevend"], False)):
        segment = Segment(organisation_id=org.id, name=name, is_service=is_service)
        segment.values = [SegmentValue(organisation_id=org.id, name=v) for v in values]
        db.session.add(segment)
        segments[name] = segment
    db.session.flush()
    value = {(s.name, v.name): v for s in segments.values() for v in s.values}
    department = DepartmentFactory(organisation_id=org.id, name="Wonen")
    for service, location, role, count in CORPORATION_PEOPLE:
        for _ in range(count):
            user = member(org, OrgRole.EMPLOYEE, department)
            membership = db.session.scalar(sa.select(OrganisationMembership).where(
                OrganisationMembership.user_id == user.id, OrganisationMembership.organisation_id == org.id))
            for segment_name, value_name in (("Dienst", service), ("Locatie", location), ("Rol", role)):
                v = value[segment_name, value_name]
                db.session.add(MemberSegment(membership_id=membership.id, segment_id=v.segment_id, value_id=v.id))
    db.session.flush()
    with app.test_request_context():
        round_ = services.create_round(org, services.RoundSettings(
            title="Meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=9),
            min_group_size=5, min_comment_group_size=10))
        services.open_round(round_)
        inviting.invite_employees(round_)
        for invitation in db.session.scalars(sa.select(Invitation).where(Invitation.round_id == round_.id)):
            values = segment_answers.invitation_values(invitation.id)
            service = next((v.name for v in segments["Dienst"].values if v.id in values), None)
            if service is None:
                continue  # the world's own employee, without segments, does not answer
            token = links.invitation_token(invitation.id, invitation.nonce)
            submission.save_answers(invitation, token, leaning_answers(rng, CORPORATION_SERVICES[service]))
            submission.submit_response(invitation, token)
        keys = customer_keys(INSTRUMENT)
        for service, count in customers.items():
            for _ in range(count):
                # Customers of repairs are harsher than the repair team thinks.
                answers = {k: str(rng.randint(3, 6)) if service == "Reparaties" else str(rng.randint(6, 9)) for k in keys}
                customer_responses.submit_customer_response(round_, answers, "", "nl", service_id=value["Dienst", service].id)
        customer_responses.submit_customer_response(round_, {k: DONT_KNOW for k in keys} | {keys[0]: "7"}, "", "nl")
        publication.close(round_)
    db.session.flush()
    return round_, value


# Profiles for the pure rules --------------------------------------------------------------------


def generate_as_stored(plan: PlanInput, instrument):
    """The proposals with their texts as the plan stores them: through the catalogue, in Dutch and English."""
    return [replace(p, **{f: in_every_language(getattr(p, f)) for f in ("title", "description", "finding", "target")})
            for p in actions.generate(plan, instrument)]


def dimension_stats(mean, n=30, sd=12.0):
    return DimensionStats(n=n, mean=mean, sd=sd)


def group_profile(skills=55, leadership=50, culture=55, own=70, estimate=68, customer=None, n_customer=20):
    return GroupProfile(
        skills=dimension_stats(skills), leadership=dimension_stats(leadership), culture=dimension_stats(culture),
        mirror_self=dimension_stats(own), mirror_estimate=dimension_stats(estimate),
        mirror_customer=dimension_stats(customer, n=n_customer) if customer is not None else None,
    )


# A real SMTP server -----------------------------------------------------------------------------


class Collect(Message):
    """An SMTP handler that keeps what it receives."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def mail_text(message) -> str:
    """The plain-text part of a received message (single part, or multipart/alternative with HTML)."""
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    return parsed.get_body(("plain",)).get_content()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    yield handler
    app.config.update(saved)
    controller.stop()


# Copies of the database (the database administrator's attacks) ----------------------------------


#: Fixed points of a random permutation of 30 follow Poisson(1): 7 or more by chance is about
#: 1 in 13,000 per strategy tried.
CHANCE_BOUND = 6


@contextlib.contextmanager
def committed_tenant(app, label: str):
    """A tenant whose rows really commit, removed again afterwards."""
    with app.app_context():
        tenant = build_tenant(label)
        db.session.commit()
        try:
            yield tenant
        finally:
            db.session.rollback()
            users = set(db.session.scalars(sa.select(OrganisationMembership.user_id).where(
                OrganisationMembership.organisation_id == tenant.org.id)))
            users |= set(db.session.scalars(sa.select(User.id).where(User.email.like(f"%@{label}.example.nl"))))
            db.session.execute(sa.delete(OutboxMessage).where(sa.or_(
                OutboxMessage.organisation_id == tenant.org.id, OutboxMessage.recipient.like(f"%{label}.example%"))))
            db.session.execute(sa.delete(Organisation).where(Organisation.consultancy_id == tenant.consultancy.id))
            db.session.execute(sa.delete(Consultancy).where(Consultancy.id == tenant.consultancy.id))
            db.session.execute(sa.delete(User).where(User.id.in_(users)))
            db.session.commit()


def physical_position() -> str:
    return "ctid" if db.engine.dialect.name == "postgresql" else "rowid"


def ranked(rows) -> list:
    """Items in the order of their key (ctid is text "(page,item)": order it numerically)."""
    def key(value):
        if isinstance(value, str) and value.startswith("("):
            page, item = value.strip("()").split(",")
            return int(page), int(item)
        return value
    return [item for _key, item in sorted(rows, key=lambda r: key(r[0]))]


def matches(predicted: list[int], actual: list[int]) -> int:
    return sum(1 for p, a in zip(predicted, actual) if p == a)


def sqlite_files() -> bytes:
    """The database file and its write-ahead log, as a copy of the disk would hold them."""
    content = b""
    for suffix in ("", "-wal"):
        path = db.engine.url.database + suffix
        if os.path.exists(path):
            with open(path, "rb") as f:
                content += f.read()
    return content


# Consultancy settings ---------------------------------------------------------------------------


#: The retention periods as the settings form shows them by default.
RETENTION = {"retain_answers_months": "24", "retain_personal_results_days": "90", "retain_mail_days": "30",
             "retain_sessions_days": "30", "retain_audit_months": "24"}


# Every route of the app: its kind and a URL for it ----------------------------------------------


#: Reachable without logging in.
PUBLIC = {
    "main.home", "main.health", "main.accessibility", "accounts.login", "accounts.logout", "accounts.forgot_password",
    "accounts.reset_password", "accounts.accept_invitation", "accounts.set_language",
    # The second step of signing in: only for a browser that just gave the right password.
    "accounts.login_code", "accounts.login_setup",
    # The results and plan shared with every invitee (no account; a signed link, the same for all).
    "shared.page",
    # A client directory's SCIM endpoint: a bearer token of the organisation, never a session.
    "scim.endpoint",
    # Signing in with the organisation's account: the start (an address typed) and the provider's way back.
    "sso.start", "sso.callback",
    # The API's description and its interactive documentation: public, as an API's documentation is.
    "api-docs.openapi_json", "api_docs.page", "api_docs.static",
    # The API and webhooks guides (docs/api.md, docs/webhooks.md) as pages.
    "api_docs.guide", "api_docs.webhooks",
}
#: The JSON API's routes: an API key, never a session (test_isolation walks them with keys).
API_PREFIX = "/api/v1/"
#: Any logged-in user, about themselves only.
OWN_ACCOUNT = {"accounts.account", "accounts.update_profile", "accounts.change_password", "privacy.my_data",
               "accounts.two_step", "accounts.new_recovery_codes", "accounts.two_step_off"}
#: The same kind of object in *our* tenant, for the routes that must work for us.
OWN_CHILD = {
    "membership_id": lambda w: w.ours.employee.membership.id,
    # The API's ids (its routes carry the organisation's id, not its slug).
    "org_id": lambda w: w.ours.org.id,
    "action_id": lambda w: w.ours.item.id,
    "person_id": lambda w: w.ours.employee.membership.id,
    "name": lambda w: "swagger-ui.css",  # the API documentation's own files
    "round_id": lambda w: w.ours.round.id,
    "item_id": lambda w: w.ours.item.id,
    "consultant_id": lambda w: w.ours.consultant.consultant_membership.id,
    "user_id": lambda w: w.ours.employee.id,
    "consultancy_id": lambda w: w.ours.consultancy.id,  # the platform admin's pages only
    "message_id": lambda w: 1,
    "section": lambda w: "quiz",
    "token": lambda w: w.ours.respondent_token,
    "number": lambda w: 1,
    "segment_id": lambda w: w.ours.segment.id,
    "value_id": lambda w: w.ours.value.id,
    "service_id": lambda w: w.ours.service.id,
    "token_id": lambda w: create_scim_token(w.ours.org, "Entra ID", by=None)[0].id,
    "path": lambda w: "Users",
    "key_id": lambda w: create_api_key(w.ours.org, "Power BI", [], 30, by=w.ours.director)[0].id,
    "webhook_id": lambda w: webhook_of(w.ours).id,
    "delivery_id": lambda w: webhook_delivery_of(w.ours).id,
}


def webhook_of(tenant):
    """A webhook of the tenant's organisation (made for the route walks). Its address refuses
    connections at once (the discard port on this machine, which the tests' config allows)."""
    return webhooks.create_webhook(url="http://127.0.0.1:9/in", event_types=["round.published"],
                                   organisation_id=tenant.org.id)[0]


def webhook_delivery_of(tenant):
    """A failed delivery of a test event to a webhook of the tenant's organisation."""
    hook = webhook_of(tenant)
    event = webhook_events.envelope(webhook_events.PING, tenant.org, {"object": "webhook", "id": hook.id, "state": "active"})
    delivery = WebhookDelivery(webhook_id=hook.id, event_id=event["id"], event_type=event["type"], payload=event,
                               attempts=1, status=DeliveryStatus.FAILED)
    db.session.add(delivery)
    db.session.flush()
    return delivery


RESPONDENT_PREFIX = "/r/<token>"
#: The questionnaire at token-free addresses, for the browser session that opened the link.
RESPONDENT_SESSION_PREFIX = "/respond/"
CUSTOMER_PREFIX = "/k/<token>"
#: A customer's personal, single-use link.
CUSTOMER_PERSONAL_PREFIX = "/kp/<token>"


def routes(app):
    """Every route of the app but the static files."""
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def route_kind(rule) -> str:
    """Who a route is for; "unclassified" fails ``test_every_route_is_classified``."""
    if rule.rule.startswith(RESPONDENT_PREFIX + "/"):
        return "respondent"
    if rule.rule.startswith(RESPONDENT_SESSION_PREFIX):
        return "respondent_session"
    if rule.rule.startswith(CUSTOMER_PREFIX + "/") or rule.rule.startswith(CUSTOMER_PERSONAL_PREFIX + "/"):
        return "customer"
    if rule.rule.startswith(ORG_PREFIX + "/"):
        return "org"
    if rule.rule.startswith(CONSULTANCY_PREFIX + "/"):
        return "consultancy"
    if rule.endpoint.startswith("admin."):
        return "admin"
    if rule.endpoint in PUBLIC:
        return "public"
    if rule.rule.startswith(API_PREFIX):
        return "api"
    if rule.endpoint in OWN_ACCOUNT:
        return "own"
    return "unclassified"


def route_url(rule, world, *, tenant, children):
    """The rule's URL under ``tenant``, each URL variable filled in from ``children``."""
    values = {}
    for name in rule.arguments:
        if name == "org":
            values[name] = tenant.org.slug
        elif name == "consultancy":
            values[name] = tenant.consultancy.slug
        elif name in children:
            values[name] = children[name](world)
        else:
            pytest.fail(f"{rule.endpoint}: no test value for URL variable <{name}>; add it to FOREIGN_CHILD (test_isolation) and OWN_CHILD (helpers)")
    # Built by hand: url_for would fill in the tenant of the current request.
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
    return path


@pytest.fixture(name="world")
def world_with_rounds(world, app):
    """The shared world plus an open round in both tenants and a respondent link in ours (it
    replaces ``world`` in the modules that import it)."""
    for tenant in (world.ours, world.theirs):
        tenant.round = services.create_round(tenant.org, services.RoundSettings(
            title="Ronde", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
        services.open_round(tenant.round)
        with app.test_request_context():
            inviting.invite_employees(tenant.round)
        invitation = db.session.scalars(sa.select(Invitation).where(
            Invitation.round_id == tenant.round.id, Invitation.user_id == tenant.employee.id)).one()
        with app.test_request_context():
            tenant.respondent_token = links.invitation_token(invitation.id, invitation.nonce)
        plan = ActionPlan(round_id=tenant.round.id, organisation_id=tenant.org.id)
        db.session.add(plan)
        db.session.flush()
        tenant.item = plans.add_item(plan, title="Actie", description="", owner=None, due_on=None)
        tenant.segment = segment_services.create_segment(tenant.org, "Locatie")
        tenant.value = segment_services.add_value(tenant.segment, "Noord")
        segment_services.set_member_value(tenant.employee.membership, tenant.segment, tenant.value)
        services_segment = segment_services.create_segment(tenant.org, "Dienst", is_service=True)
        tenant.service = segment_services.add_value(services_segment, "Reparaties")
    db.session.flush()
    return world


def own_url(rule, world) -> str:
    """A URL for this rule that reaches our own objects (valid tokens included)."""
    if route_kind(rule) == "customer":
        return route_url(rule, world, tenant=world.ours, children={**OWN_CHILD, "token": lambda w: w.ours.round.customer_token})
    if route_kind(rule) in {"public"} and "token" in rule.arguments:
        return rule.rule.replace("<token>", "x")
    return route_url(rule, world, tenant=world.ours, children=OWN_CHILD)


# The client's words (#28) ----------------------------------------------------------------------


#: The organisation's customers by the default word, also in a compound ("klantcontact",
#: "klantoordeel"): not "Klantspiegel", "klantgerichtheid" or the phases klantgericht, klantbewust
#: and klantbekwaam, nor "customer orientation" / "customer-oriented" (the product's, the measured
#: concept's and the phases' names, which keep their words).
SAYS_CUSTOMER = {
    "nl": re.compile(r"\bklant(?!gericht|bewust|bekwaam|spiegel)\w*", re.IGNORECASE),
    "en": re.compile(r"\bcustomer(s|s'|'s)?(?![-\w]|\s+orient)", re.IGNORECASE),
}


def instrument_items(language: str) -> list[str]:
    """The instrument's own texts in ``language`` (statements as asked and in their positive
    wording, the quiz's questions and answers, scales and bands), longest first; not the mirror's
    topics and questions, which are worded in the organisation's word."""
    texts = set()
    for version in available_versions():
        instrument = load_instrument(version)
        for label, text in instrument.iter_texts():
            if not label.startswith("mirror"):
                texts.add(text.get(language))
        for section in instrument.likert_sections:
            for item in section.items:
                texts.add(item.aim.get(language) if item.aim else None)
    return sorted((" ".join(t.split()) for t in texts if t), key=len, reverse=True)


def strays(text: str, language: str) -> list[str]:
    """Where ``text`` speaks of customers outside the instrument's own items (each with some
    words around it)."""
    text = " ".join(text.split())
    for item in instrument_items(language):
        text = text.replace(item, "…")
    return [text[max(0, m.start() - 50):m.end() + 30] for m in SAYS_CUSTOMER[language].finditer(text)]
