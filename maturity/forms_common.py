"""Shared form pieces: translated validators, the page number of a list, the CSRF-protected button."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, ValidationError
from wtforms.validators import DataRequired, Email, Length



class _Required(DataRequired):
    """DataRequired, but a number is given whatever its value: it takes a typed 0 for missing
    (it tests the data's truth), so "0" was told "required" instead of the range it is outside."""

    def __call__(self, form, field):
        if isinstance(field.data, (int, float, Decimal)) and not isinstance(field.data, bool):
            return
        super().__call__(form, field)


def required():
    return _Required(message=_l("This field is required."))


def email_address():
    return Email(message=_l("Enter a valid email address, like name@example.nl."), check_deliverability=False)


def max_length(n: int):
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


#: Dates anyone means in this product: a round, a due date. Outside, date arithmetic (a copy of a
#: round, a due date plus months) could leave the calendar.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def sensible_date():
    def check(form, field):
        if field.data is not None and not (EARLIEST <= field.data <= LATEST):
            raise ValidationError(_l("Choose a date between %(start)s and %(end)s.", start=EARLIEST.year, end=LATEST.year))
    return check


class WholeNumberField(IntegerField):
    """An integer field that refuses numbers of more than nine digits with a message (WTForms'
    range check would compare them as floats and overflow)."""

    def process_formdata(self, valuelist):
        if valuelist and len(valuelist[0].strip().lstrip("+-")) > 9:
            self.data = None
            raise ValueError(_l("Enter a smaller whole number."))
        super().process_formdata(valuelist)


def strip(value):
    """Trim, and drop NUL characters: PostgreSQL cannot store them in text."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class ActionForm(FlaskForm):
    """An empty form: a CSRF-protected button (open, close, remove, resend, publish …)."""


#: The last page number a list accepts from the address bar; beyond it the list is empty (and a
#: database is never asked for an offset it cannot hold).
MAX_PAGE = 100_000


def page_number() -> int:
    """``?page=`` of the current request as a page of a list: 1 when missing or nonsense."""

    return max(1, min(request.args.get("page", 1, type=int) or 1, MAX_PAGE))
