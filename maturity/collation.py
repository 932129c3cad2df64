"""Sorting names the way a reader expects: "Ömer" beside "Omar", "anna" before "Bram", on every
database. Pure Python, no Flask, no database.

A database sorts strings by its collation: SQLite by code point ("Zoë" < "anna" < "Ömer"),
PostgreSQL by whatever its cluster was created with. Lists of people and other names are
therefore sorted here, with one key, in Python; a list too long for one page is sorted on its
ids and names and then paged (``organisations.views.people``).

The key is the Unicode base letters without their accents, case-folded, with the few Latin
letters that do not decompose spelled as their base letters (ø, ı, ł, æ, ß, …); ties are broken
by the accented spelling and then by case (lower first), so that the order is total and the same
on every run. This is close to the Unicode Collation Algorithm's first level for Latin
script (what ICU does for Dutch, English or Turkish names in a Dutch list) without a
dependency; other scripts sort by code point among themselves.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

#: Latin letters without a decomposition, as their base letters (after case folding).
_BASE_LETTERS = str.maketrans({
    "ı": "i", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ŀ": "l", "ħ": "h", "ŧ": "t", "ƀ": "b", "ɨ": "i",
    "æ": "ae", "œ": "oe", "þ": "th", "ĸ": "k",
})


def name_key(name: str | None) -> tuple[str, str, str, str]:
    """The sort key of a name: base letters first, then accents and case, then the name itself."""
    text = (name or "").strip()
    decomposed = unicodedata.normalize("NFKD", text)
    base = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().translate(_BASE_LETTERS)
    accented = unicodedata.normalize("NFC", text)
    # Lower case before upper case on a tie, as ICU does ("eric" < "Eric"); the name itself last.
    return " ".join(base.split()), accented.lower(), accented.swapcase(), text


def sorted_by_name(items: Iterable[T], name: Callable[[T], str | None] = lambda item: item) -> list[T]:
    """``items`` in the order of their names (``name`` gives an item's name)."""
    return sorted(items, key=lambda item: name_key(name(item)))


class ListPage:
    """One page of a list sorted in Python, with what the pager (``_form.html``) reads of a
    Flask-SQLAlchemy pagination: ``items``, ``page``, ``pages``, ``has_prev``/``prev_num``,
    ``has_next``/``next_num``, ``total``."""

    def __init__(self, items: list, page: int, per_page: int, total: int):
        self.items, self.page, self.per_page, self.total = items, page, per_page, total
        self.pages = max(1, -(-total // per_page))
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1
