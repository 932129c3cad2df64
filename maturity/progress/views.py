"""Progress between rounds (an organisation) and the portfolio (a consultancy)."""

from __future__ import annotations

from flask import g, render_template, request
from flask_babel import get_locale

from ..core import dimension_label, phase_name
from ..instrument import load_instrument
from ..i18n import customer_aware_gettext, number, signed
from ..tenancy.access import CONSULTANT, DIRECTOR, consultancy_blueprint, organisation_blueprint, roles_required
from ..results.history import TREND_DIMENSIONS, dimension_value
from .services import organisation_progress, portfolio

bp = organisation_blueprint("progress", __name__, "/progress")
portfolio_bp = consultancy_blueprint("portfolio", __name__, "/portfolio")


@bp.route("/")
@roles_required(DIRECTOR, CONSULTANT)
def page():
    progress = organisation_progress(g.org)
    shown = [p for p in progress.points if p.is_shown]
    lang = get_locale().language
    instrument = load_instrument(shown[-1].instrument_version) if shown else None
    items = {i.key: i for s in instrument.likert_sections for i in s.items} if instrument else {}
    # Statements that moved beyond the noise, best first, in their customer-oriented wording
    # (a reverse-keyed one in its positive wording, with the statement as asked beside it).
    moved = [{"label": items[c.key].aim.get(lang), "asked": items[c.key].text.get(lang) if items[c.key].reverse else None,
              "change": c.change}
             for c in sorted(progress.item_changes, key=lambda c: -c.change.shown)
             if c.change.is_meaningful and c.key in items]
    return render_template(
        "progress/page.html", p=progress, number=number, dimensions=TREND_DIMENSIONS, lang=lang,
        instrument=instrument, moved=moved, signed=signed,
        dim_text=lambda d, stats: "—" if stats is None else number(*dimension_value(d, stats)),
        dimension_label=lambda d: dimension_label(d, customer_aware_gettext()), phase_name=phase_name,
    )


SORTS = {
    "name": lambda row: row.organisation.name.lower(),
    "phase": lambda row: (row.phase or 0),
    "rate": lambda row: (row.response_rate if row.response_rate is not None else -1),
    "date": lambda row: (row.latest.opens_on.isoformat() if row.latest else ""),
}


@portfolio_bp.route("/")
def index():
    rows = portfolio(g.consultancy.id)
    phase_filter = request.args.get("phase", "")
    query = (request.args.get("q") or "").strip().lower()
    if phase_filter:
        rows = [r for r in rows if r.phase and r.phase.key == phase_filter]
    if query:
        rows = [r for r in rows if query in r.organisation.name.lower() or query in (r.organisation.sector or "").lower()]
    sort = request.args.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    descending = request.args.get("dir") == "desc"
    rows.sort(key=SORTS[sort], reverse=descending)
    return render_template("progress/portfolio.html", rows=rows, sort=sort, descending=descending,
                           phase_filter=phase_filter, query=request.args.get("q", ""))
