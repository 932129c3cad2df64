"""The board report and deck: what each is now (read by a GET), asked of the worker by a POST
(``reports.jobs`` makes it, ``pdf.documents`` says how); the published report's versions."""

from __future__ import annotations

import hashlib
import logging
import re
from html import unescape

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale, get_locale

from ..extensions import db
from ..i18n import LOCALE_FOR_LANGUAGE
from ..models_base import utcnow
from ..pdf import documents
from ..pdf.documents import Wanted
from ..plans.services import plan_for, plan_published
from ..results.services import ResultsNotPublished, round_results
from ..rounds.models import Round
from ..tasks import enqueue
from .context import report_context, report_key, version_html
from .jobs import render_deck, render_report, render_report_version
from .models import ReportCache, ReportVersion

log = logging.getLogger(__name__)


def report(round_: Round) -> Wanted:
    """The report in the current language, read only: the published version as it stands (a
    report whose plan is published is a record), or the live report's cache row. When what the
    report says may have changed since its version was issued (its key moved), it is MISSING:
    only a request (``request_report``) decides whether that makes a new version. An open round
    has no report (409, as for every results surface)."""
    if not round_.is_published:
        raise ResultsNotPublished(round_.id)
    language = get_locale().language
    key = report_key(round_, language)
    plan = plan_for(round_)
    if plan is not None and plan.is_published:
        latest = latest_version(round_.id, language)
        if latest is None or latest.key != key:
            return Wanted(latest, None, documents.MISSING)
        return version_pdf(latest)
    row = _cache_row(round_.id, language)
    return documents.wanted(row, key)


def request_report(round_: Round) -> Wanted:
    """A POST asks for the report in the current language: its version issued (or confirmed)
    when the plan is published, then its PDF asked of the worker unless it is ready or being
    made. A failed one is asked again."""
    if not round_.is_published:
        raise ResultsNotPublished(round_.id)
    language = get_locale().language
    version = current_version(round_, language)
    if version is not None:
        return request_version_pdf(version)
    return _ask_cached(round_, language, "pdf", report_key(round_, language), render_report)


def version_pdf(version: ReportVersion) -> Wanted:
    """An issued version's PDF, read only; its key is the digest of its HTML as it reads now (a
    superseded version says so)."""
    key = _digest(version_html(version))
    return documents.wanted(version, key)


def request_version_pdf(version: ReportVersion) -> Wanted:
    wanted = version_pdf(version)
    if documents.ask(version, wanted.key):
        db.session.flush()
        enqueue(render_report_version, version.id, wanted.key)
    return version_pdf(version)


def deck(round_: Round) -> Wanted:
    """The board deck in the current language, read only; cached under the report's own key, so
    it is made again exactly when the report would be. An open round has no deck (409, as for
    every results surface)."""
    if not round_.is_published:
        raise ResultsNotPublished(round_.id)
    language = get_locale().language
    key = report_key(round_, language)
    row = _cache_row(round_.id, language, "pptx")
    return documents.wanted(row, key)


def request_deck(round_: Round) -> Wanted:
    if not round_.is_published:
        raise ResultsNotPublished(round_.id)
    language = get_locale().language
    return _ask_cached(round_, language, "pptx", report_key(round_, language), render_deck)


def ask_again_if_lost(wanted: Wanted) -> None:
    """The wait page's remedy for a rendering whose worker is gone (``documents.ask_again_if_lost``)."""
    if isinstance(wanted.row, ReportVersion):
        documents.ask_again_if_lost(wanted, render_report_version)
    elif wanted.row is not None:
        documents.ask_again_if_lost(wanted, render_deck if wanted.row.kind == "pptx" else render_report)


def _ask_cached(round_: Round, language: str, kind: str, key: str, job) -> Wanted:
    row = _cache_row(round_.id, language, kind)
    if row is None:
        row = ReportCache(round_id=round_.id, language=language, kind=kind)
        db.session.add(row)
    if documents.ask(row, key):
        try:
            db.session.flush()
        except sa.exc.IntegrityError:  # a second request for the same document won the race
            db.session.rollback()
            row = _cache_row(round_.id, language, kind)
            return documents.wanted(row, key)
        enqueue(job, row.id, key)
    return documents.wanted(row, key)


def _digest(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()


def current_version(round_: Round, language: str) -> ReportVersion | None:
    """The published report in ``language`` as it stands: its latest version, or a new one when
    what the report says has changed since (the plan, a name, the figures, the method). None
    while the action plan is not published: the report is then a proposal that may change.

    Checked from the report's key first (a few rows, nothing rendered); when the key changed,
    the report is rendered as the latest version would be and compared by its text, so that a
    change the reader cannot see (another client's round, a stylesheet) makes no new version."""
    plan = plan_for(round_)
    if plan is None or not plan.is_published:
        return None
    key = report_key(round_, language)
    latest = latest_version(round_.id, language)
    if latest is not None and latest.key == key:
        return latest
    with force_locale(language):
        results = round_results(round_)
        if latest is not None:
            again = render_template("pdf/report.html", **report_context(
                round_, results, issued_at=latest.issued_at, version=latest.number))
            if _text(again) == _text(latest.html):
                latest.key = key
                return latest
        now = utcnow()
        number = latest.number + 1 if latest is not None else 1
        html = render_template("pdf/report.html", **report_context(round_, results, issued_at=now, version=number))
    if latest is not None:
        latest.superseded_at = now
        log.info("report round=%s %s: version %s supersedes %s", round_.id, language, number, latest.number)
    version = ReportVersion(round_id=round_.id, language=language, number=number, issued_at=now, html=html, key=key)
    db.session.add(version)
    db.session.flush()
    return version


def issue_versions(round_: Round) -> None:
    """When the plan is published: the report is issued, in every language, as it is now."""
    for language in LOCALE_FOR_LANGUAGE:
        current_version(round_, language)


@plan_published.connect
def _issue_when_the_plan_is_published(round_: Round) -> None:
    issue_versions(round_)


def latest_version(round_id: int, language: str) -> ReportVersion | None:
    return db.session.scalar(sa.select(ReportVersion).where(
        ReportVersion.round_id == round_id, ReportVersion.language == language).order_by(ReportVersion.number.desc()).limit(1))


def versions_of(round_id: int, language: str) -> list[ReportVersion]:
    return list(db.session.scalars(sa.select(ReportVersion).where(
        ReportVersion.round_id == round_id, ReportVersion.language == language).order_by(ReportVersion.number.desc())))


def _text(html: str) -> str:
    """What a reader sees of a report: its text, without markup or layout."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", " ", html, flags=re.S))).split())


def _cache_row(round_id: int, language: str, kind: str = "pdf") -> ReportCache | None:
    return db.session.scalar(sa.select(ReportCache).where(
        ReportCache.round_id == round_id, ReportCache.language == language, ReportCache.kind == kind))
