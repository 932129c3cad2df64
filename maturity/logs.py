"""Request logs without personal links.

A personal respondent link (``/r/<token>/…``) is a key to someone's draft until they submit; a
customer link, an account invitation and a password reset carry their secret in the path too.
Every access log line we write, from the development server (werkzeug) or gunicorn (through
``gunicorn.conf.py``), passes through :func:`redact`, so the token never reaches a log file.
"""

from __future__ import annotations

import logging
import re

#: Every link whose path holds a secret: a respondent's (/r/), a customer's (/k/, /kp/), an
#: invitation to an account, a password reset, a round's shared results (/shared/).
_PERSONAL_LINK = re.compile(r"(/(?:r|k|kp|invitation|password/reset|shared)/)[^/\s\"'?#]+")


def redact(text: str) -> str:
    return _PERSONAL_LINK.sub(r"\1[redacted]", text)


class RedactLinks(logging.Filter):
    """Rewrites the record's message with personal links removed (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install() -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinks) for f in logger.filters):
            logger.addFilter(RedactLinks())
