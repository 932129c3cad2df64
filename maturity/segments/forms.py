from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice

from ..forms_common import max_length, required, strip
from ..i18n import lazy_customer_gettext
from .services import SEGMENT_NAME_MAX, VALUE_NAME_MAX

SERVICE_LABEL = lazy_customer_gettext("These are our services: customers can be tied to one of them")
ASKED_LABEL = _l("Ask it in the questionnaire of whoever has no value for it")
ASKED_HELP = _l("Optional for them; their answer is kept with their answers only, never with their name.")


class SegmentForm(FlaskForm):
    name = StringField(_l("Name of the segment"), validators=[required(), max_length(SEGMENT_NAME_MAX)],
                       filters=[strip], description=lazy_customer_gettext("For example Locatie, Functie or Klantcontact."))
    is_service = BooleanField(SERVICE_LABEL)
    is_asked = BooleanField(ASKED_LABEL, description=ASKED_HELP)
    submit = SubmitField(_l("Add the segment"))


class SegmentEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(SEGMENT_NAME_MAX)], filters=[strip])
    is_service = BooleanField(SERVICE_LABEL)
    is_asked = BooleanField(ASKED_LABEL, description=ASKED_HELP)
    submit = SubmitField(_l("Save"))


class ValueForm(FlaskForm):
    name = StringField(_l("New value"), validators=[required(), max_length(VALUE_NAME_MAX)], filters=[strip])
    submit = SubmitField(_l("Add the value"))


class ValueEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(VALUE_NAME_MAX)], filters=[strip])
    submit = SubmitField(_l("Rename"))


def field_name(segment_id: int) -> str:
    """The name of a person's select for one segment (``with_segments``)."""
    return f"segment_{segment_id}"


def with_segments(form_class: type[FlaskForm], segments) -> type[FlaskForm]:
    """``form_class`` with one select per segment (an empty choice first), named by
    ``field_name``. The choice is not checked against the list here: the view loads the value
    through the tenant (another organisation's value is a 404) and checks it is the segment's."""
    if not segments:
        return form_class
    fields = {
        field_name(segment.id): SelectField(
            segment.name, choices=[SelectChoice("", _l("(none)"))] + [SelectChoice(str(v.id), v.name) for v in segment.values],
            default="", validate_choice=False)
        for segment in segments
    }
    return type(form_class.__name__, (form_class,), fields)
