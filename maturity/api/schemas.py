"""What the API reads and writes, as marshmallow schemas: they validate what comes in, shape
what goes out, and are the OpenAPI document's components (flask-smorest). Field names are the
API's, in English; values that are words (a phase, a label) come in the request's language."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .auth import CURSOR_PATTERN



class ProblemSchema(Schema):
    """RFC 9457: what went wrong, with the page's own title and message."""

    type = fields.String(metadata={"description": "Always about:blank: the status says what kind of problem."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(metadata={"description": "Per location (json, query) and field: what was not right."})


class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200),
                           metadata={"description": "How many items per page (1–200)."})
    cursor = fields.String(load_default=None, validate=validate.Regexp(CURSOR_PATTERN),
                           metadata={"description": "The `next_cursor` of the previous page."})


class PageSchema(Schema):
    next_cursor = fields.String(allow_none=True, required=True,
                                metadata={"description": "Pass as `cursor` for the next page; null on the last."})


# --- organisations -------------------------------------------------------------------------------

class OrganisationSchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    sector = fields.String(allow_none=True, required=True)
    customer_word = fields.String(required=True, metadata={"description": "What the organisation calls its customers."})
    created_at = fields.DateTime(required=True)


class OrganisationPage(PageSchema):
    items = fields.List(fields.Nested(OrganisationSchema), required=True)


# --- rounds ----------------------------------------------------------------------------------------

class ParticipationSchema(Schema):
    invited = fields.Integer(required=True)
    responses = fields.Integer(required=True, metadata={"description": "Employees who answered."})
    response_rate = fields.Integer(allow_none=True, required=True, metadata={"description": "Percent, as the pages show it."})
    customers = fields.Integer(required=True, metadata={"description": "Customers who answered."})


class RoundSchema(Schema):
    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["draft", "open", "closing", "published"]),
                           metadata={"description": "draft, open, closing (asked to close, publishing) or published."})
    opens_on = fields.Date(required=True)
    closes_on = fields.Date(required=True)
    min_group_size = fields.Integer(required=True)
    min_comment_group_size = fields.Integer(required=True)
    min_customer_group_size = fields.Integer(required=True)
    opened_at = fields.DateTime(allow_none=True, required=True)
    published_at = fields.DateTime(allow_none=True, required=True)
    participation = fields.Nested(ParticipationSchema, required=True)


class RoundPage(PageSchema):
    items = fields.List(fields.Nested(RoundSchema), required=True)


class RoundCreateSchema(Schema):
    """Checked further by the round form of the page, with its messages (3–50, closing after opening, …)."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    opens_on = fields.Date(required=True)
    closes_on = fields.Date(required=True)
    min_group_size = fields.Integer(load_default=5, validate=validate.Range(min=-10**6, max=10**6))
    min_comment_group_size = fields.Integer(load_default=10, validate=validate.Range(min=-10**6, max=10**6))
    min_customer_group_size = fields.Integer(load_default=None, allow_none=True,
                                             validate=validate.Range(min=-10**6, max=10**6))
    department_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)), load_default=list,
                                 validate=validate.Length(max=500),
                                 metadata={"description": "The departments taking part; empty: everyone."})


class InvitedSchema(Schema):
    invited = fields.Integer(required=True, metadata={"description": "How many people were invited now."})


# --- results ---------------------------------------------------------------------------------------

class MinimumsSchema(Schema):
    responses = fields.Integer(required=True)
    comments = fields.Integer(required=True)
    customers = fields.Integer(required=True)


class DimensionSchema(Schema):
    label = fields.String(required=True)
    responses = fields.Integer(allow_none=True, required=True)
    value = fields.Float(allow_none=True, required=True, metadata={"description": "0–100; null when too few answered."})
    text = fields.String(required=True, metadata={"description": "As the page shows it."})


class FigureRowSchema(Schema):
    section = fields.String(required=True, metadata={"description": "A stable key: phase, dimension, department, statement, …"})
    section_label = fields.String(required=True)
    figure = fields.String(required=True)
    group = fields.String(required=True)
    responses = fields.Integer(allow_none=True, required=True)
    value = fields.Float(allow_none=True, required=True, metadata={"description": "The number as shown; null when hidden or a word."})
    text = fields.String(required=True, metadata={"description": "The value as the page shows it (\"too few responses\" when hidden)."})
    hidden = fields.Boolean(required=True, metadata={"description": "True when the figure is not shown: it rests on fewer "
                            "responses than the round's minimum, or beside other groups it would let someone work out "
                            "the answers of fewer people. A row with a word (the phase, a comment) is not hidden."})
    unit = fields.String(allow_none=True, required=True, validate=validate.OneOf(
        ["0-100", "1-5", "1-10", "%", "count", "alpha"]),
        metadata={"description": "The scale of `value`; null for words and for the segment overview (see `figure`)."})


class GroupSchema(Schema):
    group = fields.String(required=True, metadata={"description": "Pass as `?group=` for this group's figures."})
    label = fields.String(required=True)
    responses = fields.Integer(required=True)


class ResultsSchema(Schema):
    round_id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    language = fields.String(required=True)
    group = fields.String(allow_none=True, required=True, metadata={"description": "The segment group, when filtered."})
    shown = fields.Boolean(required=True, metadata={"description": "False when fewer than the minimum answered: nothing but counts."})
    phase = fields.String(allow_none=True, required=True)
    provisional = fields.String(allow_none=True, required=True)
    responses = fields.Integer(required=True)
    invited = fields.Integer(required=True)
    response_rate = fields.Integer(allow_none=True, required=True)
    customers = fields.Integer(required=True)
    minimums = fields.Nested(MinimumsSchema, required=True)
    dimensions = fields.List(fields.Nested(DimensionSchema), required=True)
    key_findings = fields.List(fields.String(), required=True)
    groups = fields.List(fields.Nested(GroupSchema), required=True,
                         metadata={"description": "The segment groups the round shows (the results page's filter)."})
    rows = fields.List(fields.Nested(FigureRowSchema), required=True,
                       metadata={"description": "Every figure, one row each: the CSV download's table."})


class ResultsArgs(Schema):
    group = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list,
                        validate=validate.Length(max=2),
                        metadata={"description": "A group from `groups` (or two single ones, to combine them as the "
                                  "results page's two filters do)."})


# --- progress --------------------------------------------------------------------------------------

class ProgressPointSchema(Schema):
    round_id = fields.Integer(required=True)
    title = fields.String(required=True)
    opens_on = fields.Date(required=True)
    phase = fields.String(allow_none=True, required=True, metadata={"description": "onwetend, klantgericht, klantbewust or klantbekwaam; null when too few answered."})
    responses = fields.Integer(required=True)
    dimensions = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True), required=True)


class ProgressSchema(Schema):
    organisation_id = fields.Integer(required=True)
    rounds = fields.List(fields.Nested(ProgressPointSchema), required=True)


# --- plans -----------------------------------------------------------------------------------------

class ActionSchema(Schema):
    id = fields.Integer(required=True)
    round_id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    owner = fields.String(allow_none=True, required=True)
    due_on = fields.Date(allow_none=True, required=True)
    status = fields.String(required=True)
    position = fields.Integer(required=True)


class PlanSchema(Schema):
    round_id = fields.Integer(required=True)
    published = fields.Boolean(required=True)
    actions = fields.List(fields.Nested(ActionSchema), required=True)


class ActionPatchSchema(Schema):
    status = fields.String(validate=validate.OneOf(["open", "in_progress", "done"]))
    owner = fields.String(allow_none=True, validate=validate.Length(max=120))
    due_on = fields.Date(allow_none=True)


# --- people ----------------------------------------------------------------------------------------

class PersonSchema(Schema):
    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    name = fields.String(allow_none=True, required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(["director", "employee"]))
    department = fields.String(allow_none=True, required=True)
    segments = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), required=True,
                           metadata={"description": "Segment name → the person's value."})


class PersonPage(PageSchema):
    items = fields.List(fields.Nested(PersonSchema), required=True)


class PersonCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    role = fields.String(load_default="employee", validate=validate.OneOf(["director", "employee"]))
    department = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))
    segments = fields.Dict(keys=fields.String(validate=validate.Length(max=80)),
                           values=fields.String(allow_none=True, validate=validate.Length(max=80)), load_default=dict)


class PersonPatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    role = fields.String(validate=validate.OneOf(["director", "employee"]))
    department = fields.String(allow_none=True, validate=validate.Length(max=80))
    segments = fields.Dict(keys=fields.String(validate=validate.Length(max=80)),
                           values=fields.String(allow_none=True, validate=validate.Length(max=80)))


class LeftSchema(Schema):
    left = fields.Boolean(required=True, metadata={"description": "False when the person is the last director: kept."})


