from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from maturity.instrument import (
    LATEST,
    SEED_001_SCORES,
    InstrumentError,
    Text,
    available_versions,
    load_instrument,
    load_instrument_file,
)
from maturity.instrument import loader

DATA_FILE = Path(loader.__file__).parent / "data" / "v1.toml"
PACKAGE_ROOT = Path(loader.__file__).parents[1]


# -- the shipped instrument --------------------------------------------------------------------


def test_latest_is_the_newest_shipped_version():
    assert available_versions() == ["1"]
    assert LATEST == available_versions()[-1]


def test_load_instrument_is_cached():
    assert load_instrument() is load_instrument("1")


def test_unknown_version_is_refused():
    with pytest.raises(InstrumentError, match="unknown instrument version '9'"):
        load_instrument("9")


def test_v1_has_the_required_counts():
    instrument = load_instrument("1")
    assert instrument.version == "1"
    assert [q.key for q in instrument.quiz.questions] == [f"quiz.q{i}" for i in range(1, 7)]
    assert all([o.key for o in q.options] == ["a", "b", "c"] for q in instrument.quiz.questions)
    assert [b.key for b in instrument.quiz.bands] == ["low", "average", "high"]
    assert len(instrument.leadership.items) >= 6
    assert len(instrument.culture.items) >= 8
    assert 4 <= len(instrument.mirror.items) <= 6
    # Under ten minutes: about 32 answers for an employee.
    assert len(instrument.employee_answer_keys()) <= 35
    assert instrument.mirror.comment is not None


def test_v1_score_table_is_seed_001():
    instrument = load_instrument()
    table = {q.key: {o.key: o.score for o in q.options} for q in instrument.quiz.questions}
    assert table == SEED_001_SCORES


def test_v1_bands_are_seed_001():
    bands = load_instrument().quiz.bands
    assert [(b.min, b.max) for b in bands] == [(6, 12), (13, 22), (23, 30)]
    assert bands[0].text.nl.startswith("U scoort laag.")
    assert bands[1].text.nl.startswith("U scoort gemiddeld.")
    assert bands[2].text.nl.startswith("U scoort hoog.")


def test_v1_every_text_has_dutch_and_english():
    for where, text in load_instrument().iter_texts():
        assert isinstance(text, Text)
        assert text.nl.strip() and text.en.strip(), where
        assert "<i>" not in text.nl and "<i>" not in text.en, where


def test_v1_dutch_quiz_is_the_seed_with_typos_fixed():
    instrument = load_instrument()
    q3 = instrument.question("quiz.q3")
    assert q3.text.nl == "Als een klant mij aanspreekt op iets wat eigenlijk door een collega is gedaan"
    assert q3.option("b").text.nl.startswith("verwijs ik de klant naar mijn collega")
    q5b = instrument.question("quiz.q5").option("b").advice.nl
    assert "Gedraagt u zich verschillend" in q5b and "geen enkel punt" in q5b
    q1c = instrument.question("quiz.q1").option("c")
    assert q1c.advice.nl.startswith("U scoort maximaal. Volledige openheid werkt het best.")


def test_v1_likert_and_mirror_items_record_seed_and_idea():
    instrument = load_instrument()
    for section in instrument.likert_sections:
        assert section.scale.key == "likert"
        assert (section.scale.min, section.scale.max) == (1, 5)
        assert section.scale.allows_dont_know
        for item in section.items:
            assert item.seed in {"000", "001", "002", "003", "004"}
            assert item.idea
    seeds = {item.seed for s in instrument.likert_sections for item in s.items}
    assert {"002", "003", "004"} <= seeds
    assert any(item.reverse for item in instrument.leadership.items)
    assert any(item.reverse for item in instrument.culture.items)
    mirror = instrument.mirror
    assert (mirror.scale.min, mirror.scale.max) == (1, 10)
    for item in mirror.items:
        assert item.self.nl and item.estimate.nl and item.customer.nl
        assert " u " in f" {item.customer.nl} "  # customers are addressed with "u"


def test_scales_label_every_value():
    instrument = load_instrument()
    for scale in instrument.scales:
        assert [label.value for label in scale.labels] == list(scale.values)


def test_text_get_falls_back_to_dutch():
    text = Text(nl="Hallo", en="Hello")
    assert text.get("en") == "Hello"
    assert text.get("en_GB") == "Hello"
    assert text.get("en-US") == "Hello"
    assert text.get("nl") == "Hallo"
    assert text.get("de") == "Hallo"
    assert text.get(None) == "Hallo"


def test_core_and_instrument_import_no_web_framework():
    for package in ("core", "instrument"):
        for path in (PACKAGE_ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                for name in names:
                    assert not re.match(r"(flask|sqlalchemy|flask_\w+)\b", name), f"{path}: {name}"


# -- broken files ------------------------------------------------------------------------------


def broken(tmp_path: Path, old: str, new: str, *, count: int = 1, name: str = "v1.toml") -> Path:
    source = DATA_FILE.read_text(encoding="utf-8")
    assert old in source, old
    path = tmp_path / name
    path.write_text(source.replace(old, new, count), encoding="utf-8")
    return path


def refused(path: Path) -> str:
    with pytest.raises(InstrumentError) as info:
        load_instrument_file(path)
    message = str(info.value)
    assert message.startswith(f"{path.name}: "), message
    return message


def test_a_copy_of_v1_loads(tmp_path):
    path = broken(tmp_path, 'version = "1"', 'version = "1"')
    assert load_instrument_file(path) == load_instrument("1")


def test_missing_english_text_names_the_item(tmp_path):
    path = broken(
        tmp_path,
        'text.en = "We often decide for ourselves what a customer wants, without asking."\n',
        "",
    )
    message = refused(path)
    assert "item 'culture.c3'" in message and "missing English text (text.en)" in message


def test_missing_dutch_advice_names_question_and_option(tmp_path):
    path = broken(tmp_path, 'advice.nl = "Klasse: doorvragen', 'advice.xx = "Klasse: doorvragen')
    message = refused(path)
    assert "item 'quiz.q2' option 'b'" in message and "unknown field 'xx'" in message


def test_empty_dutch_text_is_refused(tmp_path):
    path = broken(tmp_path, 'text.nl = "Wij weten wat onze klanten van ons verwachten."', 'text.nl = "  "')
    message = refused(path)
    assert "item 'culture.c2'" in message and "missing Dutch text (text.nl)" in message


def test_duplicate_item_key_is_refused(tmp_path):
    path = broken(tmp_path, 'key = "culture.c4"', 'key = "culture.c3"')
    message = refused(path)
    assert "item 'culture.c3'" in message and "duplicate key" in message


def test_key_in_the_wrong_section_is_refused(tmp_path):
    path = broken(tmp_path, 'key = "culture.c4"', 'key = "leadership.c4"')
    assert "item 'leadership.c4'" in refused(path)


def test_quiz_score_not_as_in_the_table_is_refused(tmp_path):
    path = broken(tmp_path, 'key = "a"\nscore = 3\ntext.nl = "zal ik de klant', 'key = "a"\nscore = 4\ntext.nl = "zal ik de klant')
    message = refused(path)
    assert "item 'quiz.q2' option 'a'" in message
    assert "score 4 differs from seed 001's table (expected 3" in message


def test_swapped_quiz_scores_are_refused(tmp_path):
    # 1/3/5 in another order is still not the seed's table.
    path = broken(tmp_path, 'key = "a"\nscore = 1\ntext.nl = "lever ik', 'key = "a"\nscore = 5\ntext.nl = "lever ik')
    assert "item 'quiz.q1' option 'a'" in refused(path)


def test_missing_quiz_option_is_refused(tmp_path):
    path = broken(tmp_path, 'key = "c"\nscore = 5\ntext.nl = "houd ik', 'key = "d"\nscore = 5\ntext.nl = "houd ik')
    message = refused(path)
    assert "item 'quiz.q6'" in message and "options must be a, b, c" in message


def test_band_gap_is_refused(tmp_path):
    path = broken(tmp_path, 'key = "average"\nmin = 13', 'key = "average"\nmin = 14')
    message = refused(path)
    assert "band 'average'" in message and "without gaps or overlaps: gap" in message


def test_band_overlap_is_refused(tmp_path):
    path = broken(tmp_path, 'key = "high"\nmin = 23', 'key = "high"\nmin = 22')
    message = refused(path)
    assert "band 'high'" in message and "overlap" in message


def test_bands_not_reaching_30_are_refused(tmp_path):
    path = broken(tmp_path, 'min = 23\nmax = 30', 'min = 23\nmax = 29')
    message = refused(path)
    assert "band 'high'" in message and "cover 6..30" in message


def test_mirror_item_without_estimate_form_is_refused(tmp_path):
    source = DATA_FILE.read_text(encoding="utf-8")
    start = source.index('estimate.nl = "Welk cijfer geven onze klanten ons volgens u voor: bereikbaar')
    end = source.index("customer.nl", start)
    path = tmp_path / "v1.toml"
    path.write_text(source[:start] + source[end:], encoding="utf-8")
    message = refused(path)
    assert "item 'mirror.m3'" in message and "missing form 'estimate'" in message


def test_unknown_scale_is_refused(tmp_path):
    path = broken(tmp_path, '[culture]\nscale = "likert"', '[culture]\nscale = "likret"')
    message = refused(path)
    assert "section 'culture'" in message and "unknown scale 'likret'" in message


def test_reverse_must_be_a_boolean(tmp_path):
    path = broken(tmp_path, 'key = "culture.c7"\nseed = "003"\nidea = "defensive when criticised"\nreverse = true',
                  'key = "culture.c7"\nseed = "003"\nidea = "defensive when criticised"\nreverse = "yes"')
    message = refused(path)
    assert "item 'culture.c7'" in message and "'reverse' must be true or false" in message


def test_missing_seed_is_refused(tmp_path):
    path = broken(tmp_path, 'key = "leadership.l2"\nseed = "004"\n', 'key = "leadership.l2"\n')
    message = refused(path)
    assert "item 'leadership.l2'" in message and "'seed'" in message


def test_file_name_must_match_version(tmp_path):
    path = broken(tmp_path, 'version = "1"', 'version = "2"')
    assert "expected 'v2.toml'" in refused(path)


def test_invalid_toml_is_refused(tmp_path):
    path = broken(tmp_path, 'version = "1"', 'version = "1')
    assert "not valid TOML" in refused(path)


def test_missing_file_is_refused(tmp_path):
    assert "cannot read file" in refused(tmp_path / "v7.toml")


def test_a_reverse_keyed_statement_needs_a_positive_goal(tmp_path):
    path = broken(tmp_path, 'goal.nl = "Ontvang kritiek van klanten open, als informatie om van te leren."\n'
                            'goal.en = "Receive customers\' criticism openly, as information to learn from."\n', '')
    message = refused(path)
    assert "item 'culture.c7'" in message and "'goal'" in message
    item = next(i for i in load_instrument().culture.items if i.key == "culture.c7")
    assert item.aim == item.goal and item.aim.nl.startswith("Ontvang kritiek")
