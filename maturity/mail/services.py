"""Sending mail: real SMTP when MAIL_SERVER is set, otherwise the admin-visible outbox."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template

from ..extensions import db
from ..models_base import utcnow
from .models import OutboxMessage

log = logging.getLogger(__name__)


#: Stands in for a personal link in the stored copy of a message.
REDACTED = "[…]"


def send_template_mail(recipient: str, subject: str, template: str, *, private: tuple[str, ...] = (),
                       private_when_mailed: tuple[str, ...] = (), **context) -> OutboxMessage:
    """Links that work as keys go to the recipient only; the outbox keeps the message with each
    replaced by a placeholder, so nobody who reads the outbox can use them:

    - ``private`` (personal respondent links): always; employees find theirs by signing in;
    - ``private_when_mailed`` (account invitation and password links): whenever a mail server is
      configured, delivered or not. Without one (development, the demo) the outbox is how those
      messages are read at all, so there they stay readable (docs/security.md)."""
    body = render_template(template, **context)
    stored = body
    redacted = private + (private_when_mailed if current_app.config["MAIL_SERVER"] else ())
    for name in redacted:
        stored = stored.replace(context[name], REDACTED)
    return send_mail(recipient, subject, body, stored_body=stored)


def send_mail(recipient: str, subject: str, body_text: str, *, stored_body: str | None = None) -> OutboxMessage:
    """Record the message and deliver it. Never raises for delivery problems: a failed
    delivery is recorded (and visible to admins) so the calling action still succeeds.
    The outbox keeps ``stored_body`` (the body without personal links) when given."""
    config = current_app.config
    message = OutboxMessage(recipient=recipient, subject=subject,
                            body_text=body_text if stored_body is None else stored_body, status="outbox")
    db.session.add(message)
    if config["MAIL_SERVER"]:
        try:
            _deliver_smtp(recipient, subject, body_text)
        except (OSError, smtplib.SMTPException) as exc:
            message.status = "failed"
            message.error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("mail delivery failed to message=%s: %s", message.id, type(exc).__name__)
        else:
            message.status = "sent"
            message.sent_at = utcnow()
            message.body_text = None  # links in it must not linger in the database
    db.session.flush()
    log.info("mail %s status=%s", message.id, message.status)
    return message


def _deliver_smtp(recipient: str, subject: str, body_text: str) -> None:
    config = current_app.config
    msg = EmailMessage()
    msg["From"] = config["MAIL_DEFAULT_SENDER"]
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="klantspiegel")
    msg.set_content(body_text)
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(msg)
