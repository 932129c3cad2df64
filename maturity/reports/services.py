"""The board report and deck on request: served from the cache while what they depend on is
unchanged, otherwise asked of the worker (``reports.jobs``); the published report's versions."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta
from html import unescape

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _
from markupsafe import escape

from ..extensions import db
from ..i18n import LOCALE_FOR_LANGUAGE
from ..models_base import utcnow
from ..plans.services import plan_for, plan_published
from ..results.services import ResultsNotPublished, round_results
from ..rounds.models import Round
from ..tasks import enqueue
from .context import report_context, report_key
from .jobs import render_deck, render_report, render_report_version
from .models import ReportCache, ReportVersion

log = logging.getLogger(__name__)


#: A rendering requested longer ago than this and still pending is requested again (its
#: worker may have stopped).
PENDING_TIMEOUT = timedelta(minutes=5)


def request_report(round_: Round, *, retry: bool = False) -> ReportCache | ReportVersion:
    """The report in the current language: ready, or asked of the worker now.

    Served while its key (``report_key``: everything the report depends on) is unchanged,
    checked without computing the report; otherwise the report's HTML is made here and the
    worker renders it (at once with the ``immediate`` queue). A failed rendering is retried on
    request."""
    language = get_locale().language
    version = current_version(round_, language)
    if version is not None:  # published: the report as issued
        return request_version_pdf(version, retry=retry)
    digest = report_key(round_, language)
    row = _cache_row(round_.id, language)
    if row is not None and row.html_sha256 == digest and _is_settled(row, retry):
        return row
    html = render_template("pdf/report.html", **report_context(round_, round_results(round_)))
    if row is None:
        row = ReportCache(round_id=round_.id, language=language)
        db.session.add(row)
    row.html_sha256, row.status, row.pdf, row.error, row.requested_at = digest, "pending", None, None, utcnow()
    try:
        db.session.flush()
        row_id = row.id  # read before the commit: reading after it would open a new transaction
        db.session.commit()
    except sa.exc.IntegrityError:  # a second request for the same report won the race
        db.session.rollback()
        return _cache_row(round_.id, language)
    enqueue(render_report, row_id, digest, html)
    db.session.refresh(row)  # the immediate queue (or a quick worker) may be done already
    return row


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


def version_html(version: ReportVersion) -> str:
    """A version's report as issued; a superseded one says so on its cover and summary."""
    if version.superseded_at is None:
        return version.html
    newer = db.session.scalar(sa.select(ReportVersion).where(
        ReportVersion.round_id == version.round_id, ReportVersion.language == version.language,
        ReportVersion.number > version.number).order_by(ReportVersion.number.desc()).limit(1))
    with force_locale(version.language):
        notice = _("Superseded: this is version %(number)s of %(date)s. The current report is version %(newer)s of %(newer_date)s.",
                   number=version.number, date=format_date(version.issued_at, "long"),
                   newer=newer.number if newer else "?",
                   newer_date=format_date(newer.issued_at, "long") if newer else "?")
    return version.html.replace(SUPERSEDED_MARK, f'<p class="superseded">{escape(notice)}</p>')


#: Where a superseded version's notice goes (the report template puts it on the cover and the summary).
SUPERSEDED_MARK = "<!--superseded-->"


def request_version_pdf(version: ReportVersion, *, retry: bool = False) -> ReportVersion:
    """A version's PDF: ready, or asked of the worker now (as for the live report)."""
    html = version_html(version)
    digest = hashlib.sha256(html.encode()).hexdigest()
    if version.pdf_digest == digest and _is_settled(version, retry):
        return version
    version.pdf_digest, version.status, version.pdf, version.error, version.requested_at = digest, "pending", None, None, utcnow()
    version_id = version.id
    db.session.commit()
    enqueue(render_report_version, version_id, digest, html)
    db.session.refresh(version)
    return version




def _is_settled(row: ReportCache | ReportVersion, retry: bool) -> bool:
    """A rendering for the right content that needs no new request: ready, still being made
    (not longer than ``PENDING_TIMEOUT``), or failed and not asked to retry."""
    if row.status == "ready":
        return True
    waiting = row.status == "pending" and row.requested_at and utcnow() - row.requested_at < PENDING_TIMEOUT
    return bool(waiting or (row.status == "failed" and not retry))


def _cache_row(round_id: int, language: str, kind: str = "pdf") -> ReportCache | None:
    return db.session.scalar(sa.select(ReportCache).where(
        ReportCache.round_id == round_id, ReportCache.language == language, ReportCache.kind == kind))


def request_deck(round_: Round, *, retry: bool = False) -> ReportCache:
    """The board deck in the current language: ready, or asked of the worker now. Cached under
    the report's own key, so it is made again exactly when the report would be. An open round
    has no deck (409, as for every results surface)."""
    if not round_.is_published:
        raise ResultsNotPublished(round_.id)
    language = get_locale().language
    digest = report_key(round_, language)
    row = _cache_row(round_.id, language, "pptx")
    if row is not None and row.html_sha256 == digest and _is_settled(row, retry):
        return row
    if row is None:
        row = ReportCache(round_id=round_.id, language=language, kind="pptx")
        db.session.add(row)
    row.html_sha256, row.status, row.pdf, row.error, row.requested_at = digest, "pending", None, None, utcnow()
    try:
        db.session.flush()
        row_id = row.id
        db.session.commit()
    except sa.exc.IntegrityError:  # a second request for the same deck won the race
        db.session.rollback()
        return _cache_row(round_.id, language, "pptx")
    enqueue(render_deck, row_id, digest)
    db.session.refresh(row)  # the immediate queue (or a quick worker) may be done already
    return row
