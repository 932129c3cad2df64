"""The provisioning page's forms: a new token's label, and which directory attribute fills
which segment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from ..forms_common import max_length, required
from .models import SEGMENT_SOURCES

#: How the page names each directory attribute.
SOURCE_LABELS = {
    "division": _l("Division (enterprise extension)"),
    "costCenter": _l("Cost center (enterprise extension)"),
    "organization": _l("Organization (enterprise extension)"),
    "department": _l("Department (enterprise extension)"),
    "title": _l("Job title"),
    "userType": _l("User type"),
    "groups": _l("Group membership (the group's name)"),
}


class TokenForm(FlaskForm):
    label = StringField(_l("Name of the token"), validators=[required(), max_length(80)],
                        description=_l("For example “Entra ID” or “Okta”: to tell tokens apart."))


class SegmentSourcesForm(FlaskForm):
    """One select per segment (``segment_<id>``), built for the organisation's segments."""

    @classmethod
    def for_segments(cls, segments, sources: dict[int, str], formdata=None):
        choices = [SelectChoice("", _l("Not from the directory"))] + [SelectChoice(s, SOURCE_LABELS[s]) for s in SEGMENT_SOURCES]

        class Form(cls):
            pass

        for segment in segments:
            setattr(Form, f"segment_{segment.id}", SelectField(segment.name, choices=choices,
                                                               default=sources.get(segment.id, "")))
        form = Form(formdata=formdata) if formdata is not None else Form()
        return form

    def chosen(self, segments) -> dict[int, str | None]:
        return {s.id: (getattr(self, f"segment_{s.id}").data or None) for s in segments}
