"""Scoring one respondent: the seed 001 quiz and the 0..100 indices per dimension.

Answers arrive as a mapping of answer key to value, as the web layer stores them:

* quiz: ``"quiz.q1" -> "a" | "b" | "c"``
* leadership and culture: ``"culture.c3" -> 1..5`` or ``DONT_KNOW``
* mirror, employee: ``"mirror.m1.self"`` and ``"mirror.m1.estimate" -> 1..10`` or ``DONT_KNOW``
* mirror, customer: ``"mirror.m1.customer" -> 1..10`` or ``DONT_KNOW``; ``"mirror.comment"`` is
  allowed and ignored (free text is never scored)

Scale values may be ints or strings of digits (form data). Every index is on 0..100, so a
group mean is simply the SQL ``avg`` of the stored respondent indices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..instrument import Band, Instrument, MirrorForm, QuizOption, QuizQuestion, Scale, Text
from .stats import DimensionStats, describe

#: The "weet ik niet / niet van toepassing" answer: excluded from every score, never a midpoint.
DONT_KNOW = "dk"

#: An index needs at least this share of its items answered (not "weet ik niet").
MIN_ANSWERED_SHARE = 0.5

Answer = str | int


@dataclass(frozen=True, slots=True)
class QuizChoice:
    question: QuizQuestion
    option: QuizOption

    @property
    def score(self) -> int:
        return self.option.score

    @property
    def advice(self) -> Text:
        return self.option.advice


@dataclass(frozen=True, slots=True)
class QuizResult:
    total: int
    band: Band
    choices: tuple[QuizChoice, ...]
    min_total: int
    max_total: int

    @property
    def band_key(self) -> str:
        return self.band.key

    def band_text(self, lang: str | None = None) -> str:
        return self.band.text.get(lang)

    @property
    def skills(self) -> float:
        """The total on 0..100: (total - 6) / 24 * 100 for the seed's 6..30."""
        return (self.total - self.min_total) / (self.max_total - self.min_total) * 100.0


@dataclass(frozen=True, slots=True)
class ResponseScores:
    """One employee's indices on 0..100; None where too few items were answered."""

    quiz_total: int
    skills: float
    leadership: float | None
    culture: float | None
    mirror_self: float | None
    mirror_estimate: float | None


@dataclass(frozen=True, slots=True)
class CustomerScores:
    mirror_customer: float | None


def score_quiz(instrument: Instrument, answers: Mapping[str, Answer]) -> QuizResult:
    """Score the six quiz answers; other known answer keys in ``answers`` are ignored."""
    _reject_unknown_keys(instrument, answers, customer=False)
    quiz = instrument.quiz
    missing = [q.key for q in quiz.questions if q.key not in answers]
    if missing:
        raise ValueError(f"quiz incomplete: no answer for {', '.join(missing)}")
    choices = []
    for question in quiz.questions:
        raw = answers[question.key]
        try:
            option = question.option(raw) if isinstance(raw, str) else None
        except KeyError:
            option = None
        if option is None:
            valid = ", ".join(o.key for o in question.options)
            raise ValueError(f"{question.key}: invalid option {raw!r} (expected one of {valid})")
        choices.append(QuizChoice(question, option))
    total = sum(choice.score for choice in choices)
    return QuizResult(total, quiz.band_for(total), tuple(choices), quiz.min_total, quiz.max_total)


def score_response(instrument: Instrument, answers: Mapping[str, Answer]) -> ResponseScores:
    """All employee indices. Every employee item must be answered (``DONT_KNOW`` counts)."""
    _reject_unknown_keys(instrument, answers, customer=False)
    missing = [key for key in instrument.employee_answer_keys() if key not in answers]
    if missing:
        raise ValueError(f"response incomplete: no answer for {', '.join(missing)}")
    quiz = score_quiz(instrument, answers)
    return ResponseScores(
        quiz_total=quiz.total,
        skills=quiz.skills,
        leadership=_likert_index(instrument, "leadership", answers),
        culture=_likert_index(instrument, "culture", answers),
        mirror_self=_mirror_index(instrument, "self", answers),
        mirror_estimate=_mirror_index(instrument, "estimate", answers),
    )


def score_customer_response(instrument: Instrument, answers: Mapping[str, Answer]) -> CustomerScores:
    """The customer's mirror index; every mirror item must be answered (``DONT_KNOW`` counts)."""
    _reject_unknown_keys(instrument, answers, customer=True)
    missing = [key for key in instrument.customer_answer_keys() if key not in answers]
    if missing:
        raise ValueError(f"customer response incomplete: no answer for {', '.join(missing)}")
    return CustomerScores(mirror_customer=_mirror_index(instrument, "customer", answers))


def item_values(instrument: Instrument, section: str, answers: Mapping[str, Answer]) -> tuple[float | None, ...]:
    """One respondent's values per item of a section, reverse items flipped, DONT_KNOW as None.

    ``section`` is "leadership", "culture" or a mirror form ("self", "estimate", "customer").
    This is the row Cronbach's alpha needs.
    """
    if section in ("leadership", "culture"):
        likert = instrument.leadership if section == "leadership" else instrument.culture
        return tuple(
            instrument.oriented(item.key, value) if value is not None else value
            for item in likert.items
            for value in [_scale_value(likert.scale, item.key, answers.get(item.key, DONT_KNOW))]
        )
    if section in ("self", "estimate", "customer"):
        scale = instrument.mirror.scale
        return tuple(
            _scale_value(scale, key, answers.get(key, DONT_KNOW))
            for key in (item.answer_key(section) for item in instrument.mirror.items)  # type: ignore[arg-type]
        )
    raise ValueError(f"unknown section {section!r}")


def mark_from_index(instrument: Instrument, index: float) -> float:
    """A mirror index (0..100) back on the mirror scale, e.g. 66.7 -> 7.0 on the 1..10 mark."""
    return instrument.mirror.scale.from_index(index)


def describe_scores(
    responses: Sequence[ResponseScores], customers: Sequence[CustomerScores] = ()
) -> dict[str, DimensionStats | None]:
    """Per-dimension statistics of a few scored responses (tests and small cases; SQL otherwise)."""
    return {
        "skills": describe(r.skills for r in responses),
        "leadership": describe(r.leadership for r in responses),
        "culture": describe(r.culture for r in responses),
        "mirror_self": describe(r.mirror_self for r in responses),
        "mirror_estimate": describe(r.mirror_estimate for r in responses),
        "mirror_customer": describe(c.mirror_customer for c in customers),
    }


# ---------------------------------------------------------------------------------------------


def _reject_unknown_keys(instrument: Instrument, answers: Mapping[str, Answer], *, customer: bool) -> None:
    if customer:
        known = set(instrument.customer_answer_keys())
        if instrument.mirror.comment is not None:
            known.add(instrument.mirror.comment.key)
    else:
        known = set(instrument.employee_answer_keys())
    unknown = sorted(key for key in answers if key not in known)
    if unknown:
        who = "customer" if customer else "employee"
        raise ValueError(
            f"unknown {who} answer key(s) for instrument v{instrument.version}: {', '.join(unknown)}"
        )


def _scale_value(scale: Scale, key: str, raw: Answer) -> float | None:
    """The numeric answer, or None for "don't know"; ValueError for anything else."""
    if raw == DONT_KNOW:
        if not scale.allows_dont_know:
            raise ValueError(f"{key}: 'don't know' is not allowed on scale {scale.key!r}")
        return None
    value: int | None = None
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        value = int(raw.strip())
    if value is None or value not in scale.values:
        extra = f" or {DONT_KNOW!r}" if scale.allows_dont_know else ""
        raise ValueError(f"{key}: invalid answer {raw!r} (expected {scale.min}..{scale.max}{extra})")
    return float(value)


def _index(scale: Scale, values: Sequence[float | None]) -> float | None:
    answered = [v for v in values if v is not None]
    # At least half of the items (rounded up) must be answered, or the index is not given.
    if not answered or len(answered) < math.ceil(len(values) * MIN_ANSWERED_SHARE):
        return None
    return scale.to_index(math.fsum(answered) / len(answered))


def _likert_index(instrument: Instrument, section: str, answers: Mapping[str, Answer]) -> float | None:
    scale = (instrument.leadership if section == "leadership" else instrument.culture).scale
    return _index(scale, item_values(instrument, section, answers))


def _mirror_index(instrument: Instrument, form: MirrorForm, answers: Mapping[str, Answer]) -> float | None:
    return _index(instrument.mirror.scale, item_values(instrument, form, answers))
