"""Generating the action plan from a round's findings: a documented rule set, pure.

The plan is a short list of **focus areas** (3 to 7), ranked, without duplicates. Each one
starts from a figure in the report (its *finding*), proposes a concrete practice grounded in
the seeds, and names an owner role, a suggested due date and the figure that should move by
the next round (its *target*). Rules (docs/methodology.md, "The action plan"), in order of
priority:

1. **Awareness first** (seed 000, 004): an overestimation in the own rating or in the estimate
   of the customers' rating: let customers look along.
2. **What the next phase needs** (seed 004): each requirement the placement names — a
   dimension below its bar (leadership, a learning culture and skills training are the route
   from klantgericht to klantbewust), the customers' rating, a department whose culture lags,
   customer responses to confirm the self-image.
3. **The mirror per topic**: where employees rate a topic at least a report mark above
   customers (as shown), with the seed's practice for that topic.
4. **What customers wrote**: a theme that at least two comments share (only when comments are
   shown at all), merged with the same topic from rule 3.
5. **The weakest statements** (below 3.0 as shown), phrased as the behaviour to reach, with a
   practice for what the statement is about; at most two.
6. **A department** at least 10 points below the organisation on a dimension.
7. **An organisation-wide pattern in the quiz**: a question where at least 30 % chose the
   weakest answer, as a team training, not as advice to one person.

Two findings about the same thing (a mirror topic, the comments about it and the statement
about it) become one focus area carrying every figure. What employees would change (their
answers to the open question, only when shown at all) is put under the same themes as the
customers' comments: a theme that at least two of them share is said in the finding of the
focus area on that theme, counted and labelled as the employees'. Their suggestions start no
focus area of their own (a focus area starts from a figure that should move), and they are not
quoted in the plan's stored texts: the plan page shows the quotes of both groups beside each
focus area from the results, so that they go with the raw answers at the end of their retention.
Texts are messages of the catalogue (``core/messages.py``: English msgids with their figures as
parameters), put into Dutch and English outside the core when the plan is stored; a director's
own edits are kept as typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..instrument import Instrument, Text
from .display import INDEX_DIGITS, MARK_DIGITS, WEAK_STATEMENT, shown, shown_difference
from .messages import NC_, N_, Message, Number, Said, Sentences, join, parts
from .phases import DEFAULT, Phase, Placement
from .profile import MIN_GAP_MARKS

MIN_FOCUS, MAX_FOCUS = 3, 7
#: Focus areas started at once; the rest are proposed for later (a board can carry three).
START_NOW = 3
#: A hold-or-improve target for a figure already at its bar: the noise rule's smallest change
#: (5 index points; half a report mark), so the next round can show it.
STEP_INDEX, STEP_MARK = 5.0, 0.5
MAX_WEAK_STATEMENTS = 2
QUIZ_WEAK_SHARE = 0.30
DEPARTMENT_GAP = 10.0
MIN_COMMENTS_PER_THEME = 2


@dataclass(frozen=True, slots=True)
class Goal:
    """What a target asks for, on a figure the report shows, as shown: ``figure`` at least or at
    most ``value``. Figures: ``skills``, ``leadership``, ``culture`` (0..100), ``mirror_customer``
    (a mark), ``gap.self`` / ``gap.estimate`` (the distance between the employees' view and the
    customers', in marks), ``topic.<key>.customer`` (a topic's customers' mark), ``statement.<key>``
    (1..5), ``department.<name>.<dimension>`` and ``department.<name>.<dimension>.lag``,
    ``quiz.<question>.<option>`` (% choosing it), ``customers`` (customer responses),
    ``comments.<theme>`` (comments on a theme) and ``phase`` (1..4)."""

    figure: str
    at_least: float | None = None
    at_most: float | None = None

    def is_met(self, value: float | None) -> bool:
        if value is None:
            return False
        return (self.at_least is None or value >= self.at_least) and (self.at_most is None or value <= self.at_most)


@dataclass(frozen=True, slots=True)
class Proposal:
    #: Stable per rule and subject, so regenerating finds the same item again.
    key: str
    title: Said
    description: Said
    finding: Said
    #: Who should own it: the kind of role (a key of ``ROLE``), named as the organisation names
    #: it (``Organisation.owner_roles``), and for a department's focus the department.
    role: str = ""
    role_scope: str = ""
    #: The figure that should move by the next round.
    target: Said = Sentences()
    #: Suggested due date, in months after the round closed.
    due_months: int = 3
    #: What it is about; two proposals on one theme become one focus area.
    theme: str = ""
    #: The practice it proposes (usually the theme; a department's focus uses a dimension's).
    practice: str = ""
    priority: int = 9
    #: Not started now: after the first ``START_NOW`` focus areas (not everything at once).
    starts_later: bool = False
    #: The target as figures: met when every goal is met (tested: never met when generated).
    goals: tuple[Goal, ...] = ()


@dataclass(frozen=True, slots=True)
class StatementScore:
    key: str
    mean: float  # customer-oriented average on 1..5 (reverse items already flipped)
    n: int


@dataclass(frozen=True, slots=True)
class DepartmentScore:
    name: str
    dimension: str
    value: float  # 0..100
    organisation: float  # the organisation's value on the same dimension


@dataclass(frozen=True, slots=True)
class PlanInput:
    placement: Placement
    statements: Sequence[StatementScore]
    #: (mirror item key, employees' own mean mark, customers' mean mark)
    mirror_topics: Sequence[tuple[str, float, float]]
    #: (quiz question key, option key of the weakest answer, share of respondents choosing it)
    quiz_weak: Sequence[tuple[str, str, float]]
    departments: Sequence[DepartmentScore] = ()
    #: The customer comments as shown in the report (None when below their minimum).
    comments: Sequence[str] | None = None
    #: What employees would change (the open question), as shown (None when below the minimum).
    employee_comments: Sequence[str] | None = None
    #: Mirror marks (1..10) of the employees' own rating, estimate and the customers (as shown).
    marks: Mapping[str, float] = field(default_factory=dict)
    #: The organisation's skills, leadership and culture (0..100), where shown.
    scores: Mapping[str, float] = field(default_factory=dict)


#: The group of responses without a (large enough) department, as the report names it.
OTHERS = N_("Other (smaller departments and none)")

#: The kinds of owner an action needs; the organisation names who that is in its own words
#: (``Organisation.owner_roles``, asked for on the plan page); the plan suggests no owner it was
#: not given.
ROLE = ("board", "managers", "teams", "hr", "service")

#: The practices, by theme. Leadership, a learning culture and skills training are seed 004's
#: route from klantgericht to klantbewust; asking first is seed 002; reachability, knowing the
#: customer's context and receiving criticism are seed 003.
PRACTICE: dict[str, tuple[Message, Message, str, int]] = {
    "mirror": (
        NC_("Let customers look along: hold up the mirror"),
        NC_("Share the mirror with every employee: how we see ourselves and how customers see us. Have every manager speak with five "
                "customers in the coming month with one question, 'Where do we get in your way?', and let employees attend. "
                "A realistic self-image is the basis of every improvement."),
        "board", 3),
    "estimate": (
        NC_("Share what customers say with every employee"),
        NC_("Employees think customers are more satisfied than they are. Make customer responses and complaints visible: read two out "
                "in every monthly team meeting and discuss what they say about us."),
        "teams", 3),
    "estimate_low": (
        NC_("Let employees hear what customers value"),
        NC_("Employees think customers are less satisfied than they are. Share the positive customer responses too: read two out in "
                "every monthly team meeting and discuss what customers value, so that teams know what to keep doing."),
        "teams", 3),
    "leadership": (
        N_("Leadership: managers set the example"),
        NC_("Agree with the management team which behaviour towards customers you expect of each other and how you hold each other "
                "to it. Start every meeting with one customer situation from the past week: managers show what customer orientation means here."),
        "managers", 3),
    "learning": (
        N_("A learning culture: discuss what went wrong, without blame"),
        NC_("Hold a short monthly team session on one complaint or miss: what did the customer really ask, what did we do, what will "
                "we do differently? Record the agreements and look back after six weeks."),
        "teams", 6),
    "training": (
        NC_("Train skills with real customer situations"),
        NC_("Train customer-facing staff in the customer situations that go wrong most often in your organisation, with real "
                "examples: taking a complaint, a promise that can't be kept, a question that belongs to another department."),
        "hr", 6),
    "customers": (
        NC_("Improve what customers rate lowest"),
        NC_("Pick the topics customers rate lowest and turn them into an improvement project with an owner, a date and a customer "
                "panel that looks along."),
        "service", 6),
    "collect": (
        NC_("Ask customers for their view"),
        NC_("Without enough customer responses the self-image cannot be checked. Send the customer link after every completed contact, "
                "put the QR code at the counter and in the waiting area, and ask every employee to invite five customers personally."),
        "service", 2),
    "embed": (
        N_("Embed customer orientation in every team's culture"),
        N_("Make customer orientation part of how you recruit, onboard, appraise and reward. Leadership makes the difference between "
                "klantbewust (it works with effort) and klantbekwaam (it comes naturally)."),
        "managers", 6),
    "ask": (
        N_("Ask first: 'How can I help you?'"),
        NC_("Make 'How can I help you?' the standard opening of every customer contact, don't decide for the customer, and ask "
                "afterwards whether it worked. Customer-friendly is not yet customer-oriented."),
        "teams", 3),
    "reach": (
        NC_("Reachable when customers need us"),
        NC_("Compare your availability with the moments customers need you (such as Friday afternoon) and adapt opening hours, "
                "staffing and channels, even when that is less convenient internally."),
        "service", 3),
    "criticism": (
        N_("Receive criticism as information"),
        NC_("Record complaints, call every complainant back within two working days and review monthly what you learn. Respond not "
                "by explaining the rules, but by asking what the customer needed."),
        "service", 3),
    "promises": (
        N_("Keep what we promise"),
        NC_("Only make promises you can keep, record them, and call the customer yourself when one can't be kept, to find a "
                "solution together."),
        "service", 3),
    "handoff": (
        NC_("One point of contact: customers never tell their story twice"),
        NC_("Record what the customer has already told at every contact, and let whoever takes the question own it until it is solved."),
        "service", 3),
    "context": (
        NC_("Know the customer's situation"),
        NC_("Let employees accompany colleagues in the neighbourhood or at customers' homes, and start contacts by asking about "
                "the customer's situation rather than the file."),
        "teams", 6),
    "choices": (
        NC_("Test decisions against what customers need"),
        NC_("For every decision about service (opening hours, procedures, channels) ask: is this what customers need, or what suits "
                "us best? Record the trade-off."),
        "managers", 6),
    "keep": (
        NC_("Keep customers looking along"),
        NC_("Repeat the mirror every year and invite a customer panel to think along about changes. You only stay unconsciously "
                "competent if you keep looking."),
        "board", 12),
}

#: What each dimension's shortfall calls for.
DIMENSION_THEME = {"skills": "training", "leadership": "leadership", "culture": "learning", "mirror_customer": "customers"}
DIMENSION_NAMES = {
    "skills": N_("Personal customer orientation"),
    "leadership": N_("Leadership"),
    "culture": N_("Culture"),
}
#: The theme of each mirror topic and statement of instrument v1 (others: their own key).
TOPIC_THEME = {"mirror.m1": "mirror", "mirror.m2": "ask", "mirror.m3": "reach", "mirror.m4": "criticism", "mirror.m5": "promises"}
STATEMENT_THEME = {
    "leadership.l1": "leadership", "leadership.l2": "training", "leadership.l3": "learning", "leadership.l4": "leadership",
    "leadership.l5": "choices", "leadership.l6": "reach", "leadership.l7": "estimate",
    "culture.c1": "ask", "culture.c2": "ask", "culture.c3": "ask", "culture.c4": "reach", "culture.c5": "context",
    "culture.c6": "criticism", "culture.c7": "criticism", "culture.c8": "choices", "culture.c9": "embed",
}
#: The situation each quiz question of instrument v1 is about, as a plan's title names it (the
#: question's own stem is the start of a sentence, not a title).
QUIZ_SITUATION = {
    "quiz.q1": N_("a promise that cannot be kept"),
    "quiz.q2": N_("a complaint that seems unjustified"),
    "quiz.q3": N_("being held to account for a colleague's work"),
    "quiz.q4": NC_("a customer with a different opinion"),
    "quiz.q5": N_("what customer orientation means to us"),
    "quiz.q6": NC_("a customer's criticism of our policy"),
}
#: Words that put a customer comment under a theme (Dutch and English, lower case).
COMMENT_THEMES = {
    "reach": ("bereikbaar", "vrijdag", "bandje", "telefoon", "terugbel", "openingstijd", "reachable", "phone", "call back"),
    "ask": ("niet gevraagd", "vraagt niet", "wat ik nodig", "luister", "not asked", "listen"),
    "criticism": ("klacht", "kritiek", "complaint", "criticism"),
    "promises": ("belofte", "toezeg", "afspraak", "nagekomen", "promise"),
    "handoff": ("doorverbonden", "doorverbind", "opnieuw uitleggen", "opnieuw vertellen", "steeds opnieuw", "transferred",
                "again and again"),
}


def comment_themes(comments: Sequence[str] | None) -> dict[str, list[str]]:
    """The comments under each theme they mention (``COMMENT_THEMES``), in the order given; a
    comment may mention several themes, and a theme no comment mentions is left out. The same
    words for customers' comments and for what employees would change."""
    out = {}
    for theme, words in COMMENT_THEMES.items():
        matching = [c for c in comments or () if any(w in c.lower() for w in words)]
        if matching:
            out[theme] = matching
    return out


def _focus(key: str, theme: str, finding: Said, target: Said, priority: int, title: Said | None = None,
           practice: str | None = None, goals: tuple[Goal, ...] = ()) -> Proposal:
    default_title, description, role, months = PRACTICE[practice or theme]
    return Proposal(key=key, title=title or default_title, description=description, finding=finding, role=role,
                    target=target, due_months=months, theme=theme, priority=priority, practice=practice or theme,
                    goals=goals)


def generate(plan: PlanInput, instrument: Instrument) -> list[Proposal]:
    """The focus areas for this round, most important first (see the module docstring)."""
    candidates = (
        _customers_first(plan) + _awareness(plan) + _requirements(plan, instrument) + _competence_when_onwetend(plan)
        + _topics(plan, instrument) + _comments(plan)
        + _statements(plan, instrument) + _departments(plan) + _quiz(plan, instrument) + _modest_views(plan)
    )
    merged: dict[str, Proposal] = {}
    for proposal in sorted(candidates, key=lambda p: p.priority):  # stable: rule order within a priority
        first = merged.get(proposal.theme)
        if first is None:
            merged[proposal.theme] = proposal
        elif not set(parts(proposal.finding)) <= set(parts(first.finding)):  # nothing said twice
            merged[proposal.theme] = replace(first, finding=join(first.finding, proposal.finding))
    focus = list(merged.values())[:MAX_FOCUS]
    if len(focus) < MIN_FOCUS:
        for theme in _step_themes(plan.placement.phase):
            if theme not in merged and len(focus) < MIN_FOCUS:
                finding, target, goals = _step_figures(plan, theme)
                focus.append(_focus(f"step.{theme}", theme, finding, target, 8, goals=goals))
    focus = [_with_employees(p, plan) for p in focus]
    # Not everything at once: the first three now, a month apart; the rest later, after them.
    # Due dates never run against the order: the first focus area is never due after the second.
    # The first three are due a month apart (3, 4, 5 months), whatever their practice's usual
    # lead time, so that the first is never due after the second; the later ones from six months.
    out, due = [], 0
    for rank, p in enumerate(focus):
        due = max(due, 3 + rank if rank < START_NOW else max(p.due_months, 6 + rank))
        out.append(replace(p, due_months=due, starts_later=rank >= START_NOW))
    return out


def _step_themes(phase: Phase) -> tuple[str, ...]:
    return {
        Phase.ONWETEND: ("mirror", "estimate", "customers", "learning"),
        Phase.KLANTGERICHT: ("leadership", "learning", "training"),
        Phase.KLANTBEWUST: ("embed", "choices", "learning"),
        Phase.KLANTBEKWAAM: ("keep", "choices", "learning"),
    }[phase]


#: The figure a phase step's focus area starts from and should move.
STEP_FIGURE = {"leadership": "leadership", "choices": "leadership", "learning": "culture", "embed": "culture",
               "training": "skills", "customers": "mirror_customer", "keep": "mirror_customer",
               "mirror": "mirror_self", "estimate": "mirror_estimate"}


def _next_bar(phase: Phase, dimension: str) -> tuple[Phase, float] | None:
    """The first phase above ``phase`` with a bar for ``dimension`` (klantgericht has none:
    then klantbewust's), and that bar; None at klantbekwaam."""
    field_name = "customer_mark" if dimension == "mirror_customer" else dimension
    candidate = phase.next
    while candidate is not None:
        needed = getattr(DEFAULT.bar(candidate), field_name)
        if needed is not None:
            return candidate, float(needed)
        candidate = candidate.next
    return None


def _raise(value: float, dimension: str, phase: Phase) -> float:
    """What a figure should reach by the next round: the next bar when it is below it, or else a
    change the next round can show (never a target that is met already)."""
    is_mark = dimension.startswith("mirror_")
    digits, step, ceiling = (MARK_DIGITS, STEP_MARK, 10.0) if is_mark else (INDEX_DIGITS, STEP_INDEX, 100.0)
    now = shown(value, digits)
    bar = _next_bar(phase, dimension)
    if bar is not None and now < bar[1]:
        return bar[1]
    return min(ceiling, shown(now + step, digits))


def _step_figures(plan: PlanInput, theme: str) -> tuple[Said, Said, tuple[Goal, ...]]:
    """A phase step's finding and target on the figure it is about (as the report shows it)."""
    placement = plan.placement
    dimension = STEP_FIGURE.get(theme)
    customer = plan.marks.get("customer")
    if dimension in ("skills", "leadership", "culture") and plan.scores.get(dimension) is not None:
        value = plan.scores[dimension]
        goal = _raise(value, dimension, placement.phase)
        finding = N_("%(name)s: %(value)s.", name=DIMENSION_NAMES[dimension], value=Number(value, 0))
        if goal <= shown(value, INDEX_DIGITS):  # at the top of the scale: nothing left to raise
            return finding, N_("%(name)s stays at %(value)s in the next round.",
                               name=DIMENSION_NAMES[dimension], value=Number(value, 0)), (Goal(dimension, at_least=goal),)
        return (finding,
                N_("%(name)s from %(value)s to at least %(goal)s in the next round.",
                   name=DIMENSION_NAMES[dimension], value=Number(value, 0), goal=Number(goal, 0)), (Goal(dimension, at_least=goal),))
    if dimension is not None and customer is not None:
        goal = _raise(customer, "mirror_customer", placement.phase)
        internal = plan.marks.get({"mirror_self": "self", "mirror_estimate": "estimate"}.get(dimension, ""))
        finding = (NC_("Customers give %(customer)s.", customer=Number(customer))
                   if internal is None else
                   NC_("Employees: %(own)s; customers: %(customer)s.",
                      own=Number(internal), customer=Number(customer)))
        if goal <= shown(customer, MARK_DIGITS):  # at the top of the scale: nothing left to raise
            return finding, NC_("The customers' rating stays at %(customer)s in the next round.",
                               customer=Number(customer)), (Goal("mirror_customer", at_least=goal),)
        return finding, NC_("The customers' rating from %(customer)s to at least %(goal)s in the next round.",
                           customer=Number(customer), goal=Number(goal)), (Goal("mirror_customer", at_least=goal),)
    if placement.next_phase is None:
        return (N_("Phase %(phase)s.", phase=placement.phase.key),
                N_("Phase %(phase)s in the next round.", phase=placement.phase.key),
                (Goal("phase", at_least=float(placement.phase)),))
    return (N_("Phase %(phase)s; the next step is %(target)s.",
               phase=placement.phase.key, target=placement.next_phase.key),
            N_("Phase %(target)s in the next round.", target=placement.next_phase.key),
            (Goal("phase", at_least=float(placement.next_phase)),))


def _customers_first(plan: PlanInput) -> list[Proposal]:
    """What customers experience comes first: while their mark is below the bar of the next
    phase that has one, the plan's first target is that mark, from where it is to the bar."""
    customer = plan.marks.get("customer")
    if customer is None:  # a plan made without the marks: the placement's own figure
        customer = next((r.params["value"] for r in plan.placement.missing if r.code == "customer_below"), None)
    bar = _next_bar(plan.placement.phase, "mirror_customer")
    if customer is None or bar is None or shown(customer, MARK_DIGITS) >= bar[1]:
        return []
    phase, needed = bar
    return [_focus("dimension.mirror_customer", "customers", NC_(
        "Customers rate the organisation %(customer)s; %(phase)s needs at least %(needed)s.",
        customer=Number(customer), phase=phase.key, needed=Number(needed)),
        NC_("The customers' rating from %(customer)s to at least %(needed)s in the next round.",
           customer=Number(customer), needed=Number(needed)), 0, goals=(Goal("mirror_customer", at_least=needed),))]


def _customer_goal(plan: PlanInput, customer: float, own: float | None = None) -> float:
    """The customers' mark a target asks for, from where it is: the next phase's customers' bar
    while customers are below it; otherwise up to where the employees' view would be within a
    mark of it, but not past "good" (from there an overestimation is no blind spot); and always
    at least the smallest change the next round can show (half a mark)."""
    now = shown(customer, MARK_DIGITS)
    bar = _next_bar(plan.placement.phase, "mirror_customer")
    cap = bar[1] if bar is not None and now < bar[1] else (DEFAULT.klantbekwaam.customer_mark or 10.0)
    if own is not None:
        cap = min(cap, shown(shown(own, MARK_DIGITS) - MIN_GAP_MARKS + 0.1, MARK_DIGITS))
    return max(min(10.0, shown(now + STEP_MARK, MARK_DIGITS)), cap)


def _below(limit: float) -> float:
    """"Smaller than ``limit``" as the largest value shown below it (one decimal)."""
    return shown(limit - 0.1, MARK_DIGITS)


def _awareness(plan: PlanInput) -> list[Proposal]:
    out = []
    for reason in plan.placement.reasons:
        q = reason.params
        if reason.code == "overestimation":
            out.append(_focus("mirror.gap", "mirror", NC_(
                "Employees rate the organisation %(own)s, customers %(customer)s: %(gap)s higher.",
                own=Number(q["self"]), customer=Number(q["customer"]), gap=Number(q["gap"])),
                NC_("The difference below %(min)s (now %(gap)s): customers from %(customer)s to at least %(goal)s, and employees who see "
                   "what customers miss: their own rating (now %(own)s) then less than %(min)s above the customers'.",
                   min=Number(q["min_gap"]), gap=Number(q["gap"]), goal=Number(_customer_goal(plan, q["customer"], q["self"])),
                   customer=Number(q["customer"]), own=Number(q["self"])), 1,
                goals=(Goal("gap.self", at_most=_below(q["min_gap"])),
                       Goal("mirror_customer", at_least=_customer_goal(plan, q["customer"], q["self"])))))
        elif reason.code == "estimate_overestimation":
            out.append(_focus("mirror.estimate", "estimate", NC_(
                "Employees expect customers to give %(estimate)s, customers give %(customer)s.",
                estimate=Number(q["estimate"]), customer=Number(q["customer"])),
                NC_("The estimate less than %(min)s above the customers' rating (now %(gap)s): customers from %(customer)s to at "
                   "least %(goal)s, and employees who know what customers think: their estimate (now %(estimate)s) then less "
                   "than %(min)s above what customers give.",
                   min=Number(q["min_gap"]), gap=Number(q["gap"]), goal=Number(_customer_goal(plan, q["customer"], q["estimate"])),
                   customer=Number(q["customer"]), estimate=Number(q["estimate"])), 1,
                goals=(Goal("gap.estimate", at_most=_below(q["min_gap"])),
                       Goal("mirror_customer", at_least=_customer_goal(plan, q["customer"], q["estimate"])))))
    return out


def _requirements(plan: PlanInput, instrument: Instrument) -> list[Proposal]:
    out = []
    target_phase = plan.placement.next_phase
    for reason in plan.placement.missing:
        q = reason.params
        if reason.code == "customer_below":
            continue  # the customers' mark is the plan's first focus (_customers_first)
        if reason.code == "dimension_below":
            dimension = q["dimension"]
            theme = DIMENSION_THEME.get(dimension)
            if theme is None:
                continue
            if target_phase is Phase.KLANTBEKWAAM and dimension == "culture":
                theme = "embed"
            out.append(_focus(f"dimension.{dimension}", theme, N_(
                "%(name)s: %(value)s; %(target)s needs at least %(needed)s.",
                name=DIMENSION_NAMES[dimension], value=Number(q["value"], 0), needed=Number(q["needed"], 0),
                target=q["phase"]),
                N_("%(name)s from %(value)s to at least %(needed)s in the next round.",
                   name=DIMENSION_NAMES[dimension], value=Number(q["value"], 0), needed=Number(q["needed"], 0)), 2,
                goals=(Goal(dimension, at_least=q["needed"]),)))
        elif reason.code == "mirror_required":
            out.append(_focus("mirror.collect", "collect", NC_(
                "Too few customer responses to check the self-image (at least %(n)s needed).", n=q["min_n"]),
                NC_("At least %(n)s customer responses in the next round.",
                   n=q["min_n"]), 2, goals=(Goal("customers", at_least=q["min_n"]),)))
        elif reason.code == "department_below":
            # The responses without a (large enough) department are one group, named as the report names it.
            department = q["department"] or OTHERS
            out.append(_focus(f"department.{q['department']}", f"department.{q['department']}", N_(
                "%(department)s scores %(value)s on culture; %(target)s needs at least %(needed)s in every department.",
                department=department, value=Number(q["value"], 0), needed=Number(q["needed"], 0), target=q["phase"]),
                N_("Culture in %(department)s from %(value)s to at least %(needed)s.",
                   department=department, value=Number(q["value"], 0), needed=Number(q["needed"], 0)), 2,
                title=N_("Culture in %(department)s", department=department), practice="embed",
                goals=(Goal(f"department.{q['department']}.culture", at_least=q["needed"]),)))
    return out


def _modest_views(plan: PlanInput) -> list[Proposal]:
    """Employees who expect (or give) at least a mark less than customers give: no blind spot,
    but teams that do not know what customers value may stop doing it. Let them hear it."""
    out = []
    for reason in plan.placement.notes:
        q = reason.params
        if reason.code not in ("estimate_too_low", "underestimation"):
            continue
        view = "estimate" if reason.code == "estimate_too_low" else "self"
        figures = {"own": Number(q[view]), "customer": Number(q["customer"])}
        if view == "estimate":
            finding = NC_("Employees expect %(own)s, customers give %(customer)s.", **figures)
            target = NC_("Employees' estimate less than %(min)s below the customers' rating in the next round "
                        "(now %(own)s against %(customer)s).", min=Number(q["min_gap"]), **figures)
        else:
            finding = NC_("Employees themselves give %(own)s, customers give %(customer)s.", **figures)
            target = NC_("Employees' own rating less than %(min)s below the customers' rating in the next round "
                        "(now %(own)s against %(customer)s).", min=Number(q["min_gap"]), **figures)
        out.append(_focus(f"mirror.{reason.code}", "estimate_low", finding, target, 6,
                          goals=(Goal(f"gap.{view}", at_most=_below(q["min_gap"])),)))
    return out


def _competence_when_onwetend(plan: PlanInput) -> list[Proposal]:
    """For an unaware organisation the next step is awareness, but a board also needs to hear
    where the scores stand: each dimension below klantbewust's bar, after the mirror."""
    if plan.placement.phase is not Phase.ONWETEND:
        return []
    bar = DEFAULT.klantbewust
    out = []
    for dimension in ("leadership", "culture", "skills"):
        value, needed = plan.scores.get(dimension), getattr(bar, dimension)
        if value is None or needed is None or shown(value, 0) >= needed:
            continue
        out.append(_focus(f"dimension.{dimension}", DIMENSION_THEME[dimension], N_(
            "%(name)s: %(value)s; klantbewust needs at least %(needed)s.",
            name=DIMENSION_NAMES[dimension], value=Number(value, 0), needed=Number(needed, 0)),
            N_("%(name)s from %(value)s to at least %(needed)s in the next round.",
               name=DIMENSION_NAMES[dimension], value=Number(value, 0), needed=Number(needed, 0)), 3,
            goals=(Goal(dimension, at_least=needed),)))
    return out


def _topics(plan: PlanInput, instrument: Instrument) -> list[Proposal]:
    out = []
    for key, own, customer in plan.mirror_topics:
        gap = shown_difference(own, customer, MARK_DIGITS)
        if gap < MIN_GAP_MARKS:
            continue
        item = next(i for i in instrument.mirror.items if i.key == key)
        # Customers come up (not the employees' rating down), as far as the next round can ask.
        goal = _customer_goal(plan, customer, own)
        theme = TOPIC_THEME.get(key, f"topic.{key}")
        specific = theme in PRACTICE
        out.append(_focus(f"topic.{key}", theme, NC_(
            "%(topic)s: employees %(own)s, customers %(customer)s (%(gap)s higher).",
            topic=item.topic, own=Number(own), customer=Number(customer), gap=Number(gap)),
            NC_("%(topic)s: customers from %(customer)s to at least %(goal)s (employees give %(own)s).",
               topic=item.topic, goal=Number(goal), customer=Number(customer), own=Number(own)),
            3, title=None if specific else N_("Mirror topic: %(topic)s", topic=item.topic),
            practice=None if specific else "customers", goals=(Goal(f"topic.{key}.customer", at_least=goal),)))
    return out


def _comments(plan: PlanInput) -> list[Proposal]:
    if not plan.comments:
        return []
    out = []
    for theme, matching in comment_themes(plan.comments).items():
        if len(matching) < MIN_COMMENTS_PER_THEME:
            continue
        example = matching[0] if len(matching[0]) <= 140 else matching[0][:137] + "…"
        out.append(_focus(f"comments.{theme}", theme, NC_(
            "%(n)s customers wrote about this, for example: “%(example)s”",
            n=len(matching), example=example),
            NC_("Fewer than %(n)s customer comments on this in the next round.", n=len(matching)),
            4, goals=(Goal(f"comments.{theme}", at_most=len(matching) - 1),)))
    return out


def _with_employees(proposal: Proposal, plan: PlanInput) -> Proposal:
    """A focus area on a theme that at least two employees' suggestions share says so, as the
    employees' (counted, not quoted: see the module docstring)."""
    said = comment_themes(plan.employee_comments).get(proposal.theme, [])
    if len(said) < MIN_COMMENTS_PER_THEME:
        return proposal
    return replace(proposal, finding=join(proposal.finding, N_(
        "%(n)s employees named this as what they would change tomorrow.", n=len(said))))


def _statements(plan: PlanInput, instrument: Instrument) -> list[Proposal]:
    weak = sorted((s for s in plan.statements if s.n and shown(s.mean, 1) < WEAK_STATEMENT), key=lambda s: s.mean)
    out = []
    for statement in weak[:MAX_WEAK_STATEMENTS]:
        item = next(i for section in instrument.likert_sections for i in section.items if i.key == statement.key)
        theme = STATEMENT_THEME.get(statement.key, "learning")
        figures = {"text": item.aim, "mean": Number(statement.mean), "n": statement.n}
        out.append(_focus(f"statement.{statement.key}", theme, (
            N_("“%(text)s”: %(mean)s on 1 to 5, asked the other way round (%(n)s answers).", **figures) if item.reverse
            else N_("“%(text)s”: %(mean)s on 1 to 5 (%(n)s answers).", **figures)),
            N_("This statement from %(mean)s to at least %(bar)s in the next round.", mean=Number(statement.mean),
               bar=Number(WEAK_STATEMENT)),
            5, title=N_("Improvement point: %(aim)s", aim=item.aim),
            goals=(Goal(f"statement.{statement.key}", at_least=WEAK_STATEMENT),)))
    return out


def _departments(plan: PlanInput) -> list[Proposal]:
    """Per department, its largest lag behind the organisation (at least 10 points)."""
    worst: dict[str, DepartmentScore] = {}
    for d in plan.departments:
        if d.dimension not in ("skills", "leadership", "culture"):
            continue
        lag = shown(d.organisation, 0) - shown(d.value, 0)
        if lag >= DEPARTMENT_GAP and (d.name not in worst or lag > shown(worst[d.name].organisation, 0) - shown(worst[d.name].value, 0)):
            worst[d.name] = d
    out = []
    for d in worst.values():
        out.append(_focus(f"department.{d.name}.{d.dimension}", f"department.{d.name}", N_(
            "%(department)s: %(name)s %(value)s, the organisation %(org)s.",
            department=d.name, name=DIMENSION_NAMES[d.dimension], value=Number(d.value, 0), org=Number(d.organisation, 0)),
            N_("%(name)s in %(department)s from %(value)s to at least %(goal)s (the organisation now %(org)s, less %(gap)s).",
               department=d.name, name=DIMENSION_NAMES[d.dimension], value=Number(d.value, 0),
               goal=Number(shown(d.organisation, 0) - DEPARTMENT_GAP / 2, 0), org=Number(d.organisation, 0),
               gap=Number(DEPARTMENT_GAP / 2, 0)),
            6, title=N_("Attention for %(department)s: %(name)s",
                        department=d.name, name=DIMENSION_NAMES[d.dimension]),
            practice=DIMENSION_THEME[d.dimension],
            # A figure of the department itself: met by the department rising, not the organisation falling.
            goals=(Goal(f"department.{d.name}.{d.dimension}", at_least=shown(d.organisation, 0) - DEPARTMENT_GAP / 2),)))
        out[-1] = replace(out[-1], role="teams", role_scope=d.name)
    return out


def _quiz(plan: PlanInput, instrument: Instrument) -> list[Proposal]:
    """The one quiz question most employees answered weakly, as a team training on that situation."""
    weak = sorted((q for q in plan.quiz_weak if q[2] >= QUIZ_WEAK_SHARE), key=lambda q: -q[2])[:1]
    out = []
    for question_key, option_key, share in weak:
        question = instrument.question(question_key)
        option = question.option(option_key)
        stem = Text(nl=question.text.nl[:1].lower() + question.text.nl[1:] + " …",
                    en=question.text.en[:1].lower() + question.text.en[1:] + " …")
        situation = QUIZ_SITUATION.get(question_key, stem)
        percent = int(shown(share * 100, 0))  # as the results page shows the share
        proposal = _focus(f"quiz.{question_key}", f"quiz.{question_key}", N_(
            "%(share)s%% of employees chose, for “%(question)s …”: “%(answer)s”.",
            share=percent, question=question.text, answer=option.text),
            N_("Fewer than %(limit)s%% choose this answer in the next round (now %(share)s%%).",
               limit=int(QUIZ_WEAK_SHARE * 100), share=percent),
            7, title=N_("Team training: %(situation)s", situation=situation), practice="training",
            goals=(Goal(f"{question_key}.{option_key}", at_most=int(QUIZ_WEAK_SHARE * 100) - 1),))
        out.append(replace(proposal, description=NC_(
            "Discuss this topic in every team with a real example from the past month: what did the customer notice of our "
            "approach, and what would have helped the customer most? Agree how you will do it from now on.")))
    return out
