"""The action plan's texts, pinned: every generated title, description, finding and target, in
Dutch and in English, for a set of plans that reaches every rule (hand-made cases and seeded
random ones), as stored with the plan (the core's messages through the catalogue). Moving the
texts into the catalogue did not change a word of them (pinned before the move).

To change wording deliberately, change the catalogue and rewrite the pinned file with
``python -m tests.unit.test_plan_texts`` (then read its diff)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from babel.messages.pofile import read_po

from maturity.core import DimensionStats, GroupProfile, place
from maturity.core.actions import DepartmentScore, PlanInput, StatementScore, generate
from maturity.core.messages import Message, parts
from maturity.core.phases import DEFAULT
from maturity.i18n import in_every_language
from maturity.instrument import load_instrument

INSTRUMENT = load_instrument()
PINNED = Path(__file__).with_name("plan_texts.json")
FIELDS = ("title", "description", "finding", "target")

STATEMENTS = [i.key for s in INSTRUMENT.likert_sections for i in s.items]
TOPICS = [i.key for i in INSTRUMENT.mirror.items]
QUIZ = [(q.key, [o.key for o in q.options]) for q in INSTRUMENT.quiz.questions]
CUSTOMER_COMMENTS = [
    "Op vrijdagmiddag is er niemand bereikbaar.", "Ik krijg op vrijdag een bandje.", "Mijn klacht werd niet serieus genomen.",
    "Kritiek wordt weggewuifd, ook mijn klacht.", "De afspraak werd niet nagekomen.", "Weer een belofte die niet werd nagekomen.",
    "Steeds opnieuw doorverbonden.", "Ik moest steeds opnieuw uitleggen wat er was.", "Prima service.",
    "Niemand luistert naar wat ik nodig heb, er werd niet gevraagd.", "I was transferred again and again and nobody would listen.",
]
EMPLOYEE_COMMENTS = [
    "Betere telefonische bereikbaarheid.", "Terugbellen als we het beloven.", "Klachten samen bespreken.",
    "Meer tijd voor de klant.", "Een klacht is een kans; kritiek bespreken we te weinig.", "De telefoon vaker opnemen.",
]


def _stats(mean, n=30, sd=12.0):
    return DimensionStats(n=n, mean=mean, sd=sd)


def _plan(skills, leadership, culture, own, estimate, customer, *, n_customer=20, departments=None, statements=(),
          topics=(), quiz=(), department_scores=(), comments=None, employee_comments=None, with_figures=True):
    m = DEFAULT.mark_to_index
    profile = GroupProfile(
        skills=_stats(skills), leadership=_stats(leadership), culture=_stats(culture),
        mirror_self=_stats(m(own)), mirror_estimate=_stats(m(estimate)),
        mirror_customer=_stats(m(customer), n=n_customer) if customer is not None else None)
    marks = {"self": own, "estimate": estimate, **({"customer": customer} if customer is not None else {})}
    scores = {"skills": skills, "leadership": leadership, "culture": culture}
    return PlanInput(place(profile, departments=departments), list(statements), list(topics), list(quiz),
                     departments=list(department_scores), comments=comments, employee_comments=employee_comments,
                     marks=marks if with_figures else {}, scores=scores if with_figures else {})


def _cases() -> dict[str, PlanInput]:
    cases = {
        "klantgericht without figures": _plan(55, 50, 55, 7.3, 7.1, 6.9, with_figures=False),
        "unaware, overestimating": _plan(30, 25, 26, 7.8, 7.5, 4.6, statements=[
            StatementScore("culture.c7", 1.9, 30), StatementScore("leadership.l5", 2.4, 30),
            StatementScore("culture.c1", 3.6, 30)], topics=[("mirror.m3", 7.5, 5.9), ("mirror.m2", 7.0, 6.6)],
            quiz=[("quiz.q2", "c", 0.42), ("quiz.q3", "b", 0.1)],
            comments=CUSTOMER_COMMENTS[:4], employee_comments=EMPLOYEE_COMMENTS[:3]),
        "klantbewust with a lagging department": _plan(
            60, 65, 58, 7.0, 6.8, 6.6, departments={"Vastgoed": 41.0, "Wonen": 60.0},
            department_scores=[DepartmentScore("Vastgoed", "culture", 41.0, 58.0), DepartmentScore("Wonen", "culture", 60.0, 58.0)]),
        "nearly klantbekwaam, a small department behind": _plan(
            80, 85, 85, 7.6, 7.6, 7.6, departments={"": 44.0, "Wonen": 80.0},
            department_scores=[DepartmentScore("Wonen", "skills", 66.0, 80.0)]),
        "klantbewust without customers": _plan(80, 85, 85, 7.6, 7.4, None),
        "klantbekwaam at the top": _plan(100, 100, 100, 10.0, 10.0, 10.0),
        "employees underrate the customers": _plan(80, 80, 80, 6.5, 4.0, 8.0),
        "customers first": _plan(80, 80, 80, 5.9, 6.0, 6.0, statements=[StatementScore("leadership.l6", 2.5, 12)]),
        "employees expect too little": _plan(80, 80, 80, 8.0, 4.0, 8.0, statements=[StatementScore("culture.c5", 2.0, 20)],
                                             quiz=[("quiz.q2", "b", 0.35)]),
        "unaware by the estimate alone": _plan(60, 60, 60, 6.0, 8.0, 6.0),
        "klantbekwaam without figures": _plan(100, 100, 100, 10.0, 10.0, 10.0, with_figures=False),
    }
    rng = random.Random(27)
    for n in range(16):
        marks = [round(rng.uniform(3, 9.5), 2) for _ in range(3)]
        customer = None if rng.random() < 0.2 else marks[2]
        scores = [round(rng.uniform(20, 95), 1) for _ in range(3)]
        names = rng.sample(["Wonen", "Verhuur", "Vastgoed", "Klantcontact", ""], rng.randint(0, 3))
        departments = {name: round(rng.uniform(25, 95), 1) for name in names}
        cases[f"random {n}"] = _plan(
            *scores, marks[0], marks[1], customer, n_customer=rng.choice([3, 20]), departments=departments,
            statements=[StatementScore(k, round(rng.uniform(1.5, 4.5), 2), rng.randint(5, 40))
                        for k in rng.sample(STATEMENTS, 6)],
            topics=[(k, round(rng.uniform(4, 9), 2), round(rng.uniform(3, 9), 2)) for k in rng.sample(TOPICS, 3)]
            if customer is not None else [],
            quiz=[(k, rng.choice(options), round(rng.random() * 0.6, 3)) for k, options in rng.sample(QUIZ, 3)],
            department_scores=[DepartmentScore(name, dimension, round(rng.uniform(25, 95), 1), scores[i])
                               for name in names if name for i, dimension in enumerate(("skills", "leadership", "culture"))],
            comments=rng.sample(CUSTOMER_COMMENTS, rng.randint(0, 7)) if rng.random() < 0.8 else None,
            employee_comments=rng.sample(EMPLOYEE_COMMENTS, rng.randint(0, 5)) if rng.random() < 0.8 else None)
    return cases


def _texts(proposal) -> dict:
    texts = {f: in_every_language(getattr(proposal, f)) for f in FIELDS}
    return {f: {"nl": text.nl, "en": text.en} for f, text in texts.items()}


def plan_texts() -> dict:
    return {name: [{"key": p.key, **_texts(p)} for p in generate(plan, INSTRUMENT)] for name, plan in _cases().items()}


def test_the_generated_texts_are_as_pinned_in_both_languages():
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    now = plan_texts()
    assert list(now) == list(pinned)
    for name in pinned:
        assert now[name] == pinned[name], name


def _msgids(said) -> set[str]:
    out = set()
    for message in parts(said):
        out.add(message.msgid)
        for _name, value in message.params:
            if isinstance(value, Message):
                out |= _msgids(value)
    return out


def test_every_message_of_a_plan_has_its_dutch_in_the_catalogue():
    """A msgid the catalogue does not translate would be stored in English in the Dutch text."""
    po = Path(__file__).resolve().parents[2] / "maturity" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        dutch = {m.id: m.string for m in read_po(fh, locale="nl") if m.id and not m.fuzzy}
    used = set()
    for plan in _cases().values():
        for proposal in generate(plan, INSTRUMENT):
            for f in FIELDS:
                used |= _msgids(getattr(proposal, f))
    assert len(used) > 60  # every rule's sentences, not a few
    assert sorted(m for m in used if not dutch.get(m)) == []


if __name__ == "__main__":
    PINNED.write_text(json.dumps(plan_texts(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
