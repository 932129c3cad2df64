from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..extensions import db
from ..tenancy.models import ConsultantMembership, Consultancy, Organisation, OrganisationMembership

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    consultancies = db.session.scalars(
        sa.select(Consultancy).join(ConsultantMembership)
        .where(ConsultantMembership.user_id == current_user.id).order_by(Consultancy.name)
    ).all()
    memberships = db.session.execute(
        sa.select(Organisation, OrganisationMembership.role).join(OrganisationMembership)
        .where(OrganisationMembership.user_id == current_user.id).order_by(Organisation.name)
    ).all()
    if not current_user.is_platform_admin and len(consultancies) + len(memberships) == 1:
        # One place to go: go there, rather than showing a page with one button.
        if consultancies:
            return redirect(url_for("consultancies.index", consultancy=consultancies[0].slug))
        return redirect(url_for("organisations.index", org=memberships[0][0].slug))
    return render_template("main/dashboard.html", consultancies=consultancies, memberships=memberships)


@bp.route("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/healthz")
def health():
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}
