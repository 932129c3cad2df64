from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, SubmitField

from ..forms_common import email_address, max_length, required, strip


class ConsultancyForm(FlaskForm):
    name = StringField(_l("Name of the consultancy"), validators=[required(), max_length(120)], filters=[strip])
    consultant_name = StringField(_l("Name of the first consultant"), validators=[required(), max_length(120)], filters=[strip])
    consultant_email = EmailField(
        _l("Email address of the first consultant"), validators=[required(), email_address(), max_length(254)], filters=[strip]
    )
    submit = SubmitField(_l("Create consultancy and send invitation"))


class HostForm(FlaskForm):
    """A consultancy's own host name (empty: none); set once DNS and TLS point at the platform."""

    host = StringField(_l("Own host name"), validators=[max_length(253)], filters=[strip],
                       description=_l("For example spiegel.bureau.nl. Empty: the platform's own address."))
    submit = SubmitField(_l("Save"))
