"""Platform administration: consultancies and the mail outbox. Admins only; others get 404."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..mail.models import OutboxMessage
from ..tenancy import services
from ..tenancy.models import ConsultantMembership, Consultancy, Organisation
from .forms import ConsultancyForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_platform_admin():
    if not (current_user.is_authenticated and current_user.is_platform_admin):
        abort(404)


def _consultancy_rows():
    org_count = (
        sa.select(sa.func.count(Organisation.id))
        .where(Organisation.consultancy_id == Consultancy.id)
        .scalar_subquery()
    )
    consultant_count = (
        sa.select(sa.func.count(ConsultantMembership.id))
        .where(ConsultantMembership.consultancy_id == Consultancy.id)
        .scalar_subquery()
    )
    return db.session.execute(sa.select(Consultancy, org_count, consultant_count).order_by(Consultancy.name)).all()


@bp.route("/")
def index():
    return render_template("admin/index.html", rows=_consultancy_rows(), form=ConsultancyForm())


@bp.route("/consultancies", methods=["POST"])
def create_consultancy():
    form = ConsultancyForm()
    if form.validate_on_submit():
        consultancy = services.create_consultancy(
            form.name.data, form.consultant_name.data, form.consultant_email.data, inviter=current_user
        )
        db.session.commit()
        flash(_("Consultancy %(name)s created; the invitation to %(email)s has been sent.",
                name=consultancy.name, email=form.consultant_email.data), "success")
        return redirect(url_for("admin.index"))
    return render_template("admin/index.html", rows=_consultancy_rows(), form=form), 400


@bp.route("/outbox")
def outbox():
    messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)).all()
    return render_template("admin/outbox.html", messages=messages)


@bp.route("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("admin/outbox_message.html", message=message)
