"""How figures are shown, and therefore how verdicts about them are decided.

A reader compares the number on the page with the bar next to it. So every comparison in the
rule is made on the value *as shown*: index scores as whole numbers, report marks and mark
differences with one decimal, rounded half away from zero (as people round). The formatter in
``maturity/i18n.py`` and the sentences in ``explanations.py`` show exactly these values.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

#: Index scores (0..100) are shown as whole numbers.
INDEX_DIGITS = 0
#: Report marks (1..10) and differences between marks are shown with one decimal.
MARK_DIGITS = 1


#: Float arithmetic (a mean of means, index to mark and back) leaves noise far below this; no
#: mean of the product's group sizes lies this close to a rounding edge without being on it
#: (a mean of n·k answers is a multiple of 1/(n·k), at least 1/(20·n·k) from any edge).
_EXACT = Decimal(1).scaleb(-10)


def shown(value: float, digits: int) -> float:
    """``value`` rounded as it is displayed, half up, on the exact value: float noise is removed
    first, so 6.949999999999999 (the mean 6.95 computed through the index) reads 7.0 and meets
    a bar of 7.0, and 66.66666666666664 reads 67."""
    exact = Decimal(repr(float(value))).quantize(_EXACT, rounding=ROUND_HALF_EVEN)
    return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def shown_difference(a: float, b: float, digits: int) -> float:
    """The difference of two values as shown (8.2 − 7.2 = 1.0, not 0.9999999999999991)."""
    return float(Decimal(repr(shown(a, digits))) - Decimal(repr(shown(b, digits))))


#: A statement (1..5, customer-oriented direction, as shown) is marked strong from this mean on
#: and weak below the next; the page, the PDF, the exports and the action plan all use these.
STRONG_STATEMENT = 3.8
WEAK_STATEMENT = 3.0


#: One palette for every chart, on screen and in the PDF (WeasyPrint needs SVG attributes, not CSS).
CHART_COLORS = {
    "bar": "#26a69a", "view-self": "#607d8b", "view-estimate": "#f9a825", "view-customer": "#3949ab",
    "band-fill-low": "#c62828", "band-fill-average": "#f9a825", "band-fill-high": "#2e7d32",
}
