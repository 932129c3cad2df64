"""The API page's form: a new key's label, its scopes and how long it lives."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice

from ..forms_common import max_length, required, strip
from .keys import LIFETIMES
from .models import SCOPES

#: What each scope lets a key do, as the form and the list explain it (in SCOPES' order).
SCOPE_LABELS = {
    "results:read": _l("Read results"),
    "people:manage": _l("Manage people"),
    "rounds:manage": _l("Manage rounds"),
    "actions:manage": _l("Manage actions"),
}
SCOPE_HELP = {
    "results:read": _l("Read the published figures of rounds, the progress between rounds and the action plans."),
    "people:manage": _l("List, add and change people, and mark them as having left."),
    "rounds:manage": _l("Create, open and close rounds, and send the invitations."),
    "actions:manage": _l("Change an action's status, owner and due date."),
}
assert tuple(SCOPE_LABELS) == SCOPES and tuple(SCOPE_HELP) == SCOPES

DEFAULT_LIFETIME = 90


def lifetime_label(days: int):
    return _l("%(num)d days", num=days)  # every lifetime is more than one day


def _whole_number(value) -> int:
    """The chosen lifetime, or 0 (refused with the form's own message) for anything else."""
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) < 6 else 0


class ApiKeyForm(FlaskForm):
    label = StringField(_l("Name of the key"), validators=[required(), max_length(80)], filters=[strip],
                        description=_l("For example “Power BI” or “HR link”: to tell keys apart."))
    # No scope at all is allowed: such a key reads organisations and rounds only (the page says so).
    scopes = SelectMultipleField(_l("What the key may do"), choices=[SelectChoice(s, SCOPE_LABELS[s]) for s in SCOPES],
                                 validate_choice=False)
    days = SelectField(_l("Valid for"), choices=[SelectChoice(d, lifetime_label(d)) for d in LIFETIMES], coerce=_whole_number,
                       default=DEFAULT_LIFETIME, validate_choice=False,
                       description=_l("After this the key stops working; make a new one in time."))

    def validate_scopes(self, field):
        if any(s not in SCOPES for s in field.data or []):
            raise ValidationError(_l("Choose from the scopes listed."))

    def validate_days(self, field):
        if field.data not in LIFETIMES:
            raise ValidationError(_l("Choose one of the periods listed."))
