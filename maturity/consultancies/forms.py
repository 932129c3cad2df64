from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, SubmitField
from wtforms.validators import Optional

from ..forms_common import email_address, max_length, required, strip


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name of the organisation"), validators=[required(), max_length(120)], filters=[strip])
    sector = StringField(
        _l("Sector"), validators=[Optional(), max_length(120)], filters=[strip],
        description=_l("For example: housing corporation, installation company, municipality."),
    )
    director_name = StringField(_l("Name of the director"), validators=[required(), max_length(120)], filters=[strip])
    director_email = EmailField(
        _l("Email address of the director"), validators=[required(), email_address(), max_length(254)], filters=[strip]
    )
    submit = SubmitField(_l("Create organisation and invite director"))


class ConsultantForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(120)], filters=[strip])
    email = EmailField(_l("Email address"), validators=[required(), email_address(), max_length(254)], filters=[strip])
    submit = SubmitField(_l("Invite consultant"))
