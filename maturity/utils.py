"""Generic helpers that know nothing of the domain, at the bottom of the house: any module may
import them, they import nothing of ours."""

from __future__ import annotations

import re
import secrets


def chunks(items: list, size: int):
    """Slices of at most ``size``: IN lists that stay within every database's limits."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def random_id() -> str:
    """A random primary key. Random, not sequential: insertion order must not line up with who
    submitted when."""
    return secrets.token_hex(16)


#: Cells a spreadsheet would read as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: A plain signed number ("+1,0", "-0.5") is data, not a formula: it is left as it is.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def neutralise(value):
    """A spreadsheet cell that cannot run: text a spreadsheet would read as a formula gets a
    leading apostrophe (every CSV and XLSX we write, the audit trail's too)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value
