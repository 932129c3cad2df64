"""A consultancy's own pages: its client organisations and its consultants."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (sa.orm.joinedload)
from flask import Response as HttpResponse
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..audit import services as audit
from ..extensions import db
from ..logos import LOGO_MAX_BYTES, logo_type
from ..organisations import services as organisation_services
from . import services
from ..accounts.services import send_invitation
from ..forms_common import ActionForm
from ..tenancy.access import consultancy_blueprint, scoped_get, scoped_select
from ..tenancy.models import ConsultantMembership, Consultancy, Organisation, OrganisationMembership, OrgRole
from ..tenancy.retention import LIMITS as RETENTION_LIMITS
from .forms import ConsultantForm, OrganisationForm, SettingsForm

RETENTION_FIELDS = tuple(RETENTION_LIMITS)

bp = consultancy_blueprint("consultancies", __name__)


def _organisations_with_counts():
    members = (
        sa.select(sa.func.count(OrganisationMembership.id))
        .where(OrganisationMembership.organisation_id == Organisation.id)
        .scalar_subquery()
    )
    directors = (
        sa.select(sa.func.count(OrganisationMembership.id))
        .where(OrganisationMembership.organisation_id == Organisation.id,
               OrganisationMembership.role == OrgRole.DIRECTOR)
        .scalar_subquery()
    )
    query = scoped_select(Organisation).add_columns(members, directors).order_by(Organisation.name)
    return db.session.execute(query).all()


@bp.route("/")
def index():
    return render_template(
        "consultancies/index.html", rows=_organisations_with_counts(), form=OrganisationForm()
    )


def _name_taken(name: str) -> bool:
    return db.session.scalar(
        scoped_select(Organisation).with_only_columns(Organisation.id)
        .where(sa.func.lower(Organisation.name) == name.strip().lower())
    ) is not None


@bp.route("/organisations", methods=["POST"])
def create_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        if _name_taken(form.name.data):
            form.name.errors.append(_("There is already a client organisation with this name."))
        else:
            org = organisation_services.create_organisation(
                g.consultancy, form.name.data, form.sector.data,
                organisation_services.NewMember(form.director_name.data, form.director_email.data),
                inviter=current_user,
            )
            flash(_("%(org)s has been created and %(email)s has been invited as director.",
                    org=org.name, email=form.director_email.data), "success")
            return redirect(url_for("organisations.index", org=org.slug))
    return render_template("consultancies/index.html", rows=_organisations_with_counts(), form=form), 400


def _consultant_memberships():
    return db.session.scalars(
        scoped_select(ConsultantMembership)
        .options(sa.orm.joinedload(ConsultantMembership.user))
        .order_by(ConsultantMembership.created_at)
    ).all()


@bp.route("/consultants")
def consultants():
    return render_template("consultancies/consultants.html", memberships=_consultant_memberships(), form=ConsultantForm(),
                           action_form=ActionForm())


@bp.route("/consultants", methods=["POST"])
def invite_consultant():
    form = ConsultantForm()
    if form.validate_on_submit():
        try:
            services.add_consultant(g.consultancy, form.name.data, form.email.data, inviter=current_user)
        except organisation_services.AlreadyMember:
            db.session.rollback()  # refused: nothing of it is kept
            form.email.errors.append(_("This person is already a consultant here."))
        else:
            flash(_("%(email)s has been invited.", email=form.email.data), "success")
            return redirect(url_for("consultancies.consultants"))
    return render_template("consultancies/consultants.html", memberships=_consultant_memberships(), form=form,
                           action_form=ActionForm()), 400


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = SettingsForm(obj=g.consultancy if request.method == "GET" else None)
    if form.validate_on_submit():
        data = form.logo.data.read() if form.logo.data else b""
        mimetype = logo_type(data) if data else None
        if data and len(data) > LOGO_MAX_BYTES:
            form.logo.errors.append(_("The logo is larger than 300 KB."))
        elif data and mimetype is None:
            form.logo.errors.append(_("This file is not a PNG or JPEG image."))
        else:
            services.update_consultancy(g.consultancy, name=form.name.data, primary_color=form.primary_color.data,
                                        logo=(data, mimetype) if data else None, remove_logo=form.remove_logo.data)
            periods = {name: getattr(form, name).data for name in RETENTION_FIELDS}
            changed = {name: value for name, value in periods.items() if getattr(g.consultancy, name) != value}
            if changed:
                for name, value in changed.items():
                    setattr(g.consultancy, name, value)
                audit.record("retention_changed", consultancy_id=g.consultancy.id, obj=g.consultancy, **changed)
            if form.mail_sender.data != g.consultancy.mail_sender:
                audit.record("mail_sender_changed", consultancy_id=g.consultancy.id, obj=g.consultancy,
                             before=g.consultancy.mail_sender, after=form.mail_sender.data)
                g.consultancy.mail_sender = form.mail_sender.data
            required = bool(form.requires_director_second_factor.data)
            if required != g.consultancy.requires_director_second_factor:
                g.consultancy.requires_director_second_factor = required
                audit.record("second_factor_policy_changed", consultancy_id=g.consultancy.id, obj=g.consultancy,
                             directors_required=required)
            flash(_("The settings have been saved."), "success")
            return redirect(url_for("consultancies.settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("consultancies/settings.html", form=form), status


@bp.route("/logo")
def logo():
    consultancy = db.session.scalar(
        sa.select(Consultancy).options(sa.orm.undefer(Consultancy.logo)).where(Consultancy.id == g.consultancy.id))
    if not consultancy.has_logo:
        abort(404)
    return HttpResponse(consultancy.logo, mimetype=consultancy.logo_mimetype,
                        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"})


@bp.route("/consultants/<int:consultant_id>/remove", methods=["POST"])
def remove_consultant(consultant_id: int):
    membership = scoped_get(ConsultantMembership, consultant_id)
    if ActionForm().validate_on_submit():
        if membership.user_id == current_user.id:
            flash(_("You cannot remove yourself. Ask another consultant."), "error")
        else:
            name = membership.display_name
            services.remove_consultant(membership)
            flash(_("%(name)s no longer has access to %(consultancy)s.", name=name, consultancy=g.consultancy.name), "success")
    return redirect(url_for("consultancies.consultants"))


@bp.route("/consultants/<int:consultant_id>/invite", methods=["POST"])
def resend_consultant_invitation(consultant_id: int):
    membership = scoped_get(ConsultantMembership, consultant_id)
    if ActionForm().validate_on_submit():
        send_invitation(membership.user, context=g.consultancy.name, inviter=current_user, sender=g.consultancy.name)
        flash(_("The invitation to %(email)s has been sent again.", email=membership.user.email), "success")
    return redirect(url_for("consultancies.consultants"))
