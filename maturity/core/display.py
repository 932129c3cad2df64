"""How figures are shown, and therefore how verdicts about them are decided.

A reader compares the number on the page with the bar next to it. So every comparison in the
rule is made on the value *as shown*: index scores as whole numbers, report marks and mark
differences with one decimal, rounded half away from zero (as people round). The formatter in
``maturity/i18n.py`` and the sentences in ``explanations.py`` show exactly these values.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: Index scores (0..100) are shown as whole numbers.
INDEX_DIGITS = 0
#: Report marks (1..10) and differences between marks are shown with one decimal.
MARK_DIGITS = 1


def shown(value: float, digits: int) -> float:
    """``value`` rounded as it is displayed. ``repr`` keeps float noise such as
    66.66666666666664 from deciding a bar that the reader sees as met (66.7 -> 67)."""
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def shown_difference(a: float, b: float, digits: int) -> float:
    """The difference of two values as shown (8.2 − 7.2 = 1.0, not 0.9999999999999991)."""
    return float(Decimal(repr(shown(a, digits))) - Decimal(repr(shown(b, digits))))


#: A statement (1..5, customer-oriented direction, as shown) is marked strong from this mean on
#: and weak below the next; the page, the PDF, the exports and the action plan all use these.
STRONG_STATEMENT = 3.8
WEAK_STATEMENT = 3.0
