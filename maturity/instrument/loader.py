"""The assessment instrument as versioned data: plain frozen dataclasses plus a strict loader.

A round is pinned to the instrument version it was opened with, so the questions live in
``data/v<version>.toml`` and are never edited in place once a round has used them. The loader
refuses a malformed file with a message that names the file, the item and the problem, so a
broken edit fails at start-up or in CI, never in a respondent's browser.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

LATEST = "1"

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

MirrorForm = Literal["self", "estimate", "customer"]
MIRROR_FORMS: tuple[MirrorForm, ...] = ("self", "estimate", "customer")

# The quiz is seed 001 verbatim, so its score table is not ours to change: every version must
# carry exactly this table (question -> option -> points).
SEED_001_SCORES: Mapping[str, Mapping[str, int]] = {
    "quiz.q1": {"a": 1, "b": 3, "c": 5},
    "quiz.q2": {"a": 3, "b": 5, "c": 1},
    "quiz.q3": {"a": 5, "b": 1, "c": 3},
    "quiz.q4": {"a": 3, "b": 5, "c": 1},
    "quiz.q5": {"a": 3, "b": 1, "c": 5},
    "quiz.q6": {"a": 1, "b": 3, "c": 5},
}

_SECTION_PREFIX = {"leadership": "leadership.", "culture": "culture.", "mirror": "mirror."}
_KEY_RE = re.compile(r"^(quiz|leadership|culture|mirror)\.[a-z][a-z0-9_]*$")
_SEED_RE = re.compile(r"^\d{3}$")
_FILE_RE = re.compile(r"^v(\d+)\.toml$")


class InstrumentError(ValueError):
    """A missing or malformed instrument file."""


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """A user-visible text in every supported language."""

    nl: str
    en: str

    def get(self, lang: str | None = None) -> str:
        # Accept "en", "en_GB", "en-US"; anything unknown falls back to Dutch, the default.
        code = (lang or DEFAULT_LANGUAGE).replace("-", "_").split("_")[0].lower()
        return self.en if code == "en" else self.nl


@dataclass(frozen=True, slots=True)
class ScaleLabel:
    value: int
    text: Text


@dataclass(frozen=True, slots=True)
class Scale:
    """An integer rating scale with an optional "don't know / not applicable" answer."""

    key: str
    min: int
    max: int
    labels: tuple[ScaleLabel, ...]
    dont_know: Text | None

    @property
    def values(self) -> range:
        return range(self.min, self.max + 1)

    @property
    def allows_dont_know(self) -> bool:
        return self.dont_know is not None

    def label(self, value: int) -> Text | None:
        for label in self.labels:
            if label.value == value:
                return label.text
        return None

    def to_index(self, value: float) -> float:
        """Map a scale value (or a mean of values) linearly onto 0..100."""
        return (value - self.min) / (self.max - self.min) * 100.0

    def from_index(self, index: float) -> float:
        return self.min + index / 100.0 * (self.max - self.min)


@dataclass(frozen=True, slots=True)
class QuizOption:
    key: str
    text: Text
    score: int
    advice: Text


@dataclass(frozen=True, slots=True)
class QuizQuestion:
    key: str
    number: int
    text: Text
    options: tuple[QuizOption, ...]

    def option(self, key: str) -> QuizOption:
        for option in self.options:
            if option.key == key:
                return option
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class Band:
    key: str
    min: int
    max: int
    label: Text
    text: Text

    def contains(self, total: int) -> bool:
        return self.min <= total <= self.max


@dataclass(frozen=True, slots=True)
class Quiz:
    title: Text
    intro: Text
    advice_intro: Text
    questions: tuple[QuizQuestion, ...]
    bands: tuple[Band, ...]

    @property
    def min_total(self) -> int:
        return sum(min(o.score for o in q.options) for q in self.questions)

    @property
    def max_total(self) -> int:
        return sum(max(o.score for o in q.options) for q in self.questions)

    def band_for(self, total: int) -> Band:
        for band in self.bands:
            if band.contains(total):
                return band
        raise ValueError(f"quiz total {total} is outside {self.min_total}..{self.max_total}")


@dataclass(frozen=True, slots=True)
class LikertItem:
    key: str
    section: str
    text: Text
    seed: str
    idea: str
    #: Agreement means *less* customer orientation; scoring flips the value (6 - v on 1..5).
    reverse: bool
    #: The behaviour to reach, phrased positively: the statement itself unless it is reverse-keyed
    #: (a plan says "ask before acting", not "we often decide for the customer").
    goal: Text | None = None

    @property
    def aim(self) -> Text:
        return self.goal or self.text


@dataclass(frozen=True, slots=True)
class LikertSection:
    key: str
    title: Text
    intro: Text
    scale: Scale
    items: tuple[LikertItem, ...]


@dataclass(frozen=True, slots=True)
class MirrorItem:
    key: str
    seed: str
    idea: str
    self: Text
    estimate: Text
    customer: Text
    #: A short label for charts and tables ("Bereikbaarheid").
    topic: Text

    def form(self, form: MirrorForm) -> Text:
        return {"self": self.self, "estimate": self.estimate, "customer": self.customer}[form]

    def answer_key(self, form: MirrorForm) -> str:
        return f"{self.key}.{form}"


@dataclass(frozen=True, slots=True)
class MirrorComment:
    key: str
    text: Text


@dataclass(frozen=True, slots=True)
class Mirror:
    title: Text
    intro_employee: Text
    intro_customer: Text
    scale: Scale
    items: tuple[MirrorItem, ...]
    comment: MirrorComment | None


@dataclass(frozen=True, slots=True)
class Instrument:
    version: str
    title: Text
    scales: tuple[Scale, ...]
    quiz: Quiz
    leadership: LikertSection
    culture: LikertSection
    mirror: Mirror

    @property
    def likert_sections(self) -> tuple[LikertSection, LikertSection]:
        return (self.leadership, self.culture)

    def employee_answer_keys(self) -> tuple[str, ...]:
        """Every answer an employee gives, in questionnaire order."""
        keys = [q.key for q in self.quiz.questions]
        for section in self.likert_sections:
            keys.extend(item.key for item in section.items)
        for form in ("self", "estimate"):
            keys.extend(item.answer_key(form) for item in self.mirror.items)
        return tuple(keys)

    def customer_answer_keys(self) -> tuple[str, ...]:
        """The scored customer answers (the optional comment is not among them)."""
        return tuple(item.answer_key("customer") for item in self.mirror.items)

    def oriented(self, key: str, value: float) -> float:
        """An item's value (or mean) in the customer-oriented direction, on the item's own scale:
        a reverse-keyed statement is mirrored (min + max - value), every other item is as it is.
        The one rule for a mean's direction (results and progress alike); ``results.tally``
        applies the same ``reverse`` to each answer for the reliability."""
        for section in self.likert_sections:
            for item in section.items:
                if item.key == key:
                    return section.scale.min + section.scale.max - value if item.reverse else value
        return value

    def question(self, key: str) -> QuizQuestion:
        for question in self.quiz.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    def iter_texts(self) -> Iterator[tuple[str, Text]]:
        """Every user-visible text with a label saying where it is (for checks and export)."""
        yield "title", self.title
        for scale in self.scales:
            for label in scale.labels:
                yield f"scale {scale.key} label {label.value}", label.text
            if scale.dont_know is not None:
                yield f"scale {scale.key} dont_know", scale.dont_know
        quiz = self.quiz
        yield "quiz title", quiz.title
        yield "quiz intro", quiz.intro
        yield "quiz advice_intro", quiz.advice_intro
        for q in quiz.questions:
            yield q.key, q.text
            for o in q.options:
                yield f"{q.key} option {o.key}", o.text
                yield f"{q.key} advice {o.key}", o.advice
        for band in quiz.bands:
            yield f"band {band.key} label", band.label
            yield f"band {band.key} text", band.text
        for section in self.likert_sections:
            yield f"{section.key} title", section.title
            yield f"{section.key} intro", section.intro
            for item in section.items:
                yield item.key, item.text
        mirror = self.mirror
        yield "mirror title", mirror.title
        yield "mirror intro_employee", mirror.intro_employee
        yield "mirror intro_customer", mirror.intro_customer
        for item in mirror.items:
            for form in MIRROR_FORMS:
                yield item.answer_key(form), item.form(form)
        if mirror.comment is not None:
            yield mirror.comment.key, mirror.comment.text


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def available_versions() -> list[str]:
    """Versions shipped with the package, oldest first."""
    names = (entry.name for entry in resources.files(__package__).joinpath("data").iterdir())
    versions = [m.group(1) for name in names if (m := _FILE_RE.match(name))]
    return sorted(versions, key=int)


def load_instrument(version: str = LATEST) -> Instrument:
    """The shipped instrument of that version; parsed once per process."""
    return _load_shipped(str(version))


@functools.lru_cache(maxsize=None)
def _load_shipped(version: str) -> Instrument:
    if version not in available_versions():
        raise InstrumentError(
            f"unknown instrument version {version!r} (available: {', '.join(available_versions())})"
        )
    resource = resources.files(__package__).joinpath("data", f"v{version}.toml")
    return _parse_bytes(resource.read_bytes(), f"v{version}.toml")


def load_instrument_file(path: str | Path) -> Instrument:
    """Parse and validate one instrument file; raises InstrumentError naming what is wrong."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InstrumentError(f"{path.name}: cannot read file: {exc.strerror or exc}") from exc
    return _parse_bytes(raw, path.name)


def _parse_bytes(raw: bytes, file_name: str) -> Instrument:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InstrumentError(f"{file_name}: not UTF-8: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(f"{file_name}: not valid TOML: {exc}") from exc
    return _Parser(file_name).instrument(data)


class _Parser:
    """Turns the TOML document into the model, checking as it goes."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.seen_keys: set[str] = set()

    def fail(self, where: str, problem: str) -> InstrumentError:
        return InstrumentError(f"{self.file_name}: {where}: {problem}")

    # -- primitives ---------------------------------------------------------------------------

    def only(self, data: Mapping[str, Any], allowed: set[str], where: str) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.fail(
                where, f"unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
            )

    def table(self, data: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
        value = data.get(name)
        if value is None:
            raise self.fail(where, f"missing table {name!r}")
        if not isinstance(value, dict):
            raise self.fail(where, f"{name!r} must be a table")
        return value

    def tables(self, data: Mapping[str, Any], name: str, where: str) -> list[Mapping[str, Any]]:
        value = data.get(name)
        if not value:
            raise self.fail(where, f"missing or empty list {name!r}")
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(where, f"{name!r} must be a list of tables ([[{name}]])")
        return value

    def string(self, data: Mapping[str, Any], name: str, where: str) -> str:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"missing or empty {name!r}")
        return value.strip()

    def integer(self, data: Mapping[str, Any], name: str, where: str) -> int:
        value = data.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(where, f"{name!r} must be a whole number")
        return value

    def text(self, data: Mapping[str, Any], name: str, where: str) -> Text:
        value = data.get(name)
        if value is None:
            raise self.fail(where, f"missing text {name!r} (needs {name}.nl and {name}.en)")
        if not isinstance(value, dict):
            raise self.fail(where, f"text {name!r} must be a table with nl and en")
        self.only(value, set(LANGUAGES), f"{where}: text {name!r}")
        return self.text_from(value, where, name)

    def text_from(self, value: Mapping[str, Any], where: str, name: str) -> Text:
        for lang, language in (("nl", "Dutch"), ("en", "English")):
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                raise self.fail(where, f"missing {language} text ({name}.{lang})")
        return Text(nl=value["nl"].strip(), en=value["en"].strip())

    def key(self, data: Mapping[str, Any], where: str, prefix: str) -> str:
        key = data.get("key")
        if not isinstance(key, str) or not key:
            raise self.fail(where, "missing 'key'")
        if not _KEY_RE.match(key) or not key.startswith(prefix):
            raise self.fail(
                f"item {key!r}", f"key must look like '{prefix}<name>' (lowercase letters, digits, _)"
            )
        if key in self.seen_keys:
            raise self.fail(f"item {key!r}", "duplicate key")
        self.seen_keys.add(key)
        return key

    # -- document -----------------------------------------------------------------------------

    def instrument(self, data: Mapping[str, Any]) -> Instrument:
        top = "top level"
        self.only(data, {"version", "title", "scales", "quiz", "leadership", "culture", "mirror"}, top)
        version = data.get("version")
        if not isinstance(version, str) or not version.isdigit():
            raise self.fail(top, "'version' must be a string of digits, e.g. version = \"1\"")
        if self.file_name != f"v{version}.toml":
            raise self.fail(
                top, f"file name does not match version {version!r} (expected 'v{version}.toml')"
            )
        scales = self.scales(self.table(data, "scales", top))
        return Instrument(
            version=version,
            title=self.text(data, "title", top),
            scales=tuple(scales.values()),
            quiz=self.quiz(self.table(data, "quiz", top)),
            leadership=self.likert_section(self.table(data, "leadership", top), "leadership", scales),
            culture=self.likert_section(self.table(data, "culture", top), "culture", scales),
            mirror=self.mirror(self.table(data, "mirror", top), scales),
        )

    def scales(self, data: Mapping[str, Any]) -> dict[str, Scale]:
        scales: dict[str, Scale] = {}
        for key, body in data.items():
            where = f"scale {key!r}"
            if not isinstance(body, dict):
                raise self.fail(where, "must be a table")
            self.only(body, {"min", "max", "labels", "dont_know"}, where)
            low, high = self.integer(body, "min", where), self.integer(body, "max", where)
            if low >= high:
                raise self.fail(where, f"min ({low}) must be below max ({high})")
            labels: list[ScaleLabel] = []
            for label in self.tables(body, "labels", where):
                self.only(label, {"value", "nl", "en"}, where)
                value = self.integer(label, "value", where)
                if not low <= value <= high:
                    raise self.fail(where, f"label value {value} is outside {low}..{high}")
                if any(existing.value == value for existing in labels):
                    raise self.fail(where, f"two labels for value {value}")
                labels.append(ScaleLabel(value, self.text_from(label, f"{where} label {value}", "label")))
            dont_know = self.text(body, "dont_know", where) if "dont_know" in body else None
            scales[key] = Scale(key, low, high, tuple(sorted(labels, key=lambda l: l.value)), dont_know)
        if not scales:
            raise self.fail("scales", "no scales defined")
        return scales

    def scale_ref(self, data: Mapping[str, Any], where: str, scales: Mapping[str, Scale]) -> Scale:
        name = self.string(data, "scale", where)
        if name not in scales:
            raise self.fail(where, f"unknown scale {name!r} (known: {', '.join(sorted(scales))})")
        return scales[name]

    def quiz(self, data: Mapping[str, Any]) -> Quiz:
        where = "quiz"
        self.only(data, {"title", "intro", "advice_intro", "questions", "bands"}, where)
        questions: list[QuizQuestion] = []
        for number, body in enumerate(self.tables(data, "questions", where), start=1):
            key = self.key(body, f"quiz question {number}", "quiz.")
            item = f"item {key!r}"
            self.only(body, {"key", "text", "options"}, item)
            options: list[QuizOption] = []
            for option in self.tables(body, "options", item):
                option_key = self.string(option, "key", item)
                at = f"item {key!r} option {option_key!r}"
                self.only(option, {"key", "score", "text", "advice"}, at)
                options.append(
                    QuizOption(
                        key=option_key,
                        text=self.text(option, "text", at),
                        score=self.integer(option, "score", at),
                        advice=self.text(option, "advice", at),
                    )
                )
            question = QuizQuestion(key, number, self.text(body, "text", item), tuple(options))
            self.check_seed_scores(question)
            questions.append(question)
        missing = sorted(set(SEED_001_SCORES) - {q.key for q in questions})
        if missing:
            raise self.fail(where, f"missing question(s) {', '.join(missing)} of seed 001")
        quiz = Quiz(
            title=self.text(data, "title", where),
            intro=self.text(data, "intro", where),
            advice_intro=self.text(data, "advice_intro", where),
            questions=tuple(questions),
            bands=self.bands(data),
        )
        self.check_band_cover(quiz)
        return quiz

    def check_seed_scores(self, question: QuizQuestion) -> None:
        expected = SEED_001_SCORES.get(question.key)
        item = f"item {question.key!r}"
        if expected is None:
            raise self.fail(item, f"not a question of seed 001 (expected {', '.join(SEED_001_SCORES)})")
        got = [o.key for o in question.options]
        if sorted(got) != sorted(expected) or len(got) != len(set(got)):
            raise self.fail(item, f"options must be a, b, c exactly once (got {', '.join(got)})")
        for option in question.options:
            if option.score != expected[option.key]:
                raise self.fail(
                    f"{item} option {option.key!r}",
                    f"score {option.score} differs from seed 001's table (expected {expected[option.key]}; "
                    "scores are 1, 3 or 5 as in the table)",
                )

    def bands(self, data: Mapping[str, Any]) -> tuple[Band, ...]:
        bands: list[Band] = []
        keys: set[str] = set()
        for body in self.tables(data, "bands", "quiz"):
            key = self.string(body, "key", "quiz band")
            where = f"band {key!r}"
            if key in keys:
                raise self.fail(where, "duplicate band key")
            keys.add(key)
            self.only(body, {"key", "min", "max", "label", "text"}, where)
            low, high = self.integer(body, "min", where), self.integer(body, "max", where)
            if low > high:
                raise self.fail(where, f"min ({low}) is above max ({high})")
            bands.append(Band(key, low, high, self.text(body, "label", where), self.text(body, "text", where)))
        return tuple(sorted(bands, key=lambda b: b.min))

    def check_band_cover(self, quiz: Quiz) -> None:
        expected = quiz.min_total
        for band in quiz.bands:
            if band.min != expected:
                kind = "gap" if band.min > expected else "overlap"
                raise self.fail(
                    f"band {band.key!r}",
                    f"bands must cover {quiz.min_total}..{quiz.max_total} without gaps or overlaps: "
                    f"{kind} (band starts at {band.min}, expected {expected})",
                )
            expected = band.max + 1
        if expected - 1 != quiz.max_total:
            raise self.fail(
                f"band {quiz.bands[-1].key!r}",
                f"bands must cover {quiz.min_total}..{quiz.max_total}: the last band ends at "
                f"{expected - 1}, expected {quiz.max_total}",
            )

    def likert_section(self, data: Mapping[str, Any], key: str, scales: Mapping[str, Scale]) -> LikertSection:
        where = f"section {key!r}"
        self.only(data, {"scale", "title", "intro", "items"}, where)
        scale = self.scale_ref(data, where, scales)
        items: list[LikertItem] = []
        for number, body in enumerate(self.tables(data, "items", where), start=1):
            item_key = self.key(body, f"{where} item {number}", _SECTION_PREFIX[key])
            item = f"item {item_key!r}"
            self.only(body, {"key", "seed", "idea", "reverse", "text", "goal"}, item)
            reverse = body.get("reverse", False)
            if not isinstance(reverse, bool):
                raise self.fail(item, "'reverse' must be true or false")
            if reverse and "goal" not in body:
                raise self.fail(item, "a reverse-keyed statement needs a 'goal': the behaviour to reach, phrased positively")
            items.append(
                LikertItem(
                    key=item_key,
                    section=key,
                    text=self.text(body, "text", item),
                    seed=self.seed(body, item),
                    idea=self.string(body, "idea", item),
                    reverse=reverse,
                    goal=self.text(body, "goal", item) if "goal" in body else None,
                )
            )
        return LikertSection(
            key=key,
            title=self.text(data, "title", where),
            intro=self.text(data, "intro", where),
            scale=scale,
            items=tuple(items),
        )

    def seed(self, data: Mapping[str, Any], where: str) -> str:
        seed = self.string(data, "seed", where)
        if not _SEED_RE.match(seed):
            raise self.fail(where, f"seed {seed!r} must be a seed number like \"002\"")
        return seed

    def mirror(self, data: Mapping[str, Any], scales: Mapping[str, Scale]) -> Mirror:
        where = "section 'mirror'"
        self.only(data, {"scale", "title", "intro_employee", "intro_customer", "items", "comment"}, where)
        scale = self.scale_ref(data, where, scales)
        items: list[MirrorItem] = []
        for number, body in enumerate(self.tables(data, "items", where), start=1):
            key = self.key(body, f"{where} item {number}", "mirror.")
            item = f"item {key!r}"
            self.only(body, {"key", "seed", "idea", "topic", *MIRROR_FORMS}, item)
            for form in MIRROR_FORMS:
                if form not in body:
                    raise self.fail(item, f"missing form {form!r} (a mirror item needs self, estimate and customer)")
            items.append(
                MirrorItem(
                    key=key,
                    seed=self.seed(body, item),
                    idea=self.string(body, "idea", item),
                    self=self.text(body, "self", item),
                    estimate=self.text(body, "estimate", item),
                    customer=self.text(body, "customer", item),
                    topic=self.text(body, "topic", item),
                )
            )
        comment = None
        if "comment" in data:
            body = self.table(data, "comment", where)
            key = self.key(body, f"{where} comment", "mirror.")
            self.only(body, {"key", "text"}, f"item {key!r}")
            comment = MirrorComment(key, self.text(body, "text", f"item {key!r}"))
        return Mirror(
            title=self.text(data, "title", where),
            intro_employee=self.text(data, "intro_employee", where),
            intro_customer=self.text(data, "intro_customer", where),
            scale=scale,
            items=tuple(items),
            comment=comment,
        )
