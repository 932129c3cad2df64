from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, EmailField, StringField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp

from ..forms_common import WholeNumberField, email_address, max_length, required, strip
from ..tenancy.retention import LIMITS


def _period(name: str) -> list:
    """Required, whole, within the allowed range, said in the description and the message."""
    low, high = LIMITS[name]
    return [InputRequired(message=_l("Enter a number.")),
            NumberRange(low, high, message=_l("Enter a whole number from %(min)s to %(max)s."))]


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


class SettingsForm(FlaskForm):
    name = StringField(_l("Name of the consultancy"), validators=[required(), max_length(120)], filters=[strip])
    primary_color = StringField(
        _l("House colour"), validators=[required(), Regexp(r"^#[0-9a-fA-F]{6}\Z", message=_l("Choose a colour like #00695c."))],
        description=_l("Used for the cover, headings, phase ladder, charts and footer of the PDF report."),
    )
    logo = FileField(
        _l("Logo"), validators=[FileAllowed(["png", "jpg", "jpeg"], message=_l("Upload a PNG or JPEG image."))],
        description=_l("PNG or JPEG, at most 300 KB. Shown on the cover of the PDF report."),
    )
    remove_logo = BooleanField(_l("Remove the current logo"))
    mail_sender = EmailField(
        _l("Sender address for mail (optional)"), validators=[Optional(), email_address(), max_length(254)],
        filters=[strip, lambda value: value or None],
        description=_l("E.g. spiegel@your-consultancy.nl. Mail to your clients' employees and customers is sent in "
                       "the client's name, and account mail in yours, from this address. Only set it once your "
                       "domain allows us to send for it (SPF and DKIM: ask us for the records); without it, mail "
                       "comes from the platform's address with your or your client's name."))
    retain_answers_months = WholeNumberField(
        _l("Raw answers, after a round closes (months)"),
        validators=_period("retain_answers_months"),
        description=_l("3 to 120. Then every answer and customer comment is removed; the round's results, report and progress remain."))
    retain_personal_results_days = WholeNumberField(
        _l("Respondents' own results, after a round closes (days)"),
        validators=_period("retain_personal_results_days"), description=_l("7 to 730."))
    retain_mail_days = WholeNumberField(
        _l("Addresses and texts of sent mail (days)"), validators=_period("retain_mail_days"), description=_l("7 to 365."))
    retain_sessions_days = WholeNumberField(
        _l("A login ends after (days)"), validators=_period("retain_sessions_days"), description=_l("1 to 90."))
    retain_audit_months = WholeNumberField(
        _l("Audit trail (months)"), validators=_period("retain_audit_months"), description=_l("6 to 120."))
    requires_director_second_factor = BooleanField(
        _l("Directors of our clients sign in with two-step sign-in too"),
        description=_l("Consultants always do. Directors who have not set it up yet do so at their next visit."),
    )
    submit = SubmitField(_l("Save settings"))
