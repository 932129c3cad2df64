from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maturity.core import (
    DONT_KNOW,
    CustomerScores,
    GroupProfile,
    ResponseScores,
    item_values,
    mark_from_index,
    score_customer_response,
    score_quiz,
    score_response,
)
from maturity.instrument import load_instrument

INSTRUMENT = load_instrument("1")
QUIZ_KEYS = [q.key for q in INSTRUMENT.quiz.questions]

# Seed 001's table, typed in again from the seed rather than read from the data file.
SEED_TABLE = [
    ("quiz.q1", "a", 1), ("quiz.q1", "b", 3), ("quiz.q1", "c", 5),
    ("quiz.q2", "a", 3), ("quiz.q2", "b", 5), ("quiz.q2", "c", 1),
    ("quiz.q3", "a", 5), ("quiz.q3", "b", 1), ("quiz.q3", "c", 3),
    ("quiz.q4", "a", 3), ("quiz.q4", "b", 5), ("quiz.q4", "c", 1),
    ("quiz.q5", "a", 3), ("quiz.q5", "b", 1), ("quiz.q5", "c", 5),
    ("quiz.q6", "a", 1), ("quiz.q6", "b", 3), ("quiz.q6", "c", 5),
]


def all_quiz_answers():
    for combination in itertools.product("abc", repeat=6):
        yield dict(zip(QUIZ_KEYS, combination))


def quiz_answers_with_total(total: int) -> dict[str, str]:
    for answers in all_quiz_answers():
        if score_quiz(INSTRUMENT, answers).total == total:
            return answers
    raise AssertionError(f"no answers total {total}")


BEST = {"quiz.q1": "c", "quiz.q2": "b", "quiz.q3": "a", "quiz.q4": "b", "quiz.q5": "c", "quiz.q6": "c"}


def full_response(likert=4, mirror_self=8, mirror_estimate=7) -> dict[str, object]:
    answers: dict[str, object] = dict(BEST)
    for section in INSTRUMENT.likert_sections:
        answers.update({item.key: likert for item in section.items})
    for item in INSTRUMENT.mirror.items:
        answers[item.answer_key("self")] = mirror_self
        answers[item.answer_key("estimate")] = mirror_estimate
    return answers


# -- quiz ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "option", "points"), SEED_TABLE)
def test_every_cell_of_the_seed_001_score_table(question, option, points):
    answers = {key: "a" for key in QUIZ_KEYS} | {question: option}
    result = score_quiz(INSTRUMENT, answers)
    choice = next(c for c in result.choices if c.question.key == question)
    assert choice.option.key == option
    assert choice.score == points


@pytest.mark.parametrize(
    ("total", "band"),
    [(6, "low"), (12, "low"), (13, "average"), (22, "average"), (23, "high"), (30, "high")],
)
def test_band_boundaries(total, band):
    assert INSTRUMENT.quiz.band_for(total).key == band


@pytest.mark.parametrize(
    ("total", "band"),
    # Six odd scores always add up to an even total: 13 and 23 cannot occur, 14 and 24 are the
    # lowest reachable totals of their bands.
    [(6, "low"), (12, "low"), (14, "average"), (22, "average"), (24, "high"), (30, "high")],
)
def test_band_boundaries_reached_by_answers(total, band):
    result = score_quiz(INSTRUMENT, quiz_answers_with_total(total))
    assert result.total == total
    assert result.band_key == band
    assert result.band_text("nl") == result.band.text.nl
    assert result.band_text("en") == result.band.text.en


@pytest.mark.parametrize("total", [5, 31])
def test_totals_outside_the_bands_are_refused(total):
    with pytest.raises(ValueError, match="outside 6..30"):
        INSTRUMENT.quiz.band_for(total)


def test_totals_run_from_6_to_30_and_skills_maps_linearly():
    totals = set()
    for answers in all_quiz_answers():
        result = score_quiz(INSTRUMENT, answers)
        totals.add(result.total)
        assert result.skills == pytest.approx((result.total - 6) / 24 * 100)
    # Six odd scores: every even total from 6 to 30, and no odd one.
    assert min(totals) == 6 and max(totals) == 30
    assert totals == set(range(6, 31, 2))


def test_every_advice_text_is_reachable():
    reached = set()
    for question in INSTRUMENT.quiz.questions:
        for option in question.options:
            answers = {key: "a" for key in QUIZ_KEYS} | {question.key: option.key}
            choice = next(c for c in score_quiz(INSTRUMENT, answers).choices if c.question.key == question.key)
            assert choice.advice == option.advice
            reached.add(choice.advice.nl)
    assert len(reached) == 18


def test_incomplete_quiz_is_refused():
    answers = {key: "a" for key in QUIZ_KEYS[:-1]}
    with pytest.raises(ValueError, match="quiz incomplete: no answer for quiz.q6"):
        score_quiz(INSTRUMENT, answers)


@pytest.mark.parametrize("bad", ["d", "A", "", 1, None])
def test_invalid_quiz_option_is_refused(bad):
    answers = {key: "a" for key in QUIZ_KEYS} | {"quiz.q4": bad}
    with pytest.raises(ValueError, match="quiz.q4: invalid option"):
        score_quiz(INSTRUMENT, answers)


def test_unknown_key_is_refused():
    answers = {key: "a" for key in QUIZ_KEYS} | {"quiz.q7": "a"}
    with pytest.raises(ValueError, match="unknown employee answer key.*quiz.q7"):
        score_quiz(INSTRUMENT, answers)


# -- respondent indices ---------------------------------------------------------------------------


def test_full_response_indices():
    scores = score_response(INSTRUMENT, full_response(likert=4, mirror_self=8, mirror_estimate=7))
    assert scores.quiz_total == 30 and scores.skills == 100
    # Reverse items answered 4 count as 2, so the mean is below 4.
    leadership_items = INSTRUMENT.leadership.items
    expected = [2 if item.reverse else 4 for item in leadership_items]
    assert scores.leadership == pytest.approx((sum(expected) / len(expected) - 1) / 4 * 100)
    assert scores.mirror_self == pytest.approx((8 - 1) / 9 * 100)
    assert scores.mirror_estimate == pytest.approx((7 - 1) / 9 * 100)
    assert mark_from_index(INSTRUMENT, scores.mirror_self) == pytest.approx(8)


def test_reverse_items_are_flipped():
    answers = full_response(likert=5)
    values = item_values(INSTRUMENT, "culture", answers)
    for item, value in zip(INSTRUMENT.culture.items, values):
        assert value == (1 if item.reverse else 5)


def test_dont_know_is_excluded_not_a_midpoint():
    answers = full_response(likert=5)
    # Answer every non-reverse culture item 5 and every reverse one "don't know".
    for item in INSTRUMENT.culture.items:
        if item.reverse:
            answers[item.key] = DONT_KNOW
    assert score_response(INSTRUMENT, answers).culture == 100


def test_index_needs_at_least_half_of_the_items():
    items = INSTRUMENT.leadership.items
    needed = -(-len(items) // 2)  # ceil
    answers = full_response(likert=3)
    for item in items[needed:]:
        answers[item.key] = DONT_KNOW
    assert score_response(INSTRUMENT, answers).leadership == 50
    answers[items[needed - 1].key] = DONT_KNOW
    assert score_response(INSTRUMENT, answers).leadership is None


def test_mirror_all_dont_know_gives_no_index():
    answers = full_response()
    for item in INSTRUMENT.mirror.items:
        answers[item.answer_key("estimate")] = DONT_KNOW
    scores = score_response(INSTRUMENT, answers)
    assert scores.mirror_estimate is None and scores.mirror_self is not None


def test_form_strings_are_accepted():
    answers = {key: str(value) for key, value in full_response().items()}
    assert score_response(INSTRUMENT, answers) == score_response(INSTRUMENT, full_response())


@pytest.mark.parametrize("bad", [0, 6, "6", "x", 3.5, True, None])
def test_invalid_likert_answer_is_refused(bad):
    answers = full_response() | {"culture.c2": bad}
    with pytest.raises(ValueError, match="culture.c2: invalid answer"):
        score_response(INSTRUMENT, answers)


@pytest.mark.parametrize("bad", [0, 11, "10.5"])
def test_invalid_mark_is_refused(bad):
    answers = full_response() | {"mirror.m2.self": bad}
    with pytest.raises(ValueError, match="mirror.m2.self: invalid answer"):
        score_response(INSTRUMENT, answers)


def test_incomplete_response_is_refused():
    answers = full_response()
    del answers["leadership.l3"]
    with pytest.raises(ValueError, match="response incomplete: no answer for leadership.l3"):
        score_response(INSTRUMENT, answers)


def test_customer_keys_are_not_employee_keys():
    answers = full_response() | {"mirror.m1.customer": 7}
    with pytest.raises(ValueError, match="unknown employee answer key"):
        score_response(INSTRUMENT, answers)


# -- customers --------------------------------------------------------------------------------------


def customer_answers(mark=6):
    return {key: mark for key in INSTRUMENT.customer_answer_keys()}


def test_customer_score_and_comment_is_ignored():
    answers = customer_answers(6) | {"mirror.comment": "Bel eens terug."}
    assert score_customer_response(INSTRUMENT, answers) == CustomerScores(mirror_customer=pytest.approx(5 / 9 * 100))


def test_customer_response_with_employee_key_is_refused():
    with pytest.raises(ValueError, match="unknown customer answer key.*mirror.m1.self"):
        score_customer_response(INSTRUMENT, customer_answers() | {"mirror.m1.self": 7})


def test_incomplete_customer_response_is_refused():
    answers = customer_answers()
    del answers["mirror.m5.customer"]
    with pytest.raises(ValueError, match="incomplete: no answer for mirror.m5.customer"):
        score_customer_response(INSTRUMENT, answers)


def test_customer_mostly_dont_know_has_no_index():
    answers = {key: DONT_KNOW for key in INSTRUMENT.customer_answer_keys()} | {"mirror.m1.customer": 9}
    assert score_customer_response(INSTRUMENT, answers).mirror_customer is None


# -- properties ----------------------------------------------------------------------------------------

likert_answer = st.one_of(st.integers(1, 5), st.just(DONT_KNOW))
mark_answer = st.one_of(st.integers(1, 10), st.just(DONT_KNOW))


@st.composite
def responses(draw):
    answers: dict[str, object] = {key: draw(st.sampled_from("abc")) for key in QUIZ_KEYS}
    for section in INSTRUMENT.likert_sections:
        answers.update({item.key: draw(likert_answer) for item in section.items})
    for item in INSTRUMENT.mirror.items:
        answers[item.answer_key("self")] = draw(mark_answer)
        answers[item.answer_key("estimate")] = draw(mark_answer)
    return answers


@given(responses())
def test_every_index_is_on_0_to_100(answers):
    scores = score_response(INSTRUMENT, answers)
    for value in (scores.skills, scores.leadership, scores.culture, scores.mirror_self, scores.mirror_estimate):
        assert value is None or 0 <= value <= 100
    assert 6 <= scores.quiz_total <= 30


def test_group_profile_from_scores():
    responses_ = [
        ResponseScores(20, 58.3, 50.0, 60.0, 70.0, 65.0),
        ResponseScores(24, 75.0, None, 70.0, 80.0, 60.0),
    ]
    profile = GroupProfile.from_scores(responses_, [CustomerScores(50.0), CustomerScores(None)])
    assert profile.leadership.n == 1 and profile.culture.n == 2
    assert profile.culture.mean == pytest.approx(65.0)
    assert profile.mirror_customer.n == 1
