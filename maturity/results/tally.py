"""A round's published aggregates: maintained at release, read by every results surface.

When a round closes, its ballots are opened and released as responses in one transaction
(``publication.release_ballots``). In that same transaction ``TallyBuilder`` adds every
released response (and every customer response) to running aggregates, which are stored as
``RoundTally`` rows: per group (the round, a department, the customers, a scale) and key, a
count, a sum and a sum of squares. The results page, the exports, the PDF, progress and the
portfolio read these rows and nothing else, so their cost does not depend on the number of
responses.

Every stored value is exact, so that the maintained aggregates and a recomputation from the
raw answers (``computed_from_answers``, in SQL) can be compared for equality, not closeness:

- counts and sums of answers are whole numbers;
- sums of scores (0..100 indices, floats) are correctly rounded sums (``math.fsum``), which
  do not depend on the order of the values;
- what Cronbach's alpha needs is kept in whole numbers: a respondent's mean over the c items
  they answered is t / c, kept as t · (L / c) with L = lcm(1..k), which alpha does not notice
  (it is a ratio of variances, and every value is multiplied by the same L).

``flask rebuild-tallies`` recomputes them from the raw answers (after a rescore, or for rounds
published before tallies existed); a round whose answers are gone keeps its tallies.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from ..core import DONT_KNOW, MIN_ANSWERED_SHARE
from ..extensions import db
from ..instrument import Instrument, load_instrument
from ..rounds.models import CustomerAnswer, CustomerResponse, Invitation, Response, ResponseAnswer, Round, RoundStatus, RoundTally

log = logging.getLogger(__name__)

#: The scores stored on each employee response, and the customers' one.
EMPLOYEE_SCORES = ("skills", "leadership", "culture", "mirror_self", "mirror_estimate")
CUSTOMER_SCORE = "mirror_customer"

ROUND, CUSTOMERS, NO_DEPARTMENT = "", "c", "d"

Key = tuple[str, str]  # (group, key)


def department_group(name: str | None) -> str:
    return NO_DEPARTMENT if name is None else "d:" + name


def alpha_group(section: str) -> str:
    return "a:" + section


def complete_group(section: str) -> str:
    """Alpha on complete answers only: the respondents who answered every statement of the scale."""
    return "ac:" + section


def answer_key(item: str, choice: str | None, value: int | None) -> str:
    return f"answer:{item}:{choice or ''}:{'' if value is None else value}"


def parse_answer_key(key: str) -> tuple[str, str | None, int | None]:
    _, item, choice, value = key.split(":")
    return item, choice or None, None if value == "" else int(value)


@dataclass(frozen=True)
class Scale:
    """What alpha needs to know about one agreement scale."""

    section: str
    keys: tuple[str, ...]
    reverse: frozenset[str]
    top: int  # max + min: a reverse-keyed answer v counts as top - v
    factor: int  # L = lcm(1..k)
    needed: int  # answers needed to count a respondent

    @classmethod
    def of(cls, instrument: Instrument) -> list[Scale]:
        scales = []
        for section in instrument.likert_sections:
            keys = tuple(item.key for item in section.items)
            scales.append(cls(section.key, keys, frozenset(i.key for i in section.items if i.reverse),
                              section.scale.max + section.scale.min, math.lcm(*range(1, len(keys) + 1)),
                              max(1, math.ceil(len(keys) * MIN_ANSWERED_SHARE))))
        return scales


class TallyBuilder:
    """Running aggregates, fed one response at a time (at release, in the closing transaction)."""

    def __init__(self, instrument: Instrument) -> None:
        self.scales = Scale.of(instrument)
        self.counts: dict[Key, int] = defaultdict(int)
        self.sums: dict[Key, list[int]] = defaultdict(lambda: [0, 0])  # whole numbers: exact as they go
        self.scores: dict[Key, list[float]] = defaultdict(list)  # summed with fsum at the end
        for key in ((ROUND, "responses"), (ROUND, "invited"), (ROUND, "submitted"), (CUSTOMERS, "responses")):
            self.counts[key] += 0

    def employee(self, department: str | None, band: str, scores: Mapping[str, float | None],
                 answers: Mapping[str, tuple[str | None, int | None]]) -> None:
        """One released response: its (published) department, band, scores and answers as
        stored (item -> (chosen quiz option or None, value or None for "weet ik niet"))."""
        group = department_group(department)
        for g in (ROUND, group):
            self.counts[g, "responses"] += 1
        self.counts[ROUND, "band:" + band] += 1
        for name in EMPLOYEE_SCORES:
            value = scores.get(name)
            if value is not None:
                for g in (ROUND, group):
                    self.scores[g, "score:" + name].append(float(value))
        for item, (choice, value) in answers.items():
            self.counts[ROUND, answer_key(item, choice, value)] += 1
        for scale in self.scales:
            values = [answers.get(key, (None, None))[1] for key in scale.keys]
            oriented = [None if v is None else (scale.top - v if key in scale.reverse else v)
                        for key, v in zip(scale.keys, values)]
            answered = [v for v in oriented if v is not None]
            if len(answered) < scale.needed:
                continue
            mean = sum(answered) * (scale.factor // len(answered))  # the mean, times L: whole
            g = alpha_group(scale.section)
            self.counts[g, "respondents"] += 1
            self._add(g, "mean", mean)
            for i, v in enumerate(oriented):
                self._add(g, f"item:{i}", mean if v is None else v * scale.factor)
            if len(answered) == len(scale.keys):
                c = complete_group(scale.section)
                self.counts[c, "respondents"] += 1
                self._add(c, "total", sum(answered))
                for i, v in enumerate(answered):
                    self._add(c, f"item:{i}", v)

    def customer(self, source: str, score: float | None, answers: Mapping[str, int | None]) -> None:
        self.counts[CUSTOMERS, "responses"] += 1
        if source == "personal":
            self.counts[CUSTOMERS, "personal"] += 1
        if score is not None:
            self.scores[CUSTOMERS, "score:" + CUSTOMER_SCORE].append(float(score))
        for item, value in answers.items():
            self.counts[CUSTOMERS, answer_key(item, None, value)] += 1

    def invitations(self, invited: int, submitted: int) -> None:
        self.counts[ROUND, "invited"] = invited
        self.counts[ROUND, "submitted"] = submitted

    def _add(self, group: str, key: str, value: int) -> None:
        acc = self.sums[group, key]
        acc[0] += value
        acc[1] += value * value

    def rows(self) -> dict[Key, tuple[int, float, float]]:
        rows: dict[Key, tuple[int, float, float]] = {}
        for key, n in self.counts.items():
            rows[key] = (n, 0.0, 0.0)
        for (group, key), (total, squares) in self.sums.items():
            rows[group, key] = (self.counts[group, "respondents"], float(total), float(squares))
        for key, values in self.scores.items():
            rows[key] = (len(values), math.fsum(values), math.fsum(v * v for v in values))
        return rows


def maintained(round_: Round, builder: TallyBuilder) -> dict:
    """The tally of a round being published: ``builder`` has been fed every response released in
    this transaction; the customers and the invitation counts are added from the database (they
    are rows already)."""
    _add_customers(builder, round_.id)
    builder.invitations(*_invitation_counts(round_.id))
    return builder.rows()


def _invitation_counts(round_id: int) -> tuple[int, int]:
    invited, submitted = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(Invitation.submitted_at)).where(Invitation.round_id == round_id)).one()
    return int(invited), int(submitted)


def _add_customers(builder: TallyBuilder, round_id: int) -> None:
    answers: dict[str, dict[str, int | None]] = defaultdict(dict)
    for response_id, item, value in db.session.execute(
            sa.select(CustomerAnswer.customer_response_id, CustomerAnswer.item_key, CustomerAnswer.value)
            .join(CustomerResponse, CustomerResponse.id == CustomerAnswer.customer_response_id)
            .where(CustomerResponse.round_id == round_id)):
        answers[response_id][item] = value
    for response_id, source, score in db.session.execute(
            sa.select(CustomerResponse.id, CustomerResponse.source, CustomerResponse.mirror_customer)
            .where(CustomerResponse.round_id == round_id)):
        builder.customer(source, score, answers.get(response_id, {}))


def computed_from_answers(round_: Round) -> dict[Key, tuple[int, float, float]]:
    """The same aggregates recomputed from the stored responses and answers, in grouped SQL
    (independently of ``TallyBuilder``): what ``flask rebuild-tallies`` stores and what the
    equality test compares with."""
    instrument = load_instrument(round_.instrument_version)
    rows: dict[Key, tuple[int, float, float]] = {}
    rid = round_.id
    counts = {(ROUND, "responses"): 0, (CUSTOMERS, "responses"): 0}
    invited, submitted = _invitation_counts(rid)
    counts[ROUND, "invited"], counts[ROUND, "submitted"] = invited, submitted
    for band, n in db.session.execute(
            sa.select(Response.band, sa.func.count()).where(Response.round_id == rid).group_by(Response.band)):
        counts[ROUND, "band:" + band] = n
        counts[ROUND, "responses"] += n
    for department, n in db.session.execute(
            sa.select(Response.department, sa.func.count()).where(Response.round_id == rid).group_by(Response.department)):
        counts[department_group(department), "responses"] = n
    for item, choice, value, n in db.session.execute(
            sa.select(ResponseAnswer.item_key, ResponseAnswer.choice, ResponseAnswer.value, sa.func.count())
            .join(Response, Response.id == ResponseAnswer.response_id).where(Response.round_id == rid)
            .group_by(ResponseAnswer.item_key, ResponseAnswer.choice, ResponseAnswer.value)):
        counts[ROUND, answer_key(item, choice, value)] = n
    for source, n in db.session.execute(
            sa.select(CustomerResponse.source, sa.func.count()).where(CustomerResponse.round_id == rid)
            .group_by(CustomerResponse.source)):
        counts[CUSTOMERS, "responses"] += n
        if source == "personal":
            counts[CUSTOMERS, "personal"] = n
    for item, value, n in db.session.execute(
            sa.select(CustomerAnswer.item_key, CustomerAnswer.value, sa.func.count())
            .join(CustomerResponse, CustomerResponse.id == CustomerAnswer.customer_response_id)
            .where(CustomerResponse.round_id == rid).group_by(CustomerAnswer.item_key, CustomerAnswer.value)):
        counts[CUSTOMERS, answer_key(item, None, value)] = n
    rows.update({key: (n, 0.0, 0.0) for key, n in counts.items()})

    # Scores: a correctly rounded sum needs the values themselves (fsum), not SQL's sum.
    scores: dict[Key, list[float]] = defaultdict(list)
    columns = [getattr(Response, s) for s in EMPLOYEE_SCORES]
    for department, *values in db.session.execute(
            sa.select(Response.department, *columns).where(Response.round_id == rid)):
        for name, value in zip(EMPLOYEE_SCORES, values):
            if value is not None:
                scores[ROUND, "score:" + name].append(value)
                scores[department_group(department), "score:" + name].append(value)
    scores[CUSTOMERS, "score:" + CUSTOMER_SCORE] = [
        v for v in db.session.scalars(sa.select(CustomerResponse.mirror_customer).where(
            CustomerResponse.round_id == rid, CustomerResponse.mirror_customer.is_not(None)))]
    for key, values in scores.items():
        if values:
            rows[key] = (len(values), math.fsum(values), math.fsum(v * v for v in values))

    for scale in Scale.of(instrument):
        rows.update(_alpha_sums(rid, scale))
    return rows


def _alpha_sums(round_id: int, scale: Scale) -> dict[Key, tuple[int, float, float]]:
    """Per respondent (who answered enough of the scale): the mean times L, and each item's
    oriented value times L or, for "weet ik niet", the mean; summed with their squares."""
    v = sa.case((ResponseAnswer.item_key.in_(scale.reverse or {"-"}), scale.top - ResponseAnswer.value),
                else_=ResponseAnswer.value)
    per_respondent = (
        sa.select(
            sa.cast(sa.func.sum(v) * scale.factor, sa.BigInteger).label("t"), sa.func.count().label("c"),
            *[sa.func.sum(sa.case((ResponseAnswer.item_key == key, v))).label(f"i{n}") for n, key in enumerate(scale.keys)],
        )
        .join(Response, Response.id == ResponseAnswer.response_id)
        .where(Response.round_id == round_id, ResponseAnswer.item_key.in_(scale.keys), ResponseAnswer.value.is_not(None))
        .group_by(ResponseAnswer.response_id)
        .having(sa.func.count() >= scale.needed)
        .subquery()
    )
    mean = per_respondent.c.t / per_respondent.c.c  # whole: L is a multiple of every c <= k
    columns = [mean] + [sa.func.coalesce(sa.cast(per_respondent.c[f"i{n}"], sa.BigInteger) * scale.factor, mean)
                        for n in range(len(scale.keys))]
    select = [sa.func.count()]
    for column in columns:
        select += [sa.func.sum(column), sa.func.sum(column * column)]
    n, *sums = db.session.execute(sa.select(*select)).one()
    g = alpha_group(scale.section)
    rows = {(g, "respondents"): (int(n or 0), 0.0, 0.0)}
    if n:
        names = ["mean"] + [f"item:{i}" for i in range(len(scale.keys))]
        for i, name in enumerate(names):
            rows[g, name] = (int(n), float(sums[2 * i]), float(sums[2 * i + 1]))
    # Complete answers only: the respondents with a value for every statement of the scale.
    complete = (
        sa.select(
            sa.func.sum(v).label("total"),
            *[sa.func.sum(sa.case((ResponseAnswer.item_key == key, v))).label(f"i{n}") for n, key in enumerate(scale.keys)],
        )
        .join(Response, Response.id == ResponseAnswer.response_id)
        .where(Response.round_id == round_id, ResponseAnswer.item_key.in_(scale.keys), ResponseAnswer.value.is_not(None))
        .group_by(ResponseAnswer.response_id)
        .having(sa.func.count() == len(scale.keys))
        .subquery()
    )
    columns = [sa.cast(complete.c.total, sa.BigInteger)] + [sa.cast(complete.c[f"i{n}"], sa.BigInteger)
                                                             for n in range(len(scale.keys))]
    select = [sa.func.count()]
    for column in columns:
        select += [sa.func.sum(column), sa.func.sum(column * column)]
    n, *sums = db.session.execute(sa.select(*select)).one()
    if n:
        c = complete_group(scale.section)
        rows[c, "respondents"] = (int(n), 0.0, 0.0)
        for i, name in enumerate(["total"] + [f"item:{i}" for i in range(len(scale.keys))]):
            rows[c, name] = (int(n), float(sums[2 * i]), float(sums[2 * i + 1]))
    return rows


def store(round_id: int, rows: Mapping[Key, tuple[int, float, float]]) -> None:
    db.session.execute(sa.delete(RoundTally).where(RoundTally.round_id == round_id))
    db.session.execute(sa.insert(RoundTally), [
        {"round_id": round_id, "grp": group, "key": key, "n": n, "total": total, "squares": squares}
        for (group, key), (n, total, squares) in sorted(rows.items())
    ])


def stored(round_ids: Iterable[int]) -> dict[int, dict[Key, tuple[int, float, float]]]:
    """The stored tallies of these rounds, in one query."""
    result: dict[int, dict[Key, tuple[int, float, float]]] = defaultdict(dict)
    ids = list(round_ids)
    if ids:
        for round_id, group, key, n, total, squares in db.session.execute(
                sa.select(RoundTally.round_id, RoundTally.grp, RoundTally.key, RoundTally.n, RoundTally.total,
                          RoundTally.squares).where(RoundTally.round_id.in_(ids))):
            result[round_id][group, key] = (int(n), float(total), float(squares))
    return dict(result)


def publish(round_: Round, builder: TallyBuilder) -> None:
    """At release: store the maintained tally and mark the round's results as changed."""
    store(round_.id, maintained(round_, builder))
    round_.results_version = (round_.results_version or 0) + 1


@dataclass(frozen=True)
class RebuildReport:
    round_id: int
    changed: bool
    rows: int


def rebuild(round_: Round) -> RebuildReport:
    """Recompute a published round's tally from its answers; store it (and bump the results
    version) only when it differs from what is stored. A round whose answers the retention
    period removed keeps its tally as it is: there is nothing left to recompute it from."""
    if round_.answers_purged_at is not None:
        return RebuildReport(round_.id, False, len(stored([round_.id]).get(round_.id, {})))
    fresh = computed_from_answers(round_)
    current = stored([round_.id]).get(round_.id, {})
    changed = fresh != current
    if changed:
        store(round_.id, fresh)
        round_.results_version = (round_.results_version or 0) + 1
        if current:
            log.warning("tally of round %s rebuilt: it differed from the answers", round_.id)
        else:
            log.info("tally of round %s stored", round_.id)
    return RebuildReport(round_.id, changed, len(fresh))


def rebuild_all() -> list[RebuildReport]:
    rounds = db.session.scalars(sa.select(Round).where(Round.status == RoundStatus.CLOSED).order_by(Round.id))
    return [rebuild(r) for r in list(rounds)]


__all__ = ["DONT_KNOW", "TallyBuilder", "computed_from_answers", "maintained", "publish", "rebuild", "rebuild_all",
           "stored"]
