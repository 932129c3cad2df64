"""A consultancy's own pages: its client organisations and its consultants."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (sa.orm.joinedload)
from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..tenancy import services
from ..tenancy.access import consultancy_blueprint, scoped_select
from ..tenancy.models import ConsultantMembership, Organisation, OrganisationMembership, OrgRole
from .forms import ConsultantForm, OrganisationForm

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
            org = services.create_organisation(
                g.consultancy, form.name.data, form.sector.data,
                services.NewMember(form.director_name.data, form.director_email.data),
                inviter=current_user,
            )
            db.session.commit()
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
    return render_template("consultancies/consultants.html", memberships=_consultant_memberships(), form=ConsultantForm())


@bp.route("/consultants", methods=["POST"])
def invite_consultant():
    form = ConsultantForm()
    if form.validate_on_submit():
        try:
            services.add_consultant(g.consultancy, form.name.data, form.email.data, inviter=current_user)
        except services.AlreadyMember:
            form.email.errors.append(_("This person is already a consultant here."))
        else:
            db.session.commit()
            flash(_("%(email)s has been invited.", email=form.email.data), "success")
            return redirect(url_for("consultancies.consultants"))
    return render_template("consultancies/consultants.html", memberships=_consultant_memberships(), form=form), 400
