"""The webhooks page's form: a receiver's address and the events it wants."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from ..forms_common import max_length, required, strip
from . import targets
from .events import EVENTS

#: What the form says about a refused address (``targets.TargetRefused.reason``).
REFUSALS = {
    "invalid": _l("Enter a web address like https://example.nl/hooks/klantspiegel (no user name or password in it)."),
    "scheme": _l("Only http and https addresses can receive webhooks."),
    "not_https": _l("Only https addresses can receive webhooks."),
    "unresolvable": _l("The host name in this address cannot be found."),
    "private": _l("This address leads to a private, local or reserved network (%(address)s). Webhooks are delivered "
                  "to addresses on the public internet only."),
}


def refusal_message(refused: targets.TargetRefused) -> str:
    return str(REFUSALS.get(refused.reason, REFUSALS["invalid"])) % {"address": refused.detail}


def _deliverable(form, field):
    try:
        targets.check(field.data or "")
    except targets.TargetRefused as refused:
        raise ValidationError(refusal_message(refused)) from None


class WebhookForm(FlaskForm):
    url = StringField(_l("Address (URL)"), validators=[required(), max_length(targets.MAX_URL_LENGTH), _deliverable],
                      filters=[strip], description=_l("Your system's https address that receives the events."))
    events = SelectMultipleField(_l("Events"), choices=[SelectChoice(key, label) for key, label in EVENTS.items()],
                                 validators=[DataRequired(message=_l("Choose at least one event."))])
