"""factory_boy factories bound to the Flask-SQLAlchemy session, and a two-tenant world."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import factory

from maturity.accounts.models import User
from maturity.accounts.passwords import hash_password
from maturity.extensions import db
from maturity.tenancy.models import (
    ConsultantMembership,
    Consultancy,
    Department,
    Organisation,
    OrganisationMembership,
    OrgRole,
)

PASSWORD = "correct horse battery"
#: The authenticator secret of the world's consultants and admin (two-step sign-in is required
#: for them); ``conftest.Auth.login`` answers the second step with it.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def with_second_factor(user: User, secret: str = TOTP_SECRET) -> User:
    from maturity import sealing
    from maturity.accounts.second_factor import PURPOSE
    from maturity.models_base import utcnow

    user.totp_secret_sealed = sealing.seal(secret.encode(), PURPOSE)
    user.totp_enabled_at = utcnow()
    db.session.flush()
    return user


@lru_cache(maxsize=1)
def password_hash() -> str:
    # Argon2id with OWASP parameters is deliberately slow: hash the shared password once.
    return hash_password(PASSWORD)


class Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(Base):
    class Meta:
        model = User

    name = factory.Sequence(lambda n: f"Persoon {n}")
    email = factory.Sequence(lambda n: f"persoon{n}@example.nl")
    password_hash = factory.LazyFunction(password_hash)


class ConsultancyFactory(Base):
    class Meta:
        model = Consultancy

    name = factory.Sequence(lambda n: f"Adviesbureau {n}")
    slug = factory.Sequence(lambda n: f"adviesbureau-{n}")


class OrganisationFactory(Base):
    class Meta:
        model = Organisation

    consultancy = factory.SubFactory(ConsultancyFactory)
    name = factory.Sequence(lambda n: f"Organisatie {n}")
    slug = factory.Sequence(lambda n: f"organisatie-{n}")


class DepartmentFactory(Base):
    class Meta:
        model = Department

    organisation_id = None
    name = factory.Sequence(lambda n: f"Afdeling {n}")


def consultant(consultancy: Consultancy, *, second_factor: bool = True, **kwargs) -> User:
    user = UserFactory(**kwargs)
    if second_factor:
        with_second_factor(user)
    user.consultant_membership = ConsultantMembership(consultancy_id=consultancy.id, user_id=user.id)
    db.session.add(user.consultant_membership)
    db.session.flush()
    return user


def member(org: Organisation, role: OrgRole = OrgRole.EMPLOYEE, department: Department | None = None, **kwargs) -> User:
    user = UserFactory(**kwargs)
    membership = OrganisationMembership(
        organisation_id=org.id, user_id=user.id, role=role, department_id=department.id if department else None
    )
    db.session.add(membership)
    db.session.flush()
    user.membership = membership
    return user


@dataclass
class Tenant:
    consultancy: Consultancy
    consultant: User
    org: Organisation
    director: User
    employee: User
    department: Department


@dataclass
class World:
    admin: User
    ours: Tenant
    theirs: Tenant
    #: A second client of *our* consultancy, which our director must not see either.
    sibling_org: Organisation


def build_tenant(label: str) -> Tenant:
    consultancy = ConsultancyFactory(name=f"Bureau {label}", slug=f"bureau-{label}")
    org = OrganisationFactory(consultancy=consultancy, name=f"Klant {label}", slug=f"klant-{label}")
    department = DepartmentFactory(organisation_id=org.id, name="Klantcontact")
    return Tenant(
        consultancy=consultancy,
        consultant=consultant(consultancy, email=f"consultant@{label}.example.nl"),
        org=org,
        director=member(org, OrgRole.DIRECTOR, email=f"directeur@{label}.example.nl"),
        employee=member(org, OrgRole.EMPLOYEE, department, email=f"medewerker@{label}.example.nl"),
        department=department,
    )


def build_world() -> World:
    admin = with_second_factor(UserFactory(email="admin@example.nl", is_platform_admin=True))
    ours = build_tenant("ons")
    theirs = build_tenant("hun")
    sibling = OrganisationFactory(consultancy=ours.consultancy, name="Andere klant", slug="andere-klant")
    member(sibling, OrgRole.DIRECTOR, email="directeur@andere.example.nl")
    return World(admin=admin, ours=ours, theirs=theirs, sibling_org=sibling)
