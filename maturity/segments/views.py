"""The organisation's segments page: directors and consultants define segments (location, role,
the services customers can be tied to, ...) and their values. People get their values on the
people page and through the CSV list (``organisations.views``)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..forms_common import ActionForm
from ..tenancy.access import CONSULTANT, DIRECTOR, organisation_blueprint, roles_required, scoped_get
from . import services
from .forms import SegmentEditForm, SegmentForm, ValueEditForm, ValueForm
from .models import MAX_SEGMENTS, MAX_VALUES, Segment, SegmentValue

bp = organisation_blueprint("segments", __name__, "/segments")

MANAGERS = (DIRECTOR, CONSULTANT)


def error_text(error: services.SegmentError) -> str:
    """A refusal of ``segments.services`` in the reader's words."""
    p = error.params
    return {
        "name_missing": lambda: _("Give the segment a name."),
        "name_too_long": lambda: _("The name of a segment is at most %(max)d characters.", max=p["max"]),
        "name_reserved": lambda: _(
            "“%(name)s” is already a column of the people list (name, email address or department). "
            "Choose another name.", name=p["name"]),
        "name_taken": lambda: _("There is already a segment called “%(name)s”.", name=p["name"]),
        "too_many_segments": lambda: _(
            "An organisation has at most %(max)d segments. Delete one before adding another.", max=p["max"]),
        "service_taken": lambda: _(
            "“%(name)s” already lists your services, and only one segment can. Unmark it first.", name=p["name"]),
        "value_name_missing": lambda: _("Give the value a name."),
        "value_name_too_long": lambda: _("A value is at most %(max)d characters.", max=p["max"]),
        "value_name_taken": lambda: _("“%(segment)s” already has the value “%(name)s”.",
                                      segment=p["segment"], name=p["name"]),
        "too_many_values": lambda: _(
            "A segment has at most %(max)d values, and “%(segment)s” has them all. Remove one before adding another.",
            max=p["max"], segment=p["segment"]),
        "value_not_in_segment": lambda: _("Choose one of the values of “%(segment)s”.", segment=p["segment"]),
    }[error.code]()


def _ids(form, prefix: str):
    """Unique element ids for one of the page's many small forms."""
    for f in form:
        f.id = f"{prefix}-{f.name}"
    return form


def _render(*, status: int = 200, new_form=None, bound: tuple[str, int, object] | None = None):
    """The page; ``bound`` is the one form just submitted with errors: (kind, id, form)."""
    segments = services.segments_of(g.org.id)
    edit_forms, value_forms, rename_forms = {}, {}, {}
    for segment in segments:
        edit_forms[segment.id] = _ids(SegmentEditForm(formdata=None, data={
            "name": segment.name, "is_service": segment.is_service, "is_asked": segment.is_asked}),
            f"segment-{segment.id}")
        value_forms[segment.id] = _ids(ValueForm(formdata=None), f"segment-{segment.id}-value")
        for value in segment.values:
            rename_forms[value.id] = _ids(ValueEditForm(formdata=None, data={"name": value.name}), f"value-{value.id}")
    if bound is not None:
        kind, ident, form = bound
        {"segment": edit_forms, "value": value_forms, "rename": rename_forms}[kind][ident] = _ids(
            form, {"segment": f"segment-{ident}", "value": f"segment-{ident}-value", "rename": f"value-{ident}"}[kind])
    return render_template(
        "segments/page.html", segments=segments, counts=services.people_per_value(g.org.id),
        new_form=new_form or _ids(SegmentForm(formdata=None), "new-segment"), edit_forms=edit_forms,
        value_forms=value_forms, rename_forms=rename_forms, bound=bound, action_form=ActionForm(),
        has_service=any(s.is_service for s in segments), max_segments=MAX_SEGMENTS, max_values=MAX_VALUES,
    ), status


def _field_for(form, error: services.SegmentError):
    return form.is_service if error.code == "service_taken" and hasattr(form, "is_service") else form.name


def _to(anchor: str):
    return redirect(url_for("segments.page") + "#" + anchor)


@bp.route("")
@roles_required(*MANAGERS)
def page():
    return _render()


@bp.route("", methods=["POST"])
@roles_required(*MANAGERS)
def create():
    form = SegmentForm()
    if form.validate_on_submit():
        try:
            segment = services.create_segment(g.org, form.name.data, is_service=form.is_service.data,
                                              is_asked=form.is_asked.data)
        except services.SegmentError as error:
            db.session.rollback()  # refused: nothing of it is kept
            _field_for(form, error).errors.append(error_text(error))
        else:
            flash(_("The segment “%(name)s” has been added. Now give it its values.", name=segment.name), "success")
            return _to(f"segment-{segment.id}")
    return _render(status=400, new_form=_ids(form, "new-segment"))


@bp.route("/<int:segment_id>", methods=["POST"])
@roles_required(*MANAGERS)
def update(segment_id: int):
    segment = scoped_get(Segment, segment_id)
    form = SegmentEditForm()
    if form.validate_on_submit():
        try:
            services.update_segment(segment, form.name.data, is_service=form.is_service.data,
                                    is_asked=form.is_asked.data)
        except services.SegmentError as error:
            db.session.rollback()  # refused: nothing of it is kept
            _field_for(form, error).errors.append(error_text(error))
        else:
            flash(_("The changes have been saved."), "success")
            return _to(f"segment-{segment.id}")
    return _render(status=400, bound=("segment", segment.id, form))


@bp.route("/<int:segment_id>/delete", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def delete(segment_id: int):
    """GET says what follows, POST does it."""
    segment = scoped_get(Segment, segment_id)
    if request.method == "POST":
        if ActionForm().validate_on_submit():
            name = segment.name
            services.delete_segment(segment)
            flash(_("The segment “%(name)s” has been deleted.", name=name), "success")
        return redirect(url_for("segments.page"))
    counts = services.people_per_value(g.org.id)
    people = sum(counts.get(v.id, 0) for v in segment.values)
    return render_template("segments/delete.html", segment=segment, value=None, people=people,
                           action_form=ActionForm())


@bp.route("/<int:segment_id>/values", methods=["POST"])
@roles_required(*MANAGERS)
def add_value(segment_id: int):
    segment = scoped_get(Segment, segment_id)
    form = ValueForm()
    if form.validate_on_submit():
        try:
            value = services.add_value(segment, form.name.data)
        except services.SegmentError as error:
            db.session.rollback()  # refused: nothing of it is kept
            form.name.errors.append(error_text(error))
        else:
            flash(_("“%(value)s” has been added to “%(segment)s”.", value=value.name, segment=segment.name), "success")
            return _to(f"segment-{segment.id}")
    return _render(status=400, bound=("value", segment.id, form))


@bp.route("/values/<int:value_id>", methods=["POST"])
@roles_required(*MANAGERS)
def rename_value(value_id: int):
    value = scoped_get(SegmentValue, value_id)
    form = ValueEditForm()
    if form.validate_on_submit():
        try:
            services.rename_value(value, form.name.data)
        except services.SegmentError as error:
            db.session.rollback()  # refused: nothing of it is kept
            form.name.errors.append(error_text(error))
        else:
            flash(_("The changes have been saved."), "success")
            return _to(f"segment-{value.segment_id}")
    return _render(status=400, bound=("rename", value.id, form))


@bp.route("/values/<int:value_id>/delete", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def delete_value(value_id: int):
    """GET says what follows, POST does it."""
    value = scoped_get(SegmentValue, value_id)
    segment = value.segment
    if request.method == "POST":
        if ActionForm().validate_on_submit():
            name = value.name
            services.delete_value(value)
            flash(_("“%(value)s” has been removed from “%(segment)s”.", value=name, segment=segment.name), "success")
        return _to(f"segment-{segment.id}")
    people = services.people_per_value(g.org.id).get(value.id, 0)
    return render_template("segments/delete.html", segment=segment, value=value, people=people,
                           action_form=ActionForm())
