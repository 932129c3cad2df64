"""What a respondent's personal result shows, on their page and in their PDF: plain values made
from their own answers (opened with the key only their browser session holds). No request, no
``g``: the worker makes the PDF from the same functions (``rounds.jobs.render_personal_result``)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_date
from flask_babel import gettext as _

from ..core import score_quiz
from ..instrument import Instrument
from .questionnaire import describe_item, section_keys, section_title


def other_answers(instrument: Instrument, answers: dict, lang: str) -> list[dict]:
    """The respondent's answers outside the quiz, per section, as the page and the PDF show
    them: the statement and the answer's label (a mark as its number)."""
    other_sections = []
    for section in ("leadership", "culture", "mirror"):
        rows = []
        for key in section_keys(instrument, section):
            item = describe_item(instrument, key, lang)
            value = answers.get(key)
            label = item["dont_know"] if value == "dk" else next(
                (v if item["kind"] == "mark" else text for v, text in item["options"] if v == value), "—")
            rows.append({"text": item["text"], "answer": label})
        other_sections.append({"title": section_title(instrument, section, lang), "rows": rows})
    return other_sections


def pdf_context(instrument: Instrument, opened: dict, lang: str, *, org_name: str, round_title: str,
                submitted_at: datetime) -> dict:
    """What the PDF shows, from the opened result (``{"answers": …, "comment": …}``); plain
    values only: the PDF template never sees ORM objects or the request."""
    answers = opened["answers"]
    quiz = score_quiz(instrument, answers)
    return {
        "lang": lang, "title": _("Your personal result"), "org_name": org_name, "round_title": round_title,
        "date": format_date(submitted_at, "long"), "total": quiz.total, "max_total": quiz.max_total,
        "band_key": quiz.band_key, "band_label": quiz.band.label.get(lang), "band_text": quiz.band_text(lang),
        "advice_intro": instrument.quiz.advice_intro.get(lang),
        "advice": [
            {"number": c.question.number, "score": c.score, "question": c.question.text.get(lang),
             "answer": c.option.text.get(lang), "advice": c.advice.get(lang)}
            for c in quiz.choices
        ],
        "other_sections": other_answers(instrument, answers, lang),
        "comment": opened.get("comment"),
    }
