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
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from ..core import score_quiz
from ..extensions import csrf, db
from ..instrument import load_instrument
from .segment_answers import ASKED_PREFIX, asked_segments
from ..tenancy.models import Organisation
from . import links, services
from . import submission
from .models import Invitation, Round
from ..pdf.render import PdfRenderError, render_pdf
from .questionnaire import (COMMENT_KEY, MAX_EMPLOYEE_COMMENT, SECTIONS, describe_item, missing, parse_answers,
                            section_keys, section_title)

#: The link in the invitation mail: exchanged for a session, and the reminder opt-out.
link_bp = Blueprint("respond_link", __name__, url_prefix="/r/<token>")
#: The questionnaire itself, at token-free addresses, for the session that holds the link.
bp = Blueprint("respond", __name__, url_prefix="/respond")
csrf.exempt(link_bp)
csrf.exempt(bp)  # checked in the views, so that a failed check loses no answers

SESSION_KEY = "respondent"
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
        db.session.commit()
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
    _enter(invitation)
    if invitation.is_submitted and request.endpoint not in ("respond.result", "respond.result_pdf"):
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
        db.session.commit()
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
        db.session.commit()
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
    db.session.commit()
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
        db.session.commit()
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
    # The token leaves the session: from now on only the result key opens the result.
    session[SESSION_KEY] = {"i": g.invitation.id, "k": result_key}
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
    answers, quiz = _own_result()
    if answers is None:
        return render_template("respond/received.html")
    lang = get_locale().language
    return render_template("respond/result.html", quiz=quiz, other_sections=_other_answers(answers, lang), lang=lang,
                           comment=_own_comment())


@bp.route("/result.pdf")
def result_pdf():
    if not g.invitation.is_submitted:
        return redirect(url_for("respond.welcome"))
    answers, quiz = _own_result()
    if answers is None:
        return redirect(url_for("respond.result"))
    lang = get_locale().language
    html = render_template("pdf/personal_result.html", **_personal_pdf_context(answers, quiz, lang))
    try:
        pdf, _refused = render_pdf(html)
    except PdfRenderError:
        return render_template(
            "errors/error.html", status=503, title=_("The PDF could not be made right now"),
            message=_("Please try again in a minute. Your result is safe."), back=url_for("respond.result"),
        ), 503
    filename = _("klantspiegel-personal-result") + ".pdf"
    return HttpResponse(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _other_answers(answers: dict, lang: str) -> list[dict]:
    """The respondent's answers outside the quiz, per section, as the page and the PDF show
    them: the statement and the answer's label (a mark as its number)."""
    other_sections = []
    for section in ("leadership", "culture", "mirror"):
        rows = []
        for key in section_keys(g.instrument, section):
            item = describe_item(g.instrument, key, lang)
            value = answers.get(key)
            label = item["dont_know"] if value == "dk" else next(
                (v if item["kind"] == "mark" else text for v, text in item["options"] if v == value), "—")
            rows.append({"text": item["text"], "answer": label})
        other_sections.append({"title": section_title(g.instrument, section, lang), "rows": rows})
    return other_sections


def _personal_pdf_context(answers: dict, quiz, lang: str) -> dict:
    """Plain values only: the PDF template never sees ORM objects or the request."""
    other_sections = _other_answers(answers, lang)
    return {
        "lang": lang, "title": _("Your personal result"), "org_name": g.org.name, "round_title": g.round.title,
        "date": format_date(g.invitation.submitted_at, "long"), "total": quiz.total, "max_total": quiz.max_total,
        "band_key": quiz.band_key, "band_label": quiz.band.label.get(lang), "band_text": quiz.band_text(lang),
        "advice_intro": g.instrument.quiz.advice_intro.get(lang),
        "advice": [
            {"number": c.question.number, "score": c.score, "question": c.question.text.get(lang),
             "answer": c.option.text.get(lang), "advice": c.advice.get(lang)}
            for c in quiz.choices
        ],
        "other_sections": other_sections,
        "comment": _own_comment(),
    }
