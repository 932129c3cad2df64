"""An organisation's own pages: overview and people (directors and consultants manage them)."""

from __future__ import annotations

import base64

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response as HttpResponse
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..accounts.models import User
from ..accounts.services import send_invitation
from ..audit.services import record
from ..collation import ListPage, name_key, sorted_by_name
from ..extensions import db
from ..forms_common import ActionForm, page_number
from ..i18n import customer_gettext
from ..logos import LOGO_MAX_BYTES, logo_type
from ..people_csv import decode, parse_people_csv
from ..plans.models import ActionPlan
from ..privacy.subject_data import erase_from_organisation
from ..results.history import round_points
from ..rounds.links import invitation_token
from ..rounds.models import Invitation, Round, RoundStatus
from ..segments import services as segment_services
from ..segments.forms import field_name, with_segments
from ..segments.models import MAX_VALUES, SegmentValue
from ..tenancy.access import (
    CONSULTANT,
    DIRECTOR,
    organisation_blueprint,
    roles_required,
    scoped_get,
    scoped_select,
)
from ..tenancy.models import Department, OrganisationMembership, OrgRole
from . import services
from .forms import (
    EditMemberForm,
    ImportConfirmForm,
    CustomerWordForm,
    ImportUploadForm,
    LogoForm,
    MemberForm,
)

bp = organisation_blueprint("organisations", __name__)

MANAGERS = (DIRECTOR, CONSULTANT)
PAGE_SIZE = 50


def _department_names() -> list[str]:
    return sorted_by_name(db.session.scalars(
        sa.select(Department.name).where(Department.organisation_id == g.org.id)
    ))


def _department_counts():
    """Employees per department, by name (people without a department last)."""
    rows = db.session.execute(
        sa.select(Department.name, sa.func.count(OrganisationMembership.id))
        .select_from(OrganisationMembership)
        .outerjoin(Department, OrganisationMembership.department_id == Department.id)
        .where(OrganisationMembership.organisation_id == g.org.id,
               OrganisationMembership.role == OrgRole.EMPLOYEE)
        .group_by(Department.name)
    ).all()
    return sorted(rows, key=lambda row: (row[0] is None, name_key(row[0])))


@bp.route("/")
def index():
    context = {"my_invitations": _my_open_invitations(), "published": _latest_published()}
    if g.role in MANAGERS:
        context["department_counts"] = _department_counts()
        context["director_count"] = services.count_directors(g.org)
        context["current"] = _current_round()
        context["logo_form"] = LogoForm()
        context["word_form"] = CustomerWordForm(customer_word=g.org.customer_word)
    return render_template("organisations/index.html", **context)


@bp.route("/logo", methods=["POST"])
@roles_required(*MANAGERS)
def upload_logo():
    """The organisation's own logo for the report (or its removal); a bad file is refused with
    a message and changes nothing."""
    form = LogoForm()
    if form.validate_on_submit():
        data = form.logo.data.read() if form.logo.data else b""
        mimetype = logo_type(data) if data else None
        if data and len(data) > LOGO_MAX_BYTES:
            flash(_("The logo is larger than 300 KB."), "error")
        elif data and mimetype is None:
            flash(_("This file is not a PNG or JPEG image."), "error")
        elif data:
            g.org.logo, g.org.logo_mimetype = data, mimetype
            flash(_("The logo has been saved; it is on the cover of the report."), "success")
        elif form.remove_logo.data:
            g.org.logo, g.org.logo_mimetype = None, None
            flash(_("The logo has been removed."), "success")
    else:
        flash("; ".join(str(e) for e in form.logo.errors) or _("The page had expired, please try again."), "error")
    return redirect(url_for("organisations.index") + "#logo")


@bp.route("/customer-word", methods=["POST"])
@roles_required(*MANAGERS)
def customer_word():
    """The organisation's word for its customers (``i18n.CUSTOMER_WORDS``); audited."""
    form = CustomerWordForm()
    if form.validate_on_submit():
        before = g.org.customer_word
        if form.customer_word.data != before:
            g.org.customer_word = form.customer_word.data
            record("customer_word_changed", organisation_id=g.org.id, obj=g.org,
                   before=before, after=g.org.customer_word)
        # In the word just chosen: the page it returns to speaks of them so.
        flash(customer_gettext("Saved: questions, pages, mails and reports now speak of customers."), "success")
    else:
        flash("; ".join(str(e) for e in form.customer_word.errors) or _("The page had expired, please try again."),
              "error")
    return redirect(url_for("organisations.index") + "#customer-word")


@bp.route("/logo")
@roles_required(*MANAGERS)
def logo():
    org = db.session.scalar(sa.select(type(g.org)).options(so.undefer(type(g.org).logo)).where(type(g.org).id == g.org.id))
    if not org.has_logo:
        abort(404)
    return HttpResponse(org.logo, mimetype=org.logo_mimetype,
                        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"})


def _current_round():
    """The latest round (a draft too) with its counts and, when there are enough responses, its phase."""
    round_ = db.session.scalar(scoped_select(Round).order_by(Round.opens_on.desc(), Round.id.desc()).limit(1))
    if round_ is None:
        return None
    [point] = round_points([round_])
    return {"round": round_, "point": point}


def _latest_published():
    """The latest published round, its phase and whether its action plan is published: what
    employees see came of their answers (sharing results back lifts the next round's response)."""
    round_ = db.session.scalar(scoped_select(Round).where(Round.status == RoundStatus.CLOSED)
                               .order_by(Round.opens_on.desc(), Round.id.desc()).limit(1))
    if round_ is None:
        return None
    [point] = round_points([round_])
    is_plan_published = bool(db.session.scalar(
        sa.select(ActionPlan.is_published).where(ActionPlan.round_id == round_.id)))
    return {"round": round_, "point": point, "is_plan_published": is_plan_published}


def _my_open_invitations():
    """The current user's own invitations in this organisation, with their personal links."""
    rows = db.session.scalars(
        sa.select(Invitation).join(Round).where(
            Invitation.organisation_id == g.org.id, Invitation.user_id == current_user.id,
            Round.status != RoundStatus.DRAFT,
        ).order_by(Round.opens_on.desc())
    ).all()
    return [(inv, invitation_token(inv.id, inv.nonce)) for inv in rows]


@bp.route("/people")
@roles_required(*MANAGERS)
def people():
    page = page_number()
    pagination = _people_page(page)
    if page > 1 and not pagination.items:
        return redirect(url_for("organisations.people"))
    return render_template(
        "organisations/people.html", pagination=pagination, form=MemberForm(),
        departments=_department_names(), action_form=ActionForm(),
        segments=segment_services.segments_of(g.org.id),
        member_values=segment_services.member_values(m.id for m in pagination.items),
    )


def _people_page(page: int) -> ListPage:
    """Directors first, then everyone by name as a reader sorts names (``collation``, the same
    on every database): the ids and names of all are sorted, then one page of people is loaded."""
    name = sa.func.coalesce(OrganisationMembership.name, User.name)  # as ``display_name``
    everyone = db.session.execute(
        scoped_select(OrganisationMembership).with_only_columns(OrganisationMembership.id, OrganisationMembership.role, name)
        .join(User, User.id == OrganisationMembership.user_id)).all()
    everyone.sort(key=lambda row: (row.role is not OrgRole.DIRECTOR, name_key(row[2]), row.id))
    ids = [row.id for row in everyone[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]]
    loaded = {m.id: m for m in db.session.scalars(
        scoped_select(OrganisationMembership).where(OrganisationMembership.id.in_(ids))
        .join(OrganisationMembership.user)
        .options(so.contains_eager(OrganisationMembership.user), so.joinedload(OrganisationMembership.department)))}
    return ListPage([loaded[i] for i in ids if i in loaded], page, PAGE_SIZE, len(everyone))


@bp.route("/people", methods=["POST"])
@roles_required(*MANAGERS)
def add_person():
    form = MemberForm()
    if form.validate_on_submit():
        try:
            services.add_member(
                g.org,
                services.NewMember(form.name.data, form.email.data, form.department.data, OrgRole(form.role.data)),
                inviter=current_user,
            )
        except services.AlreadyMember:
            db.session.rollback()  # refused: nothing of it is kept
            form.email.errors.append(_("This person is already a member of %(org)s.", org=g.org.name))
        else:
            flash(_("%(name)s has been added and invited.", name=form.name.data) if OrgRole(form.role.data) is not OrgRole.EMPLOYEE
                  else _("%(name)s has been added, and will be invited with the next round.", name=form.name.data), "success")
            return redirect(url_for("organisations.people"))
    return render_template(
        "organisations/add_person.html", form=form, departments=_department_names()
    ), 400


@bp.route("/people/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def import_people():
    form = ImportUploadForm()
    if form.validate_on_submit():
        text = decode(form.file.data.read())
        if text is None:
            form.file.errors.append(_("The file could not be read as text. Save it as CSV (UTF-8) and try again."))
        else:
            return _preview(text, form)
    return _import_page(form, 400 if request.method == "POST" else 200)


def _import_page(form: ImportUploadForm, status: int):
    return render_template("organisations/import.html", form=form, segments=segment_services.segments_of(g.org.id),
                           max_values=MAX_VALUES), status


_FILE_ERRORS = {
    "empty": lambda: _("The file contains no people."),
    "no_header": lambda: _("The first row must name the columns: naam, e-mail and (optionally) afdeling."),
    "too_many_rows": lambda: _("The file has more than 2,000 people. Split it into smaller files."),
    "malformed": lambda: _("The file is not valid CSV."),
}


def row_error_text(code: str) -> str:
    code, _sep, segment = code.partition(":")  # a segment's problem names the segment
    if code == "segment_value_too_long":
        return _("The value of “%(segment)s” is longer than %(max)d characters.", segment=segment,
                 max=segment_services.VALUE_NAME_MAX)
    if code == "segment_full":
        return _("“%(segment)s” already has %(max)d values: this new value does not fit. Use an existing value, "
                 "or remove one on the Segments page.", segment=segment, max=MAX_VALUES)
    return {
        "name_missing": _("Name is missing."),
        "name_too_long": _("Name is longer than 120 characters."),
        "email_missing": _("Email address is missing."),
        "email_invalid": _("This is not a valid email address."),
        "email_duplicate": _("This email address appears more than once in the file."),
        "department_too_long": _("Department is longer than 80 characters."),
    }[code]


def _parse(text: str):
    """The list with the organisation's segment columns, and which new values it creates (rows
    whose new value finds no room get an error)."""
    segments = segment_services.segments_of(g.org.id)
    parsed = parse_people_csv(text, [s.name for s in segments])
    plan = segment_services.check_import_values(g.org.id, parsed.rows) if not parsed.error else None
    return parsed, plan


def _preview(text: str, upload: ImportUploadForm):
    parsed, plan = _parse(text)
    if parsed.error:
        upload.file.errors.append(_FILE_ERRORS[parsed.error]())
        return _import_page(upload, 400)
    existing = set(db.session.scalars(
        sa.select(User.email).join(OrganisationMembership, OrganisationMembership.user_id == User.id)
        .where(OrganisationMembership.organisation_id == g.org.id,
               User.email.in_([r.email for r in parsed.valid_rows]))
    ))
    confirm = ImportConfirmForm(formdata=None, content=base64.b64encode(text.encode()).decode())
    return render_template(
        "organisations/import_preview.html", parsed=parsed, existing=existing, confirm=confirm,
        row_error_text=row_error_text, plan=plan,
    )


@bp.route("/people/import/confirm", methods=["POST"])
@roles_required(*MANAGERS)
def confirm_import():
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        flash(_("The import could not be confirmed. Please upload the file again."), "error")
        return redirect(url_for("organisations.import_people"))
    try:
        text = base64.b64decode(form.content.data, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        text = ""
    parsed, plan = _parse(text)
    if parsed.error or not parsed.valid_rows:
        flash(_("There is nobody to add in this file."), "error")
        return redirect(url_for("organisations.import_people"))
    added, skipped, invited = services.import_members(
        g.org,
        [services.NewMember(r.name, r.email, r.department or None) for r in parsed.valid_rows],
        inviter=current_user,
    )
    with_values = segment_services.apply_import_values(g.org, plan, {r.email: r.segments for r in parsed.valid_rows})
    parts = [ngettext("%(num)d person added.", "%(num)d people added.", added)]
    if invited:
        parts.append(ngettext("%(num)d of them has been sent an invitation.",
                              "%(num)d of them have been sent an invitation.", invited))
    if added > invited:
        parts.append(_how_to_invite())
    if skipped:
        parts.append(ngettext("%(num)d was already a member.", "%(num)d were already members.", skipped))
    if with_values:
        parts.append(ngettext("Segment values were set for %(num)d person.", "Segment values were set for %(num)d people.",
                              with_values))
    if parsed.invalid_rows:
        parts.append(ngettext("%(num)d row had errors and was skipped.", "%(num)d rows had errors and were skipped.",
                              len(parsed.invalid_rows)))
    flash(" ".join(parts), "success")
    return redirect(url_for("organisations.people"))


def _how_to_invite() -> str:
    """What a director does next for people who were added but not mailed: employees get one
    mail per round, when that round's invitations are sent."""
    open_round = db.session.scalars(
        scoped_select(Round).where(Round.status == RoundStatus.OPEN).order_by(Round.opens_on.desc(), Round.id.desc())
    ).first()
    if open_round is not None and not open_round.is_closing:
        return _("Nobody has been e-mailed yet: to invite them, press “Send invitations” on the page of the open "
                 "round “%(round)s”.", round=open_round.title)
    return _("Nobody has been e-mailed yet: employees get their invitation from a round (open a round, then press "
             "“Send invitations”).")


@bp.route("/people/<int:membership_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_person(membership_id: int):
    membership = scoped_get(OrganisationMembership, membership_id)
    segments = segment_services.segments_of(g.org.id)
    current = segment_services.member_values([membership.id]).get(membership.id, {})
    form = with_segments(EditMemberForm, segments)(data={
        "name": membership.display_name,
        "department": membership.department.name if membership.department else "",
        "role": membership.role.value,
        **{field_name(s.id): str(current[s.id].id) if s.id in current else "" for s in segments},
    })
    if form.validate_on_submit():
        new_role = OrgRole(form.role.data)
        chosen = _chosen_values(form, segments)
        if (membership.role is OrgRole.DIRECTOR and new_role is not OrgRole.DIRECTOR
                and services.count_directors(g.org) <= 1):
            form.role.errors.append(_("An organisation needs at least one director."))
        elif chosen is not None:
            services.update_member(membership, role=new_role, department=form.department.data, name=form.name.data)
            for segment in segments:
                segment_services.set_member_value(membership, segment, chosen[segment.id])
            flash(_("The changes have been saved."), "success")
            if membership.user_id == current_user.id and new_role is not OrgRole.DIRECTOR and g.role == DIRECTOR:
                return redirect(url_for("organisations.index"))  # they no longer manage people
            return redirect(url_for("organisations.people"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "organisations/edit_person.html", form=form, membership=membership, departments=_department_names(),
        segment_fields=[form[field_name(s.id)] for s in segments],
    ), status


def _chosen_values(form, segments) -> dict[int, SegmentValue | None] | None:
    """segment id -> the value chosen in the form (None: no value), or None when a choice is
    not one of the segment's values (the field then says so). A value of another organisation
    is a 404, like any other object of another tenant."""
    chosen: dict[int, SegmentValue | None] = {}
    refused = False
    for segment in segments:
        f = form[field_name(segment.id)]
        raw = (f.data or "").strip()
        if not raw:
            chosen[segment.id] = None
            continue
        value = scoped_get(SegmentValue, int(raw)) if raw.isdecimal() and raw.isascii() and len(raw) <= 9 else None
        if value is None or value.segment_id != segment.id:
            f.errors = [*f.errors, _("Choose one of the values of “%(segment)s”.", segment=segment.name)]
            refused = True
        else:
            chosen[segment.id] = value
    return None if refused else chosen


@bp.route("/people/<int:membership_id>/remove", methods=["POST"])
@roles_required(*MANAGERS)
def remove_person(membership_id: int):
    membership = scoped_get(OrganisationMembership, membership_id)
    form = ActionForm()
    if form.validate_on_submit():
        if membership.role is OrgRole.DIRECTOR and services.count_directors(g.org) <= 1:
            flash(_("An organisation needs at least one director."), "error")
        else:
            name, is_self = membership.display_name, membership.user_id == current_user.id
            services.remove_member(membership)
            flash(_("%(name)s has been removed from %(org)s.", name=name, org=g.org.name), "success")
            if is_self and g.role == DIRECTOR:
                return redirect(url_for("main.home"))
    return redirect(url_for("organisations.people"))


@bp.route("/people/<int:membership_id>/erase", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def erase_person(membership_id: int):
    """Erase a person of this organisation on request (AVG art. 17): GET says what follows,
    POST does it. Whether their account goes too depends on whether anything elsewhere involves
    them, which the director is not told."""
    membership = scoped_get(OrganisationMembership, membership_id)
    user = membership.user
    if user.id == current_user.id:
        flash(_("You cannot erase yourself here. Ask your consultant or the Klantspiegel administrator."), "error")
        return redirect(url_for("organisations.edit_person", membership_id=membership.id))
    if membership.role is OrgRole.DIRECTOR and services.count_directors(g.org) <= 1:
        flash(_("An organisation needs at least one director."), "error")
        return redirect(url_for("organisations.edit_person", membership_id=membership.id))
    if request.method == "POST":
        if ActionForm().validate_on_submit():
            name = membership.display_name
            erase_from_organisation(user, g.org.id, by=current_user)
            flash(_("%(name)s has been erased from %(org)s. Their anonymous answers remain in the results.",
                    name=name, org=g.org.name), "success")
        return redirect(url_for("organisations.people"))
    return render_template("organisations/erase_person.html", membership=membership, action_form=ActionForm())


@bp.route("/people/<int:membership_id>/invite", methods=["POST"])
@roles_required(*MANAGERS)
def resend_invitation(membership_id: int):
    membership = scoped_get(OrganisationMembership, membership_id)
    if ActionForm().validate_on_submit():
        send_invitation(membership.user, context=g.org.name, inviter=current_user,
                        sender=g.org.consultancy.name)
        flash(_("The invitation to %(email)s has been sent again.", email=membership.user.email), "success")
    return redirect(url_for("organisations.people"))
