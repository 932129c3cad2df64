from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from ..core.actions import ROLE
from ..forms_common import max_length, required, sensible_date, strip
from ..i18n import lazy_customer_gettext
from .models import ItemStatus


def status_choices():
    return [(ItemStatus.OPEN.value, _l("To do")), (ItemStatus.IN_PROGRESS.value, _l("In progress")),
            (ItemStatus.DONE.value, _l("Done"))]


class ItemForm(FlaskForm):
    title = StringField(_l("Action"), validators=[required(), max_length(200)], filters=[strip])
    description = TextAreaField(_l("Description"), validators=[Optional(), max_length(4000)], filters=[strip])
    owner = StringField(_l("Owner"), validators=[Optional(), max_length(120)], filters=[strip],
                        description=_l("Who makes sure this happens."))
    due_on = DateField(_l("Due date"), validators=[Optional(), sensible_date()])
    status = SelectField(_l("Status"), choices=status_choices, default=ItemStatus.OPEN.value)
    submit = SubmitField(_l("Save"))


class NewItemForm(ItemForm):
    submit = SubmitField(_l("Add to the plan"))


class CommentaryForm(FlaskForm):
    commentary = TextAreaField(_l("Your commentary for the board"), validators=[Optional(), max_length(3000)],
                               filters=[strip],
                               description=_l("Shown in the report's summary, under your consultancy's name."))
    #: The report in the other language prints it as written, and says in which language.
    language = SelectField(_l("Written in"), choices=lambda: [("nl", _l("Dutch")), ("en", _l("English"))], default="nl")
    submit = SubmitField(_l("Save the commentary"))


class StopForm(FlaskForm):
    """The decision not to continue an unfinished action of the previous round, with the reason."""

    reason = StringField(_l("Why not continue it?"), validators=[required(), max_length(300)], filters=[strip],
                         description=_l("For example: replaced by another approach, or no longer relevant."))
    submit = SubmitField(_l("Stop this action"))


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[required()])


class OwnerRolesForm(FlaskForm):
    """The organisation's own names for who owns which kind of action (all optional)."""

    board = StringField(_l("Who leads the organisation"), validators=[Optional(), max_length(80)], filters=[strip],
                        description=_l("For example: directie, bestuurder, college van B&W."))
    managers = StringField(_l("The management team"), validators=[Optional(), max_length(80)], filters=[strip],
                           description=_l("For example: MT, directie en afdelingshoofden."))
    teams = StringField(_l("Who leads the teams"), validators=[Optional(), max_length(80)], filters=[strip],
                        description=_l("For example: teamleiders, coördinatoren."))
    hr = StringField(_l("HR and training"), validators=[Optional(), max_length(80)], filters=[strip],
                     description=_l("For example: P&O, HR-adviseur, opleidingscoördinator."))
    service = StringField(lazy_customer_gettext("Who organises customer contact"), validators=[Optional(), max_length(80)],
                          filters=[strip], description=lazy_customer_gettext("For example: manager KCC, teamleider klantenservice."))
    submit = SubmitField(_l("Save the roles"))

    KEYS = tuple(ROLE)  # one field per kind of owner the plan rules name
