"""The customer mirror behind the round's public link ``/k/<token>/``: anonymous, no account.

The link reaches nothing but this questionnaire. Abuse protection: a rate limit per address,
a honeypot field, and a cap on responses per round.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..extensions import db, limiter
from ..instrument import load_instrument
from ..tenancy.models import Organisation
from . import services
from .models import Round
from .questionnaire import customer_keys, parse_answers

bp = Blueprint("mirror", __name__, url_prefix="/k/<token>")

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
    g.round = round_
    g.org = db.session.get(Organisation, round_.organisation_id)
    g.instrument = load_instrument(round_.instrument_version)
    g.respondent_page = True
    g.customer_page = True  # the footer speaks to customers, in the client organisation's name


@bp.route("/", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def questionnaire():
    if not g.round.is_accepting(services.today()):
        return render_template("mirror/closed.html"), 410 if g.round.is_closed else 200
    if g.round.is_customer_link_paused:
        return render_template("mirror/closed.html", is_paused=True), 200
    keys = customer_keys(g.instrument)
    answers, comment, error = {}, "", None
    if request.method == "POST":
        answers = parse_answers(g.instrument, keys, request.form)
        comment = (request.form.get("comment") or "")[:2000]
        if request.form.get(HONEYPOT):
            return redirect(url_for("mirror.thanks"))  # a bot: pretend all went well
        if not answers:
            error = _("Please give at least one rating.")
        else:
            try:
                services.submit_customer_response(g.round, answers, comment, get_locale().language)
            except services.CustomerCapReached:
                return render_template("mirror/closed.html", is_full=True), 200
            except services.RoundNotAccepting:  # closed or paused while the customer was answering
                db.session.rollback()
                return render_template("mirror/closed.html", is_paused=g.round.is_customer_link_paused), \
                    200 if g.round.is_customer_link_paused else 410
            db.session.commit()
            return redirect(url_for("mirror.thanks"))
    return render_template(
        "mirror/questionnaire.html", keys=keys, answers=answers, comment=comment, error=error,
        lang=get_locale().language, honeypot=HONEYPOT,
    ), 400 if error else 200


@bp.route("/thanks")
def thanks():
    return render_template("mirror/thanks.html")
