"""Round management for directors and consultants: create, open, invite, remind, close."""

from __future__ import annotations

import io
from datetime import timedelta

import segno
import sqlalchemy as sa
from flask import Response as HttpResponse
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms_common import ActionForm
from ..i18n import customer_gettext, customer_ngettext
from ..instrument import LATEST
from ..mail.services import delivery_counts
from ..pdf import documents as made
from ..segments import services as segment_services
from ..tenancy.access import (
    CONSULTANT,
    DIRECTOR,
    organisation_blueprint,
    roles_required,
    scoped_get,
    scoped_select,
)
from ..tenancy.hosts import external_url
from ..tenancy.models import Department
from . import customer_responses, documents, inviting, links, services
from .jobs import render_customer_card
from .forms import CustomerInviteForm, RoundForm
from .models import Invitation, Round

bp = organisation_blueprint("rounds", __name__, "/rounds")

MANAGERS = (DIRECTOR, CONSULTANT)


def _department_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(Department.id, Department.name).where(Department.organisation_id == g.org.id).order_by(Department.name)
    )
    return [(ident, name) for ident, name in rows]


def _settings(form: RoundForm) -> services.RoundSettings:
    return services.RoundSettings(
        title=form.title.data, opens_on=form.opens_on.data, closes_on=form.closes_on.data,
        min_group_size=form.min_group_size.data, min_comment_group_size=form.min_comment_group_size.data,
        min_customer_group_size=form.min_customer_group_size.data,
        department_ids=tuple(form.departments.data or ()),
    )


@bp.route("/")
@roles_required(*MANAGERS)
def index():
    submitted = (
        sa.select(sa.func.count(Invitation.id)).where(Invitation.round_id == Round.id, Invitation.submitted_at.is_not(None))
        .scalar_subquery()
    )
    invited = sa.select(sa.func.count(Invitation.id)).where(Invitation.round_id == Round.id).scalar_subquery()
    rows = db.session.execute(
        scoped_select(Round).add_columns(invited, submitted).order_by(Round.opens_on.desc(), Round.id.desc())
    ).all()
    return render_template("rounds/index.html", rows=rows, action_form=ActionForm())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create():
    form = RoundForm(department_choices=_department_choices())
    if request.method == "GET":
        start = services.today()
        form.opens_on.data, form.closes_on.data = start, start + timedelta(days=21)
    if form.validate_on_submit():
        round_ = services.create_round(g.org, _settings(form))
        flash(_("The round has been created as a draft. Open it when you are ready to invite people."), "success")
        return redirect(url_for("rounds.detail", round_id=round_.id))
    return render_template("rounds/form.html", form=form, round=None, latest_version=LATEST), 400 if request.method == "POST" else 200


@bp.route("/<int:round_id>")
@roles_required(*MANAGERS)
def detail(round_id: int):
    return _detail_page(scoped_get(Round, round_id))


def _detail_page(round_: Round, customer_form: CustomerInviteForm | None = None):
    """The round's page; with ``customer_form``, the personal-links form as it was sent back."""
    rates = services.response_rates(round_)
    return render_template(
        "rounds/detail.html", round=round_, rates=rates, action_form=ActionForm(),
        invited=sum(r.invited for r in rates), submitted=sum(r.submitted for r in rates),
        eligible=db.session.scalar(sa.select(sa.func.count()).select_from(services.eligible_members(round_).subquery())),
        customer_count=customer_responses.customer_response_count(round_),
        arrivals=customer_responses.customer_arrivals(round_),
        customer_invitations=customer_responses.customer_invitation_counts(round_),
        customer_form=customer_form or _customer_form(round_),
        customer_link=external_url("mirror.questionnaire", g.org.consultancy_id, token=round_.customer_token),
        service_links=[(v, external_url("mirror.service", g.org.consultancy_id, token=round_.customer_token, service_id=v.id))
                       for v in segment_services.services_of(round_.organisation_id)],
        today=services.today(),
        delivery=delivery_counts(round_.id, ("round-invitation", "round-reminder")),
        customer_delivery=delivery_counts(round_.id, ("customer-invitation",)),
    )


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(round_id: int):
    round_ = scoped_get(Round, round_id)
    if round_.is_closed:
        flash(_("A closed round cannot be changed."), "error")
        return redirect(url_for("rounds.detail", round_id=round_.id))
    form = RoundForm(obj=round_ if request.method == "GET" else None, department_choices=_department_choices())
    if request.method == "GET":
        form.departments.data = list(round_.department_ids or [])
    if form.validate_on_submit():
        try:
            services.update_round(round_, _settings(form))
        except services.RoundStateError:
            db.session.rollback()  # refused: nothing of it is kept
            form.min_group_size.errors.append(_("The minimum group size cannot be changed once the round is open."))
        else:
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("rounds.detail", round_id=round_.id))
    return render_template("rounds/form.html", form=form, round=round_), 400 if request.method == "POST" else 200


def _action(round_id: int, do, success: str, refused: str):
    round_ = scoped_get(Round, round_id)
    if ActionForm().validate_on_submit():
        try:
            result = do(round_)
        except services.RoundStateError:
            db.session.rollback()  # refused: nothing of it is kept
            flash(refused, "error")
        except services.PopulationConflict as conflict:
            db.session.rollback()
            flash(population_message(conflict), "error")
        else:
            flash(success % {"n": result} if isinstance(result, int) else success, "success")
    return redirect(url_for("rounds.detail", round_id=round_.id))


def population_message(conflict: services.PopulationConflict) -> str:
    """Why a round cannot have these people, and what the director can do instead."""
    if conflict.department is None:
        where = _("The people invited to this round would differ from those of “%(other)s”, in the same period, "
                  "by %(n)s.", other=conflict.other_title, n=conflict.difference)
    else:
        where = _("In %(department)s, the people invited to this round would differ from those of “%(other)s”, "
                  "in the same period, by %(n)s.", department=conflict.department or _("people without a department"),
                  other=conflict.other_title, n=conflict.difference)
    return " ".join([where, _(
        "Comparing the two rounds' results would then show what those few people answered. Two rounds in the "
        "same period invite the same people, or groups that differ by at least %(minimum)s. Invite the same "
        "departments, or start this round from %(day)s.", minimum=conflict.minimum,
        day=format_date(conflict.free_from, "long"))])


@bp.route("/<int:round_id>/open", methods=["POST"])
@roles_required(*MANAGERS)
def open_(round_id: int):
    return _action(round_id, services.open_round,
                   customer_gettext("The round is open. Now send the invitations and share the customer link."),
                   _("Only a draft round can be opened."))


@bp.route("/<int:round_id>/delete", methods=["POST"])
@roles_required(*MANAGERS)
def delete(round_id: int):
    round_ = scoped_get(Round, round_id)
    if ActionForm().validate_on_submit():
        try:
            services.delete_draft(round_)
        except services.RoundStateError:
            db.session.rollback()
            flash(_("Only a draft round can be deleted; an open or closed round is kept."), "error")
            return redirect(url_for("rounds.detail", round_id=round_id))
        flash(_("The draft “%(title)s” has been deleted.", title=round_.title), "success")
        return redirect(url_for("rounds.index"))
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.route("/<int:round_id>/invite", methods=["POST"])
@roles_required(*MANAGERS)
def invite(round_id: int):
    return _action(round_id, inviting.invite_employees, _("%(n)s people have been invited."),
                   _("Invitations can only be sent while the round is open."))


@bp.route("/<int:round_id>/answer-myself", methods=["POST"])
@roles_required(*MANAGERS)
def answer_myself(round_id: int):
    """A director who wants to answer too gets an invitation and goes straight to it."""

    round_ = scoped_get(Round, round_id)  # a foreign round is 404 before anything else
    if g.role != DIRECTOR:
        abort(403)  # consultants are not members of the organisation
    if not ActionForm().validate_on_submit():
        return redirect(url_for("rounds.detail", round_id=round_.id))
    try:
        invitation = inviting.invite_self(round_, current_user.id)
    except services.RoundStateError:
        db.session.rollback()  # refused: nothing of it is kept
        flash(_("Only an open round can be answered."), "error")
        return redirect(url_for("rounds.detail", round_id=round_.id))
    except services.PopulationConflict as conflict:
        db.session.rollback()
        flash(population_message(conflict), "error")
        return redirect(url_for("rounds.detail", round_id=round_.id))
    return redirect(url_for("respond_link.open_link", token=links.invitation_token(invitation.id, invitation.nonce)))


@bp.route("/<int:round_id>/remind", methods=["POST"])
@roles_required(*MANAGERS)
def remind(round_id: int):
    return _action(round_id, inviting.send_reminders, _("%(n)s reminders have been sent."), "")


@bp.route("/<int:round_id>/copy", methods=["POST"])
@roles_required(*MANAGERS)
def copy(round_id: int):
    source = scoped_get(Round, round_id)
    if ActionForm().validate_on_submit():
        round_ = services.copy_round(source)
        flash(_("A new draft round with the same settings has been created. Check the dates."), "success")
        return redirect(url_for("rounds.edit", round_id=round_.id))
    return redirect(url_for("rounds.detail", round_id=source.id))


@bp.route("/<int:round_id>/customers", methods=["POST"])
@roles_required(*MANAGERS)
def invite_customers(round_id: int):
    """Send the valid addresses their links; what is not an address stays in the box, alone,
    with its line named, to be corrected and sent again (nothing typed is lost)."""
    round_ = scoped_get(Round, round_id)
    form = _customer_form(round_)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            form.emails.errors = [*form.emails.errors, _("The page had expired. Please try again.")]
        return _detail_page(round_, form), 400
    if not form.addresses and not form.rejected:
        form.emails.errors = [_("Enter at least one e-mail address.")]
        return _detail_page(round_, form), 400
    if form.addresses:
        try:
            chosen = next((v.id for v in segment_services.services_of(round_.organisation_id)
                           if str(v.id) == (form.service.data or "")), None)  # one of the organisation's own, or none
            n = customer_responses.invite_customers(round_, form.addresses, service_id=chosen)
        except services.RoundStateError:
            db.session.rollback()  # refused: nothing of it is kept
            flash(customer_gettext("Customers can only be invited while the round is open."), "error")
            return redirect(url_for("rounds.detail", round_id=round_.id) + "#customers")
        known = len(dict.fromkeys(form.addresses)) - n  # invited before in this round: not sent again
        sent = " ".join(
            ([customer_ngettext("%(num)d customer has been sent a personal link.",
                       "%(num)d customers have been sent a personal link.", n)] if n else [])
            + ([ngettext("%(num)d had one in this round already (not sent again).",
                         "%(num)d had one in this round already (not sent again).", known)] if known else []))
        category = "success" if n else "info"
        if not form.rejected:
            flash(sent, category)
            return redirect(url_for("rounds.detail", round_id=round_.id) + "#customers")
        form.sent = (category, sent)  # shown beside the form, which the page opens at (``#customers``)
    form.emails.data = "\n".join(text for _line, text in form.rejected)
    shown = form.rejected[:MAX_REJECTED_SHOWN]
    form.emails.errors = [ngettext(
        "%(num)d line was not sent; correct it here and send again.",
        "%(num)d lines were not sent; correct them here and send again.", len(form.rejected))] + [
        _("Line %(line)d: “%(text)s” is not an e-mail address.", line=line, text=text) for line, text in shown]
    if len(form.rejected) > len(shown):
        form.emails.errors.append(_("And %(n)s more.", n=len(form.rejected) - len(shown)))
    return _detail_page(round_, form), 400


#: The invalid lines named one by one after sending personal links (all of them stay in the box).
MAX_REJECTED_SHOWN = 20


def _customer_form(round_: Round) -> CustomerInviteForm:
    """The personal-links form, with the organisation's services to choose from (if any)."""
    form = CustomerInviteForm()
    offered = segment_services.services_of(round_.organisation_id)
    form.service.choices = [("", _("no particular service"))] + [(str(v.id), v.name) for v in offered]
    form.has_services = bool(offered)
    return form


@bp.route("/<int:round_id>/customer-link", methods=["POST"])
@roles_required(*MANAGERS)
def customer_link(round_id: int):
    round_ = scoped_get(Round, round_id)
    pause = not round_.is_customer_link_paused
    return _action(round_id, lambda r: customer_responses.set_customer_link_paused(r, pause),
                   customer_gettext("The customer link is paused: it accepts no answers until you resume it.") if pause
                   else customer_gettext("The customer link accepts answers again."),
                   customer_gettext("The customer link can only be paused while the round is open."))


@bp.route("/<int:round_id>/customer-card.pdf", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def customer_card(round_id: int):
    """A printable A4 card with the customer link's QR code, for a counter or a waiting room, made
    by the worker. GET: the card when it is ready, otherwise the page that waits for it; POST: ask
    for it."""
    round_ = scoped_get(Round, round_id)
    link = external_url("mirror.questionnaire", g.org.consultancy_id, token=round_.customer_token)
    language = get_locale().language
    if request.method == "POST":
        if ActionForm().validate_on_submit():
            documents.request_card(round_, link, language)
        return redirect(url_for("rounds.customer_card", round_id=round_.id), 303)
    wanted = documents.card(round_, link, language)
    if wanted.ready:
        return HttpResponse(wanted.row.pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="klantspiegel-{g.org.slug}-klantkaart.pdf"'})
    return _card_waiting(round_, wanted, 202 if wanted.state in (made.PENDING, made.LOST) else 200)


@bp.route("/<int:round_id>/customer-card")
@roles_required(*MANAGERS)
def customer_card_status(round_id: int):
    """Where the card's waiting page refreshes to."""
    round_ = scoped_get(Round, round_id)
    link = external_url("mirror.questionnaire", g.org.consultancy_id, token=round_.customer_token)
    return _card_waiting(round_, documents.card(round_, link, get_locale().language), 200)


def _card_waiting(round_: Round, wanted: made.Wanted, status: int):
    made.ask_again_if_lost(wanted, render_customer_card)
    return render_template("rounds/customer_card.html", round=round_, state=wanted.state), \
        503 if wanted.state == made.FAILED else status


@bp.route("/<int:round_id>/customer-qr.svg")
@roles_required(*MANAGERS)
def customer_qr(round_id: int):
    round_ = scoped_get(Round, round_id)
    link = external_url("mirror.questionnaire", g.org.consultancy_id, token=round_.customer_token)
    asked = request.args.get("service", "")
    if asked:  # one service's own link
        value = next((v for v in segment_services.services_of(round_.organisation_id) if str(v.id) == asked), None)
        if value is None:
            abort(404)
        link = external_url("mirror.service", g.org.consultancy_id, token=round_.customer_token, service_id=value.id)
    buffer = io.BytesIO()
    segno.make(link, error="m").save(
        buffer, kind="svg", scale=8, border=2, title=customer_gettext("QR code of the customer link")
    )
    return HttpResponse(buffer.getvalue(), mimetype="image/svg+xml",
                        headers={"Content-Disposition": f'inline; filename="klantspiegel-qr-{round_.id}.svg"'})
