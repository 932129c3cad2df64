from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.validators import NumberRange, Optional

from ..forms_common import WholeNumberField, max_length, required, sensible_date, strip
from ..i18n import lazy_customer_gettext

MAX_ROUND_DAYS = 366


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RoundForm(FlaskForm):
    title = StringField(_l("Title"), validators=[required(), max_length(120)], filters=[strip],
                        description=_l("For example: Klantspiegel spring 2027."))
    opens_on = DateField(_l("Opens on"), validators=[required(), sensible_date()])
    closes_on = DateField(_l("Closes on"), validators=[required(), sensible_date()])
    min_group_size = WholeNumberField(
        _l("Minimum group size for scores"), default=5,
        validators=[required(), NumberRange(min=3, max=50, message=_l("Choose a number from %(min)s to %(max)s."))],
        description=_l("Figures resting on fewer responses are hidden. Cannot be changed once the round is open."),
    )
    min_comment_group_size = WholeNumberField(
        _l("Minimum number of responses before comments are shown"), default=10,
        validators=[required(), NumberRange(min=3, max=100, message=_l("Choose a number from %(min)s to %(max)s."))],
    )
    min_customer_group_size = WholeNumberField(
        lazy_customer_gettext("Minimum number of customer responses"), default=5,
        validators=[Optional(), NumberRange(min=3, max=100, message=_l("Choose a number from %(min)s to %(max)s."))],
        description=lazy_customer_gettext("The customer mirror is shown from this number of customer responses on; "
                       "empty means the minimum group size."),
    )
    departments = MultiCheckboxField(_l("Departments taking part"), coerce=int,
                                     description=_l("Tick none to invite everyone."))
    submit = SubmitField(_l("Save round"))

    def __init__(self, *args, department_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.departments.choices = list(department_choices)

    def validate_closes_on(self, field):
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The closing date must be on or after the opening date."))
        if self.opens_on.data and field.data and (field.data - self.opens_on.data).days > MAX_ROUND_DAYS:
            raise ValidationError(_l("A round runs at most a year; choose an earlier closing date."))

    def validate_min_comment_group_size(self, field):
        if self.min_group_size.data and field.data is not None and field.data < self.min_group_size.data:
            raise ValidationError(_l("Must be at least the minimum group size for scores."))

    def validate_min_customer_group_size(self, field):
        if self.min_group_size.data and field.data is not None and field.data < self.min_group_size.data:
            raise ValidationError(_l("Must be at least the minimum group size for scores."))


class CustomerInviteForm(FlaskForm):
    """Customers' e-mail addresses, one per line, for personal single-use links."""
    emails = TextAreaField(lazy_customer_gettext("Customers' e-mail addresses"), validators=[required(), max_length(60_000)],
                           description=_l("One address per line, at most 500 at a time. The addresses are used only "
                                          "to send the links, and are erased when the round closes."))
    #: Which service these customers dealt with (the organisation's services; none: not said).
    service = SelectField(lazy_customer_gettext("These customers dealt with"), choices=[], validate_choice=False,
                          description=_l("Their answers count for that service too, beside the organisation's."))
    submit = SubmitField(_l("Send personal links"))
    #: After sending: (flash category, how many were sent), shown beside the lines still to correct.
    sent: tuple[str, str] | None = None

    def validate_emails(self, field):
        """The valid addresses go in ``addresses``; what is not an address does not hold them
        back: it goes in ``rejected`` as (line number in the box, text as typed), for the view
        to report and to leave in the box for correction."""
        good, self.rejected = [], []
        for number, line in enumerate((field.data or "").splitlines(), start=1):
            for text in line.replace(";", ",").split(","):  # a line may hold several, as a mail program copies them
                text = text.strip()
                if not text:
                    continue
                try:
                    good.append(validate_email(text, check_deliverability=False).normalized.lower())
                except EmailNotValidError:
                    self.rejected.append((number, text))
        if len(good) > 500:
            raise ValidationError(_l("At most 500 addresses at a time."))
        self.addresses = good
