"""The respondent's questionnaire. No account needed.

The personal link ``/r/<token>/`` is exchanged at first use for this browser session and a
token-free address (``/respond/…``), so the token is not repeated in every request. After
submitting, the personal result is shown in that session only (its key lives in the session);
the link itself then only says that the response was received. A used link found later in a
log, a forwarded mail or a mailbox opens nobody's answers (docs/privacy.md).

Answers are saved per section as they are given; a failed CSRF check re-shows the page with
the answers still filled in instead of throwing them away.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask import Response as HttpResponse
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from ..core import score_quiz
from ..pdf import documents as made
from ..extensions import csrf, db
from ..instrument import load_instrument
from .segment_answers import ASKED_PREFIX, asked_segments
from ..tenancy.models import Organisation
from . import documents, links, personal_result, services
from . import submission
from .jobs import render_personal_result
from .models import Invitation, Round
from .questionnaire import (COMMENT_KEY, MAX_EMPLOYEE_COMMENT, SECTIONS, missing, parse_answers,
                            section_keys, section_title)

#: The link in the invitation mail: exchanged for a session, and the reminder opt-out.
link_bp = Blueprint("respond_link", __name__, url_prefix="/r/<token>")
#: The questionnaire itself, at token-free addresses, for the session that holds the link.
bp = Blueprint("respond", __name__, url_prefix="/respond")
csrf.exempt(link_bp)
csrf.exempt(bp)  # checked in the views, so that a failed check loses no answers

SESSION_KEY = "respondent"
#: What a session whose response is in may still open: the result and its PDF.
RESULT_ENDPOINTS = ("respond.result", "respond.result_pdf", "respond.result_pdf_status")
#: The pages in order, each a step of the progress bar: the sections, then the open question,
#: then the review. The welcome page lists them from here.
PAGES = (*SECTIONS, "open-question", "review")
STEPS = len(PAGES)


class HeldRound:
    """What the respondent's pages need of the round, as plain values (the same rules as
    ``Round``'s)."""

    __slots__ = ("id", "title", "status", "opens_on", "closes_on", "instrument_version", "min_group_size",
                 "min_comment_group_size")
    is_accepting = Round.is_accepting
    is_closed = Round.is_closed


class HeldInvitation:
    """The respondent's invitation as plain values; ``services`` writes it with statements."""

    __slots__ = ("id", "nonce", "round_id", "department_id", "sealed_draft", "sealed_result", "started_at",
                 "submitted_at", "has_opted_out_of_reminders", "round", "org")
    is_submitted = Invitation.is_submitted


class HeldOrganisation:
    __slots__ = ("id", "name", "customer_word")  # its word for its customers: the mirror's questions say it


def _columns(table, names):
    return [table.c[name] for name in names]


_INVITATION, _ROUND, _ORG = Invitation.__table__, Round.__table__, Organisation.__table__
_INVITATION_FIELDS = tuple(name for name in HeldInvitation.__slots__ if name not in ("round", "org"))
#: One query per request, and no ORM: the respondent's requests are the app's most frequent,
#: and loading three mapped objects cost more than the rest of the query (issue 16).
_LOAD = (sa.select(*_columns(_INVITATION, _INVITATION_FIELDS), *_columns(_ROUND, HeldRound.__slots__),
                   *_columns(_ORG, HeldOrganisation.__slots__))
         .select_from(_INVITATION.join(_ROUND, _ROUND.c.id == _INVITATION.c.round_id)
                      .join(_ORG, _ORG.c.id == _INVITATION.c.organisation_id))
         .where(_INVITATION.c.id == sa.bindparam("invitation_id")))


def _held(cls, values):
    held = cls.__new__(cls)
    for name, value in zip(cls.__slots__, values):
        setattr(held, name, value)
    return held


def _load(invitation_id) -> HeldInvitation | None:
    """The invitation with its round and organisation (``.round``, ``.org``): one query per
    request. Nothing of it reaches a page before the caller has checked the link or session."""
    if not isinstance(invitation_id, int):
        return None
    row = db.session.execute(_LOAD, {"invitation_id": invitation_id}).first()
    if row is None:
        return None
    n, m = len(_INVITATION_FIELDS), len(HeldRound.__slots__)
    invitation = _held(HeldInvitation, row[:n])
    invitation.round = _held(HeldRound, row[n:n + m])
    invitation.org = _held(HeldOrganisation, row[n + m:])
    return invitation


def _enter(invitation: HeldInvitation) -> None:
    """The checked invitation becomes the page's: its organisation's name heads the page."""
    g.invitation, g.round, g.org = invitation, invitation.round, invitation.org
    g.instrument = load_instrument(g.round.instrument_version)
    g.respondent_page = True


@link_bp.url_value_preprocessor
def _pull_token(endpoint, values):
    g.token = values.pop("token", None) if values else None


@link_bp.url_defaults
def _push_token(endpoint, values):
    if "token" not in values and getattr(g, "token", None):
        values["token"] = g.token


@link_bp.before_request
def _load_from_link():
    token = g.token or ""
    invitation = _load(links.token_invitation_id(token))
    if invitation is None or not links.token_matches(token, invitation.id, invitation.nonce):
        abort(404)  # the same page for a forged link as for none: no organisation's name
    _enter(invitation)


@link_bp.route("/")
def open_link():
    """Exchange the link for this browser session, then continue at a token-free address."""
    held = session.get(SESSION_KEY) or {}
    if g.invitation.is_submitted:
        if held.get("i") == g.invitation.id and held.get("k"):
            return redirect(url_for("respond.result"))
        return render_template("respond/received.html")
    session[SESSION_KEY] = {"i": g.invitation.id, "t": g.token}
    return redirect(url_for("respond.welcome"))


@link_bp.route("/reminders", methods=["GET", "POST"])
def reminders():
    if request.method == "POST":
        if not _csrf_ok():
            abort(400)
        submission.opt_out_of_reminders(g.invitation)
        flash(_("You will receive no more reminders for this round."), "success")
        return redirect(url_for("respond_link.reminders"))
    return render_template("respond/reminders.html")


@bp.before_request
def _load_from_session():
    held = session.get(SESSION_KEY) or {}
    invitation = _load(held.get("i"))
    if invitation is None:
        return render_template("respond/no_link.html"), 403
    g.token = held.get("t")
    g.result_key = held.get("k")
    if not invitation.is_submitted and not (g.token and links.token_matches(g.token, invitation.id, invitation.nonce)):
        session.pop(SESSION_KEY, None)  # the link was revoked since
        return render_template("respond/no_link.html"), 403
    if invitation.is_submitted and "t" in held:
        # Submitted: from now on only the result key opens the result. (The submit kept the token
        # until its commit was through: had it failed, the respondent could simply submit again.)
        session[SESSION_KEY] = {key: value for key, value in held.items() if key != "t"}
        g.token = None
    _enter(invitation)
    if invitation.is_submitted and request.endpoint not in RESULT_ENDPOINTS:
        return redirect(url_for("respond.result"))


def _csrf_ok() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return False
    return True


def _accepting() -> bool:
    return g.round.is_accepting(services.today())


def _next_section(answers) -> str:
    gaps = missing(g.instrument, answers)
    return next((s for s in SECTIONS if s in gaps), "review")


@bp.route("/")
def welcome():
    answers = submission.load_answers(g.invitation, g.token)
    lang = get_locale().language
    sections = [(section_title(g.instrument, section, lang), len(section_keys(g.instrument, section)))
                for section in SECTIONS]
    return render_template(
        "respond/welcome.html", accepting=_accepting(), has_started=bool(answers),
        continue_to=_next_section(answers), sections=sections, item_count=sum(n for _title, n in sections),
        asked_count=len(asked_segments(g.invitation.id)), steps=STEPS,
    )


@bp.route("/section/<section>", methods=["GET", "POST"])
def section(section: str):
    if section not in SECTIONS:
        abort(404)
    if not _accepting():
        return redirect(url_for("respond.welcome"))
    keys = section_keys(g.instrument, section)
    answers = submission.load_answers(g.invitation, g.token)
    if request.method == "POST":
        posted = parse_answers(g.instrument, keys, request.form)
        if not _csrf_ok():
            # Keep what was typed on the page; nothing is saved until the next try.
            flash(_("Your answers on this page were not saved yet because the page had expired. Please press the button again."), "error")
            return _render_section(section, keys, {**answers, **posted}), 400
        try:
            answers = submission.save_answers(g.invitation, g.token, posted)
        except submission.AlreadySubmitted:  # in another tab, a moment ago
            db.session.rollback()
            return redirect(url_for("respond.result"))
        # The next page is the answer to this POST itself, not a redirect to it: one request
        # per page instead of two (a slow phone connection feels every round-trip). The page
        # names its own address, which the browser puts in the address bar (page-url.js);
        # reloading without JavaScript posts the same answers again, which changes nothing.
        index = SECTIONS.index(section)
        if request.form.get("go") == "back" and index > 0:
            target = SECTIONS[index - 1]
        elif index + 1 < len(SECTIONS):
            target = SECTIONS[index + 1]
        else:
            return _render_open_question(answers)
        return _render_section(target, section_keys(g.instrument, target), answers)
    return _render_section(section, keys, answers, show_open=request.args.get("open") == "1")


def _render_section(section: str, keys: list[str], answers: dict, *, show_open: bool = False):
    step = SECTIONS.index(section) + 1
    return render_template(
        "respond/section.html", section=section, keys=keys, answers=answers, step=step, steps=STEPS,
        open_keys=[key for key in keys if not answers.get(key)] if show_open else [], **_answered(answers),
        mirror_topics=_mirror_topics(keys) if section == "mirror" else None,
        sections=SECTIONS, lang=get_locale().language,
    )


@bp.route("/open-question", methods=["GET", "POST"])
def open_question():
    """The one open question, after the last section and before the review; optional. Saved in
    the draft like the answers (when the respondent continues or goes back)."""
    if not _accepting():
        return redirect(url_for("respond.welcome"))
    answers = submission.load_answers(g.invitation, g.token)
    if request.method == "POST":
        typed = (request.form.get("comment") or "")[:MAX_EMPLOYEE_COMMENT * 2]
        if not _csrf_ok():
            flash(_("Your answers on this page were not saved yet because the page had expired. Please press the button again."), "error")
            return _render_open_question({**answers, COMMENT_KEY: typed[:MAX_EMPLOYEE_COMMENT]}), 400
        try:
            answers = submission.save_comment(g.invitation, g.token, typed)
            if asked_segments(g.invitation.id):
                answers = submission.save_segments(g.invitation, g.token, {
                    int(key[len("segment-"):]): value for key, value in request.form.items()
                    if key.startswith("segment-") and key[len("segment-"):].isdigit()})
        except submission.AlreadySubmitted:
            db.session.rollback()
            return redirect(url_for("respond.result"))
        if request.form.get("go") == "back":
            return _render_section(SECTIONS[-1], section_keys(g.instrument, SECTIONS[-1]), answers)
        return _render_review(answers)
    return _render_open_question(answers)


def _render_open_question(answers: dict):
    return render_template(
        "respond/open_question.html", comment=answers.get(COMMENT_KEY) or "", max_length=MAX_EMPLOYEE_COMMENT,
        asked=[(s, answers.get(f"{ASKED_PREFIX}{s.id}", "")) for s in asked_segments(g.invitation.id)],
        step=len(SECTIONS) + 1, steps=STEPS, **_answered(answers),
    )


@bp.route("/save", methods=["POST"])
def autosave():
    """One answer at a time, from the page's script (progressive enhancement)."""
    if not _accepting():
        return {"saved": False}, 409
    if not _csrf_ok():
        return {"saved": False}, 400
    answers = parse_answers(g.instrument, list(g.instrument.employee_answer_keys()), request.form)
    if not answers:
        return {"saved": False}, 400
    try:
        submission.save_answers(g.invitation, g.token, answers)
    except submission.AlreadySubmitted:
        db.session.rollback()
        return {"saved": False}, 409
    return {"saved": True}


@bp.route("/review")
def review():
    return _render_review(submission.load_answers(g.invitation, g.token))


def _render_review(answers: dict):
    return render_template(
        "respond/review.html", answers=answers, gaps=missing(g.instrument, answers), accepting=_accepting(),
        step=STEPS, steps=STEPS, sections=SECTIONS, lang=get_locale().language, comment=answers.get(COMMENT_KEY),
        **_answered(answers),
    )


def _mirror_topics(keys: list[str]) -> list[tuple[str, list[str]]]:
    """The mirror's questions per topic: the employee's own mark and their estimate of the
    customers' mark for the same topic belong side by side, not ten alternating questions."""
    lang = get_locale().language
    return [(item.topic.get(lang), [key for key in keys if key.startswith(item.key + ".")])
            for item in g.instrument.mirror.items]


def _answered(answers: dict) -> dict:
    """How far the respondent really is: questions answered of all, for the progress bar."""
    keys = [key for section in SECTIONS for key in section_keys(g.instrument, section)]
    return {"answered": sum(1 for key in keys if answers.get(key)), "questions": len(keys)}


@bp.route("/submit", methods=["POST"])
def submit():
    if not _accepting():
        flash(_("This round is closed; no more responses are accepted."), "error")
        return redirect(url_for("respond.welcome"))
    if not _csrf_ok():
        flash(_("The page had expired. Your answers are safe; please press submit again."), "error")
        return _render_review(submission.load_answers(g.invitation, g.token)), 400
    try:
        result_key = submission.submit_response(g.invitation, g.token)
    except submission.Incomplete:
        db.session.rollback()
        flash(_("Some questions are not answered yet. They are marked below."), "error")
        return redirect(url_for("respond.review"))
    except submission.RoundNotAccepting:
        db.session.rollback()
        flash(_("This round is closed; no more responses are accepted."), "error")
        return redirect(url_for("respond.welcome"))
    except submission.AlreadySubmitted:
        db.session.rollback()
        return redirect(url_for("respond.result"))
    # The result key joins the session; the token leaves it at the next request, once this one's
    # commit is through (``_load_from_session``).
    session[SESSION_KEY] = {"i": g.invitation.id, "t": g.token, "k": result_key}
    return redirect(url_for("respond.result"))


def _own_result():
    """The respondent's answers, or None when this session does not hold the result key."""
    answers = links.unseal_result(g.result_key, g.invitation.sealed_result).get("answers")
    return (answers, score_quiz(g.instrument, answers)) if answers else (None, None)


def _own_comment() -> str | None:
    """The respondent's own answer to the open question: for them only, like their answers."""
    return links.unseal_result(g.result_key, g.invitation.sealed_result).get("comment")


@bp.route("/result")
def result():
    if not g.invitation.is_submitted:
        return redirect(url_for("respond.welcome"))
    opened = _own_result()
    if opened is None:
        return render_template("respond/received.html")
    lang = get_locale().language
    return render_template("respond/result.html", quiz=score_quiz(g.instrument, opened["answers"]), lang=lang,
                           other_sections=personal_result.other_answers(g.instrument, opened["answers"], lang),
                           comment=opened.get("comment"))


def _own_result() -> dict | None:
    """The respondent's answers and comment, or None when this session does not hold the key."""
    opened = links.unseal_result(g.result_key, g.invitation.sealed_result)
    return opened if opened.get("answers") else None


@bp.route("/result.pdf", methods=["GET", "POST"])
def result_pdf():
    """GET: the respondent's result as a PDF when the worker has made it, otherwise the page that
    waits for it; POST: ask for it. Only the session that holds the result key gets either."""
    if request.method == "POST" and not _csrf_ok():
        abort(400)  # the page had expired: the error page says to go back and try again
    if not g.invitation.is_submitted:
        return redirect(url_for("respond.welcome"))
    if _own_result() is None:
        return redirect(url_for("respond.result"))
    lang = get_locale().language
    if request.method == "POST":
        documents.request_personal_pdf(g.invitation, g.result_key, lang)
        return redirect(url_for("respond.result_pdf"), 303)
    wanted = documents.personal_pdf(g.invitation, lang)
    pdf = documents.personal_pdf_file(wanted, g.result_key)
    if pdf is not None:
        filename = _("klantspiegel-personal-result") + ".pdf"
        return HttpResponse(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
    return _pdf_waiting(wanted, 202 if wanted.state in (made.PENDING, made.LOST) else 200)


@bp.route("/result-pdf")
def result_pdf_status():
    """Where the waiting page refreshes to."""
    if not g.invitation.is_submitted or _own_result() is None:
        return redirect(url_for("respond.result"))
    return _pdf_waiting(documents.personal_pdf(g.invitation, get_locale().language), 200)


def _pdf_waiting(wanted: made.Wanted, status: int):
    made.ask_again_if_lost(wanted, render_personal_result)
    state = made.MISSING if wanted.ready and documents.personal_pdf_file(wanted, g.result_key) is None else wanted.state
    return render_template("respond/result_pdf.html", state=state), 503 if state == made.FAILED else status
