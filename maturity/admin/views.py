"""Platform administration: consultancies and the mail outbox. Admins only; others get 404."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import second_factor
from ..accounts import services as account_services
from ..accounts.models import User
from ..audit import services as audit
from ..audit.views import chosen_action, log_csv, log_page
from ..consultancies import services
from ..extensions import db
from ..forms_common import ActionForm, page_number
from ..mail.models import OutboxMessage
from ..privacy.subject_data import erase_person, organisations_left_without_director
from ..tenancy.hosts import normalise_host
from ..tenancy.models import Consultancy, ConsultantMembership, Organisation
from .forms import ConsultancyForm, HostForm

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
    return render_template("admin/index.html", rows=_consultancy_rows(), form=ConsultancyForm(), host_form=HostForm())


@bp.route("/consultancies", methods=["POST"])
def create_consultancy():
    form = ConsultancyForm()
    if form.validate_on_submit():
        consultancy = services.create_consultancy(
            form.name.data, form.consultant_name.data, form.consultant_email.data, inviter=current_user
        )
        flash(_("Consultancy %(name)s created; the invitation to %(email)s has been sent.",
                name=consultancy.name, email=form.consultant_email.data), "success")
        return redirect(url_for("admin.index"))
    return render_template("admin/index.html", rows=_consultancy_rows(), form=form, host_form=HostForm()), 400


@bp.route("/consultancies/<int:consultancy_id>/host", methods=["POST"])
def consultancy_host(consultancy_id: int):
    """A consultancy's own host name: the app answers on it in the consultancy's name and its
    clients' links use it (``tenancy.hosts``)."""
    consultancy = db.session.get(Consultancy, consultancy_id) or abort(404)
    form = HostForm()
    if not form.validate_on_submit():
        flash(_("The host name was not saved: %(problem)s", problem="; ".join(
            str(e) for errors in form.errors.values() for e in errors)), "error")
        return redirect(url_for("admin.index"))
    wanted = form.host.data or ""
    host = normalise_host(wanted) if wanted else None
    platform = urlsplit(current_app.config.get("BASE_URL") or "").hostname
    taken = host and db.session.scalar(sa.select(Consultancy.id).where(Consultancy.host == host, Consultancy.id != consultancy.id))
    if wanted and host is None:
        flash(_("“%(host)s” is not a host name. Enter only the name, like spiegel.bureau.nl: no https://, no port, no path.",
                host=wanted), "error")
    elif host is not None and (taken or host == platform):
        flash(_("%(host)s is already in use.", host=host), "error")
    else:
        consultancy.host = host
        audit.record("consultancy_host_changed", consultancy_id=consultancy.id, obj=consultancy, host=host)
        flash(_("%(name)s now answers on %(host)s.", name=consultancy.name, host=host) if host
              else _("%(name)s now uses the platform's own address.", name=consultancy.name), "success")
    return redirect(url_for("admin.index"))


OUTBOX_PAGE_SIZE = 100
OUTBOX_STATUSES = ("outbox", "pending", "sending", "sent", "failed", "unconfirmed")


@bp.route("/outbox")
def outbox():
    """Every message, newest first, a page at a time; searchable by recipient or subject and
    filterable by status (e.g. the failed ones)."""
    query = (request.args.get("q") or "").strip()[:200]
    status = request.args.get("status") if request.args.get("status") in OUTBOX_STATUSES else ""
    page = page_number()
    select = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if query:
        select = select.where(sa.or_(OutboxMessage.recipient.icontains(query, autoescape=True),
                                     OutboxMessage.subject.icontains(query, autoescape=True)))
    if status:
        select = select.where(OutboxMessage.status == status)
    pagination = db.paginate(select, page=page, per_page=OUTBOX_PAGE_SIZE, error_out=False)
    return render_template("admin/outbox.html", messages=pagination.items, pagination=pagination, query=query,
                           status=status, statuses=OUTBOX_STATUSES)


@bp.route("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("admin/outbox_message.html", message=message)


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
def erase_user(user_id: int):
    """Erase a person on request: GET says what follows, POST does it."""
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash(_("You cannot erase your own account."), "error")
        return redirect(url_for("admin.users", q=user.email))
    if request.method == "POST":
        if ActionForm().validate_on_submit():
            erase_person(user, by=current_user)
            flash(_("The person has been erased. Their anonymous answers remain in the results."), "success")
        return redirect(url_for("admin.users"))

    return render_template("admin/erase.html", user=user, action_form=ActionForm(),
                           orphaned=organisations_left_without_director(user))


@bp.route("/audit")
def audit_log():
    return log_page(audit.entries(action=chosen_action()), title=_("the whole platform"),
                    csv_url=url_for("admin.audit_csv", action=chosen_action()))


@bp.route("/audit.csv")
def audit_csv():
    return log_csv(audit.entries(action=chosen_action()), "audit-platform")


@bp.route("/users")
def users():
    query = (request.args.get("q") or "").strip().lower()[:254]  # no address or name is longer
    found = []
    if query:
        found = db.session.scalars(
            sa.select(User).where(sa.or_(User.email.contains(query, autoescape=True),
                                         sa.func.lower(User.name).contains(query, autoescape=True)))
            .order_by(User.email).limit(50)
        ).all()
    return render_template("admin/users.html", users=found, query=query, action_form=ActionForm())


@bp.route("/users/<int:user_id>/two-step/reset", methods=["POST"])
def reset_second_factor(user_id: int):
    """For a person who lost both their phone and their recovery codes: their two-step sign-in
    is removed and every login ended; at their next sign-in they set it up again (when their
    role requires it) or sign in with their password (when it was their own choice)."""
    user = db.session.get(User, user_id) or abort(404)
    if ActionForm().validate_on_submit():
        if user.id == current_user.id:
            flash(_("Ask another administrator to reset your own two-step sign-in."), "error")
        elif user.has_second_factor:
            second_factor.disable(user)
            account_services.end_all_sessions(user)
            audit.record("second_factor_reset", obj=user)
            flash(_("Two-step sign-in of %(email)s has been reset; they set it up again at their next sign-in.",
                    email=user.email), "success")
    return redirect(url_for("admin.users", q=user.email))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def deactivate_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if ActionForm().validate_on_submit():
        if user.id == current_user.id:
            flash(_("You cannot deactivate your own account."), "error")
        elif user.is_deactivated:
            user.is_deactivated = False
            audit.record("account_reactivated", obj=user)
            flash(_("%(email)s can log in again.", email=user.email), "success")
        else:
            audit.record("account_deactivated", obj=user)
            account_services.deactivate_user(user)
            flash(_("%(email)s has been deactivated and logged out everywhere.", email=user.email), "success")
    return redirect(url_for("admin.users", q=user.email))
