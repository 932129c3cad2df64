"""The customer mirror: anonymous, no account. Two ways in:

- the round's public link ``/k/<token>/`` (a counter, a website, a QR code), protected by a
  rate limit per address, a honeypot field, a cap per round, and a pause switch;
- a personal link ``/kp/<token>/`` that a customer received by e-mail, which works once.

Either reaches nothing but this questionnaire.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..extensions import db, limiter
from ..instrument import load_instrument
from ..segments import services as segment_services
from ..tenancy.models import Organisation
from . import links, services
from . import customer_responses, submission
from .models import CustomerInvitation, Round
from .questionnaire import customer_keys, parse_answers

bp = Blueprint("mirror", __name__, url_prefix="/k/<token>")
personal_bp = Blueprint("mirror_personal", __name__, url_prefix="/kp/<token>")

HONEYPOT = "website"


@bp.url_value_preprocessor
def _pull_token(endpoint, values):
    g.customer_token = values.pop("token", None) if values else None


@bp.url_defaults
def _push_token(endpoint, values):
    if "token" not in values and getattr(g, "customer_token", None):
        values["token"] = g.customer_token


@bp.before_request
def _load_round():
    round_ = db.session.scalar(sa.select(Round).where(Round.customer_token == (g.customer_token or "")))
    if round_ is None or round_.is_draft:
        abort(404)
    _customer_page(round_)


def _customer_page(round_: Round) -> None:
    g.round = round_
    g.org = db.session.get(Organisation, round_.organisation_id)
    g.instrument = load_instrument(round_.instrument_version)
    g.respondent_page = True
    g.customer_page = True  # the footer speaks to customers, in the client organisation's name


@personal_bp.url_value_preprocessor
def _pull_personal_token(endpoint, values):
    g.customer_token = values.pop("token", None) if values else None


@personal_bp.url_defaults
def _push_personal_token(endpoint, values):
    if "token" not in values and getattr(g, "customer_token", None):
        values["token"] = g.customer_token


@personal_bp.before_request
def _load_invitation():
    token = g.customer_token or ""
    invitation_id = links.token_invitation_id(token)
    invitation = db.session.get(CustomerInvitation, invitation_id) if invitation_id else None
    if invitation is None or not links.customer_token_matches(token, invitation.id, invitation.nonce):
        abort(404)
    g.invitation = invitation
    _customer_page(invitation.round)
    if g.round.is_draft:
        abort(404)


#: Per address: a counter tablet or a shared network serves many customers, one every few
#: minutes at most; a script from one address is stopped. The per-round cap is the ceiling.
CUSTOMER_LIMIT = "10 per minute;120 per hour"


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(CUSTOMER_LIMIT, methods=["POST"])
def questionnaire():
    if g.round.is_customer_link_paused and g.round.is_accepting(services.today()):
        return render_template("mirror/closed.html", is_paused=True), 200
    return _questionnaire(None, "mirror.thanks")


@bp.route("/d/<int:service_id>/", methods=["GET", "POST"])
@limiter.limit(CUSTOMER_LIMIT, methods=["POST"])
def service(service_id: int):
    """The public link of one service (its own QR code at its own counter): the answers count
    for that service."""
    chosen = next((v for v in segment_services.services_of(g.round.organisation_id) if v.id == service_id), None)
    if chosen is None:
        abort(404)
    if g.round.is_customer_link_paused and g.round.is_accepting(services.today()):
        return render_template("mirror/closed.html", is_paused=True), 200
    return _questionnaire(None, "mirror.thanks", service=chosen)


@personal_bp.route("/", methods=["GET", "POST"], endpoint="questionnaire")
@limiter.limit(CUSTOMER_LIMIT, methods=["POST"])
def personal_questionnaire():
    if g.invitation.used_at is not None:
        return redirect(url_for("mirror_personal.thanks"))
    return _questionnaire(g.invitation, "mirror_personal.thanks")


def _questionnaire(invitation: CustomerInvitation | None, thanks: str, service=None):
    if not g.round.is_accepting(services.today()):
        return render_template("mirror/closed.html"), 410 if g.round.is_closed else 200
    keys = customer_keys(g.instrument)
    answers, comment, error = {}, "", None
    # Which service the customer dealt with: the link's own, or (optionally) their choice.
    known = service is not None or (invitation is not None and invitation.service_value_id is not None)
    offered = [] if known else segment_services.services_of(g.round.organisation_id)
    service_id = service.id if service is not None else None
    if request.method == "POST":
        answers = parse_answers(g.instrument, keys, request.form)
        comment = (request.form.get("comment") or "")[:2000]
        if offered:
            picked = request.form.get("service", "")
            service_id = next((v.id for v in offered if str(v.id) == picked), None)
        if request.form.get(HONEYPOT):
            return redirect(url_for(thanks))  # a bot: pretend all went well
        if not answers:
            error = _("Please give at least one rating.")
        else:
            try:
                customer_responses.submit_customer_response(g.round, answers, comment, get_locale().language, invitation,
                                                  service_id=service_id)
            except customer_responses.CustomerCapReached:
                return render_template("mirror/closed.html", is_full=True), 200
            except customer_responses.CustomerLinkUsed:  # a second tab or a double click
                db.session.rollback()
                return redirect(url_for(thanks))
            except submission.RoundNotAccepting:  # closed or paused while the customer was answering
                db.session.rollback()
                paused = invitation is None and g.round.is_customer_link_paused
                return render_template("mirror/closed.html", is_paused=paused), 200 if paused else 410
            return redirect(url_for(thanks))
    return render_template(
        "mirror/questionnaire.html", keys=keys, answers=answers, comment=comment, error=error,
        lang=get_locale().language, honeypot=HONEYPOT, offered=offered, service_id=service_id, service=service,
        action=(url_for("mirror_personal.questionnaire") if invitation else
                url_for("mirror.service", service_id=service.id) if service is not None else url_for("mirror.questionnaire")),
    ), 400 if error else 200


@bp.route("/thanks")
def thanks():
    return render_template("mirror/thanks.html")


@personal_bp.route("/thanks", endpoint="thanks")
def personal_thanks():
    return render_template("mirror/thanks.html")
