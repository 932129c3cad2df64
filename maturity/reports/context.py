"""What the board report says: plain values for the PDF template and the deck (``report_context``),
and the key of everything it depends on (``report_key``)."""

from __future__ import annotations

import hashlib
import logging

import sqlalchemy as sa
from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _
from markupsafe import escape

from ..core import DEFAULT, dimension_label, phase_name
from ..core.display import CHART_COLORS, STRONG_STATEMENT, WEAK_STATEMENT, shown
from ..extensions import db
from ..i18n import customer_gettext, number, signed, speaking_of
from ..logos import data_uri
from ..models_base import utcnow
from ..pdf import documents
from ..plans.models import ActionItem, ActionPlan
from ..plans.services import carry_over, plan_for, suggested_owner, visible_items
from ..progress.services import organisation_progress
from ..results.figures import (
    round_figures,
    segment_columns,
    statement_order,
    with_benchmark,
)
from ..results.history import TREND_DIMENSIONS, dimension_value, statement_changes
from ..results.overview import segment_overview
from ..results.services import RoundResults
from ..rounds.models import Round, RoundStatus
from ..tenancy.models import Consultancy, Organisation
from .models import ReportVersion

log = logging.getLogger(__name__)

def _logo_data_uri(consultancy: Consultancy) -> str | None:
    if not consultancy.has_logo:
        return None
    return data_uri(db.session.scalar(sa.select(Consultancy.logo).where(Consultancy.id == consultancy.id)),
                    consultancy.logo_mimetype)


def house_palette(color: str) -> dict[str, str]:
    """The house colour (#rrggbb) and the shades the report draws with: darker for text on white
    (headings), a light tint for rules and a wash for panels."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))

    def mix(towards: int, share: float) -> str:
        return "#" + "".join(f"{round(c + (towards - c) * share):02x}" for c in (r, g, b))

    return {"house": color, "house-dark": mix(0, 0.18), "house-tint": mix(255, 0.7), "house-wash": mix(255, 0.93)}


def report_context(round_: Round, results: RoundResults, *, issued_at=None, version: int | None = None) -> dict:
    """Everything the PDF shows, as strings, numbers, lists and dicts: no ORM objects.
    ``issued_at`` and ``version``: the date and number of a published report's version. Its
    labels and sentences name the customers in the organisation's word (``customer_word``), also
    when the worker renders it, outside the organisation's request."""
    org = db.session.get(Organisation, round_.organisation_id)
    with speaking_of(org.customer_word):
        return _report_context(round_, results, org, issued_at, version)


def _report_context(round_: Round, results: RoundResults, org: Organisation, issued_at, version: int | None) -> dict:
    lang = get_locale().language
    consultancy = db.session.get(Consultancy, org.consultancy_id)
    inst = results.instrument
    too_few = _("too few responses")
    # Every figure from the one result model, as on the results page and in the exports (the
    # counts, the rate and the minimums too: nothing is computed again here).
    f = round_figures(results, lang, statement_changes(round_) if results.is_shown else {})
    context = {
        "lang": lang, "title": _("Customer orientation report"), "org_name": org.name, "consultancy_name": consultancy.name,
        "customer_word": org.customer_word,  # its word for its customers (i18n.customer_gettext)
        "color": consultancy.primary_color or "#00695c", "logo": _logo_data_uri(consultancy),
        "client_logo": data_uri(db.session.scalar(sa.select(Organisation.logo).where(Organisation.id == org.id)),
                                org.logo_mimetype),
        "palette": house_palette(consultancy.primary_color or "#00695c"),
        # The dimension bars and the customers' view (what employees are held against) in the
        # house colour; employees' own rating and estimate in neutral grey and amber.
        "chart_colors": {**CHART_COLORS, "bar": consultancy.primary_color or CHART_COLORS["bar"],
                         "view-customer": consultancy.primary_color or CHART_COLORS["view-customer"]},
        "round_title": round_.title,
        # The period the round actually ran: a director may close it before its end date.
        "period": f"{format_date(round_.opens_on, 'long')} – "
                  f"{format_date(round_.closed_at.date() if round_.closed_at else round_.closes_on, 'long')}",
        "date": format_date(issued_at or utcnow(), "long"),
        "version_text": _("version %(number)s", number=version) if version else "",
        "is_shown": f.is_shown, "n_responses": f.n_responses,
        "n_invited": f.n_invited, "n_customers": f.n_customers, "min_size": f.min_size,
        "min_comment_size": f.min_comment_size,
        "min_customer_size": f.min_customer_size, "instrument_version": inst.version,
        "response_rate": f.response_rate,
        "too_few": too_few,
        "is_provisional": False,
        "provisional_text": "",
    }
    if not results.is_shown:
        return context
    progress = organisation_progress(org, up_to=round_)
    plan = plan_for(round_)
    actions = [{
        "title": i.text("title", lang), "finding": i.text("finding", lang), "description": i.text("description", lang),
        "owner": i.owner or suggested_owner(i, org.owner_roles, lang) or "—",
        "due": format_date(i.due_on or i.suggested_due, "medium") if (i.due_on or i.suggested_due) else "—",
        "target": i.suggestion("target", lang),
        "status": _("%(status)s, later", status=i.status.label) if i.starts_later else i.status.label,
    } for i in visible_items(plan)] if plan else []

    continued = {c.item.id: c.continued_in for c in carry_over(round_, plan, lang)[0]}
    context["progress"] = _progress_context(progress, lang, continued)
    toc = [("dimensions", _("Dimensions")), ("mirror", _("The mirror")), ("comments", customer_gettext("Customer comments")),
           ("employee-comments", _("What employees would change")),
           ("quiz", _("Personal customer orientation (quiz)")), ("statements", _("Leadership and culture")),
           ("departments", _("Departments"))]
    segments = segment_overview(round_, results, lang)
    if segments:
        toc.insert(2, ("segments", _("Per service and segment")))
    if context["progress"]:
        toc.append(("progress", _("Progress between rounds")))
    toc += [("plan", _("Action plan")), ("method", _("Appendix: method"))]
    key_findings = list(f.key_findings)
    moved = _movement(progress, round_)
    if moved:
        key_findings.insert(0, moved)
    context.update(
        has_changes=any(row.change_text for section in f.sections for row in section.rows),
        toc=toc, commentary=plan.commentary if plan else None,
        commentary_language=(plan.commentary_language or "nl") if plan and plan.commentary else None,
        commentary_note=_commentary_note(plan, lang), plan_published=bool(plan and plan.is_published),
        is_provisional=f.provisional is not None, provisional_text=f.provisional or "",
        phase=f.phase, gloss=f.gloss, reasons=f.reasons, next_steps=f.next_steps, headline=f.headline,
        key_findings=key_findings, dims=with_benchmark(f.dims, progress.benchmark),
        # The other clients' averages as the progress table shows them (whole points).
        benchmark_values={d: shown(b.mean, 0) for d, b in progress.benchmark.items() if b is not None}, mirror_overall=f.mirror_overall, mirror=f.mirror, bands=f.bands, quiz=f.quiz, sections=f.sections,
        departments=f.departments, department_columns=f.department_columns, actions=actions, comments=f.comments, comments_removed=f.comments_removed,
        employee_comments=f.employee_comments, employee_comment_minimum=f.employee_comment_minimum,
        reliability=f.reliability, legend=f.legend, ladder=f.ladder, bars=f.bars, good_text=f.good_text, rule=_rule_numbers(),
        responses_text=f.responses_text, customers_text=f.customers_text,
        segments=segments, segment_columns=segment_columns(), segment_statements=statement_order(f) if segments else [],
        strong_statement=number(STRONG_STATEMENT, 1), weak_statement=number(WEAK_STATEMENT, 1),
    )
    return context


def _rule_numbers() -> dict[str, str]:
    """The phase rule's bars for the method appendix, from the one place they are defined."""
    bewust, bekwaam = DEFAULT.klantbewust, DEFAULT.klantbekwaam
    return {
        "gap": number(DEFAULT.min_gap_marks, 1), "good": number(bekwaam.customer_mark, 1),
        "customer_b": number(bewust.customer_mark, 1),
        **{f"{d}_b": number(getattr(bewust, d), 0) for d in ("skills", "leadership", "culture")},
        **{f"{d}_k": number(getattr(bekwaam, d), 0) for d in ("skills", "leadership", "culture")},
    }


def _shown_change(c) -> str:
    return "—" if c is None else signed(c.shown, c.digits)


def _movement(progress, round_: Round) -> str | None:
    """One sentence for the board: the phase then and now, and what moved beyond the noise."""
    shown = [p for p in progress.points if p.is_shown]
    if len(shown) < 2 or shown[-1].round_id != round_.id:
        return None
    previous, current = shown[-2], shown[-1]
    moves = [f"{dimension_label(d, _)} {_shown_change(c)}"
             for d, c in progress.dimension_changes.items() if c is not None and c.is_meaningful and d != "mirror_self"]
    sentence = _("Since %(title)s: from %(before)s to %(now)s.", title=previous.title,
                 before=phase_name(previous.phase) if previous.phase else _("too few responses"),
                 now=phase_name(current.phase) if current.phase else _("too few responses"))
    if moves:
        sentence += " " + _("Clearly changed: %(moves)s.", moves=", ".join(moves))
    return sentence


def _commentary_note(plan, lang: str) -> str:
    """Said above a commentary written in the other language than the report's: it is printed
    as written, not translated."""
    if plan is None or not plan.commentary or (plan.commentary_language or "nl") == lang:
        return ""
    return {"nl": _("Written in Dutch; printed as written."),
            "en": _("Written in English; printed as written.")}[plan.commentary_language or "nl"]


def _progress_context(progress, lang: str, continued: dict | None = None) -> dict | None:
    """The progress section: only when an earlier round has results to compare with."""
    shown = [p for p in progress.points if p.is_shown]
    if len(shown) < 2:
        return None
    rows = []
    benchmarks = [b for b in progress.benchmark.values() if b is not None]
    for d in TREND_DIMENSIONS:
        c = progress.dimension_changes.get(d)
        b = progress.benchmark.get(d)
        rows.append({
            "benchmark": number(b.mean, 0) if b else "—",
            "label": dimension_label(d, _),
            "cells": [number(*dimension_value(d, p.profile.get(d))) if p.profile.get(d) else "—" for p in shown],
            # From the figures as shown in the row, so that the reader's subtraction agrees.
            "change": _shown_change(c),
            "meaningful": bool(c and c.is_meaningful), "up": bool(c and c.value > 0),
            # The employees' own rating is no score to raise: a lower, realistic one can be progress.
            "neutral": d == "mirror_self",
        })
    return {
        "rounds": [{"title": p.title, "date": format_date(p.opens_on, "MMM yyyy"),
                    "phase": phase_name(p.phase) if p.phase else _("too few responses"), "n": p.n} for p in progress.points],
        "columns": [p.title for p in shown],
        "rows": rows,
        "gaps": [{"title": p.title, "gap": signed(p.mirror_gap, 1) if p.mirror_gap is not None else None} for p in shown],
        "carried_from": progress.carried_from,
        "benchmark": benchmarks[0].organisations if benchmarks else None,
        "benchmark_date": format_date(benchmarks[0].as_of, "long") if benchmarks and benchmarks[0].as_of else "",
        "carried": [{"title": i.text("title", lang), "owner": i.owner or "—",
                     "status": _("Stopped") if i.stop_reason and i.status.value != "done" and not (continued or {}).get(i.id)
                     else i.status.label,
                     # What the new plan does with an unfinished action: continued, or not.
                     "next": "" if i.status.value == "done" else (
                         _("continues in: %(title)s", title=(continued or {}).get(i.id))
                         if (continued or {}).get(i.id)
                         else _("stopped: %(reason)s", reason=i.stop_reason) if i.stop_reason
                         else _("not (yet) decided"))}
                    for i in progress.carried],
    }


def report_key(round_: Round, language: str) -> str:
    """The cache key of a round's report: a digest of everything the report shows, read from a
    few small rows (never from the responses, never by rendering the report): the round's and
    the organisation's other rounds' published results (their results versions), the plans and
    their actions, the organisation's name and its word for its customers, the consultancy's
    name and house style, the other clients' rounds (the benchmark), the language and the code."""
    org = db.session.get(Organisation, round_.organisation_id)
    consultancy = db.session.get(Consultancy, org.consultancy_id)
    logo = db.session.scalar(sa.select(Consultancy.logo).where(Consultancy.id == consultancy.id)) or b""
    rounds = db.session.execute(
        sa.select(Round.id, Round.organisation_id, Round.title, Round.opens_on, Round.closes_on, Round.closed_at,
                  Round.status, Round.results_version, Round.instrument_version, Round.min_group_size,
                  Round.min_comment_group_size, Round.min_customer_group_size)
        .join(Organisation, Organisation.id == Round.organisation_id)
        .where(Organisation.consultancy_id == consultancy.id, Round.status != RoundStatus.DRAFT)
        .order_by(Round.id)).all()
    plans = db.session.execute(
        sa.select(ActionPlan.round_id, ActionPlan.updated_at, ActionPlan.is_published, ActionPlan.commentary,
                  ActionPlan.commentary_language, sa.func.count(ActionItem.id), sa.func.max(ActionItem.updated_at))
        .outerjoin(ActionItem, ActionItem.plan_id == ActionPlan.id)
        .where(ActionPlan.organisation_id == org.id)
        .group_by(ActionPlan.id, ActionPlan.round_id, ActionPlan.updated_at, ActionPlan.is_published,
                  ActionPlan.commentary, ActionPlan.commentary_language)
        .order_by(ActionPlan.round_id)).all()
    parts = [
        language, round_.id, org.name, org.customer_word, consultancy.name, consultancy.primary_color, consultancy.logo_mimetype,
        hashlib.sha256(logo).hexdigest(), org.logo_mimetype,
        hashlib.sha256(db.session.scalar(sa.select(Organisation.logo).where(Organisation.id == org.id)) or b"").hexdigest(),
        [[str(value) for value in row] for row in rounds],
        [[str(value) for value in row] for row in plans],
    ]
    return documents.key_of(parts)


def version_html(issued: ReportVersion) -> str:
    """A version's report as issued; a superseded one says so on its cover and summary."""
    if issued.superseded_at is None:
        return issued.html
    newer = db.session.scalar(sa.select(ReportVersion).where(
        ReportVersion.round_id == issued.round_id, ReportVersion.language == issued.language,
        ReportVersion.number > issued.number).order_by(ReportVersion.number.desc()).limit(1))
    with force_locale(issued.language):
        notice = _("Superseded: this is version %(number)s of %(date)s. The current report is version %(newer)s of %(newer_date)s.",
                   number=issued.number, date=format_date(issued.issued_at, "long"),
                   newer=newer.number if newer else "?",
                   newer_date=format_date(newer.issued_at, "long") if newer else "?")
    return issued.html.replace(SUPERSEDED_MARK, f'<p class="superseded">{escape(notice)}</p>')


#: Where a superseded version's notice goes (the report template puts it on the cover and the summary).
SUPERSEDED_MARK = "<!--superseded-->"
