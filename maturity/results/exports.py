"""Aggregated results as rows for CSV and XLSX, rendered from the one result model
(``figures.RoundFigures``): the same figures as the page and the PDF."""

from __future__ import annotations

import io
import re

from ..slugs import slugify
from .figures import RoundFigures

#: Cells a spreadsheet would read as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


#: A plain signed number ("+1,0", "-0.5") is data, not a formula: it is left as it is.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def neutralise(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def filename(round_) -> str:
    """klantspiegel-<organisation>-<round>, so that files of several clients don't get mixed up."""
    from ..extensions import db
    from ..tenancy.models import Organisation

    org = db.session.get(Organisation, round_.organisation_id)
    title = slugify(round_.title)
    title = title[len("klantspiegel-"):] if title.startswith("klantspiegel-") else title
    return f"klantspiegel-{org.slug}-{title}".strip("-")


def rows(f: RoundFigures, _, *, as_text: bool) -> list[list]:
    """The round's figures as rows: (section, item, group, responses, value).

    Rendered from the one result model: the CSV gets each value exactly as the page shows it
    (in the reader's language, so a Dutch file has decimal commas, as Dutch Excel reads them);
    the XLSX gets the same shown value as a number cell. A hidden figure is the "too few
    responses" text, never a number."""
    too_few = _("too few responses")

    def cell(value, text):
        if value is None:
            return too_few if text in ("—", too_few) else text
        return text if as_text else value

    out: list[list] = [[_("Section"), _("Item"), _("Group"), _("Responses"), _("Value")]]
    if not f.is_shown:
        out.append([_("All"), "", "", f.n_responses, too_few])
        return [[neutralise(c) for c in row] for row in out]
    out.append([_("Phase"), f.phase, _("All"), f.n_responses, f.phase])
    for d in f.dims:
        out.append([_("Dimension (0-100)"), d.label, _("All"), d.n, cell(d.value, d.text)])
    for dept in f.departments:
        cells = dept.cells or [None] * len(f.department_columns)
        for label, c in zip(f.department_columns, cells):
            out.append([_("Dimension per department (0-100)"), label, dept.name, dept.n if dept.visible else "",
                        cell(c.value, c.text) if c else too_few])
    for section in f.sections:
        for row in section.rows:
            # In the customer-oriented direction, as on the page: a reverse-keyed statement in its
            # positive wording, with the statement as it was asked beside it.
            text = row.label + (" (" + _("asked the other way round: “%(text)s”", text=row.text) + ")" if row.reverse else "")
            out.append([_("Statement (1-5)"), text, _("All"), row.n, cell(row.value, row.score)])
            if row.change_text:
                out.append([_("Statement (1-5)"), text, _("Since the previous round"), row.n,
                            cell(row.change, row.change_text)])
            for label, share in zip((_("unfavourable"), _("neutral"), _("favourable")), row.shares or (None, None, None)):
                out.append([_("Statement (share of the answers)"), text, label, row.n,
                            cell(share, f"{share}%" if as_text else share) if share is not None else too_few])
    for m in f.mirror:
        for view, group in zip(m.views, (_("Employees' own rating"), _("Employees' estimate"), _("Customers"))):
            out.append([_("Mirror (1-10)"), m.label, group, view.n, cell(view.value, view.text)])
        out.append([_("Mirror (1-10)"), m.label, _("Own rating − customers"), "", cell(m.gap, m.gap_text)])
    for q in f.quiz:
        for option in q.options:
            out.append([_("Quiz answers"), f"{q.number}{option.key}: {option.text}", _("All"), f.n_responses,
                        cell(option.count, option.count_text)])
    for r in f.reliability:
        out.append([_("Reliability (alpha)"), r.title, _("All"), r.n, cell(r.value, r.alpha)])
        out.append([_("Reliability (alpha)"), r.title, _("Complete answers"), r.complete_n or "",
                    cell(r.complete_value, r.complete_alpha)])
        out.append([_("Reliability (spread, 1-5)"), r.title, _("All"), r.n,
                    cell(r.spread, r.spread_text)])
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
