"""Aggregated results as rows for CSV and XLSX. The same suppression as the page: a hidden
figure is written as the "too few responses" text, never as a number."""

from __future__ import annotations

import io
import re

from ..core import dimension_label
from ..slugs import slugify
from .services import RoundResults

#: Cells a spreadsheet would read as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def filename(round_) -> str:
    return "klantspiegel-" + slugify(round_.title)


def _num(value, digits=1):
    return None if value is None else round(float(value), digits)


def rows(results: RoundResults, _, lang: str) -> list[list]:
    too_few = _("too few responses")
    out: list[list] = [[_("Section"), _("Item"), _("Group"), _("Responses"), _("Value")]]
    if not results.is_shown:
        out.append([_("All"), "", "", results.n_responses, too_few])
        return [[neutralise(c) for c in row] for row in out]
    for dimension in ("skills", "leadership", "culture", "mirror_self", "mirror_estimate", "mirror_customer"):
        stats = results.profile.get(dimension)
        out.append([_("Dimension (0-100)"), dimension_label(dimension, _), _("All"),
                    stats.n if stats else 0, _num(stats.mean) if stats else too_few])
    for dept in results.departments:
        for dimension in ("skills", "leadership", "culture"):
            mean = dept.means.get(dimension)
            out.append([_("Dimension per department (0-100)"), dimension_label(dimension, _), dept.name or _("Other (smaller departments and none)"),
                        dept.n if dept.is_visible else "", _num(mean) if mean is not None else too_few])
    instrument = results.instrument
    for section_key, items in results.likert.items():
        for stat in items:
            text = next(i.text for s in instrument.likert_sections for i in s.items if i.key == stat.key)
            out.append([_("Statement (1-5)"), text.get(lang), _("All"), stat.n,
                        _num(stat.mean, 2) if stat.mean is not None else too_few])
    for item in results.mirror:
        text = next(i.self.get(lang) for i in instrument.mirror.items if i.key == item.key)
        for group, stat in ((_("Employees' own rating"), item.self_), (_("Employees' estimate"), item.estimate),
                            (_("Customers"), item.customer)):
            n = stat.n if stat else results.n_customers
            out.append([_("Mirror (1-10)"), text, group, n,
                        _num(stat.mean) if stat and stat.mean is not None else too_few])
    for question, q in zip(instrument.quiz.questions, results.quiz):
        for option in question.options:
            count = q.counts[option.key]
            out.append([_("Quiz answers"), f"{question.number}{option.key}: {option.text.get(lang)}", _("All"),
                        results.n_responses, count if count is not None else too_few])
    return [[neutralise(c) for c in row] for row in out]


def xlsx(table: list[list]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Klantspiegel"
    for row in table:
        sheet.append([_plain(c) for c in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDE", (30, 70, 28, 12, 16)):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain(value):
    # openpyxl writes strings starting with "=" as formulas; neutralised text stays text.
    if isinstance(value, str):
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)
    return value
