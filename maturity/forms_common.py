"""Shared form pieces: translated validators and the password policy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import ValidationError
from wtforms.validators import DataRequired, Email, Length

from .accounts.passwords import MAX_LENGTH, MIN_LENGTH, password_problem


def required():
    return DataRequired(message=_l("This field is required."))


def email_address():
    return Email(message=_l("Enter a valid email address, like name@example.nl."), check_deliverability=False)


def max_length(n: int):
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def strip(value):
    """Trim, and drop NUL characters: PostgreSQL cannot store them in text."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class StrongPassword:
    """Applies the password policy; the form may define ``policy_email``/``policy_name``."""

    def __call__(self, form, field):
        problem = password_problem(
            field.data or "",
            email=getattr(form, "policy_email", "") or "",
            name=getattr(form, "policy_name", "") or "",
        )
        messages = {
            "too_short": _l("Use at least %(n)d characters.", n=MIN_LENGTH),
            "too_long": _l("Use at most %(n)d characters.", n=MAX_LENGTH),
            "common": _l("This password is too common. Choose one that is hard to guess, e.g. a short sentence."),
            "personal": _l("Do not use your name or email address in your password."),
        }
        if problem:
            raise ValidationError(messages[problem])
