"""The action-plan rules: each proposal answers a finding; the step follows seed 004."""

from __future__ import annotations

from maturity.core import DimensionStats, GroupProfile, place
from maturity.core.actions import PlanInput, StatementScore, generate
from maturity.instrument import load_instrument

INSTRUMENT = load_instrument()


def stats(mean, n=30, sd=12.0):
    return DimensionStats(n=n, mean=mean, sd=sd)


def profile(skills=55, leadership=50, culture=55, own=70, estimate=68, customer=None, n_customer=20):
    return GroupProfile(
        skills=stats(skills), leadership=stats(leadership), culture=stats(culture),
        mirror_self=stats(own), mirror_estimate=stats(estimate),
        mirror_customer=stats(customer, n=n_customer) if customer is not None else None,
    )


def proposals(prof, statements=(), topics=(), quiz=()):
    return generate(PlanInput(place(prof), statements, topics, quiz), INSTRUMENT)


def test_klantgericht_gets_leadership_learning_and_training_and_the_missing_dimension():
    keys = [p.key for p in proposals(profile(customer=66))]
    assert keys[:3] == ["step.leadership", "step.learning", "step.training"]
    assert "dimension.leadership" in keys


def test_the_finding_carries_the_numbers_in_both_languages():
    [leadership] = [p for p in proposals(profile(customer=66)) if p.key == "dimension.leadership"]
    assert "50" in leadership.finding.nl and "60" in leadership.finding.nl and "klantbewust" in leadership.finding.nl
    assert "needs at least 60" in leadership.finding.en


def test_a_meaningful_overestimation_asks_to_let_customers_look_along():
    result = proposals(profile(own=80, estimate=78, customer=45))
    keys = [p.key for p in result]
    assert keys[0] == "step.mirror" and "mirror.gap" in keys and "mirror.estimate" in keys


def test_weak_statements_topics_and_quiz_advice():
    statements = [StatementScore("leadership.l5", 2.4, 30), StatementScore("culture.c1", 3.6, 30),
                  StatementScore("culture.c4", 2.1, 28), StatementScore("culture.c6", 2.9, 30),
                  StatementScore("culture.c8", 2.95, 30)]
    result = proposals(profile(customer=66), statements, topics=[("mirror.m3", 7.5, 5.9), ("mirror.m2", 7.0, 6.5)],
                       quiz=[("quiz.q2", "c", 0.42), ("quiz.q3", "b", 0.1)])
    keys = [p.key for p in result]
    assert [k for k in keys if k.startswith("statement.")] == [
        "statement.culture.c4", "statement.leadership.l5", "statement.culture.c6"]  # weakest three
    assert "topic.mirror.m3" in keys and "topic.mirror.m2" not in keys
    [reach] = [p for p in result if p.key == "topic.mirror.m3"]
    assert "vrijdagmiddag" in reach.description.nl
    [quiz] = [p for p in result if p.key == "advice.quiz.q2"]
    assert quiz.description == INSTRUMENT.question("quiz.q2").option("c").advice
    assert "42%" in quiz.finding.nl and "advice.quiz.q3" not in keys


def test_every_phase_has_a_next_step_and_keys_are_unique():
    for prof in (profile(own=85, customer=40), profile(customer=66), profile(skills=70, leadership=75, culture=75, customer=66),
                 profile(skills=80, leadership=85, culture=85, own=76, estimate=76, customer=76)):
        result = proposals(prof)
        assert result and len({p.key for p in result}) == len(result)
        assert all(p.title.nl and p.title.en and p.description.nl and p.finding.en for p in result)


def test_a_weak_reverse_keyed_statement_is_titled_with_the_behaviour_to_reach():
    """"Wij vullen vaak zelf in wat een klant wil" is the problem, not the goal."""
    [item] = [p for p in proposals(profile(customer=66), [StatementScore("culture.c3", 2.0, 30)])
              if p.key == "statement.culture.c3"]
    assert "Vraag eerst wat de klant wil" in item.title.nl and "zelf in" not in item.title.nl
    assert "How can I help you?" in item.title.en
