"""The page behind the link every invitee gets when the plan is published (``plans.sharing``):
no account, no tenant in the URL, the same for everyone. It shows the organisation's phase,
the mirror and the plan's actions from the round's published figures, nothing per person."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from ..extensions import db
from ..results.figures import round_figures
from ..results.services import round_results
from ..tenancy.models import Organisation
from . import services, sharing

bp = Blueprint("shared", __name__)

#: Headers for every answer of this page: never indexed, and the token never leaves in a Referer.
HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@bp.route("/shared/<token>")
def page(token: str):
    opened = sharing.open_link(token)
    if opened.outcome == sharing.INVALID:
        return render_template(
            "plans/shared_unavailable.html", title=_("This link does not work"),
            message=_("The link is incomplete or has been changed. Open it again from the e-mail, or ask "
                      "management for the results and the action plan."),
        ), 404, HEADERS
    round_, plan = opened.round, opened.plan
    g.org = db.session.get(Organisation, round_.organisation_id)
    g.respondent_page = True  # the organisation's name in the header, no account navigation
    if opened.outcome == sharing.WITHDRAWN:
        return render_template(
            "plans/shared_unavailable.html", title=_("The action plan is no longer shared"),
            message=_("%(org)s has withdrawn the action plan of “%(title)s” for now. When it is shared again, "
                      "this link works again.", org=g.org.name, title=round_.title),
        ), 404, HEADERS
    if opened.outcome == sharing.EXPIRED:
        return render_template(
            "plans/shared_unavailable.html", title=_("This link has expired"),
            message=_("The link to the results of “%(title)s” worked until %(date)s. Ask management for the "
                      "results and the action plan, or log in if you have an account.",
                      title=round_.title, date=_date(sharing.expires_at(plan))),
            login=True,
        ), 410, HEADERS
    lang = get_locale().language
    figures = round_figures(round_results(round_), lang)
    return render_template(
        "plans/shared.html", round=round_, plan=plan, f=figures, items=services.visible_items(plan), lang=lang,
        expires=sharing.expires_at(plan),
    ), 200, HEADERS


def _date(value) -> str:

    return format_date(value, "long")
