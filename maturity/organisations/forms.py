from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import Optional

from ..forms_common import email_address, max_length, required, strip
from ..i18n import CUSTOMER_WORDS
from ..tenancy.models import OrgRole


def role_choices():
    return [(OrgRole.EMPLOYEE.value, _l("Employee")), (OrgRole.DIRECTOR.value, _l("Director"))]


class MemberForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(120)], filters=[strip])
    email = EmailField(_l("Email address"), validators=[required(), email_address(), max_length(254)], filters=[strip])
    department = StringField(
        _l("Department"), validators=[Optional(), max_length(80)], filters=[strip],
        description=_l("Choose an existing department or type a new one."),
    )
    role = SelectField(_l("Role"), choices=role_choices, default=OrgRole.EMPLOYEE.value)
    submit = SubmitField(_l("Add"))


class EditMemberForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(120)], filters=[strip],
                       description=_l("As shown in this organisation. The email address cannot be changed; remove and add the person again for a new address."))
    department = StringField(_l("Department"), validators=[Optional(), max_length(80)], filters=[strip])
    role = SelectField(_l("Role"), choices=role_choices)
    submit = SubmitField(_l("Save"))


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(message=_l("Choose a file to upload.")),
            FileAllowed(["csv", "txt"], message=_l("Upload a .csv file (save your spreadsheet as CSV).")),
        ],
        description=_l("Columns: naam (name), e-mail, afdeling (department), and one column per segment headed by "
                       "its name (e.g. Locatie). Separated by ; or ,"),
    )
    submit = SubmitField(_l("Check the file"))


class ImportConfirmForm(FlaskForm):
    #: The uploaded text (base64) travels back with the confirmation: no server-side state.
    content = HiddenField(validators=[required()])
    submit = SubmitField(_l("Add these people"))


class LogoForm(FlaskForm):
    """The client organisation's own logo, beside the consultancy's on the report."""

    logo = FileField(
        _l("Logo of the organisation"),
        validators=[FileAllowed(["png", "jpg", "jpeg"], message=_l("Upload a PNG or JPEG image."))],
        description=_l("PNG or JPEG, at most 300 KB. Shown on the cover of the report, beside your consultant's logo."),
    )
    remove_logo = BooleanField(_l("Remove the current logo"))
    submit = SubmitField(_l("Save the logo"))


#: How the settings name each word (Dutch and English, singular and plural).
CUSTOMER_WORD_LABELS = {
    "klant": _l("klant / klanten (customer)"), "inwoner": _l("inwoner / inwoners (resident)"),
    "huurder": _l("huurder / huurders (tenant)"), "client": _l("cliënt / cliënten (client)"),
    "bewoner": _l("bewoner / bewoners (resident)"), "bezoeker": _l("bezoeker / bezoekers (visitor)"),
    "leerling": _l("leerling / leerlingen (pupil)"),
}


class CustomerWordForm(FlaskForm):
    """The organisation's word for its customers, in every page, question, mail and report."""

    customer_word = SelectField(
        _l("What does your organisation call its customers?"),
        choices=lambda: [(word, CUSTOMER_WORD_LABELS[word]) for word in CUSTOMER_WORDS],
        description=_l("Used in the customer questionnaire, the QR card, the invitation mail to customers, the results "
                       "and the report, in Dutch and English. The questions stay the same, so rounds remain comparable."),
    )
    submit = SubmitField(_l("Save the word"))
