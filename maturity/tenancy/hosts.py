"""A consultancy on its own host name.

The platform answers on the host of ``BASE_URL`` and on the host name of every consultancy
that has one (``Consultancy.host``). On a consultancy's host:

- the pages carry its name (``g.host_consultancy``, read by the base template);
- only its own tenants are found: another consultancy's organisation is a 404 there, exactly
  like one that does not exist (``access._load_org`` / ``_load_consultancy`` ask ``allows``);

and wherever a link leaves the platform for one of its clients (invitations, reminders,
customer links and QR cards, results shared with employees), it is built on that consultancy's
host (``external_url``), never on the host of the request that happened to cause the mail.

With ``BASE_URL`` set (always in production) a request for any other host is refused with 421
Misdirected Request before anything else runs: a host header is never trusted to build links,
and a stranger's DNS name pointed at the server shows nothing. Without ``BASE_URL`` (development
and tests on 127.0.0.1) every host is served.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, current_app, g, has_request_context, request, url_for

from ..extensions import db
from .models import ConsultantMembership, Consultancy, Organisation, OrganisationMembership

#: A DNS host name: labels of letters, digits and hyphens, at least one dot, no port.
_HOST = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def normalise_host(value: str | None) -> str | None:
    """A host name as stored: lower case, without a trailing dot; None when it is not one."""
    host = (value or "").strip().lower().rstrip(".")
    return host if _HOST.fullmatch(host) else None


def _platform_host() -> str | None:
    base = current_app.config.get("BASE_URL") or ""
    return urlsplit(base).hostname if base else None


def _request_host() -> str:
    return (request.host or "").split(":")[0].lower().rstrip(".")


def host_consultancy() -> Consultancy | None:
    """The consultancy whose own host this request came in on (None on the platform's host)."""
    if not has_request_context():
        return None
    if "host_consultancy" not in g:
        host = _request_host()
        g.host_consultancy = (None if host == _platform_host() else
                              db.session.scalar(sa.select(Consultancy).where(Consultancy.host == host)))
    return g.host_consultancy


def refuse_unknown_host():
    """``before_request``: with ``BASE_URL`` set, only the platform's host and the consultancies'
    own hosts are served (421 otherwise)."""
    platform = _platform_host()
    if platform is None:
        return None
    host = _request_host()
    if host == platform:
        g.host_consultancy = None
        return None
    if host_consultancy() is None:
        abort(421)
    return None


def allows(consultancy_id: int) -> bool:
    """Whether a tenant of this consultancy may be shown on this request's host."""
    own = host_consultancy()
    return own is None or own.id == consultancy_id


def _host_of(consultancy_id: int) -> str | None:
    """A consultancy's host, read once per request or job (invitations to hundreds of people
    build hundreds of links: the number of queries must not grow with them)."""
    known = (request.environ.setdefault("klantspiegel.consultancy_hosts", {}) if has_request_context()
             else g.setdefault("consultancy_hosts", {}))
    if consultancy_id not in known:
        known[consultancy_id] = db.session.scalar(sa.select(Consultancy.host).where(Consultancy.id == consultancy_id))
    return known[consultancy_id]


def base_url_for(consultancy_id: int | None) -> str:
    """Where links for this consultancy's clients point: its own host when it has one, the
    platform's ``BASE_URL`` otherwise (the request's own address in development)."""
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    host = _host_of(consultancy_id) if consultancy_id else None
    if host:
        scheme = urlsplit(base).scheme if base else "https"
        return f"{scheme}://{host}"
    if base:
        return base
    return request.host_url.rstrip("/") if has_request_context() else "http://127.0.0.1:5000"


def request_base_url() -> str:
    """This request's own address as the platform knows it: a consultancy's base URL on its own
    host, ``BASE_URL`` on the platform's host (the request's address in development, where any
    host is served). Never the Host header as such, nor ``SERVER_NAME``: a sign-in that starts on
    a consultancy's host must come back to that host, where its session cookie lives."""
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    if not base:
        return request.host_url.rstrip("/")
    own = host_consultancy()
    return base_url_for(own.id) if own is not None else base


def platform_base_url() -> str:
    """The platform's own address (``BASE_URL``; the request's in development)."""
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    return base or (request.host_url.rstrip("/") if has_request_context() else "http://127.0.0.1:5000")


def consultancy_of(organisation_id: int | None) -> int | None:
    return db.session.scalar(sa.select(Organisation.consultancy_id).where(Organisation.id == organisation_id)) \
        if organisation_id else None


def home_consultancy_of(user_id: int) -> int | None:
    """The one consultancy a person belongs to (as a consultant or through its clients), or None
    when they belong to none or to several: their links then use the platform's address."""
    theirs = set(db.session.scalars(sa.select(ConsultantMembership.consultancy_id)
                                    .where(ConsultantMembership.user_id == user_id)))
    theirs |= set(db.session.scalars(sa.select(Organisation.consultancy_id).join(
        OrganisationMembership, OrganisationMembership.organisation_id == Organisation.id)
        .where(OrganisationMembership.user_id == user_id)))
    return theirs.pop() if len(theirs) == 1 else None


def inject_brand() -> dict:
    """Templates: the name the pages carry (the consultancy's on its own host). The page that
    says the database is away is rendered too: then it is the platform's name."""
    try:
        own = host_consultancy()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        own = None
    return {"brand_name": own.name if own is not None else "Klantspiegel"}


def external_url(endpoint: str, consultancy_id: int | None, **values) -> str:
    """An absolute link to ``endpoint`` on the consultancy's own address (``base_url_for``)."""
    return base_url_for(consultancy_id) + url_for(endpoint, **values)
