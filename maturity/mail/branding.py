"""Mail in the consultancy's name: who a message is from, and its HTML part.

Who sends what (docs/deploy.md, "Mail in the consultancy's name"):

- mail to a client organisation's employees and customers (round invitations and reminders,
  the customer invitation, the results shared) is from the **client organisation** (its name
  as the From name, signed by it): they know their employer or their housing corporation, not
  its consultant;
- mail about an account (invitations, access, password reset) is from the **consultancy**.

The address is the consultancy's own sender address where it has one (its domain must let us
send for it: SPF and DKIM, docs/deploy.md), else the platform's (``MAIL_DEFAULT_SENDER``), with
the chosen name; replies go to the consultant or director who sent it. The HTML part carries the
consultancy's logo (inline, ``cid:logo``: no remote images) and colour; the plain-text part is
the same message, always there (multipart/alternative).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (the Session the rollback listener listens to)
from flask import render_template
from markupsafe import Markup, escape

from ..extensions import db
from .models import OutboxLogo

#: The colour of mail without a consultancy (the platform's own).
DEFAULT_COLOUR = "#00695c"


@dataclass(frozen=True)
class Sender:
    """Who a message is from and how it looks."""

    #: The From header's display name, and the signature (an organisation's or consultancy's name).
    name: str
    #: The From address; None: the platform's (``MAIL_DEFAULT_SENDER``'s address).
    address: str | None = None
    reply_to: str | None = None
    colour: str = DEFAULT_COLOUR
    logo: bytes | None = None
    logo_mimetype: str | None = None


def from_header(sender_name: str | None, sender_address: str | None, default_sender: str) -> str:
    """The From header: the sender's name with its address, or the platform's address."""
    default_name, default_address = parseaddr(default_sender)
    address = sender_address or default_address
    # A display name is one line (an organisation's name may hold a line break; a header cannot),
    # and short enough for a mail client's sender column.
    name = " ".join((sender_name or default_name or "").split())[:78].strip()
    username, _at, domain = address.rpartition("@")
    return str(Address(display_name=name, username=username, domain=domain)) if name else address


_URL = re.compile(r"(https?://\S+)")


def html_body(text: str, sender: Sender, subject: str) -> str:
    """The HTML part of a message from its plain text (the one wording, ``templates/mail/*.txt``):
    paragraphs as they are separated there, links clickable, a line that is only a link as a
    button; in the consultancy's colour, with its logo on top when it has one."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = []
        for line in block.strip().split("\n"):
            if _URL.fullmatch(line.strip()):  # a line that is only a link: a button below its words
                if lines:
                    paragraphs.append(("text", Markup("<br>").join(lines)))
                    lines = []
                paragraphs.append(("button", line.strip()))
            else:
                lines.append(_linked(line))
        if lines:
            paragraphs.append(("text", Markup("<br>").join(lines)))
    colour = sender.colour if re.fullmatch(r"#[0-9a-fA-F]{6}", sender.colour or "") else DEFAULT_COLOUR
    return render_template("mail/base.html", paragraphs=paragraphs, colour=colour, subject=subject,
                           has_logo=sender.logo is not None, sender=sender)


def _linked(line: str) -> Markup:
    parts = _URL.split(line)
    return Markup("").join(Markup('<a href="{0}" style="word-break:break-all;">{0}</a>').format(part) if i % 2 else escape(part)
                           for i, part in enumerate(parts))


def logo_id(sender: Sender) -> int | None:
    """The stored copy of the sender's logo (one row per distinct logo), for the message to carry."""
    if sender.logo is None or sender.logo_mimetype is None:
        return None
    digest = hashlib.sha256(sender.logo).hexdigest()
    cache = db.session.info.setdefault("klantspiegel.outbox_logos", {})
    if digest in cache:
        return cache[digest]
    found = db.session.scalar(sa.select(OutboxLogo.id).where(OutboxLogo.sha256 == digest))
    if found is None:
        logo = OutboxLogo(sha256=digest, mimetype=sender.logo_mimetype, data=sender.logo)
        db.session.add(logo)
        db.session.flush()
        found = logo.id
    cache[digest] = found
    return found


@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _forget_logos(session) -> None:
    session.info.pop("klantspiegel.outbox_logos", None)
