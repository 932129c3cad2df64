"""Round results, from the round's published aggregates, turned into the pure core's inputs.

Every figure comes from the round's tally (``results.tally``: counts and sums maintained when
the responses were released); neither the number of queries nor their cost depends on the
number of responses (tested, and measured in bench/). Disclosure is decided here, once, so the page, the exports and the PDF
all show exactly the same figures:

- a round's results exist only once it is published (closed): before that there are no
  responses to aggregate (they are sealed in the ballot box) and ``round_results`` refuses;
- every figure counts only the answers it rests on ("weet ik niet" excluded) and is hidden
  below the round's minimum, with complementary suppression where a hidden value could be
  derived (``disclose_*`` below);
- ``check_disclosure`` walks the finished result and refuses to hand out any figure that
  rests on fewer than the minimum: a bug elsewhere fails loudly instead of leaking.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace

import sqlalchemy as sa

from ..core import DIMENSIONS as PROFILE_DIMENSIONS
from ..core import DEFAULT, DONT_KNOW, MIN_ALPHA_RESPONDENTS, MIN_ANSWERED_SHARE, DimensionStats, GroupProfile, PhaseThresholds, Placement, place, profile_gaps, suppress  # noqa: F401
from ..core.display import MARK_DIGITS, shown_difference
from ..core.profile import MIN_GAP_MARKS
from ..extensions import db
from ..instrument import Instrument, load_instrument
from ..rounds import ballots
from ..rounds.models import Ballot, CustomerResponse, Invitation, Response, Round
from . import segment_tally
from . import tally

log = logging.getLogger(__name__)


#: The dimensions stored on each employee response (the customers' rating is on customer responses).
EMPLOYEE_DIMENSIONS = tuple(d for d in PROFILE_DIMENSIONS if d != "mirror_customer")
#: The scores shown per department.
DEPARTMENT_DIMENSIONS = ("skills", "leadership", "culture", "mirror_self")


class ResultsNotPublished(Exception):
    """The round is not closed yet: its results are published once, at close."""


class UnknownGroup(LookupError):
    """Not a group of the round that may be shown (never published, or hidden)."""


class DisclosureError(RuntimeError):
    """A figure resting on fewer than the round's minimum was about to be shown."""


def thresholds_for(round_: Round) -> PhaseThresholds:
    """The phase rule with the round's own minimum (not a hard-coded 5)."""
    return replace(DEFAULT, min_responses=round_.min_group_size)


def disclose_stats(stats: DimensionStats | None, min_size: int) -> DimensionStats | None:
    return stats if stats is not None and stats.n >= min_size else None


@dataclass(frozen=True)
class ItemStat:
    key: str
    n: int
    mean: float | None  # on the item's own scale (1–5, or 1–10 for the mirror)
    dont_know: int = 0
    #: Agreement statements: (disagree, neutral, agree) with the statement as it was asked.
    distribution: tuple[int, int, int] | None = None

    def disclosed(self, min_size: int) -> ItemStat:
        """The mean and distribution only when they rest on at least ``min_size`` answers."""
        return self if self.n >= min_size else ItemStat(self.key, self.n, None, self.dont_know)


@dataclass(frozen=True)
class MirrorItemResult:
    key: str
    self_: ItemStat
    estimate: ItemStat
    customer: ItemStat | None
    gap: float | None  # self minus customer, in report marks
    is_gap_meaningful: bool


@dataclass(frozen=True)
class QuizQuestionResult:
    key: str
    counts: dict[str, int | None]  # option key -> number of respondents (None: hidden)
    weakest_common: str | None  # the most chosen option among those scoring 1 point


@dataclass(frozen=True)
class DepartmentResult:
    #: None for the responses without a (large enough) department.
    name: str | None
    n: int
    is_visible: bool
    why_hidden: str | None
    means: dict[str, float | None] = field(default_factory=dict)
    #: How many answers each shown mean rests on (for the disclosure check, not for display).
    cell_n: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Reliability:
    section: str
    k: int
    n: int
    #: All respondents who answered at least half the scale, "weet ik niet" filled in with their own mean.
    alpha: float | None
    #: The respondents who answered every statement, and alpha on them alone (nothing filled in).
    complete_n: int = 0
    complete_alpha: float | None = None
    #: The average standard deviation of the statements, in scale points: how far answers spread.
    spread: float | None = None


@dataclass(frozen=True)
class RoundResults:
    round_id: int
    instrument: Instrument
    n_responses: int
    n_invited: int
    n_customers: int
    #: Of the customer responses, how many came through a personal (single-use) link.
    n_customers_personal: int
    min_size: int
    min_comment_size: int
    #: The customer mirror's own minimum (at least ``min_size``).
    min_customer_size: int
    profile: GroupProfile
    placement: Placement | None
    bands: dict[str, int]
    quiz: list[QuizQuestionResult]
    likert: dict[str, list[ItemStat]]
    mirror: list[MirrorItemResult]
    departments: list[DepartmentResult]
    comments: list[str] | None
    reliability: list[Reliability]
    #: The customers' comments were removed with the raw answers at the end of the retention period.
    comments_removed: bool = False
    #: What employees would change (the open question): from ``employee_comment_minimum``
    #: responses on, after publication, in a fixed random order; None below it, and once the
    #: raw answers were removed (``comments_removed`` then says so for both).
    employee_comments: list[str] | None = None
    #: A segment group's results (``round_results(round_, group)``): its key and its names as
    #: published ([[segment, value], ...]; a department's segment is "").
    group: str | None = None
    group_label: list | None = None
    #: Every shown segment group of the round: key -> (names, size) (``results.segment_tally``).
    family: dict[str, tuple[list, int]] = field(default_factory=dict)
    #: False for a group whose customers are not counted apart (customers are split by service
    #: only: a location, a role, a department, two combined): its customer figures do not exist.
    has_customer_figures: bool = True

    @property
    def is_shown(self) -> bool:
        """Nothing is shown below the minimum: not even the phase."""
        return self.n_responses >= self.min_size

    @property
    def has_customers(self) -> bool:
        return self.n_customers >= self.min_customer_size

    @property
    def are_comments_shown(self) -> bool:
        return self.comments is not None

    @property
    def employee_comment_minimum(self) -> int:
        """The responses needed before employees' comments are shown: the round's comment
        minimum (never below its minimum group size)."""
        return max(self.min_comment_size, self.min_size)


def stats_from_sums(n, total, squares) -> DimensionStats | None:
    return DimensionStats.from_sums(int(n), float(total), float(squares)) if n else None


Tallies = dict[int, dict[tuple[str, str], tuple[int, float, float]]]


def tallies(rounds: list[Round]) -> Tallies:
    """The published aggregates of these rounds (``results.tally``), in one query. Rounds that
    are not published have none; a round published before tallies existed is computed from its
    answers until ``flask rebuild-tallies`` stores its tally."""
    published = [r for r in rounds if r.is_published]
    found = tally.stored(r.id for r in published)
    for r in published:
        if r.id not in found:
            log.warning("round %s has no tally: computed from its answers (run flask rebuild-tallies)", r.id)
            found[r.id] = tally.computed_from_answers(r)
    return found


def tally_row(t: dict, group: str, key: str) -> tuple[int, float, float]:
    return t.get((group, key), (0, 0.0, 0.0))


def dimension_stats(t: Tallies) -> dict[int, tuple[int, dict[str, DimensionStats | None]]]:
    """Per published round: the number of responses and each employee dimension's stats."""
    return {
        round_id: (tally_row(rows, tally.ROUND, "responses")[0],
                   {d: stats_from_sums(*tally_row(rows, tally.ROUND, "score:" + d)) for d in EMPLOYEE_DIMENSIONS})
        for round_id, rows in t.items()
    }


def customer_stats(rounds: list[Round], t: Tallies) -> dict[int, tuple[int, DimensionStats | None]]:
    """Per round: the number of customer responses and (once published) the customers' rating.
    While a round is open only the count is known (one grouped query for those rounds)."""
    result = {
        round_id: (tally_row(rows, tally.CUSTOMERS, "responses")[0],
                   stats_from_sums(*tally_row(rows, tally.CUSTOMERS, "score:" + tally.CUSTOMER_SCORE)))
        for round_id, rows in t.items()
    }
    open_ids = [r.id for r in rounds if r.id not in t]
    for round_id, n in ballots.count(open_ids, ballots.CUSTOMER).items():
        result[round_id] = (n, None)  # waiting in the ballot box: counted, never read
    return result


def department_rows(t: Tallies) -> dict[int, list]:
    """Per round: (department, responses, mean and count per department dimension)."""
    by_round: dict[int, list] = defaultdict(list)
    for round_id, rows in t.items():
        groups = sorted({g for g, _ in rows if g == tally.NO_DEPARTMENT or g.startswith("d:")})
        for g in groups:
            scores = [tally_row(rows, g, "score:" + d) for d in DEPARTMENT_DIMENSIONS]
            by_round[round_id].append([
                None if g == tally.NO_DEPARTMENT else g[2:], tally_row(rows, g, "responses")[0],
                *[(total / n if n else None) for n, total, _ in scores], *[n for n, _, _ in scores],
            ])
    return by_round


def answer_rows(rows: dict, group: str = tally.ROUND) -> list[tuple[str, str | None, int | None, int]]:
    """(item, chosen option, value, how many) for every answer given, as stored."""
    return [(*tally.parse_answer_key(key), n) for (g, key), (n, _, _) in rows.items()
            if g == group and key.startswith("answer:")]


def item_sums(rows: dict) -> dict[str, DimensionStats]:
    """Per agreement or mirror item: the stats of its values ("weet ik niet" excluded)."""
    sums: dict[str, list] = defaultdict(lambda: [0, 0, 0])
    for item, choice, value, n in answer_rows(rows):
        if choice is None and value is not None:
            acc = sums[item]
            acc[0] += n
            acc[1] += value * n
            acc[2] += value * value * n
    return {item: DimensionStats.from_sums(n, float(total), float(squares)) for item, (n, total, squares) in sums.items() if n}


def _item_stats(rows, instrument: Instrument, min_size: int) -> tuple[dict[str, ItemStat], dict[str, dict[str, int]]]:
    quiz_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counted: dict[str, list] = defaultdict(lambda: [0, 0, 0.0, defaultdict(int)])  # all, valued, sum, per value
    for key, choice, value, count in rows:
        if choice is not None:
            quiz_counts[key][choice] += count
            continue
        acc = counted[key]
        acc[0] += count
        if value is not None:
            acc[1] += count
            acc[2] += value * count
            acc[3][value] += count
    scales = {i.key: (s.scale, i.reverse) for s in instrument.likert_sections for i in s.items}
    per_item = {}
    for key, (count, valued, total, values) in counted.items():
        distribution = None
        if key in scales:
            scale, reverse = scales[key]
            middle = (scale.min + scale.max) / 2
            low = sum(c for v, c in values.items() if v < middle)
            high = sum(c for v, c in values.items() if v > middle)
            # As asked: for a reverse-keyed statement "agree" is the weak answer; the mean is turned.
            distribution = (low, valued - low - high, high)
        per_item[key] = ItemStat(key, valued, total / valued if valued else None, count - valued,
                                 distribution).disclosed(min_size)
    return per_item, quiz_counts


def _customer_items(rows: dict, min_size: int) -> dict[str, ItemStat]:
    counted: dict[str, list] = defaultdict(lambda: [0, 0, 0])  # all, valued, sum
    for item, _choice, value, n in answer_rows(rows, tally.CUSTOMERS):
        acc = counted[item]
        acc[0] += n
        if value is not None:
            acc[1] += n
            acc[2] += value * n
    return {key: ItemStat(key, valued, (total / valued) if valued else None, count - valued).disclosed(min_size)
            for key, (count, valued, total) in counted.items()}


def _reliability(rows: dict, instrument: Instrument) -> list[Reliability]:
    """Cronbach's alpha per agreement scale from the tally's sums, with exactly the pure
    function's rules (``core.cronbach_alpha`` with ``MIN_ANSWERED_SHARE``): respondents who
    answered at least half the scale count, a "weet ik niet" is replaced by the respondent's
    own mean on the scale, reverse-keyed items are flipped. The tally keeps each respondent's
    mean m and each item's value (or m) multiplied by one constant, which alpha, a ratio of
    variances, does not notice; the total is k · m, so its variance is k² · var(m)."""
    results = []
    factors = {scale.section: scale.factor for scale in tally.Scale.of(instrument)}
    for section in instrument.likert_sections:
        k = len(section.items)
        group = tally.alpha_group(section.key)
        n_counted = tally_row(rows, group, "respondents")[0]
        alpha = None
        if n_counted >= max(2, MIN_ALPHA_RESPONDENTS) and k > 1:
            _, total, squares = tally_row(rows, group, "mean")
            total_var = k * k * DimensionStats.from_sums(n_counted, total, squares).sd ** 2
            item_var = sum(DimensionStats.from_sums(n_counted, *tally_row(rows, group, f"item:{i}")[1:]).sd ** 2
                           for i in range(k))
            alpha = k / (k - 1) * (1 - item_var / total_var) if total_var > 1e-12 else None
        spread = None
        if n_counted >= 2 and k:
            factor = factors[section.key]  # the tally keeps each value times it
            spread = sum(DimensionStats.from_sums(n_counted, *tally_row(rows, group, f"item:{i}")[1:]).sd
                         for i in range(k)) / k / factor
        complete = tally.complete_group(section.key)
        n_complete = tally_row(rows, complete, "respondents")[0]
        complete_alpha = None
        if n_complete >= max(2, MIN_ALPHA_RESPONDENTS) and k > 1:
            total_var = DimensionStats.from_sums(n_complete, *tally_row(rows, complete, "total")[1:]).sd ** 2
            item_var = sum(DimensionStats.from_sums(n_complete, *tally_row(rows, complete, f"item:{i}")[1:]).sd ** 2
                           for i in range(k))
            complete_alpha = k / (k - 1) * (1 - item_var / total_var) if total_var > 1e-12 else None
        results.append(Reliability(section=section.key, k=k, n=n_counted, alpha=alpha, complete_n=n_complete,
                                   complete_alpha=complete_alpha, spread=spread))
    return results


def shown_cultures(departments: list[DepartmentResult]) -> dict[str, float]:
    """The culture score of every shown department, for the phase rule's consistency check.
    Without a named department shown, the one group is the organisation itself: there is no
    department to check (the "other" group counts beside named departments, never alone)."""
    if not any(d.is_visible and d.name is not None for d in departments):
        return {}
    return {d.name or "": d.means["culture"] for d in departments if d.is_visible and d.means.get("culture") is not None}


#: The key of the responses stored without a department name (none, or a small one), chosen so
#: that no department's name can collide with it.
OTHERS = "\x00others"


def departments_of(min_size: int, n_total: int, dims: dict[str, DimensionStats | None],
                   rows: list, also_hidden: frozenset[str] = frozenset()) -> list[DepartmentResult]:
    """Departments, and within a shown department each score, with complementary suppression:
    first on the number of responses per department, then per score on the number of answers
    it rests on (a department where most answered "weet ik niet" hides that score).

    Responses carry a department name only for departments that reached the minimum when the
    round was published (``results.publication.release_ballots``); the rest are one group, shown as
    "other" (``name`` None)."""
    k = len(DEPARTMENT_DIMENSIONS)
    parsed = sorted((((name if name is not None else OTHERS), n, rest[:k], rest[k:]) for name, n, *rest in rows),
                    key=lambda row: (row[0] == OTHERS, row[0]))
    # Departments are one attribute among the segments: one the segment rule hid (beside a
    # location or role it would reveal) is hidden here too, so the table and the filters agree.
    decision = suppress({key: n for key, n, _, _ in parsed}, min_size, total=n_total,
                        also_hidden=frozenset(OTHERS if k is None else k for k in also_hidden))
    cells = {
        d: suppress({key: counts[i] for key, _, _, counts in parsed}, min_size,
                    total=dims[d].n if dims.get(d) else None, also_hidden=decision.hidden)
        for i, d in enumerate(DEPARTMENT_DIMENSIONS)
    }
    result = []
    for key, n, means, counts in parsed:
        visible = decision.is_visible(key)
        shown = {d: visible and cells[d].is_visible(key) for d in DEPARTMENT_DIMENSIONS}
        result.append(DepartmentResult(
            name=None if key == OTHERS else key, n=n if visible else 0, is_visible=visible,
            why_hidden=decision.why.get(key),
            means={d: (means[i] if shown[d] else None) for i, d in enumerate(DEPARTMENT_DIMENSIONS)} if visible else {},
            cell_n={d: counts[i] for i, d in enumerate(DEPARTMENT_DIMENSIONS) if shown[d]},
        ))
    return result


@dataclass(frozen=True)
class Headline:
    """What places a round in its phase, disclosed: the responses, the profile, the departments
    as shown and the placement. Computed here only, for the results (page, PDF, exports, deck),
    the progress between rounds, the portfolio and the benchmark alike, so that every surface
    shows the same phase for the same round."""

    n: int
    n_customers: int
    profile: GroupProfile
    departments: list[DepartmentResult]
    placement: Placement | None


def headline(round_: Round, rows: dict, family: dict) -> Headline:
    """A published round's headline from its tally ``rows`` and its shown segment groups
    (``family``: a department the segment rule hid is hidden in the table and in the rule's
    consistency check alike). No query: many rounds are read at once by the caller."""
    min_size = round_.min_group_size
    min_customers = max(round_.min_customer_group_size, min_size)
    t = {round_.id: rows}
    n, raw_dims = dimension_stats(t)[round_.id]
    dims = {d: disclose_stats(stats, min_size) for d, stats in raw_dims.items()}
    n_customers, customer = customer_stats([round_], t)[round_.id]
    profile = GroupProfile(
        skills=dims["skills"], leadership=dims["leadership"], culture=dims["culture"],
        mirror_self=dims["mirror_self"], mirror_estimate=dims["mirror_estimate"],
        mirror_customer=disclose_stats(customer, min_customers) if n_customers >= min_customers else None,
    )
    table = department_rows(t).get(round_.id, [])
    departments = departments_of(min_size, n, dims, table, segment_tally.hidden_departments(family, table))
    placement = place(profile, thresholds_for(round_), shown_cultures(departments)) if n >= min_size else None
    return Headline(n, n_customers, profile, departments, placement)


def round_results(round_: Round, group: str | None = None, *, family: dict | None = None,
                  preloaded: dict | None = None, with_comments: bool = True,
                  services: frozenset[int] | None = None) -> RoundResults:
    """The round's results from its published tally (a fixed number of small queries,
    whatever the number of responses), with every disclosure decision made.

    With ``group`` (a shown segment group, e.g. "s12" or "d3+s12"): the same results for that
    group alone, from its own published aggregates (``results.segment_tally``); for a service, beside
    its own customers. ``family``, ``preloaded`` and ``services`` (``segment_tally.service_values``)
    spare the queries when many groups are read."""
    if not round_.is_published:
        raise ResultsNotPublished(round_.id)
    instrument = load_instrument(round_.instrument_version)
    min_size = round_.min_group_size
    min_customers = max(round_.min_customer_group_size, min_size)
    if family is None:
        family = segment_tally.shown_groups(round_.id)
    if group is not None and group not in family:
        raise UnknownGroup(group)
    t = (tallies([round_]) if group is None
         else {round_.id: segment_tally.view_rows(round_.id, group, family, preloaded)})
    rows = t[round_.id]
    head = headline(round_, rows, family)
    n, n_customers, profile = head.n, head.n_customers, head.profile
    n_customers_personal = tally_row(rows, tally.CUSTOMERS, "personal")[0]
    n_invited = tally_row(rows, tally.ROUND, "invited")[0]
    bands = {key[5:]: count for (g, key), (count, _, _) in rows.items() if g == tally.ROUND and key.startswith("band:")}

    per_item, quiz_counts = _item_stats(answer_rows(rows), instrument, min_size)
    customer_items = _customer_items(rows, min_customers)

    quiz = []
    for question in instrument.quiz.questions:
        counts = {o.key: quiz_counts[question.key].get(o.key, 0) for o in question.options}
        if sum(counts.values()) < min_size:
            quiz.append(QuizQuestionResult(question.key, {o.key: None for o in question.options}, None))
            continue
        lowest = min(o.score for o in question.options)
        weak = max((o.key for o in question.options if o.score == lowest), key=lambda k: counts[k])
        quiz.append(QuizQuestionResult(question.key, counts, weak if counts[weak] else None))

    likert = {
        section.key: sorted(
            (per_item.get(item.key, ItemStat(item.key, 0, None)) for item in section.items),
            key=lambda s: -1 if s.mean is None else oriented_mean(s, instrument), reverse=True,
        )
        for section in instrument.likert_sections
    }

    mirror = []
    for item in instrument.mirror.items:
        own = per_item.get(item.answer_key("self"), ItemStat(item.answer_key("self"), 0, None))
        est = per_item.get(item.answer_key("estimate"), ItemStat(item.answer_key("estimate"), 0, None))
        cust = customer_items.get(item.answer_key("customer")) if n_customers >= min_customers else None
        # From the marks as shown (one decimal), so the column adds up for the reader.
        gap = (shown_difference(own.mean, cust.mean, MARK_DIGITS)
               if (cust and cust.mean is not None and own.mean is not None) else None)
        mirror.append(MirrorItemResult(item.key, own, est, cust, gap, gap is not None and abs(gap) >= MIN_GAP_MARKS))

    comments = None
    if (group is None and n_customers >= max(round_.min_comment_group_size, min_customers)
            and round_.answers_purged_at is None):
        comments = list(db.session.scalars(
            sa.select(CustomerResponse.comment).where(
                CustomerResponse.round_id == round_.id, CustomerResponse.comment.is_not(None)
            ).order_by(CustomerResponse.id)  # ids are random: a fixed random order, not arrival
        ))

    employee_comments = None
    if group is not None and n >= max(round_.min_comment_group_size, min_size) and round_.answers_purged_at is None:
        # Where the rule shows them (not read for an overview, which shows no comments).
        employee_comments = segment_tally.group_comments(round_.id, group) if with_comments else None
    elif n >= max(round_.min_comment_group_size, min_size) and round_.answers_purged_at is None:
        employee_comments = list(db.session.scalars(
            sa.select(Response.comment).where(Response.round_id == round_.id, Response.comment.is_not(None))
            .order_by(Response.id)  # ids are random: a fixed random order, not the order of submission
        ))

    departments = head.departments
    has_customer_figures = group is None or segment_tally.has_customers(round_.organisation_id, group, family, services)
    results = RoundResults(
        round_id=round_.id, instrument=instrument, n_responses=n, n_invited=n_invited, n_customers=n_customers,
        n_customers_personal=n_customers_personal, min_size=min_size, min_comment_size=round_.min_comment_group_size,
        min_customer_size=min_customers, profile=profile,
        placement=head.placement,
        bands=bands if n >= min_size else {}, quiz=quiz, likert=likert,
        mirror=mirror, departments=departments, comments=comments,
        reliability=[replace(r, alpha=r.alpha if r.n >= min_size else None, spread=r.spread if r.n >= min_size else None,
                             complete_alpha=r.complete_alpha if r.complete_n >= min_size else None)
                     for r in _reliability(rows, instrument)],
        comments_removed=round_.answers_purged_at is not None, employee_comments=employee_comments,
        group=group, group_label=family[group][0] if group else None,
        family=family, has_customer_figures=has_customer_figures,
    )
    check_disclosure(results)
    return results


def check_disclosure(r: RoundResults) -> None:
    """The invariant, checked on every result before anyone sees it: no shown figure rests on
    fewer than the round's minimum (comments: the comment minimum, of customers for theirs and
    of employee responses for what employees would change)."""
    problems = [*_headline_problems(r), *_item_problems(r), *_department_problems(r), *_reliability_problems(r),
                *_comment_problems(r), *_segment_problems(r)]
    if problems:
        raise DisclosureError("; ".join(problems))


def _too_few(n: int, what: str, minimum: int) -> list[str]:
    return [f"{what} rests on {n}"] if n < minimum else []


def _headline_problems(r: RoundResults) -> list[str]:
    """The phase, the bands and the profile's dimensions; the customers' rating on customers."""
    out = _too_few(r.n_responses, "phase or bands", r.min_size) if r.placement is not None or r.bands else []
    for d in ("skills", "leadership", "culture", "mirror_self", "mirror_estimate", "mirror_customer"):
        stats = r.profile.get(d)
        if stats is not None:
            out += _too_few(stats.n, d, r.min_size)
    if r.profile.mirror_customer is not None:
        out += _too_few(r.n_customers, "customer mirror", r.min_customer_size)
        out += _too_few(r.profile.mirror_customer.n, "mirror_customer", r.min_customer_size)
    return out


def _item_problems(r: RoundResults) -> list[str]:
    """Each statement, mirror topic (a gap only with both sides) and quiz question."""
    out = []
    employees = [s for items in r.likert.values() for s in items] + [
        s for m in r.mirror for s in (m.self_, m.estimate) if s is not None]
    for stat in employees:
        if stat.mean is not None or stat.distribution is not None:
            out += _too_few(stat.n, stat.key, r.min_size)
    for stat in [m.customer for m in r.mirror if m.customer is not None]:
        if stat.mean is not None or stat.distribution is not None:
            out += _too_few(stat.n, stat.key, r.min_customer_size)
    out += [f"gap of {m.key} without both sides" for m in r.mirror
            if m.gap is not None and (m.self_.mean is None or m.customer is None or m.customer.mean is None)]
    for q in r.quiz:
        if any(c is not None for c in q.counts.values()):
            out += _too_few(sum(c or 0 for c in q.counts.values()), q.key, r.min_size)
    return out


def _department_problems(r: RoundResults) -> list[str]:
    """Each shown department and cell, and what the shown ones leave of the total by subtraction
    (it must be 0 or enough)."""
    out = []
    for dept in r.departments:
        if dept.is_visible:
            out += _too_few(dept.n, str(dept.name), r.min_size)
        for d, mean in dept.means.items():
            if mean is not None:
                out += _too_few(dept.cell_n.get(d, 0), f"{dept.name}/{d}", r.min_size)
    shown_departments = [dept for dept in r.departments if dept.is_visible]
    if shown_departments:
        rest = r.n_responses - sum(dept.n for dept in shown_departments)
        if 0 < rest < r.min_size:
            out.append(f"departments leave {rest} by subtraction")
    for d in DEPARTMENT_DIMENSIONS:
        stats, cells = r.profile.get(d), [dept.cell_n[d] for dept in r.departments if d in dept.cell_n]
        if cells and stats is not None and 0 < stats.n - sum(cells) < r.min_size:
            out.append(f"department {d} scores leave {stats.n - sum(cells)} by subtraction")
    return out


def _reliability_problems(r: RoundResults) -> list[str]:
    out = []
    for rel in r.reliability:
        if rel.alpha is not None or rel.spread is not None:
            out += _too_few(rel.n, f"alpha {rel.section}", r.min_size)
        if rel.complete_alpha is not None:
            out += _too_few(rel.complete_n, f"complete alpha {rel.section}", r.min_size)
    return out


def _comment_problems(r: RoundResults) -> list[str]:
    out = []
    if r.comments is not None:
        out += _too_few(r.n_customers, "comments", max(r.min_comment_size, r.min_customer_size))
    if r.employee_comments is not None:
        out += _too_few(r.n_responses, "employee comments", r.employee_comment_minimum)
    return out


def _segment_problems(r: RoundResults) -> list[str]:
    """The segment groups beside each other (and beside the round): the segment rule, verified
    on what is shown; a filtered result must be one of them."""
    out = list(segment_tally.problems(r.family, r.min_size, r.min_customer_size))
    if r.group is not None and r.group not in r.family:
        out.append(f"group {r.group} is not shown")
    return out


def oriented_mean(stat: ItemStat, instrument: Instrument) -> float | None:
    """The item's mean in the customer-oriented direction (``Instrument.oriented``)."""
    return None if stat.mean is None else instrument.oriented(stat.key, stat.mean)


def live_counts(round_: Round) -> dict[str, int]:
    """Just the overall counts, for the page's periodic refresh while a round is open. The
    number of responses counts submissions (the ballots too), never anything in them."""
    responses, invited, customers = db.session.execute(sa.select(
        sa.select(sa.func.count()).where(Invitation.round_id == round_.id,
                                         Invitation.submitted_at.is_not(None)).scalar_subquery(),
        sa.select(sa.func.count()).where(Invitation.round_id == round_.id).scalar_subquery(),
        sa.select(sa.func.count()).where(Ballot.round_id == round_.id, Ballot.kind == ballots.CUSTOMER).scalar_subquery(),
    )).one()
    return {"responses": responses, "invited": invited, "customers": customers}
