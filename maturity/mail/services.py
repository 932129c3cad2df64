"""Recording mail in the transactional outbox; the worker delivers it (``mail.delivery``)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, render_template

from .. import sealing
from ..extensions import db
from ..tasks import enqueue
from .branding import Sender, html_body, logo_id
from .jobs import deliver_outbox
from .models import SEAL_PURPOSE, OutboxMessage

log = logging.getLogger(__name__)


#: Stands in for a personal link in the stored copy of a message.
REDACTED = "[…]"


def send_template_mail(recipient: str, subject: str, template: str, *, private: tuple[str, ...] = (),
                       private_when_mailed: tuple[str, ...] = (), key: str | None = None, kind: str | None = None,
                       organisation_id: int | None = None, round_id: int | None = None, key_is_new: bool = False,
                       brand: Sender | None = None, **context) -> OutboxMessage | None:
    """Links that work as keys go to the recipient only; the readable copy keeps the message with
    each replaced by a placeholder, so nobody who reads the outbox can use them:

    - ``private`` (personal respondent links): always; employees find theirs by signing in;
    - ``private_when_mailed`` (account invitation and password links): whenever a mail server is
      configured, delivered or not. Without one (development, the demo) the outbox is how those
      messages are read at all, so there they stay readable (docs/security.md).

    ``brand``: who it is from, and an HTML part beside the text (``mail.branding``)."""
    body = render_template(template, **context)
    redacted = [name for name in private + (private_when_mailed if current_app.config["MAIL_SERVER"] else ())
                if context.get(name)]
    # The copy is the same template with a placeholder for each link, not the message with
    # each link's text replaced: one link can begin with another (the personal link and its
    # opt-out, ``/r/<token>/`` and ``/r/<token>/reminders``), and replacing the shorter would
    # cut into the longer.
    stored = render_template(template, **{**context, **dict.fromkeys(redacted, REDACTED)}) if redacted else body
    return send_mail(recipient, subject, body, stored_body=stored, key=key, kind=kind,
                     organisation_id=organisation_id, round_id=round_id, key_is_new=key_is_new, brand=brand)


def send_mail(recipient: str, subject: str, body_text: str, *, stored_body: str | None = None, key: str | None = None,
              kind: str | None = None, organisation_id: int | None = None, round_id: int | None = None,
              key_is_new: bool = False, brand: Sender | None = None) -> OutboxMessage | None:
    """Record the message in the current transaction. With a mail server it waits, sealed, for
    the worker, which picks it up once this transaction commits; a rollback takes it back.
    With ``key``, a message recorded before under the same key is returned instead: at most one
    message per key, so a retried action mails nobody twice. ``key_is_new``: the caller created
    what the key names in this transaction, so no earlier message can exist (bulk sends skip the
    lookup, and leave the flush to the caller; the unique constraint still guards)."""
    if key is not None and not key_is_new:
        existing = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
        if existing is not None:
            return existing
    # One line (a name with a line break cannot break the header) and within the column.
    subject = " ".join(subject.split())[:200]
    values = {"recipient": recipient, "subject": subject, "idempotency_key": key, "kind": kind,
              "organisation_id": organisation_id, "round_id": round_id, "attempts": 0,
              "body_text": body_text if stored_body is None else stored_body, "status": "outbox", "body_sealed": None,
              "html_sealed": None, "sender_name": None, "sender_address": None, "reply_to": None, "logo_id": None}
    if brand is not None:
        values.update(sender_name=brand.name[:120], sender_address=brand.address, reply_to=brand.reply_to,
                      logo_id=logo_id(brand))
    if current_app.config["MAIL_SERVER"]:
        values.update(status="pending", body_sealed=sealing.seal(sealing.padded_to_block(body_text.encode()), SEAL_PURPOSE))
        if brand is not None:  # the HTML part holds the same links: sealed too, never kept readable
            html = html_body(body_text, brand, subject)
            values["html_sealed"] = sealing.seal(sealing.padded_to_block(html.encode()), SEAL_PURPOSE)
        enqueue(deliver_outbox)  # handed to the worker once this transaction commits
    if key_is_new:
        # Many at once (an import, a round's invitations): written in one statement.
        db.session.info.setdefault(_BUFFER, []).append(values)
        return None
    message = OutboxMessage(**values)
    db.session.add(message)
    db.session.flush()
    return message


def write_outbox() -> None:
    """Write the messages recorded in bulk in this transaction (also done before every commit)."""
    rows = db.session.info.pop(_BUFFER, None)
    if rows:
        db.session.execute(sa.insert(OutboxMessage), rows)


_BUFFER = "klantspiegel.outbox_buffer"


@sa.event.listens_for(so.Session, "before_commit")
def _write_before_commit(session: so.Session) -> None:
    rows = session.info.pop(_BUFFER, None)
    if rows:
        session.execute(sa.insert(OutboxMessage), rows)


@sa.event.listens_for(so.Session, "after_rollback")
def _forget_after_rollback(session: so.Session) -> None:
    session.info.pop(_BUFFER, None)


def delivery_counts(round_id: int, kinds: tuple[str, ...]) -> dict[str, int]:
    """How the round's messages of these kinds are doing: counts per status."""
    return dict(db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).where(
            OutboxMessage.round_id == round_id, OutboxMessage.kind.in_(kinds)).group_by(OutboxMessage.status)).all())
