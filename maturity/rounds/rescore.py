"""Recompute the derived values stored with each response from its raw answers.

Responses store, next to their answers, the scores computed from them (quiz total, band and
the indices), so that results aggregate in SQL. After a change to the scoring (a fixed reverse
key, a changed band), ``flask rescore`` brings every stored value back in line with the raw
answers: idempotent (a second run changes nothing) and with a dry run that only reports.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..core import DONT_KNOW, score_customer_response, score_quiz, score_response
from ..extensions import db
from ..instrument import load_instrument
from .models import CustomerAnswer, CustomerResponse, Response, ResponseAnswer, Round

EMPLOYEE_FIELDS = ("quiz_total", "band", "skills", "leadership", "culture", "mirror_self", "mirror_estimate")
BATCH = 500


@dataclass
class RescoreReport:
    responses: int = 0
    customer_responses: int = 0
    #: How many stored values changed (or would change), per field.
    changed: Counter = field(default_factory=Counter)

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    return a == b


def _answer(choice: str | None, value: int | None) -> str:
    if choice is not None:
        return choice
    return DONT_KNOW if value is None else str(value)


def rescore(*, dry_run: bool = False) -> RescoreReport:
    """Rescore every published response, round by round, in batches (a bounded number of
    queries per batch, whatever the number of rounds)."""
    report = RescoreReport()
    for round_id, version in db.session.execute(sa.select(Round.id, Round.instrument_version).order_by(Round.id)):
        instrument = load_instrument(version)
        ids = list(db.session.scalars(sa.select(Response.id).where(Response.round_id == round_id).order_by(Response.id)))
        for start in range(0, len(ids), BATCH):
            _rescore_employees(instrument, ids[start:start + BATCH], report, dry_run)
        ids = list(db.session.scalars(
            sa.select(CustomerResponse.id).where(CustomerResponse.round_id == round_id).order_by(CustomerResponse.id)))
        for start in range(0, len(ids), BATCH):
            _rescore_customers(instrument, ids[start:start + BATCH], report, dry_run)
    return report


def _rescore_employees(instrument, ids: list[str], report: RescoreReport, dry_run: bool) -> None:
    answers: dict[str, dict[str, str]] = defaultdict(dict)
    for response_id, key, choice, value in db.session.execute(
        sa.select(ResponseAnswer.response_id, ResponseAnswer.item_key, ResponseAnswer.choice, ResponseAnswer.value)
        .where(ResponseAnswer.response_id.in_(ids))
    ):
        answers[response_id][key] = _answer(choice, value)
    for response in db.session.scalars(sa.select(Response).where(Response.id.in_(ids))):
        given = answers[response.id]
        scores = score_response(instrument, given)
        fresh = {"quiz_total": scores.quiz_total, "band": score_quiz(instrument, given).band_key,
                 "skills": scores.skills, "leadership": scores.leadership, "culture": scores.culture,
                 "mirror_self": scores.mirror_self, "mirror_estimate": scores.mirror_estimate}
        report.responses += 1
        for name, value in fresh.items():
            if not _same(getattr(response, name), value):
                report.changed[name] += 1
                if not dry_run:
                    setattr(response, name, value)


def _rescore_customers(instrument, ids: list[str], report: RescoreReport, dry_run: bool) -> None:
    answers: dict[str, dict[str, str]] = defaultdict(dict)
    for response_id, key, value in db.session.execute(
        sa.select(CustomerAnswer.customer_response_id, CustomerAnswer.item_key, CustomerAnswer.value)
        .where(CustomerAnswer.customer_response_id.in_(ids))
    ):
        answers[response_id][key] = _answer(None, value)
    for response in db.session.scalars(sa.select(CustomerResponse).where(CustomerResponse.id.in_(ids))):
        fresh = score_customer_response(instrument, answers[response.id]).mirror_customer
        report.customer_responses += 1
        if not _same(response.mirror_customer, fresh):
            report.changed["mirror_customer"] += 1
            if not dry_run:
                response.mirror_customer = fresh
