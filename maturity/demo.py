"""Demo data: one consultancy, two client organisations (one a housing corporation, as in
seed 003), their directors and about 40 employees across departments."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa

from . import sealing
from .accounts import second_factor
from .accounts.models import User
from .accounts.passwords import hash_password
from .core import DONT_KNOW
from .extensions import db
from .instrument import load_instrument
from .models_base import utcnow
from .plans import services as plans
from .plans.models import ItemStatus
from .results import publication
from .results.services import round_results
from .rounds import links, services
from .rounds import customer_responses, submission
from .rounds.models import CustomerArrival, Invitation, RoundStatus
from .segments.models import MemberSegment, Segment, SegmentValue
from .slugs import unique_slug
from .tenancy.models import (
    Consultancy,
    ConsultantMembership,
    Department,
    Organisation,
    OrganisationMembership,
    OrgRole,
)

DEMO_PASSWORD = "spiegel-demo-2026"

LOGINS = [
    ("Platform admin", "admin@klantspiegel.example"),
    ("Consultant (Koers & Klant)", "consultant@koersenklant.example"),
    ("Director, Woonstichting De Linde", "directeur@delinde.example"),
    ("Director, Van Dam Installatietechniek", "directeur@vandam.example"),
    ("Employee, Woonstichting De Linde", "medewerker@delinde.example"),
]

FIRST = ["Anna", "Bram", "Carla", "Daan", "Eva", "Farid", "Gerda", "Hugo", "Iris", "Jasper", "Kim", "Lars",
         "Mila", "Noah", "Olga", "Pieter", "Quinten", "Roos", "Sven", "Tess", "Umut", "Vera", "Wim", "Yara",
         "Zoë", "Sanne", "Ruben", "Fleur", "Thijs", "Lotte", "Milan", "Julia", "Sem", "Noor", "Jesse"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos",
        "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Yılmaz", "El Amrani"]

ORGANISATIONS = [
    {
        "name": "Woonstichting De Linde", "sector": "Woningcorporatie", "domain": "delinde.example",
        "director": "Marieke van den Berg",
        "departments": {"Klantcontact": 14, "Wonen": 12, "Vastgoedonderhoud": 10, "Wijkbeheer": 8},
    },
    {
        "name": "Van Dam Installatietechniek", "sector": "Installatiebedrijf", "domain": "vandam.example",
        "director": "Henk van Dam",
        "departments": {"Service & Onderhoud": 6, "Projecten": 5, "Verkoop": 4},
    },
    # Smaller clients, so the portfolio and the benchmark (five or more clients) have substance.
    {"name": "Gemeente Lindendal", "sector": "Gemeente", "domain": "lindendal.example", "director": "Fatima Yılmaz",
     "departments": {"Publiekszaken": 6, "Vergunningen": 5}},
    {"name": "Zorggroep De Horst", "sector": "Zorg", "domain": "dehorst.example", "director": "Joost Kramer",
     "departments": {"Thuiszorg": 7, "Cliëntenservice": 5}},
    {"name": "Bouwbedrijf Kramer", "sector": "Bouw", "domain": "kramerbouw.example", "director": "Ria Kramer",
     "departments": {"Uitvoering": 6, "Werkvoorbereiding": 5}},
    {"name": "Energiecoöperatie Zonnedael", "sector": "Energie", "domain": "zonnedael.example", "director": "Daan Groen",
     "departments": {"Ledenservice": 6, "Projecten": 5}},
]


def _user(email: str, name: str, password_hash: str, **extra) -> User:
    user = User(email=email, name=name, password_hash=password_hash, **extra)
    db.session.add(user)
    return user


#: How each demo client names who owns an action (what a director fills in on the plan page).
OWNER_ROLES = {
    "Woningcorporatie": {"board": "Directeur-bestuurder", "managers": "MT", "teams": "Teamleiders",
                         "hr": "P&O", "service": "Manager Klantcontact"},
    "Gemeente": {"board": "Gemeentesecretaris", "managers": "Concernmanagement", "teams": "Teamleiders",
                 "hr": "HRM", "service": "Manager KCC"},
    "default": {"board": "Directie", "managers": "MT", "teams": "Teamleiders", "hr": "HR",
                "service": "Hoofd klantenservice"},
}


def load_demo(seed: int = 7) -> None:
    rng = random.Random(seed)
    # One hash for every demo account: hashing 45 times would only slow the demo down.
    password_hash = hash_password(DEMO_PASSWORD)
    admin = _user("admin@klantspiegel.example", "Platformbeheer", password_hash, is_platform_admin=True)

    consultancy = Consultancy(name="Koers & Klant Advies", slug=unique_slug(Consultancy, "koers-en-klant"))
    db.session.add(consultancy)
    consultant = _user("consultant@koersenklant.example", "Lisa Bakker", password_hash)
    db.session.flush()
    db.session.add(ConsultantMembership(consultancy_id=consultancy.id, user_id=consultant.id))
    # Two-step sign-in is required of these two: set up with a random key of this installation
    # (``flask two-step-code`` shows the current code, outside production).

    for user in (admin, consultant):
        user.totp_secret_sealed = sealing.seal(second_factor.new_secret().encode(), second_factor.PURPOSE)
        user.totp_enabled_at = utcnow()

    names = [f"{f} {l}" for f in FIRST for l in LAST]
    rng.shuffle(names)
    for spec in ORGANISATIONS:
        org = Organisation(consultancy_id=consultancy.id, name=spec["name"], sector=spec["sector"],
                           slug=unique_slug(Organisation, spec["name"]),
                           owner_roles=OWNER_ROLES.get(spec["sector"], OWNER_ROLES["default"]))
        db.session.add(org)
        director = _user(f"directeur@{spec['domain']}", spec["director"], password_hash)
        db.session.flush()
        db.session.add(OrganisationMembership(organisation_id=org.id, user_id=director.id, role=OrgRole.DIRECTOR))
        for dept_name, size in spec["departments"].items():
            dept = Department(organisation_id=org.id, name=dept_name)
            db.session.add(dept)
            db.session.flush()
            for i in range(size):
                if spec["domain"] == "delinde.example" and dept_name == "Klantcontact" and i == 0:
                    email, name = "medewerker@delinde.example", "Sanne Medewerker"
                else:
                    name = names.pop()
                    local = name.lower().replace(" ", ".").replace("ı", "i").replace("ë", "e")
                    email = f"{local}@{spec['domain']}"
                employee = _user(email, name, password_hash)
                db.session.flush()
                db.session.add(OrganisationMembership(
                    organisation_id=org.id, user_id=employee.id, role=OrgRole.EMPLOYEE, department_id=dept.id
                ))
    db.session.commit()
    _demo_segments()
    load_demo_rounds(rng)


#: De Linde's segments: its services (customers can be tied to them), locations and roles.
DEMO_SERVICES = {"Vastgoedonderhoud": "Reparaties", "Wonen": "Verhuur", "Wijkbeheer": "Wijkbeheer"}


def _demo_segments() -> None:
    """De Linde describes its people by service, location and role (deterministically, so the
    rest of the demo's random draws stay as they were)."""

    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Woonstichting De Linde"))
    if org is None:
        return
    values = {}
    for name, names, is_service in (("Dienst", ["Reparaties", "Verhuur", "Wijkbeheer"], True),
                                    ("Locatie", ["Noord", "Zuid"], False),
                                    ("Rol", ["Uitvoerend", "Leidinggevend"], False)):
        segment = Segment(organisation_id=org.id, name=name, is_service=is_service)
        segment.values = [SegmentValue(organisation_id=org.id, name=v) for v in names]
        db.session.add(segment)
        db.session.flush()
        values.update({(name, v.name): v for v in segment.values})
    members = db.session.execute(
        sa.select(OrganisationMembership, Department.name).join(Department)
        .where(OrganisationMembership.organisation_id == org.id).order_by(OrganisationMembership.id)).all()
    for i, (membership, department) in enumerate(members):
        service = DEMO_SERVICES.get(department) or ("Reparaties", "Verhuur")[i % 2]  # the contact centre serves both
        # Each team works from one office: the contact centre and lettings in Noord, the rest in Zuid.
        location = "Noord" if department in ("Klantcontact", "Wonen") else "Zuid"
        for key in (("Dienst", service), ("Locatie", location),
                    ("Rol", "Leidinggevend" if i % 7 == 3 else "Uitvoerend")):
            value = values[key]
            db.session.add(MemberSegment(membership_id=membership.id, segment_id=value.segment_id, value_id=value.id))
    db.session.commit()


# Per department: how customer-oriented answers lean (0 = poor, 1 = excellent) in the
# first and the current round; customers' and employees' views of the organisation.
DEMO_ROUNDS = {
    "Woonstichting De Linde": {
        "lean": {"Klantcontact": (0.38, 0.45, 0.62), "Wonen": (0.34, 0.40, 0.55), "Vastgoedonderhoud": (0.26, 0.30, 0.42),
                 "Wijkbeheer": (0.36, 0.42, 0.58)},
        "self_mark": (7.8, 7.6, 6.9), "estimate_mark": (7.5, 7.3, 6.6), "customer_mark": (5.3, 5.6, 6.6),
        "customers": (8, 10, 10, 3), "respond_share": (0.7, 0.75, 0.91, 0.45),
    },
    "Van Dam Installatietechniek": {
        "lean": {"Service & Onderhoud": (0, 0.55, 0.64), "Projecten": (0, 0.45, 0.6), "Verkoop": (0, 0.6, 0.68)},
        "self_mark": (0, 7.4, 7.4), "estimate_mark": (0, 7.2, 7.2), "customer_mark": (0, 7.1, 7.2),
        "customers": (0, 0, 8), "respond_share": (0.0, 0.0, 0.8),
    },
}
# The smaller clients: one round each, from onwetend to klantbewust.
for _name, _lean, _marks in (
    ("Gemeente Lindendal", 0.5, (7.5, 7.2, 5.9)), ("Zorggroep De Horst", 0.62, (7.2, 7.0, 7.0)),
    ("Bouwbedrijf Kramer", 0.42, (7.0, 6.8, 6.7)), ("Energiecoöperatie Zonnedael", 0.68, (7.6, 7.4, 7.3)),
):
    _spec = next(o for o in ORGANISATIONS if o["name"] == _name)
    DEMO_ROUNDS[_name] = {
        "lean": {d: (0, 0, _lean) for d in _spec["departments"]},
        "self_mark": (0, 0, _marks[0]), "estimate_mark": (0, 0, _marks[1]), "customer_mark": (0, 0, _marks[2]),
        "customers": (0, 0, 6), "respond_share": (0.0, 0.0, 0.9),
    }


def _answers(instrument, rng, lean: float, self_mark: float, estimate_mark: float) -> dict[str, str]:

    answers = {}
    for question in instrument.quiz.questions:
        ranked = sorted(question.options, key=lambda o: o.score)
        # lean near 1 picks the best option more often.
        weights = [(1 - lean) ** 2 + 0.05, 2 * lean * (1 - lean) + 0.05, lean ** 2 + 0.05]
        answers[question.key] = rng.choices(ranked, weights=weights)[0].key
    for section in instrument.likert_sections:
        for item in section.items:
            if rng.random() < 0.05:
                answers[item.key] = DONT_KNOW
                continue
            value = min(5, max(1, round(rng.gauss(1 + 4 * lean, 0.8))))
            answers[item.key] = str(6 - value if item.reverse else value)
    for item in instrument.mirror.items:
        for form, centre in (("self", self_mark), ("estimate", estimate_mark)):
            answers[item.answer_key(form)] = str(min(10, max(1, round(rng.gauss(centre, 1.0)))))
    return answers


def load_demo_rounds(rng: random.Random) -> None:
    """Closed rounds with published results, and (for De Linde) a current open one whose
    responses wait in the ballot box until it closes."""



    instrument = load_instrument()
    today = services.today()
    periods = [
        ("Nulmeting najaar 2025", today - timedelta(days=400), today - timedelta(days=372), RoundStatus.CLOSED),
        ("Klantspiegel voorjaar 2026", today - timedelta(days=225), today - timedelta(days=197), RoundStatus.CLOSED),
        ("Klantspiegel najaar 2026", today - timedelta(days=45), today - timedelta(days=14), RoundStatus.CLOSED),
        ("Pulsmeting winter 2026", today - timedelta(days=5), today + timedelta(days=16), RoundStatus.OPEN),
    ]
    for org in db.session.scalars(sa.select(Organisation).order_by(Organisation.id)):
        spec = DEMO_ROUNDS[org.name]
        members = db.session.execute(
            sa.select(OrganisationMembership, Department.name).join(Department)
            .where(OrganisationMembership.organisation_id == org.id, OrganisationMembership.role == OrgRole.EMPLOYEE)
            .order_by(OrganisationMembership.id)
        ).all()
        for phase, (title, opens, closes, status) in enumerate(periods):
            if phase >= len(spec["respond_share"]) or spec["respond_share"][phase] == 0:
                continue
            like = min(phase, 2)  # the open pulse round leans like the latest closed one
            round_ = services.create_round(org, services.RoundSettings(title=title, opens_on=opens, closes_on=closes))
            round_.status = RoundStatus.OPEN
            day = datetime.combine(opens, time(9), tzinfo=timezone.utc)
            round_.opened_at = day
            # What some of De Linde's employees would change (the open question): every third
            # respondent of its closed rounds, each round its own words (no draw from ``rng``, so
            # the rest of the demo stays as it was).
            ideas = ((DEMO_EMPLOYEE_IDEAS_EARLIER if phase == 1 else DEMO_EMPLOYEE_IDEAS if phase == 2 else [])
                     if org.name.startswith("Woon") and status is RoundStatus.CLOSED else [])
            responded = 0
            for membership, department in members:
                invitation = Invitation(round_id=round_.id, organisation_id=org.id, user_id=membership.user_id,
                                        department_id=membership.department_id, invited_at=day)
                db.session.add(invitation)
                db.session.flush()
                if membership.user.email == "medewerker@delinde.example" and status is RoundStatus.OPEN:
                    continue  # left open so the demo employee can fill it in
                if rng.random() > spec["respond_share"][phase]:
                    continue
                token = links.invitation_token(invitation.id, invitation.nonce)
                lean = min(0.95, max(0.05, rng.gauss(spec["lean"][department][like], 0.12)))
                submission.save_answers(invitation, token, _answers(
                    instrument, rng, lean, spec["self_mark"][like], spec["estimate_mark"][like]))
                if ideas and responded % 3 == 1 and responded // 3 < len(ideas):
                    submission.save_comment(invitation, token, ideas[responded // 3])
                responded += 1
                submission.submit_response(invitation, token)
                answered = opens + timedelta(days=rng.randint(0, max(0, min((closes - opens).days, (today - opens).days))))
                invitation.submitted_at = invitation.started_at = datetime.combine(answered, time(12), tzinfo=timezone.utc)
            for _ in range(spec["customers"][phase]):
                marks = {item.answer_key("customer"): str(min(10, max(1, round(rng.gauss(spec["customer_mark"][like], 1.3)))))
                         for item in instrument.mirror.items}
                customer_responses.submit_customer_response(round_, marks, "", "nl")
            # Each round its own comments (the earlier round's were more critical).
            comments = DEMO_COMMENTS_EARLIER if phase == 1 else DEMO_COMMENTS if phase == 2 else []
            for comment in comments[:spec["customers"][phase] // 2] if org.name.startswith("Woon") and status is RoundStatus.CLOSED else []:
                customer_responses.submit_customer_response(
                    round_, {item.answer_key("customer"): str(rng.randint(5, 8)) for item in instrument.mirror.items},
                    comment, "nl")
            # De Linde's latest round: customers through each service's own link, the repairs'
            # harsher than the others (their own draws, so the rest of the demo stays as it was).
            if org.name == "Woonstichting De Linde" and phase == 2:
                by_service = random.Random(26)
                for service in db.session.scalars(sa.select(SegmentValue).join(Segment).where(
                        Segment.organisation_id == org.id, Segment.is_service.is_(True)).order_by(SegmentValue.name)):
                    mark = {"Reparaties": 5.4, "Verhuur": 7.0, "Wijkbeheer": 7.2}.get(service.name, 6.5)
                    for _ in range(8 if service.name == "Reparaties" else 6):
                        marks = {item.answer_key("customer"): str(min(10, max(1, round(by_service.gauss(mark, 1.2)))))
                                 for item in instrument.mirror.items}
                        customer_responses.submit_customer_response(round_, marks, "", "nl", service_id=service.id)
            # The customers of the demo's history came in during its first week.
            db.session.execute(sa.update(CustomerArrival).where(CustomerArrival.round_id == round_.id)
                               .values(day=opens + timedelta(days=rng.randint(1, 6))))
            if status is RoundStatus.CLOSED:
                # Releases the ballot box: the results are published (then, in the demo's history).
                publication.close(round_, at=datetime.combine(closes, time(17), tzinfo=timezone.utc))
                db.session.flush()
                _demo_plan(round_, rng, is_current=phase == 2)
    db.session.commit()


def _demo_plan(round_, rng: random.Random, *, is_current: bool) -> None:
    """A generated plan with owners and dates, as a director would have filled it in."""

    results = round_results(round_)
    if results.placement is None:
        return
    plan = plans.generate_plan(round_, results)
    org_roles = db.session.get(Organisation, round_.organisation_id).owner_roles
    for n, item in enumerate(plans.visible_items(plan)[:3]):  # the three started now
        # As a director would: the suggested owner role becomes a person's role, the date stays.
        item.owner = plans.suggested_owner(item, org_roles, "nl") or None
        item.due_on = item.suggested_due or round_.closes_on + timedelta(days=45 * (n + 1))
        item.status = ItemStatus.OPEN if is_current else ItemStatus.DONE if n < 2 else ItemStatus.IN_PROGRESS
    plan.is_published = not is_current
    if is_current:
        # The review of the previous plan, as a director would do it: customers still mention
        # reachability, so that continues; the rest is stopped, with the reason.
        carried, _title = plans.carry_over(round_, plan, "nl")
        for c in carried:
            if c.continued_in is not None:
                continue
            if "ereikbaar" in c.item.text("title", "nl"):
                plans.adopt_item(plan, c.item, "nl")
            else:
                plans.stop_item(c.item, "Vervangen door de teamgesprekken over klantsituaties in het nieuwe plan.")
        # The consultant's words are about De Linde: only its report carries them.
        if db.session.get(Organisation, round_.organisation_id).name == "Woonstichting De Linde":
            plans.set_commentary(plan, DEMO_COMMENTARY)


DEMO_COMMENTARY = (
    "De Linde heeft sinds de nulmeting een duidelijke stap gezet: het eigen oordeel van medewerkers ligt nu "
    "dicht bij dat van huurders, en de organisatie schuift op van onwetend naar klantgericht. Dat is een "
    "compliment aan de teams die hier het afgelopen jaar aan hebben gewerkt.\n\n"
    "Wat nu nog tussen De Linde en de fase klantbewust in staat, is het leiderschap. Het actieplan begint "
    "daarom bij de leidinggevenden zelf. Huurders schrijven daarnaast over de bereikbaarheid op "
    "vrijdagmiddag; die actie uit het vorige plan loopt daarom door.\n\n"
    "Wij stellen voor de voortgang in elk MT-overleg kort te bespreken en de volgende meting met dezelfde "
    "vragen te doen, zodat de verandering zichtbaar wordt."
)


DEMO_COMMENTS_EARLIER = [
    "Bij een reparatieverzoek hoor ik weken niets terug.",
    "Op vrijdagmiddag staat er een bandje aan, ook als het dringend is.",
    "Men legt uit wat de regels zijn, maar vraagt niet wat mijn situatie is.",
    "De huismeester is behulpzaam en kent de buurt goed.",
    "Ik moet mijn klacht iedere keer opnieuw uitleggen.",
]

DEMO_COMMENTS = [
    "Op vrijdagmiddag is er niemand bereikbaar, terwijl ik dan juist tijd heb om te bellen.",
    "De reparatie was snel geregeld en de monteur legde duidelijk uit wat hij ging doen.",
    "Ik word vaak doorverbonden en moet mijn verhaal steeds opnieuw vertellen.",
    "Vriendelijke mensen, maar er wordt niet gevraagd wat ik eigenlijk nodig heb.",
    "Mijn klacht over de lekkage werd serieus genomen en netjes opgevolgd.",
    "Beloftes over een terugbelafspraak worden niet altijd nagekomen.",
    "Prettig dat de wijkbeheerder mijn buurt echt kent.",
]


#: What De Linde's employees would change tomorrow so that tenants notice it (the open question).
DEMO_EMPLOYEE_IDEAS_EARLIER = [
    "Een terugbelbelofte ook echt nakomen: nu blijft de notitie vaak liggen tot de huurder zelf weer belt.",
    "De telefoon op vrijdagmiddag niet meer op het bandje zetten.",
    "Een huurder hoeft zijn verhaal maar één keer te doen, niet bij elke afdeling opnieuw uitleggen.",
    "Meer tijd om bij een huurder door te vragen, in plaats van alleen de regels uit te leggen.",
    "Reparatieverzoeken binnen een week inplannen en de huurder laten weten wanneer we komen.",
    "Een klacht niet als lastig zien maar als tip: zo horen we wat er misgaat.",
    "Klachten sneller doorzetten naar de collega die het kan oplossen.",
    "Wijkbeheerders vaker zelf laten aanbellen bij huurders die lang niets van ons hoorden.",
]

DEMO_EMPLOYEE_IDEAS = [
    "Op vrijdagmiddag de telefoon gewoon bemensen tot vijf uur, in plaats van het bandje.",
    "Huurders binnen één werkdag terugbellen als we het antwoord niet meteen weten.",
    "Eén vast aanspreekpunt per reparatieverzoek, zodat huurders niet steeds worden doorverbonden.",
    "Bij elke klacht eerst de huurder bellen om te luisteren, voordat we een brief sturen.",
    "De monteur laten afsluiten met de vraag of alles naar wens is opgelost.",
    "Afspraken met huurders vastleggen in het systeem, zodat een collega ze kan nakomen als ik er niet ben.",
    "Het teamoverleg niet meer op maandagochtend, als de meeste huurders bellen: dan zijn we gewoon bereikbaar.",
    "Wijkbeheerders een tablet geven, zodat ze een melding meteen ter plekke kunnen aannemen.",
    "Klachten elke maand in het team bespreken: wat had de huurder eigenlijk nodig?",
    "Huurders niet meer doorverbinden zonder hun vraag eerst zelf op te schrijven.",
    "Brieven in gewone taal schrijven; nu begrijpen huurders vaak niet wat we bedoelen.",
    "Huurders laten kiezen wanneer de monteur langskomt, ook 's avonds.",
]


def print_logins(echo) -> None:
    echo("")
    echo("Demo logins (password for all: %s)" % DEMO_PASSWORD)
    for role, email in LOGINS:
        echo(f"  {role:<40} {email}")
    echo("The admin and the consultant sign in in two steps: the code is shown by")
    echo("  .venv/bin/flask --app maturity two-step-code consultant@koersenklant.example")
    echo("(or add the key it prints to an authenticator app).")
    echo("")
