"""Give every sentence that names the customer an entry per customer word in messages.pot.

``make messages`` runs this after ``pybabel extract``. The sentences are those written with
``customer_gettext`` / ``lazy_customer_gettext`` / ``customer_ngettext`` (Python and templates), the core's ``NC_``, the
instrument's texts that name the customer (``instrument_texts``) and the core's explanations of a
phase that do (``explanation_texts``); each
gets one entry per message context of ``maturity.i18n.CUSTOMER_WORDS`` ("klant", "huurder", …),
so that each language can say it with its own word, article and plural ("Beste huurder,",
"Dear tenant,"). ``pybabel update`` then carries them into the catalogues, where they are
translated like any other entry (tests/integration/test_i18n.py checks that none is missing).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
POT = ROOT / "maturity" / "translations" / "messages.pot"
KEYWORDS = {"customer_gettext": None, "lazy_customer_gettext": None, "customer_ngettext": (1, 2), "NC_": None}
METHOD_MAP = [("maturity/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]


def customer_msgids() -> list:
    """The customer sentences in the source: a msgid, or (singular, plural)."""
    found = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=METHOD_MAP, keywords=KEYWORDS):
        found[message if isinstance(message, str) else tuple(message)] = None
    return list(found)


def instrument_texts() -> list:
    """The instrument's texts that name the customer (the mirror's topics, the employees'
    questions and intro), by their English: the same items in every round, worded per word
    (``i18n.customer_text``). "Customer orientation" is the measured concept, not a name for
    the customers: a text that only says that keeps its words."""
    sys.path.insert(0, str(ROOT))
    from maturity.instrument import available_versions, load_instrument  # imported only when run

    found = {}
    for version in available_versions():
        mirror = load_instrument(version).mirror
        texts = [mirror.intro_employee] + [t for item in mirror.items for t in (item.topic, item.self, item.estimate)]
        for text in texts:
            if _CUSTOMER.search(_CONCEPT.sub("", text.en)):
                found[text.en] = None
    return list(found)


_CONCEPT = re.compile(r"customer[- ]orient\w*", re.IGNORECASE)
_CUSTOMER = re.compile(r"\bcustomers?\b", re.IGNORECASE)


def contexts() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from maturity.i18n import CUSTOMER_WORDS  # the one list of words; imported only when run

    return list(CUSTOMER_WORDS)


def explanation_texts() -> list:
    """The core's explanations of a phase that name the customer (``core/explanations.py``, read
    through ``i18n.customer_aware_gettext``)."""
    found = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / "maturity" / "core"), method_map=[("explanations.py", "python")], keywords={"_": None}):
        if isinstance(message, str) and _CUSTOMER.search(_CONCEPT.sub("", message)):
            found[message] = None
    return list(found)


def add_contexts(catalog: Catalog) -> None:
    for msgid in customer_msgids() + instrument_texts() + explanation_texts():
        for context in contexts():
            catalog.add(msgid, context=context)


def main() -> None:
    with POT.open("rb") as fh:
        catalog = read_po(fh)
    add_contexts(catalog)
    with POT.open("wb") as fh:
        write_po(fh, catalog, no_location=True, sort_output=True)  # as pybabel extract writes it


if __name__ == "__main__":
    main()
