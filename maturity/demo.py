"""Demo data: one consultancy, two client organisations (one a housing corporation, as in
seed 003), their directors and about 40 employees across departments."""

from __future__ import annotations

import random

from .accounts.models import User
from .accounts.passwords import hash_password
from .extensions import db
from .slugs import unique_slug
from .tenancy.models import (
    ConsultantMembership,
    Consultancy,
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
        "departments": {"Klantcontact": 9, "Wonen": 7, "Vastgoedonderhoud": 6, "Wijkbeheer": 5},
    },
    {
        "name": "Van Dam Installatietechniek", "sector": "Installatiebedrijf", "domain": "vandam.example",
        "director": "Henk van Dam",
        "departments": {"Service & Onderhoud": 6, "Projecten": 5, "Verkoop": 4},
    },
]


def _user(email: str, name: str, password_hash: str, **extra) -> User:
    user = User(email=email, name=name, password_hash=password_hash, **extra)
    db.session.add(user)
    return user


def load_demo(seed: int = 7) -> None:
    rng = random.Random(seed)
    # One hash for every demo account: hashing 45 times would only slow the demo down.
    password_hash = hash_password(DEMO_PASSWORD)
    _user("admin@klantspiegel.example", "Platformbeheer", password_hash, is_platform_admin=True)

    consultancy = Consultancy(name="Koers & Klant Advies", slug=unique_slug(Consultancy, "koers-en-klant"))
    db.session.add(consultancy)
    consultant = _user("consultant@koersenklant.example", "Lisa Bakker", password_hash)
    db.session.flush()
    db.session.add(ConsultantMembership(consultancy_id=consultancy.id, user_id=consultant.id))

    names = [f"{f} {l}" for f in FIRST for l in LAST]
    rng.shuffle(names)
    for spec in ORGANISATIONS:
        org = Organisation(consultancy_id=consultancy.id, name=spec["name"], sector=spec["sector"],
                           slug=unique_slug(Organisation, spec["name"]))
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


def print_logins(echo) -> None:
    echo("")
    echo("Demo logins (password for all: %s)" % DEMO_PASSWORD)
    for role, email in LOGINS:
        echo(f"  {role:<40} {email}")
    echo("")
