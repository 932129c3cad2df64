"""The board report: plain values for the PDF template, and a cache keyed by the HTML."""

from __future__ import annotations

import base64
import hashlib
import logging

import sqlalchemy as sa
from flask import render_template
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from ..core import dimension_label, explain, explain_next, phase_gloss, phase_name
from ..extensions import db
from ..i18n import number
from ..models_base import utcnow
from ..pdf.render import render_pdf
from ..plans.services import plan_for, visible_items
from ..results.services import RoundResults, oriented_mean, round_results
from ..rounds.models import Round
from ..tenancy.models import Consultancy, Organisation
from .models import ReportCache

log = logging.getLogger(__name__)

DIMENSIONS = ("skills", "leadership", "culture", "mirror_self", "mirror_estimate", "mirror_customer")


def _logo_data_uri(consultancy: Consultancy) -> str | None:
    if not consultancy.has_logo:
        return None
    data = db.session.scalar(sa.select(Consultancy.logo).where(Consultancy.id == consultancy.id))
    return f"data:{consultancy.logo_mimetype};base64," + base64.b64encode(data).decode()


def report_context(round_: Round, results: RoundResults) -> dict:
    """Everything the PDF shows, as strings, numbers, lists and dicts: no ORM objects."""
    lang = get_locale().language
    org = db.session.get(Organisation, round_.organisation_id)
    consultancy = db.session.get(Consultancy, org.consultancy_id)
    inst = results.instrument
    mark = inst.mirror.scale
    too_few = _("too few responses")
    context = {
        "lang": lang, "title": _("Customer orientation report"), "org_name": org.name, "consultancy_name": consultancy.name,
        "color": consultancy.primary_color or "#00695c", "logo": _logo_data_uri(consultancy),
        "round_title": round_.title, "period": f"{format_date(round_.opens_on, 'long')} – {format_date(round_.closes_on, 'long')}",
        "date": format_date(utcnow(), "long"), "is_shown": results.is_shown, "n_responses": results.n_responses,
        "n_invited": results.n_invited, "n_customers": results.n_customers, "min_size": results.min_size,
        "min_comment_size": results.min_comment_size, "instrument_version": inst.version,
        "response_rate": round(100 * results.n_responses / results.n_invited) if results.n_invited else None,
        "too_few": too_few,
        "is_provisional": round_.is_open,
        "provisional_text": _("Interim report: the round is still open until %(date)s.", date=format_date(round_.closes_on, "long")),
    }
    if not results.is_shown:
        return context
    placement = results.placement
    reasons = explain(placement, _, number)
    next_steps = explain_next(placement, _, number)
    own, est, cust = results.profile.mirror_self, results.profile.mirror_estimate, results.profile.mirror_customer
    headline = (
        _("We think customers rate us %(estimate)s; they rate us %(customer)s.",
          estimate=number(mark.from_index(est.mean), 1), customer=number(mark.from_index(cust.mean), 1))
        if cust and est else
        _("There are too few customer responses (%(n)s of at least %(min)s) to compare the self-image with the customers' view. Share the customer link to complete the mirror.",
          n=results.n_customers, min=results.min_size)
    )
    dims = []
    for d in DIMENSIONS:
        s = results.profile.get(d)
        dims.append({
            "label": _("Employees' estimate") if d == "mirror_estimate" else dimension_label(d, _),
            "value": s.mean if s else None, "text": number(s.mean, 0) if s else too_few,
            "n": s.n if s else (results.n_customers if d == "mirror_customer" else 0),
            "css": {"mirror_self": "view-self", "mirror_estimate": "view-estimate", "mirror_customer": "view-customer"}.get(d, "bar"),
        })
    mirror = []
    for m in results.mirror:
        item = next(i for i in inst.mirror.items if i.key == m.key)
        mirror.append({
            "label": item.topic.get(lang),
            "self": m.self_.mean, "self_text": number(m.self_.mean, 1) if m.self_.mean else "—",
            "estimate": m.estimate.mean, "estimate_text": number(m.estimate.mean, 1) if m.estimate.mean else "—",
            "customer": m.customer.mean if m.customer else None,
            "customer_text": number(m.customer.mean, 1) if m.customer and m.customer.mean else too_few,
            "gap_text": ("+" if m.gap > 0 else "") + number(m.gap, 1) if m.gap is not None else "—",
            "meaningful": m.is_gap_meaningful,
        })
    bands = [{"label": b.label.get(lang), "count": results.bands.get(b.key, 0), "css": f"band-fill-{b.key}"}
             for b in inst.quiz.bands]
    quiz = []
    for q in results.quiz:
        question = inst.question(q.key)
        quiz.append({
            "number": question.number, "text": question.text.get(lang),
            "options": [{"key": o.key, "text": o.text.get(lang), "score": o.score, "count": q.counts[o.key]}
                        for o in question.options],
            "advice": question.option(q.weakest_common).advice.get(lang) if q.weakest_common else None,
            "weak_key": q.weakest_common,
        })
    sections = []
    for section in inst.likert_sections:
        rows = []
        for stat in results.likert[section.key]:
            item = next(i for i in section.items if i.key == stat.key)
            score = oriented_mean(stat, inst)
            shown = round(score, 1) if score is not None else None
            rows.append({"text": item.text.get(lang), "reverse": item.reverse, "n": stat.n, "dont_know": stat.dont_know,
                         "score": number(score, 1) if score is not None else "—", "value": shown,
                         "tone": "strong" if shown and shown >= 3.8 else ("weak" if shown and shown < 3.0 else "")})
        sections.append({"title": section.title.get(lang), "rows": rows})
    departments = [{
        "name": d.name, "visible": d.is_visible, "n": d.n, "complementary": d.why_hidden == "complementary",
        "cells": [{"text": number(d.means[k], 0) if d.means.get(k) is not None else "—",
                   "heat": int(d.means[k] // 20) if d.means.get(k) is not None else "none"}
                  for k in ("skills", "leadership", "culture", "mirror_self")] if d.is_visible else [],
    } for d in results.departments]
    if cust and est and own:
        headline += " " + _("We rate ourselves %(self)s.") % {"self": number(mark.from_index(own.mean), 1)}
    rated = sorted((row for section in sections for row in section["rows"] if row["value"] is not None),
                   key=lambda row: row["value"])
    key_findings = [headline]
    if rated:
        key_findings.append(_("Weakest statement: “%(text)s” (%(score)s of 5).", text=rated[0]["text"], score=rated[0]["score"]))
        key_findings.append(_("Strongest statement: “%(text)s” (%(score)s of 5).", text=rated[-1]["text"], score=rated[-1]["score"]))
    plan = plan_for(round_)
    actions = [{
        "title": i.text("title", lang), "finding": i.text("finding", lang), "description": i.text("description", lang),
        "owner": i.owner or "—", "due": format_date(i.due_on, "medium") if i.due_on else "—",
        "status": i.status.label,
    } for i in visible_items(plan)] if plan else []
    reliability = [{
        "title": next(s for s in inst.likert_sections if s.key == r.section).title.get(lang), "k": r.k, "n": r.n,
        "alpha": number(r.alpha, 2) if r.alpha is not None else "—", "is_low": r.alpha is not None and r.alpha < 0.7,
    } for r in results.reliability]
    context["progress"] = _progress_context(round_, org, lang)
    context.update(
        phase=phase_name(placement.phase), gloss=phase_gloss(placement.phase, _), reasons=reasons,
        next_steps=next_steps, headline=headline, key_findings=key_findings[:3], dims=dims, mirror=mirror,
        bands=bands, quiz=quiz, sections=sections, departments=departments, actions=actions,
        comments=results.comments, reliability=reliability,
        legend=[("self", _("Employees' own rating")), ("estimate", _("Employees' estimate")), ("customer", _("Customers"))],
        phases=["onwetend", "klantgericht", "klantbewust", "klantbekwaam"],
        responses_text=ngettext("%(num)d employee response", "%(num)d employee responses", results.n_responses),
    )
    return context


def _progress_context(round_: Round, org: Organisation, lang: str) -> dict | None:
    """The progress section: only when an earlier round has results to compare with."""
    from ..progress.services import TREND_DIMENSIONS, organisation_progress

    progress = organisation_progress(org, up_to=round_)
    shown = [p for p in progress.points if p.is_shown]
    if len(shown) < 2:
        return None
    rows = []
    for d in TREND_DIMENSIONS:
        c = progress.dimension_changes.get(d)
        rows.append({
            "label": dimension_label(d, _),
            "cells": [number(p.profile.get(d).mean, 0) if p.profile.get(d) else "—" for p in shown],
            "change": (("+" if c.value > 0 else "") + number(c.value, 0)) if c else "—",
            "meaningful": bool(c and c.is_meaningful), "up": bool(c and c.value > 0),
        })
    return {
        "rounds": [{"title": p.title, "date": format_date(p.opens_on, "MMM yyyy"),
                    "phase": phase_name(p.phase) if p.phase else _("too few responses"), "n": p.n} for p in progress.points],
        "columns": [p.title for p in shown],
        "rows": rows,
        "gaps": [{"title": p.title, "gap": number(p.mirror_gap, 1) if p.mirror_gap is not None else None} for p in shown],
        "carried_from": progress.carried_from,
        "carried": [{"title": i.text("title", lang), "owner": i.owner or "—",
                     "status": i.status.label}
                    for i in progress.carried],
    }


def report_pdf(round_: Round) -> tuple[bytes, bool]:
    """The report in the current language: (pdf, served_from_cache)."""
    html = render_template("pdf/report.html", **report_context(round_, round_results(round_)))
    digest = hashlib.sha256(html.encode()).hexdigest()
    language = get_locale().language
    cached = db.session.scalar(
        sa.select(ReportCache).where(ReportCache.round_id == round_.id, ReportCache.language == language)
    )
    if cached is not None and cached.html_sha256 == digest:
        return cached.pdf, True
    pdf, refused = render_pdf(html)
    if refused:
        log.warning("report round=%s: %d URL(s) refused while rendering", round_.id, len(refused))
    if cached is None:
        cached = ReportCache(round_id=round_.id, language=language)
        db.session.add(cached)
    cached.html_sha256, cached.pdf, cached.created_at = digest, pdf, utcnow()
    db.session.commit()
    return pdf, False
