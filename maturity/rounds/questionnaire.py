"""The questionnaire's sections and answer validation, derived from the instrument.

Answers are kept as strings, the way forms deliver them: quiz "a"/"b"/"c"; agreement "1".."5";
report marks "1".."10"; and ``DONT_KNOW`` for "weet ik niet / niet van toepassing".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from weakref import WeakKeyDictionary

from flask import current_app
from markupsafe import Markup, escape

from ..core import DONT_KNOW
from ..i18n import customer_text, customer_word
from ..instrument import Instrument

SECTIONS = ("quiz", "leadership", "culture", "mirror")

#: The employees' one open question, after the last section and before the review (optional,
#: never scored): its answer waits in the draft under this key, beside the answers, and travels
#: apart from them in the ballot (``services.submit_response``).
COMMENT_KEY = "comment"
MAX_EMPLOYEE_COMMENT = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_comment(text: str | None, limit: int = MAX_EMPLOYEE_COMMENT) -> str | None:
    """Free text as it is kept: line breaks as "\\n", no other control characters, no
    surrounding space, at most ``limit`` characters; None when nothing is left."""
    text = _CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()[:limit].strip() or None


def section_keys(instrument: Instrument, section: str) -> list[str]:
    if section == "quiz":
        return [q.key for q in instrument.quiz.questions]
    if section in ("leadership", "culture"):
        return [item.key for item in getattr(instrument, section).items]
    if section == "mirror":
        return [item.answer_key(form) for item in instrument.mirror.items for form in ("self", "estimate")]
    raise KeyError(section)


def allowed_values(instrument: Instrument, key: str) -> set[str]:
    if key.startswith("quiz."):
        return {o.key for o in instrument.question(key).options}
    scale = instrument.mirror.scale if key.startswith("mirror.") else instrument.leadership.scale
    values = {str(v) for v in scale.values}
    if scale.allows_dont_know:
        values.add(DONT_KNOW)
    return values


def parse_answers(instrument: Instrument, keys: list[str], form: Mapping[str, str]) -> dict[str, str]:
    """The valid answers among ``keys`` in the submitted form; anything else is ignored."""
    answers = {}
    for key in keys:
        value = (form.get(key) or "").strip()
        if value in allowed_values(instrument, key):
            answers[key] = value
    return answers


def missing(instrument: Instrument, answers: Mapping[str, str]) -> dict[str, list[str]]:
    """Unanswered keys per section, in questionnaire order (empty when complete)."""
    result = {}
    for section in SECTIONS:
        gaps = [k for k in section_keys(instrument, section) if k not in answers]
        if gaps:
            result[section] = gaps
    return result


def customer_keys(instrument: Instrument) -> list[str]:
    return [item.answer_key("customer") for item in instrument.mirror.items]


def describe_item(instrument: Instrument, key: str, lang: str) -> dict:
    """What a template needs to show one question: text, options and their labels (worked out
    once per instrument, question and language; templates only read it)."""
    cache = _described.setdefault(id(instrument), (instrument, {}))[1]
    word = customer_word()  # the mirror's questions name the customers in the organisation's word
    found = cache.get((key, lang, word))
    if found is None:
        found = cache[key, lang, word] = _describe_item(instrument, key, lang)
    return found


#: id(instrument) -> (the instrument, kept alive so its id is not reused; {(key, lang, word): item}).
_described: dict[int, tuple[Instrument, dict]] = {}


def question_html(instrument: Instrument, key: str, lang: str, current: str | None = None,
                  is_missing: bool = False) -> Markup:
    """One question's fieldset. The macro in ``respond/_question.html`` is rendered once per
    instrument, question and language; per page only the respondent's answer is marked
    ``checked`` and an open question ``is-missing`` (a section page has up to 20 questions with
    up to 11 options each, the bulk of the respondent's page)."""
    template = current_app.jinja_env.get_template("respond/_question.html")
    cache = _fragments.get(template)
    if cache is None:
        cache = _fragments[template] = {}  # a new template object (reloaded): a new cache
    word = customer_word()
    html = cache.get((id(instrument), key, lang, word))
    if html is None:
        html = cache[id(instrument), key, lang, word] = str(template.module.question(describe_item(instrument, key, lang)))
    if current:
        radio = f'name="{escape(key)}" value="{escape(current)}">'
        html = html.replace(radio, radio[:-1] + " checked>", 1)
    if is_missing:
        html = html.replace('" id="q-', ' is-missing" id="q-', 1)  # the fieldset's class
    return Markup(html)


#: The rendered questions per template object (instruments are kept alive by ``_described``,
#: so their ids are not reused).
_fragments: WeakKeyDictionary = WeakKeyDictionary()


def _describe_item(instrument: Instrument, key: str, lang: str) -> dict:
    if key.startswith("quiz."):
        question = instrument.question(key)
        return {
            "key": key, "kind": "quiz", "number": question.number, "text": question.text.get(lang),
            "options": [(o.key, o.text.get(lang)) for o in question.options], "dont_know": None,
        }
    if key.startswith("mirror."):
        item_key, _, form = key.rpartition(".")
        item = next(i for i in instrument.mirror.items if i.key == item_key)
        scale = instrument.mirror.scale
        text = customer_text(item.form(form), lang)  # the same item, in the organisation's word
        kind = "mark"
    else:
        section = instrument.leadership if key.startswith("leadership.") else instrument.culture
        item = next(i for i in section.items if i.key == key)
        scale, text, kind = section.scale, item.text.get(lang), "likert"
    options = []
    for value in scale.values:
        label = scale.label(value)
        options.append((str(value), label.get(lang) if label else str(value)))
    return {
        "key": key, "kind": kind, "text": text, "options": options,
        "dont_know": scale.dont_know.get(lang) if scale.allows_dont_know else None,
    }


def section_title(instrument: Instrument, section: str, lang: str) -> str:
    if section == "quiz":
        return instrument.quiz.title.get(lang)
    if section == "mirror":
        return instrument.mirror.title.get(lang)
    return getattr(instrument, section).title.get(lang)


def section_intro(instrument: Instrument, section: str, lang: str) -> str:
    if section == "quiz":
        return instrument.quiz.intro.get(lang)
    if section == "mirror":
        return customer_text(instrument.mirror.intro_employee, lang)
    return getattr(instrument, section).intro.get(lang)
