"""Tenancy in one place.

Every tenant route hangs off ``/o/<org>/`` (an organisation) or ``/c/<consultancy>/`` (a
consultancy). Blueprints made by :func:`organisation_blueprint` and
:func:`consultancy_blueprint` share one preprocessor that loads the tenant from the URL,
checks the current user's membership and sets ``g.org``/``g.consultancy`` and ``g.role``.
A tenant the user does not belong to is a 404, indistinguishable from one that does not
exist. Children are then loaded only through :func:`scoped_get`.

The JSON API (``/api/v1``) has no signed-in person but a key, which belongs to a consultancy
(reaching its client organisations) or to one organisation. Its routes load every tenant object
through :func:`key_organisation`, :func:`key_get` and :func:`key_select`, here too, which set the
same ``g.org``/``g.role`` and give the same 404 for what the key does not reach.
"""

from __future__ import annotations

from functools import wraps
from typing import TypeVar

import sqlalchemy as sa
from flask import Blueprint, abort, g, redirect, request, url_for
from flask_login import current_user

from ..extensions import db
from . import hosts
from .models import ConsultantMembership, Consultancy, Organisation, OrganisationMembership

ORG_PREFIX = "/o/<org>"
CONSULTANCY_PREFIX = "/c/<consultancy>"

#: Roles a user can hold towards an organisation, strongest first.
CONSULTANT, DIRECTOR, EMPLOYEE = "consultant", "director", "employee"

M = TypeVar("M")


def organisation_role(user, org: Organisation) -> str | None:
    """The user's role towards ``org``, or None when they may not see it at all."""
    if not user.is_authenticated:
        return None
    role = db.session.scalar(
        sa.select(OrganisationMembership.role).where(
            OrganisationMembership.organisation_id == org.id, OrganisationMembership.user_id == user.id
        )
    )
    if role is not None:
        return role.value
    if is_consultant_of(user, org.consultancy_id):
        return CONSULTANT
    return None


def is_consultant_of(user, consultancy_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(ConsultantMembership.id).where(
                ConsultantMembership.consultancy_id == consultancy_id,
                ConsultantMembership.user_id == user.id,
            )
        )
        is not None
    )


def _pull_tenant(endpoint, values):
    if values is None:
        return
    if "org" in values:
        g.org_slug = values.pop("org")
    if "consultancy" in values:
        g.consultancy_slug = values.pop("consultancy")


def _push_org(endpoint, values):
    if "org" not in values and getattr(g, "org", None) is not None:
        values["org"] = g.org.slug


def _push_consultancy(endpoint, values):
    if "consultancy" not in values and getattr(g, "consultancy", None) is not None:
        values["consultancy"] = g.consultancy.slug


def _login_first():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    return None


def _load_org():
    response = _login_first()
    if response is not None:
        return response
    org = db.session.scalar(sa.select(Organisation).where(Organisation.slug == g.pop("org_slug", None)))
    role = organisation_role(current_user, org) if org is not None else None
    if role is None or not hosts.allows(org.consultancy_id):  # another consultancy's host: not here
        abort(404)
    g.org, g.consultancy, g.role = org, None, role
    return None


def _load_consultancy():
    response = _login_first()
    if response is not None:
        return response
    consultancy = db.session.scalar(
        sa.select(Consultancy).where(Consultancy.slug == g.pop("consultancy_slug", None))
    )
    if consultancy is None or not is_consultant_of(current_user, consultancy.id) or not hosts.allows(consultancy.id):
        abort(404)
    g.consultancy, g.org, g.role = consultancy, None, CONSULTANT
    return None


def organisation_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix=ORG_PREFIX + url_prefix)
    bp.url_value_preprocessor(_pull_tenant)
    bp.url_defaults(_push_org)
    bp.before_request(_load_org)
    return bp


def consultancy_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix=CONSULTANCY_PREFIX + url_prefix)
    bp.url_value_preprocessor(_pull_tenant)
    bp.url_defaults(_push_consultancy)
    bp.before_request(_load_consultancy)
    return bp


def roles_required(*roles: str):
    """Restrict a tenant view to some roles. Members with another role get 403: they know
    the organisation exists, so hiding it would only confuse them."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if g.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def scoped_get(model: type[M], ident: int) -> M:
    """Load a child row of the current tenant by id, or 404.

    The tenant column is ``organisation_id`` under an organisation route and
    ``consultancy_id`` under a consultancy route; a row of another tenant is a 404.
    """
    if getattr(g, "org", None) is not None:
        column, tenant_id = model.organisation_id, g.org.id
    elif getattr(g, "consultancy", None) is not None:
        column, tenant_id = model.consultancy_id, g.consultancy.id
    else:  # pragma: no cover - a programming error, not a user's
        raise RuntimeError("scoped_get outside a tenant route")
    obj = db.session.scalar(sa.select(model).where(model.id == ident, column == tenant_id))
    if obj is None:
        abort(404)
    return obj


def scoped_select(model):
    """A SELECT of ``model`` limited to the current tenant, for list views."""
    if getattr(g, "org", None) is not None:
        return sa.select(model).where(model.organisation_id == g.org.id)
    return sa.select(model).where(model.consultancy_id == g.consultancy.id)


# --- the JSON API: a key instead of a signed-in person --------------------------------------------

def key_reach(key) -> sa.Select:
    """The ids of the organisations an API key reaches (a key has ``consultancy_id`` or
    ``organisation_id``), on this request's host."""
    own = hosts.host_consultancy()
    query = sa.select(Organisation.id)
    if key.organisation_id is not None:
        query = query.where(Organisation.id == key.organisation_id)
    else:
        query = query.where(Organisation.consultancy_id == key.consultancy_id)
    if own is not None:
        query = query.where(Organisation.consultancy_id == own.id)
    return query


def _enter(key, org: Organisation) -> None:
    g.org, g.consultancy = org, None
    g.role = DIRECTOR if key.organisation_id is not None else CONSULTANT


def key_organisation(key, org_id: int) -> Organisation:
    """The organisation ``org_id`` if the key reaches it, or 404."""
    org = db.session.scalar(sa.select(Organisation).where(Organisation.id == org_id, Organisation.id.in_(key_reach(key))))
    if org is None:
        abort(404)
    _enter(key, org)
    return org


def key_get(key, model: type[M], ident: int) -> M:
    """A row of an organisation the key reaches (``model.organisation_id``), or 404; its
    organisation becomes the request's tenant."""
    obj = db.session.scalar(sa.select(model).where(model.id == ident, model.organisation_id.in_(key_reach(key))))
    if obj is None:
        abort(404)
    _enter(key, db.session.get(Organisation, obj.organisation_id))
    return obj


def key_select(key, model):
    """A SELECT of ``model`` limited to the organisations the key reaches."""
    if model is Organisation:
        return sa.select(Organisation).where(Organisation.id.in_(key_reach(key)))
    return sa.select(model).where(model.organisation_id.in_(key_reach(key)))
