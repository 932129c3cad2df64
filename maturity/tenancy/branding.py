"""Who a tenant's mail is from (``mail.branding.Sender``): decided here, where the tenants are.

Mail to a client organisation's employees and customers is in the organisation's name; mail about
an account in the consultancy's (docs/deploy.md). Both go from the consultancy's own sender
address where it set one, with its colour, and the organisation's logo (else the consultancy's);
replies go to whoever sent it (the signed-in consultant or director)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import has_request_context
from flask_login import current_user

from ..extensions import db
from ..mail.branding import Sender
from .models import Consultancy, Organisation


def _reply_to() -> str | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.email
    return None


def _logo(model, tenant) -> bytes | None:
    """The tenant's logo (a deferred column), read once per message batch: one query, only when it has one."""
    if not tenant.has_logo:
        return None
    return db.session.scalar(sa.select(model.logo).where(model.id == tenant.id))


def organisation_sender(org: Organisation) -> Sender:
    """Mail to the organisation's employees and customers: from the organisation, with its logo
    (else its consultancy's)."""
    consultancy = org.consultancy
    if org.has_logo:
        logo, mimetype = _logo(Organisation, org), org.logo_mimetype
    else:
        logo, mimetype = _logo(Consultancy, consultancy), consultancy.logo_mimetype
    return Sender(name=org.name, address=consultancy.mail_sender, reply_to=_reply_to(),
                  colour=consultancy.primary_color, logo=logo, logo_mimetype=mimetype if logo else None)


def consultancy_sender(consultancy: Consultancy) -> Sender:
    """Mail about an account: from the consultancy."""
    logo = _logo(Consultancy, consultancy)
    return Sender(name=consultancy.name, address=consultancy.mail_sender, reply_to=_reply_to(),
                  colour=consultancy.primary_color, logo=logo, logo_mimetype=consultancy.logo_mimetype if logo else None)
