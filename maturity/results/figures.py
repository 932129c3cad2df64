"""One round's results as plain values, computed once and rendered by every surface.

``round_figures`` turns ``RoundResults`` (the aggregates, with every disclosure decision
already made) into what a reader sees: labels in the reader's language, every number rounded
and formatted once (``display.shown`` then ``i18n.number``), marks (weak/strong, marked gaps)
decided on those shown values, and chart geometry in pixels. The results page, the board
report (PDF), the CSV and the XLSX all render this object and nothing else, so a figure is
the same everywhere (tests/integration/test_one_truth.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from flask_babel import gettext as _

from ..core import DEFAULT, DIMENSIONS, MIN_ALPHA_RESPONDENTS, Phase, dimension_label, explain, explain_next, phase_gloss, phase_name, phase_stage
from ..core.display import INDEX_DIGITS, MARK_DIGITS, STRONG_STATEMENT, WEAK_STATEMENT, shown, shown_difference
from ..i18n import bound_gettext, customer_aware_gettext, customer_gettext, customer_ngettext, customer_text, number, signed
from .services import DEPARTMENT_DIMENSIONS, RoundResults, oriented_mean, shown_cultures

VIEW_CSS = {"mirror_self": "view-self", "mirror_estimate": "view-estimate", "mirror_customer": "view-customer"}
#: Cronbach's alpha below this is flagged.
ALPHA_LOW = 0.7
STATEMENT_DIGITS = 1
ALPHA_DIGITS = 2
#: Below this average standard deviation of a scale's statements (on 1..5) nearly everyone gave
#: the same answers: alpha has no variance to work with and is not read as inconsistency.
MIN_SPREAD = 0.5
SPREAD_DIGITS = 1

@dataclass(frozen=True)
class ChartFrame:
    """Where a chart's bars lie, in the SVG's units (pixels at full size): the chart's width,
    where every bar starts (the labels end left of it; the narrow charts put them above), the
    length of a full bar (the top of the scale) and the grid lines with the scale's numbers
    under them. Bars and the marks on them are lengths on this frame, computed here from the
    values as shown; ``templates/charts/_charts.html`` draws them and computes no position on
    the scale itself (the frames reach it as the template global ``chart_frames``)."""

    width: int
    start: int
    length: int
    #: (x, the scale's value written under the grid line there)
    ticks: tuple[tuple[float, str], ...] = ()

    def at(self, value: float, top: float) -> float:
        """Where ``value`` lies on a scale from 0 to ``top``, from the bar's start."""
        return round(self.length * value / top, 1)


def _frame(width: int, start: int, end_margin: int, scale: Sequence[int] = ()) -> ChartFrame:
    """A frame with grid lines at ``scale``'s values, from its first to its last."""
    length = width - start - end_margin
    low, high = (scale[0], scale[-1]) if scale else (0, 1)
    return ChartFrame(width, start, length, tuple((start + length * (v - low) / (high - low), str(v)) for v in scale))


#: The charts shared by the results page and the PDF; the narrow ones are the phone's.
CHART_FRAMES = {
    "dimensions": _frame(640, 285, 50, (0, 25, 50, 75, 100)),
    "dimensions_narrow": _frame(360, 0, 50),
    "mirror": _frame(640, 285, 40, range(1, 11)),
    "mirror_narrow": _frame(360, 0, 40),
    "bands": _frame(640, 0, 0),
}
DIMENSIONS_WIDE, DIMENSIONS_NARROW = CHART_FRAMES["dimensions"], CHART_FRAMES["dimensions_narrow"]
MIRROR_WIDE, MIRROR_NARROW = CHART_FRAMES["mirror"], CHART_FRAMES["mirror_narrow"]


@dataclass(frozen=True)
class Bar:
    """A bar's length in the wide and the narrow (phone) chart, from the value as shown."""

    wide: float
    narrow: float


def _bar(fraction: float | None, wide: ChartFrame, narrow: ChartFrame, minimum: float = 1.0) -> Bar | None:
    if fraction is None:
        return None
    fraction = min(max(fraction, 0.0), 1.0)
    return Bar(round(max(wide.length * fraction, minimum), 1), round(max(narrow.length * fraction, minimum), 1))


def _mark(value: float) -> Bar:
    """Where a value on the 0..100 scale lies on a dimension's row (a phase's bar, the other clients)."""
    return Bar(DIMENSIONS_WIDE.at(value, 100), DIMENSIONS_NARROW.at(value, 100))


@dataclass(frozen=True)
class BarMark:
    """A phase's bar drawn on a dimension's chart row: where it lies (wide and narrow chart)."""

    phase: str
    at: Bar


#: The mark for the consultancy's other clients on a dimension's chart row.
BENCHMARK_MARK = "benchmark"


def with_benchmark(dims, benchmark: Mapping) -> tuple:
    """The dimension rows with the other clients' average marked where there is one (whole
    points, as the progress table shows it); ``benchmark``: dimension -> Benchmark or None."""
    out = []
    for d in dims:
        found = benchmark.get(d.key)
        if found is None or d.value is None:
            out.append(d)
            continue
        value = shown(found.mean, 0)
        mark = BarMark(BENCHMARK_MARK, _mark(value))
        out.append(replace(d, marks=d.marks + (mark,)))
    return tuple(out)


@dataclass(frozen=True)
class DimensionRow:
    key: str
    label: str
    value: float | None  # 0..100 as shown; None when hidden
    text: str
    n: int
    css: str
    bar: Bar | None
    #: The klantbewust and klantbekwaam bars the phase rule holds this figure against.
    marks: tuple[BarMark, ...] = ()


@dataclass(frozen=True)
class MirrorView:
    view: str  # self / estimate / customer
    value: float | None  # report mark as shown
    text: str
    n: int
    bar: Bar | None


@dataclass(frozen=True)
class MirrorRow:
    key: str
    label: str
    views: tuple[MirrorView, ...]
    self_text: str
    estimate_text: str
    customer_text: str
    gap: float | None  # own − customers, as shown
    gap_text: str
    meaningful: bool
    direction: str  # above / below / ""


@dataclass(frozen=True)
class BandPart:
    key: str
    label: str
    count: int
    count_text: str  # "32 employees": a head-count, not a score
    css: str
    x: float
    width: float


@dataclass(frozen=True)
class QuizOption:
    key: str
    text: str
    score: int
    count: int | None
    count_text: str
    share_text: str = "—"  # the share of the respondents, as a whole percentage


@dataclass(frozen=True)
class QuizRow:
    key: str
    number: int
    text: str
    options: tuple[QuizOption, ...]
    weak_key: str | None
    advice: str | None


@dataclass(frozen=True)
class StatementRow:
    key: str
    #: The statement as it was asked.
    text: str
    reverse: bool
    #: The behaviour the statement is about, phrased positively (differs for reverse-keyed ones).
    aim: str
    value: float | None  # 1..5, customer-oriented direction (reverse-keyed items turned), as shown
    score: str
    n: int
    dont_know: int
    tone: str  # strong / weak / ""
    #: Shares of the answers, in %, in the customer-oriented direction: (unfavourable, neutral,
    #: favourable). For a reverse-keyed statement "agree" is the unfavourable answer.
    shares: tuple[int, int, int] | None = None
    shares_text: str = "—"
    #: Change since the previous round on the 1..5 scale, as shown; marked when beyond the noise.
    change: float | None = None
    change_text: str = ""
    change_is_meaningful: bool = False

    @property
    def label(self) -> str:
        """What a reader reads the score against: the positive wording of a reverse-keyed
        statement, so that a high score and a green mark sit beside the behaviour they praise."""
        return self.aim if self.reverse else self.text

    @property
    def favourable_text(self) -> str:
        return f"{self.shares[2]}%" if self.shares else "—"


@dataclass(frozen=True)
class StatementSection:
    key: str
    title: str
    rows: tuple[StatementRow, ...]


@dataclass(frozen=True)
class DepartmentCell:
    dimension: str
    label: str
    value: float | None
    text: str
    heat: str


@dataclass(frozen=True)
class DepartmentRow:
    name: str  # "Other (…)" for the responses without a (large enough) department
    visible: bool
    n: int
    complementary: bool
    cells: tuple[DepartmentCell, ...]


@dataclass(frozen=True)
class ReliabilityRow:
    key: str
    title: str
    k: int
    n: int
    value: float | None
    alpha: str
    #: Alpha decides "read with care" when answers spread (on complete answers when there are
    #: enough, as filling in "weet ik niet" makes a scale look more consistent than it is).
    is_low: bool
    complete_n: int = 0
    complete_value: float | None = None
    complete_alpha: str = "—"
    #: Nearly everyone gave the same answers: alpha cannot speak, and that is agreement.
    is_uniform: bool = False
    spread: float | None = None
    spread_text: str = "—"
    #: False when alpha rests on enough answers but has no value: one statement, or no variance
    #: at all (a "—" that hides nothing); a "—" on fewer answers is too few.
    is_alpha_defined: bool = True
    is_complete_alpha_defined: bool = True

    @property
    def deciding_alpha(self) -> str:
        """The alpha that decides "read with care": on complete answers when there are enough."""
        return self.complete_alpha if self.complete_value is not None else self.alpha


@dataclass(frozen=True)
class PhaseStep:
    """One rung of the phase ladder: the phase, seed 004's stage of learning, and whether it is this one."""

    key: str
    stage: str
    is_current: bool


@dataclass(frozen=True)
class BarCell:
    """What one phase asks of one figure ("≥ 60", "< +1,0"), and whether the figure meets it
    as shown; None when the phase asks nothing of it or the figure is not there."""

    text: str
    is_met: bool | None


@dataclass(frozen=True)
class BarRow:
    key: str
    label: str
    value_text: str
    #: klantgericht, klantbewust, klantbekwaam, in that order.
    cells: tuple[BarCell, ...]


@dataclass(frozen=True)
class RoundFigures:
    lang: str
    n_responses: int
    n_invited: int
    n_customers: int
    min_size: int
    min_comment_size: int
    min_customer_size: int
    is_shown: bool
    response_rate: int | None
    phase: str | None = None
    gloss: str | None = None
    #: Set when the phase is provisional (the mirror is missing): said next to the phase itself.
    provisional: str | None = None
    reasons: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = ()
    dims: tuple[DimensionRow, ...] = ()
    headline: str = ""
    has_mirror: bool = False
    mirror: tuple[MirrorRow, ...] = ()
    #: The overall marks the headline quotes (own, estimate, customers) and their gap, as shown.
    mirror_overall: tuple[str, str, str, str] | None = None
    #: The same as values, as shown (for comparing groups).
    mirror_values: tuple[float | None, float | None, float | None, float | None] | None = None
    bands: tuple[BandPart, ...] = ()
    quiz: tuple[QuizRow, ...] = ()
    sections: tuple[StatementSection, ...] = ()
    department_columns: tuple[str, ...] = ()
    departments: tuple[DepartmentRow, ...] = ()
    comments: tuple[str, ...] | None = None
    comments_removed: bool = False
    #: What employees would change (the open question), as ``RoundResults`` decided it.
    employee_comments: tuple[str, ...] | None = None
    employee_comment_minimum: int = 0
    reliability: tuple[ReliabilityRow, ...] = ()
    key_findings: tuple[str, ...] = ()
    legend: tuple[tuple[str, str], ...] = ()
    #: The four phases with their stage of learning, and what each asks of every figure.
    ladder: tuple[PhaseStep, ...] = ()
    bars: tuple[BarRow, ...] = ()
    #: "Good": the customers' rating below which an overestimation is a blind spot (as shown).
    good_text: str = ""
    responses_text: str = ""
    customers_text: str = ""
    #: A segment group's figures (a filter): its names as published, e.g. "Locatie: Noord".
    group_name: str | None = None
    #: False for a group whose customers are not counted apart (``RoundResults``): its
    #: customer figures are not applicable, not too few.
    has_customer_figures: bool = True


def round_figures(results: RoundResults, lang: str, changes: Mapping | None = None) -> RoundFigures:
    """Every figure of the round in ``lang`` (the current Flask-Babel locale's language).
    ``changes`` maps statements to their change since the previous round (0..100 index)."""
    _, ngettext = bound_gettext()  # the catalogue looked up once, not for each of ~100 strings
    explained = customer_aware_gettext()  # the phase's reasons in the organisation's word for its customers
    changes = changes or {}
    base = dict(
        lang=lang, n_responses=results.n_responses, n_invited=results.n_invited, n_customers=results.n_customers,
        min_size=results.min_size, min_comment_size=max(results.min_comment_size, results.min_customer_size),
        min_customer_size=results.min_customer_size, is_shown=results.is_shown,
        group_name=group_label(results.group_label) if results.group else None,
        comments_removed=results.comments_removed, employee_comment_minimum=results.employee_comment_minimum,
        has_customer_figures=results.has_customer_figures,
        response_rate=int(shown(100 * results.n_responses / results.n_invited, 0)) if results.n_invited else None,
        responses_text=ngettext("%(num)d employee response", "%(num)d employee responses", results.n_responses),
        customers_text=customer_ngettext("%(num)d customer response", "%(num)d customer responses", results.n_customers)
        + (" " + _("(%(personal)s through personal links, %(public)s through the public link)",
                   personal=results.n_customers_personal, public=results.n_customers - results.n_customers_personal)
           if results.n_customers_personal else ""),
    )
    if not results.is_shown:
        return RoundFigures(**base)
    too_few = _("too few responses")
    placement = results.placement

    dims = _dimension_rows(results, _, too_few)
    own, est, cust = _mirror_marks(results)
    headline = _mirror_headline(results, own, est, cust, _)
    mirror = _mirror_rows(results, lang, too_few)
    bands = _band_parts(results, lang, ngettext)
    quiz = _quiz_rows(results, lang, too_few)
    sections = _statement_sections(results, lang, changes)
    departments = _department_rows(results, _)
    reliability = _reliability_rows(results, lang, _)
    key_findings = _key_findings(sections, headline, _)

    return RoundFigures(
        **base,
        ladder=tuple(PhaseStep(phase_name(p), phase_stage(p, _), p is placement.phase) for p in Phase),
        bars=_bar_rows(dims, own, est, cust, results.departments),
        good_text=number(DEFAULT.klantbekwaam.customer_mark, MARK_DIGITS),
        phase=phase_name(placement.phase), gloss=phase_gloss(placement.phase, _),
        provisional=None if placement.has_mirror else customer_gettext(
            "Provisional: with %(n)s customer responses (at least %(min)s are needed) the self-image could not be "
            "checked against what customers say.", n=results.n_customers, min=results.min_customer_size),
        reasons=tuple(explain(placement, explained, number)), next_steps=tuple(explain_next(placement, explained, number)),
        dims=tuple(dims), headline=headline, has_mirror=cust is not None and est is not None, mirror=tuple(mirror),
        mirror_values=(
            None if own is None else shown(own, MARK_DIGITS), None if est is None else shown(est, MARK_DIGITS),
            None if cust is None else shown(cust, MARK_DIGITS),
            shown_difference(own, cust, MARK_DIGITS) if own is not None and cust is not None else None),
        mirror_overall=(
            number(own, 1) if own is not None else "—", number(est, 1) if est is not None else "—",
            number(cust, 1) if cust is not None else too_few,
            signed(shown_difference(own, cust, MARK_DIGITS), 1) if own is not None and cust is not None else "—"),
        bands=tuple(bands), quiz=tuple(quiz), sections=tuple(sections),
        department_columns=tuple(dimension_label(k, explained) for k in DEPARTMENT_DIMENSIONS),
        departments=tuple(departments), comments=tuple(results.comments) if results.comments is not None else None,
        employee_comments=tuple(results.employee_comments) if results.employee_comments is not None else None,
        reliability=tuple(reliability), key_findings=tuple(key_findings[:3]),
        legend=(("self", _("Employees' own rating")), ("estimate", _("Employees' estimate")), ("customer", customer_gettext("Customers"))),
    )


def _dimension_rows(results: RoundResults, _, too_few: str) -> list[DimensionRow]:
    """The five dimensions with their bars."""
    dims = []
    for d in DIMENSIONS:
        s = results.profile.get(d)
        value = shown(s.mean, INDEX_DIGITS) if s else None
        dims.append(DimensionRow(
            key=d, label=_("Employees' estimate") if d == "mirror_estimate" else dimension_label(d, customer_aware_gettext()),
            value=value, text=number(value, INDEX_DIGITS) if s else too_few,
            n=s.n if s else (results.n_customers if d == "mirror_customer" else 0),
            css=VIEW_CSS.get(d, "bar"), bar=_bar(None if value is None else value / 100, DIMENSIONS_WIDE, DIMENSIONS_NARROW),
            marks=_marks_for(d),
        ))
    return dims


def _mirror_marks(results: RoundResults) -> tuple[float | None, float | None, float | None]:
    """The employees' own rating, their estimate and the customers' rating, as marks shown."""
    scale = results.instrument.mirror.scale

    def mark_of(stats) -> float | None:
        return None if stats is None else shown(scale.from_index(stats.mean), MARK_DIGITS)

    own, est, cust = (mark_of(results.profile.get(d)) for d in ("mirror_self", "mirror_estimate", "mirror_customer"))
    return own, est, cust


def _mirror_headline(results: RoundResults, own, est, cust, _) -> str:
    """The mirror in one sentence, or why there is none."""
    if cust is not None and est is not None:
        headline = customer_gettext("Employees think customers rate the organisation %(estimate)s; customers give %(customer)s.",
                     estimate=number(est, 1), customer=number(cust, 1))
        if own is not None:
            headline += " " + _("Employees themselves give %(own)s.", own=number(own, 1))
    elif not results.has_customer_figures:
        # A location's, role's or department's figures: customers are split by service only.
        headline = customer_gettext("Customers answer about the organisation or one of its services, not about a "
                                    "location, role or department: their view is in the mirror of the whole round.")
        if own is not None:
            headline += " " + _("Employees themselves give %(own)s.", own=number(own, 1))
    else:
        headline = customer_gettext("There are too few customer responses (%(n)s of at least %(min)s) to compare the self-image "
                     "with the customers' view. Share the customer link to complete the mirror.",
                     n=results.n_customers, min=results.min_customer_size)
    return headline


def _mirror_rows(results: RoundResults, lang: str, too_few: str) -> list[MirrorRow]:
    """Each mirror topic: the three views and the gap."""
    inst = results.instrument
    scale = inst.mirror.scale
    mirror = []
    for m in results.mirror:
        item = next(i for i in inst.mirror.items if i.key == m.key)
        views = []
        for view, stat in (("self", m.self_), ("estimate", m.estimate), ("customer", m.customer)):
            value = shown(stat.mean, MARK_DIGITS) if stat is not None and stat.mean is not None else None
            views.append(MirrorView(view, value, number(value, MARK_DIGITS) if value is not None else "—",
                                    stat.n if stat is not None else results.n_customers,
                                    _bar(None if value is None else (value - scale.min) / (scale.max - scale.min),
                                         MIRROR_WIDE, MIRROR_NARROW, 2.0)))
        gap = m.gap
        mirror.append(MirrorRow(
            key=m.key, label=customer_text(item.topic, lang), views=tuple(views),  # in the organisation's word
            self_text=views[0].text, estimate_text=views[1].text,
            customer_text=views[2].text if views[2].value is not None else too_few,
            gap=gap, gap_text=signed(gap, MARK_DIGITS) if gap is not None else "—",
            meaningful=m.is_gap_meaningful,
            direction="" if gap is None or gap == 0 else ("above" if gap > 0 else "below"),
        ))
    return mirror


def _band_parts(results: RoundResults, lang: str, ngettext) -> list[BandPart]:
    """The quiz's bands as parts of one bar."""
    inst = results.instrument
    total_bands = sum(results.bands.values()) or 1
    bands, x = [], 0.0
    for band in inst.quiz.bands:
        count = results.bands.get(band.key, 0)
        width = CHART_FRAMES["bands"].at(count, total_bands)
        bands.append(BandPart(band.key, band.label.get(lang), count,
                              ngettext("%(num)d employee", "%(num)d employees", count),
                              f"band-fill-{band.key}", round(x, 1), width))
        x += width
    return bands


def _quiz_rows(results: RoundResults, lang: str, too_few: str) -> list[QuizRow]:
    """Each quiz question with its answers and the most common weak answer."""
    inst = results.instrument
    quiz = []
    for q in results.quiz:
        question = inst.question(q.key)
        answered = sum(c or 0 for c in q.counts.values())
        quiz.append(QuizRow(
            key=q.key, number=question.number, text=question.text.get(lang),
            options=tuple(QuizOption(o.key, o.text.get(lang), o.score, q.counts[o.key],
                                     str(q.counts[o.key]) if q.counts[o.key] is not None else too_few,
                                     f"{int(shown(100 * q.counts[o.key] / answered, 0))}%"
                                     if q.counts[o.key] is not None and answered else "—")
                          for o in question.options),
            weak_key=q.weakest_common,
            advice=question.option(q.weakest_common).advice.get(lang) if q.weakest_common else None,
        ))
    return quiz


def _statement_sections(results: RoundResults, lang: str, changes: Mapping) -> list[StatementSection]:
    """The agreement statements per section, strongest first, in the customer-oriented direction."""
    inst = results.instrument
    sections = []
    for section in inst.likert_sections:
        rows = []
        for stat in results.likert[section.key]:
            item = next(i for i in section.items if i.key == stat.key)
            score = oriented_mean(stat, inst)
            value = shown(score, STATEMENT_DIGITS) if score is not None else None
            shares = (tuple(int(shown(100 * c / stat.n, 0)) for c in stat.distribution)
                      if stat.distribution is not None and stat.n else None)
            if shares is not None and item.reverse:
                shares = shares[::-1]  # agreeing with a negative statement is the unfavourable answer
            moved = changes.get(stat.key) if value is not None else None
            delta = moved.shown if moved else None  # on 1..5, as the progress page shows it
            rows.append(StatementRow(
                key=stat.key, text=item.text.get(lang), reverse=item.reverse, aim=item.aim.get(lang), value=value,
                score=number(value, STATEMENT_DIGITS) if value is not None else "—", n=stat.n,
                dont_know=stat.dont_know,
                tone="" if value is None else "strong" if value >= STRONG_STATEMENT else "weak" if value < WEAK_STATEMENT else "",
                shares=shares, shares_text=" / ".join(f"{p}%" for p in shares) if shares else "—",
                change=delta, change_text=signed(delta, STATEMENT_DIGITS) if delta is not None else "",
                change_is_meaningful=bool(moved and moved.is_meaningful),
            ))
        sections.append(StatementSection(section.key, section.title.get(lang), tuple(rows)))
    return sections


def _department_rows(results: RoundResults, _) -> list[DepartmentRow]:
    """The departments as the disclosure rule shows them, each cell coloured where higher is better."""
    departments = []
    for d in results.departments:
        cells = []
        for key in DEPARTMENT_DIMENSIONS:
            mean = d.means.get(key)
            value = shown(mean, INDEX_DIGITS) if mean is not None else None
            # Colour says good or bad only where higher is better: the employees' own rating is a
            # self-image (an inflated one is a blind spot), so it is shown without a colour.
            heat = "none" if value is None else "neutral" if key == "mirror_self" else _heat(key, value)
            cells.append(DepartmentCell(key, dimension_label(key, _), value,
                                        number(value, INDEX_DIGITS) if value is not None else "—", heat))
        departments.append(DepartmentRow(
            name=d.name or _("Other (smaller departments and none)"), visible=d.is_visible, n=d.n,
            complementary=d.why_hidden == "complementary", cells=tuple(cells) if d.is_visible else (),
        ))
    return departments


def _reliability_rows(results: RoundResults, lang: str, _) -> list[ReliabilityRow]:
    """Cronbach's alpha per section, or why it says nothing."""
    inst = results.instrument
    def alpha_text(value: float | None) -> str:
        # A negative alpha means the statements contradict each other: no number to read.
        return (_("negative") if value < 0 else number(value, ALPHA_DIGITS)) if value is not None else "—"

    reliability = []
    for r in results.reliability:
        value = shown(r.alpha, ALPHA_DIGITS) if r.alpha is not None else None
        complete = shown(r.complete_alpha, ALPHA_DIGITS) if r.complete_alpha is not None else None
        spread = shown(r.spread, SPREAD_DIGITS) if r.spread is not None else None
        uniform = spread is not None and spread < MIN_SPREAD
        deciding = complete if complete is not None else value
        enough = max(results.min_size, MIN_ALPHA_RESPONDENTS, 2)
        reliability.append(ReliabilityRow(
            key=r.section, title=next(s for s in inst.likert_sections if s.key == r.section).title.get(lang),
            k=r.k, n=r.n, value=value, alpha=alpha_text(value),
            is_low=not uniform and deciding is not None and deciding < ALPHA_LOW,
            complete_n=r.complete_n if complete is not None else 0, complete_value=complete,
            complete_alpha=alpha_text(complete), is_uniform=uniform, spread=spread,
            spread_text=number(spread, SPREAD_DIGITS) if spread is not None else "—",
            is_alpha_defined=value is not None or r.n < enough,
            is_complete_alpha_defined=complete is not None or r.complete_n < enough,
        ))
    return reliability


def _key_findings(sections: list[StatementSection], headline: str, _) -> list[str]:
    """The mirror's sentence, the weakest and the strongest statement, said as they are."""
    # Ties in the order of the tables (strongest first per section): the strongest point is the
    # first of the highest in the tables, the weakest the last of the lowest.
    in_table_order = [row for s in sections for row in s.rows if row.value is not None]
    rated = [row for _i, row in sorted(enumerate(in_table_order), key=lambda pair: (pair[1].value, -pair[0]))]
    key_findings = [headline]

    def quoted(row) -> str:
        # Every statement in its customer-oriented wording, with the share of favourable answers:
        # the sentence then reads the same way for a strong and a weak point, whichever way the
        # statement was asked (a reverse-keyed one is said to be asked the other way round).
        if row.reverse:
            return _("“%(text)s” (asked the other way round: “%(asked)s”; %(score)s of 5, %(favourable)s favourable)",
                     text=row.aim, asked=row.text, score=row.score, favourable=row.favourable_text)
        return _("“%(text)s” (%(score)s of 5, %(favourable)s favourable)", text=row.text, score=row.score,
                 favourable=row.favourable_text)

    if rated:
        if rated[0].value < WEAK_STATEMENT:
            key_findings.append(_("Weakest point: %(statement)s.", statement=quoted(rated[0])))
        else:
            key_findings.append(_("Lowest score, not weak (that is below 3.0): %(statement)s.", statement=quoted(rated[0])))
        if rated[-1].value < WEAK_STATEMENT:
            key_findings.append(_("No statement reaches 3.0 (below that a statement counts as weak); the highest is "
                                  "%(statement)s.", statement=quoted(rated[-1])))
        elif rated[-1].value < STRONG_STATEMENT:
            key_findings.append(_("Highest score, not yet strong (from 3.8): %(statement)s.", statement=quoted(rated[-1])))
        else:
            key_findings.append(_("Strongest point: %(statement)s.", statement=quoted(rated[-1])))
    return key_findings



def _bar_rows(dims, own: float | None, est: float | None, cust: float | None, departments) -> tuple[BarRow, ...]:
    """What the phase rule asks of each figure, phase by phase, beside the figure as shown
    (docs/methodology.md §5): the bars a reader can check the phase against."""
    t = DEFAULT
    phases = (Phase.KLANTGERICHT, Phase.KLANTBEWUST, Phase.KLANTBEKWAAM)
    none = BarCell("—", None)

    def at_least(value: float | None, needed: float | None, digits: int) -> BarCell:
        if needed is None:
            return none
        return BarCell("≥ " + number(needed, digits), None if value is None else value >= needed)

    rows = []
    by_key = {d.key: d for d in dims}
    for key in ("skills", "leadership", "culture"):
        d = by_key[key]
        rows.append(BarRow(key, d.label, d.text if d.value is not None else "—",
                           tuple(at_least(d.value, getattr(t.bar(p), key), INDEX_DIGITS) for p in phases)))
    rows.append(BarRow("mirror_customer", customer_gettext("Customers' rating"), number(cust, MARK_DIGITS) if cust is not None else "—",
                       tuple(at_least(cust, t.bar(p).customer_mark, MARK_DIGITS) for p in phases)))
    limit = number(t.min_gap_marks, MARK_DIGITS)
    for key, label, view in (("gap_self", customer_gettext("Own rating minus customers"), own),
                             ("gap_estimate", customer_gettext("Estimate minus customers"), est)):
        gap = shown_difference(view, cust, MARK_DIGITS) if view is not None and cust is not None else None
        good = t.klantbekwaam.customer_mark
        # An overestimation counts only while customers find the organisation lacking (below "good").
        not_over = BarCell(customer_gettext("< +%(limit)s or customers ≥ %(good)s", limit=limit, good=number(good, MARK_DIGITS)),
                           None if gap is None else gap < t.min_gap_marks or cust >= good)
        rows.append(BarRow(key, label, signed(gap, MARK_DIGITS) if gap is not None else "—", (not_over, not_over, none)))
    cultures = [shown(value, INDEX_DIGITS) for value in shown_cultures(departments).values()]
    lowest = min(cultures) if cultures else None
    rows.append(BarRow("departments", _("Lowest culture of a department shown"),
                       number(lowest, INDEX_DIGITS) if lowest is not None else "—",
                       (none, none, at_least(lowest, t.klantbewust.culture, INDEX_DIGITS) if cultures else none)))
    return tuple(rows)


def _marks_for(dimension: str) -> tuple[BarMark, ...]:
    """The klantbewust and klantbekwaam bars of a dimension, on its 0..100 chart row (the
    customers' rating bar converted from a mark to the index, as the row is drawn)."""
    out = []
    for phase in (Phase.KLANTBEWUST, Phase.KLANTBEKWAAM):
        bar = DEFAULT.bar(phase)
        needed = (DEFAULT.mark_to_index(bar.customer_mark) if dimension == "mirror_customer" and bar.customer_mark
                  else getattr(bar, dimension, None) if dimension in ("skills", "leadership", "culture") else None)
        if needed is not None:
            out.append(BarMark(phase_name(phase), _mark(needed)))
    return tuple(out)


def _heat(dimension: str, value: float) -> str:
    """A department's score coloured by the phase rule's bars, so that a colour means what the
    bars mean: red below klantbewust's, yellow from klantbewust's, green from klantbekwaam's."""
    bewust, bekwaam = getattr(DEFAULT.klantbewust, dimension), getattr(DEFAULT.klantbekwaam, dimension)
    return "0" if value < bewust else "2" if value < bekwaam else "4"


@dataclass(frozen=True)
class SegmentCell:
    key: str
    value: float | None  # the group's figure as shown
    text: str  # the group's figure as shown, "—" when hidden or not applicable
    against: str  # its difference with the organisation's, as shown ("+4", "−0,6"), "" when either is hidden
    heat: str  # "0".."4" by the phase rule's bars (dimensions), "" otherwise
    #: False where the figure does not exist (a location's customers: customers are split by
    #: service only); a "—" then means nothing was hidden.
    is_applicable: bool = True


@dataclass(frozen=True)
class SegmentRow:
    group: str
    label: str
    n: int
    phase: str | None
    cells: tuple[SegmentCell, ...]
    #: A service beside its own customers: the mirror's gap as shown, and whether it is marked.
    has_customers: bool = False
    #: Each statement's share of favourable answers, in the organisation's order of statements
    #: (``statement_order``), coloured as the statement is marked (strong, weak).
    statements: tuple[SegmentCell, ...] = ()


#: The columns of the overview of segments, in order.
SEGMENT_COLUMNS = ("skills", "leadership", "culture", "mirror_self", "mirror_estimate", "mirror_customer", "gap",
                   "favourable")
#: The columns that rest on the group's own customers.
CUSTOMER_COLUMNS = ("mirror_customer", "gap")


def segment_columns() -> tuple[tuple[str, str], ...]:
    """The overview's column heads: short, as the department table's (the text above the
    table says what each is)."""
    labels = {"skills": _("Quiz"), "leadership": _("Leadership"), "culture": _("Culture"),
              "mirror_self": _("Own rating"), "mirror_estimate": _("Estimate"), "mirror_customer": customer_gettext("Customers"),
              "gap": _("Gap"), "favourable": _("Favourable")}
    return tuple((key, labels[key]) for key in SEGMENT_COLUMNS)


def group_label(label: list) -> str:
    """A shown group's names as published: "Locatie: Noord · Rol: Leidinggevend"."""
    parts = []
    for segment, value in label:
        if segment == "":
            parts.append(_("Department: %(name)s", name=value) if value else _("Other departments"))
        else:
            parts.append(f"{segment}: {value}")
    return " · ".join(parts)


def _favourable(f: RoundFigures) -> float | None:
    """The share of favourable answers over the statements shown, as whole percentages averaged."""
    shares = [row.shares[2] for section in f.sections for row in section.rows if row.shares]
    return shown(sum(shares) / len(shares), 0) if shares else None


def _segment_values(f: RoundFigures) -> dict[str, tuple[float | None, int]]:
    """Per overview column: the figure as shown and its digits."""
    values: dict[str, tuple[float | None, int]] = {d.key: (d.value, INDEX_DIGITS) for d in f.dims}
    marks = f.mirror_values or (None, None, None, None)
    for key, value in zip(("mirror_self", "mirror_estimate", "mirror_customer", "gap"), marks):
        values[key] = (value, MARK_DIGITS)
    values["favourable"] = (_favourable(f), 0)
    return values


def statement_order(f: RoundFigures) -> list:
    """The statements as the organisation's page lists them (per scale, strongest first)."""
    return [row for section in f.sections for row in section.rows]


TONE_HEAT = {"strong": "4", "weak": "0", "": "2"}


def _statement_cells(whole: RoundFigures, f: RoundFigures) -> tuple[SegmentCell, ...]:
    mine = {row.key: row for row in statement_order(f)}
    cells = []
    for base in statement_order(whole):
        row = mine.get(base.key)
        share = row.shares[2] if row is not None and row.shares else None
        other = base.shares[2] if base.shares else None
        cells.append(SegmentCell(
            base.key, share, "—" if share is None else f"{share}%",
            "" if share is None or other is None else signed(share - other, 0),
            TONE_HEAT[row.tone] if share is not None else ""))
    return tuple(cells)


def segment_rows(whole: RoundFigures, groups: list[tuple[str, str, RoundFigures]]) -> tuple[SegmentRow, ...]:
    """The overview of segments: each shown group's figures beside the organisation's, each
    cell with its difference from the organisation's as shown."""
    base = _segment_values(whole)
    rows = []
    for group, label, f in groups:
        mine = _segment_values(f)
        cells = []
        for key in SEGMENT_COLUMNS:
            value, digits = mine.get(key, (None, 0))
            other, _digits = base.get(key, (None, 0))
            text = "—" if value is None else (signed(value, digits) if key == "gap" else number(value, digits)
                                              + ("%" if key == "favourable" else ""))
            against = "" if value is None or other is None else signed(shown_difference(value, other, digits), digits)
            heat = _heat(key, value) if value is not None and key in ("skills", "leadership", "culture") else ""
            applies = f.has_customer_figures or key not in CUSTOMER_COLUMNS
            cells.append(SegmentCell(key, value, text, against, heat, applies))
        rows.append(SegmentRow(group, label, f.n_responses, f.phase, tuple(cells), f.n_customers >= f.min_customer_size,
                               _statement_cells(whole, f)))
    return tuple(rows)
