"""Delivering the outbox: run by the worker after the commit that recorded the messages.

At most once per message: a worker claims a message (pending → sending) in its own committed
transaction before it talks to the mail server, and records the outcome right after. A message
whose worker stopped in between stays 'sending' and is marked 'unconfirmed' later, never sent
again. A mail server that fails or goes away leaves the unsent messages pending, to be retried
with a growing delay; one that refuses a recipient fails that message only. One SMTP
connection serves a whole batch.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app

from .. import sealing
from ..extensions import db
from ..models_base import utcnow
from .branding import from_header
from .models import SEAL_PURPOSE, OutboxLogo, OutboxMessage

log = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_ATTEMPTS = 8
#: A claimed message not marked sent or failed after this long had its worker stop mid-way.
SENDING_TIMEOUT = timedelta(minutes=15)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, … minutes, at most four hours between attempts."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))


class ConnectionLost(Exception):
    """The mail server cannot be reached or went away: stop this batch, retry later."""


def deliver_due(*, limit: int = BATCH_SIZE) -> tuple[int, int]:
    """Deliver up to ``limit`` due messages over one connection: (sent, still due after this batch).
    Commits after every message."""
    now = utcnow()
    ids = list(db.session.scalars(
        sa.select(OutboxMessage.id).where(
            OutboxMessage.status == "pending",
            sa.or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.id).limit(limit)))
    db.session.commit()
    sent = 0
    connection = _Connection()
    try:
        for ident in ids:
            if not _claim(ident):
                continue  # another worker has it
            message = db.session.get(OutboxMessage, ident)
            try:
                connection.send(message, sealing.unseal(message.body_sealed, SEAL_PURPOSE).decode().rstrip(" "),
                                sealing.unseal(message.html_sealed, SEAL_PURPOSE).decode().rstrip(" ")
                                if message.html_sealed else None)
            except ConnectionLost as exc:
                _retry_later(message, exc)
                db.session.commit()
                break
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                if _is_temporary(exc):
                    _retry_later(message, exc)
                else:
                    _fail(message, exc)
            except ValueError as exc:  # a message that cannot be written (e.g. an invalid address)
                _fail(message, exc)
            else:
                _mark_sent(message)
                sent += 1
            db.session.commit()
    finally:
        connection.close()
    return sent, _count_due()


def _claim(ident: int) -> bool:
    claimed = db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id == ident, OutboxMessage.status == "pending")
        .values(status="sending", claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return claimed == 1


def _mark_sent(message: OutboxMessage) -> None:
    message.status, message.sent_at, message.error = "sent", utcnow(), None
    message.body_sealed = message.html_sealed = None
    message.body_text = None  # links in it must not linger in the database
    log.info("mail %s sent", message.id)


def _retry_later(message: OutboxMessage, exc: Exception) -> None:
    message.error = _describe(exc)
    if message.attempts >= MAX_ATTEMPTS:
        _fail(message, exc)
        return
    message.status = "pending"
    message.next_attempt_at = utcnow() + retry_delay(message.attempts)
    log.warning("mail %s not delivered (attempt %s), retry at %s: %s", message.id, message.attempts,
                message.next_attempt_at, type(exc).__name__)


def _fail(message: OutboxMessage, exc: Exception) -> None:
    message.status, message.error = "failed", _describe(exc)
    message.body_sealed = message.html_sealed = None
    log.warning("mail %s failed: %s", message.id, type(exc).__name__)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _is_temporary(exc: Exception) -> bool:
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = min((c for c, _m in exc.recipients.values()), default=550)
    return code is not None and 400 <= code < 500


def _count_due() -> int:
    now = utcnow()
    return db.session.scalar(sa.select(sa.func.count()).where(
        OutboxMessage.status == "pending",
        sa.or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)))


def mark_unconfirmed(now=None) -> int:
    """Messages whose worker stopped while sending: not sent again (it may have arrived)."""
    now = now or utcnow()
    count = db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - SENDING_TIMEOUT)
        .values(status="unconfirmed", body_sealed=None, html_sealed=None,
                error="The worker stopped while sending; it is not sent again so that nobody gets it twice.")
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return count


class _Connection:
    """One SMTP connection, opened at the first message and reused for the batch."""

    def __init__(self):
        self.smtp = None

    def send(self, message: OutboxMessage, body: str, html: str | None) -> None:
        config = current_app.config
        msg = EmailMessage()
        msg["From"] = from_header(message.sender_name, message.sender_address, config["MAIL_DEFAULT_SENDER"])
        msg["To"] = message.recipient
        if message.reply_to:
            msg["Reply-To"] = message.reply_to
        msg["Subject"] = message.subject
        msg["Message-ID"] = make_msgid(domain="klantspiegel")
        msg.set_content(body)
        if html is not None:
            # multipart/alternative: the text, then the HTML; the logo inline beside the HTML
            # (multipart/related), never fetched from elsewhere.
            msg.add_alternative(html, subtype="html")
            logo = db.session.get(OutboxLogo, message.logo_id) if message.logo_id else None
            if logo is not None:
                maintype, _slash, subtype = logo.mimetype.partition("/")
                msg.get_payload()[1].add_related(logo.data, maintype=maintype, subtype=subtype, cid="<logo>",
                                                 disposition="inline")
        try:
            if self.smtp is None:
                self.smtp = self._open()
            self.smtp.send_message(msg)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise ConnectionLost(_describe(exc)) from exc

    def _open(self) -> smtplib.SMTP:
        config = current_app.config
        host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
        if config["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None
