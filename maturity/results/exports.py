"""Aggregated results as rows for CSV and XLSX, rendered from the one result model
(``figures.RoundFigures``): the same figures as the page and the PDF."""

from __future__ import annotations

import io
import re

from ..extensions import db
from ..i18n import customer_gettext
from ..slugs import slugify
from ..tenancy.models import Organisation
from ..utils import neutralise
from . import segment_tally
from .figures import RoundFigures, round_figures, statement_order
from .history import statement_changes
from .overview import segment_overview
from .services import round_results


def filename(round_) -> str:
    """klantspiegel-<organisation>-<round>, so that files of several clients don't get mixed up."""
    org = db.session.get(Organisation, round_.organisation_id)
    title = slugify(round_.title)
    title = title[len("klantspiegel-"):] if title.startswith("klantspiegel-") else title
    return f"klantspiegel-{org.slug}-{title}".strip("-")


#: The sheets of the XLSX, in order, and which rows each holds (by section key).
SHEETS = (
    ("summary", ("all", "phase")),
    ("dimensions", ("dimension",)),
    ("departments", ("department",)),
    ("statements", ("statement", "statement_change", "statement_share")),
    ("mirror", ("mirror",)),
    ("quiz", ("quiz",)),
    ("reliability", ("alpha", "spread")),
    ("employee_comments", ("employee_comment",)),
    ("segments", ("segment",)),
)


def tidy(f: RoundFigures, _, *, as_text: bool, segments=(), columns=()) -> list[tuple[str, list]]:
    """The round's figures as (section key, [section, item, group, responses, value]) rows.

    Rendered from the one result model: the CSV gets each value exactly as the page shows it
    (in the reader's language, so a Dutch file has decimal commas, as Dutch Excel reads them);
    the XLSX gets the same shown value as a number cell. A hidden figure is the "too few
    responses" text, never a number; a figure that does not exist where the page shows "—" (a
    location's customers: customers are split by service only) is "not applicable"."""
    too_few, not_applicable = _("too few responses"), _("not applicable")
    # A filtered export names its group where the whole round says "All".
    everyone = f.group_name or _("All")

    def cell(value, text, is_applicable=True):
        if value is None:
            return not_applicable if not is_applicable else too_few if text in ("—", too_few) else text
        return text if as_text else value

    out: list[tuple[str, list]] = []
    if not f.is_shown:
        out.append(("all", [everyone, "", "", f.n_responses, too_few]))
        return _neutralised(out)
    out.append(("phase", [_("Phase"), f.phase, everyone, f.n_responses, f.phase]))
    for d in f.dims:
        out.append(("dimension", [_("Dimension (0-100)"), d.label, everyone, d.n, cell(d.value, d.text)]))
    for dept in f.departments:
        cells = dept.cells or [None] * len(f.department_columns)
        for label, c in zip(f.department_columns, cells):
            out.append(("department", [_("Dimension per department (0-100)"), label, dept.name,
                                       dept.n if dept.visible else "", cell(c.value, c.text) if c else too_few]))
    for section in f.sections:
        for row in section.rows:
            # In the customer-oriented direction, as on the page: a reverse-keyed statement in its
            # positive wording, with the statement as it was asked beside it.
            text = statement_text(row, _)
            out.append(("statement", [_("Statement (1-5)"), text, everyone, row.n, cell(row.value, row.score)]))
            if row.change_text:
                out.append(("statement_change", [_("Statement (1-5)"), text, _("Since the previous round"), row.n,
                                                  cell(row.change, row.change_text)]))
            for label, share in zip(_share_labels(_), row.shares or (None, None, None)):
                out.append(("statement_share", [_("Statement (share of the answers)"), text, label, row.n,
                            cell(share, f"{share}%" if as_text else share) if share is not None else too_few]))
    views = (_("Employees' own rating"), _("Employees' estimate"), customer_gettext("Customers"))
    gap_group = customer_gettext("Own rating − customers")
    # A location's, role's or department's figures have no customers of their own (customers are
    # split by service only): their customers' view and gap are not applicable, not too few.
    customers_apply = (True, True, f.has_customer_figures, f.has_customer_figures)
    for m in f.mirror:
        for view, group, applies in zip(m.views, views, customers_apply):
            out.append(("mirror", [_("Mirror (1-10)"), m.label, group, view.n, cell(view.value, view.text, applies)]))
        out.append(("mirror", [_("Mirror (1-10)"), m.label, gap_group, "",
                               cell(m.gap, m.gap_text, f.has_customer_figures)]))
    if f.mirror_overall:
        # The page's "Average of the topics": the marks the phase rule and the headline use.
        by_key = {d.key: d.n for d in f.dims}
        counts = (by_key.get("mirror_self", ""), by_key.get("mirror_estimate", ""), by_key.get("mirror_customer", ""), "")
        for group, n, value, text, applies in zip((*views, gap_group), counts, f.mirror_values, f.mirror_overall,
                                                  customers_apply):
            out.append(("mirror", [_("Mirror (1-10)"), _("Average of the topics"), group, n, cell(value, text, applies)]))
    for q in f.quiz:
        for option in q.options:
            out.append(("quiz", [_("Quiz answers"), f"{q.number}{option.key}: {option.text}", everyone, f.n_responses,
                                 cell(option.count, option.count_text)]))
    for r in f.reliability:
        out.append(("alpha", [_("Reliability (alpha)"), r.title, everyone, r.n, cell(r.value, r.alpha, r.is_alpha_defined)]))
        out.append(("alpha", [_("Reliability (alpha)"), r.title, _("Complete answers"), r.complete_n or "",
                              cell(r.complete_value, r.complete_alpha, r.is_complete_alpha_defined)]))
        out.append(("spread", [_("Reliability (spread, 1-5)"), r.title, everyone, r.n, cell(r.spread, r.spread_text)]))
    # What employees would change, as typed and in the page's order: only the comments the page
    # shows (none below their minimum, none once removed with the raw answers, which leaves the
    # figures as they were). Neutralised like every cell: a comment that starts with "=" stays text.
    for number_, comment in enumerate(f.employee_comments or (), start=1):
        out.append(("employee_comment", [_("What employees would change"), _("Comment %(n)s", n=number_),
                                         _("Employees"), f.n_responses, comment]))
    # The overview per service and segment (``figures.segment_rows``), as the page shows it.
    order = [statement_text(r, _) + " (" + _("favourable") + ")" for r in statement_order(f)] if segments else []
    for row in segments:
        for (_key, label), c in zip(columns, row.cells):
            out.append(("segment", [_("Per service and segment"), label, row.label, row.n,
                                    cell(c.value, c.text, c.is_applicable)]))
        for text, c in zip(order, row.statements):
            out.append(("segment", [_("Per service and segment"), text, row.label, row.n, cell(c.value, c.text)]))
    return _neutralised(out)


def header(_) -> list[str]:
    """Five distinct column names, in either language."""
    return [_("Section"), _("Figure"), _("Group"), _("Responses"), _("Value")]


def rows(f: RoundFigures, _, *, as_text: bool, segments=(), columns=()) -> list[list]:
    """The tidy table (a header and one row per figure): the CSV, and the XLSX's long sheet."""
    return [header(_)] + [row for _key, row in tidy(f, _, as_text=as_text, segments=segments, columns=columns)]


def statement_text(row, _) -> str:
    return row.label + (" (" + _("asked the other way round: “%(text)s”", text=row.text) + ")" if row.reverse else "")


def _share_labels(_) -> tuple[str, str, str]:
    return _("unfavourable"), _("neutral"), _("favourable")


def _neutralised(out: list[tuple[str, list]]) -> list[tuple[str, list]]:
    return [(key, [neutralise(c) for c in row]) for key, row in out]


def sheet_titles(_) -> dict[str, str]:
    return {"summary": _("Summary"), "dimensions": _("Dimensions"), "departments": _("Departments"),
            "statements": _("Statements"), "mirror": _("Mirror"), "quiz": _("Quiz"), "reliability": _("Reliability"),
            "employee_comments": _("Employees' comments"), "segments": _("Per service and segment"),
            "plan": _("Action plan"), "long": _("All figures (long)")}


def xlsx(f: RoundFigures, _, plan: list[dict] = (), segments=(), columns=()) -> bytes:
    """A sheet per section, for reading, the action plan (``plans.services.plan_rows``), and the
    long (tidy) sheet of every figure, for Power BI or a pivot table; every value the same cell as
    in the CSV."""
    from openpyxl import Workbook  # lazy for cost: only an Excel download loads openpyxl
    from openpyxl.styles import Font

    tagged = tidy(f, _, as_text=False, segments=segments, columns=columns)
    titles = sheet_titles(_)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, keys in SHEETS:
        chosen = [row for key, row in tagged if key in keys]
        if not chosen:
            continue
        if name == "statements":
            _sheet(workbook, titles[name], *_statements_table(chosen, _))
        elif name == "employee_comments":
            _sheet(workbook, titles[name], [_("What employees would change")], [[row[4]] for row in chosen], widths=(120,))
        else:
            _sheet(workbook, titles[name], header(_)[1:], [row[1:] for row in chosen], widths=(70, 28, 12, 16))
    if plan:
        _sheet(workbook, titles["plan"], [_("Action"), _("Owner"), _("Due date"), _("Status"), _("Target")],
               [[neutralise(a["title"]), neutralise(a["owner"]), a["due"], a["status"], neutralise(a["target"])]
                for a in plan], widths=(60, 28, 14, 14, 60))
    _sheet(workbook, titles["long"], header(_), [row for _key, row in tagged], widths=(30, 70, 28, 12, 16))
    for sheet in workbook.worksheets:
        for c in sheet[1]:
            c.font = Font(bold=True)
        sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _statements_table(chosen: list[list], _) -> tuple[list[str], list[list], tuple]:
    """One row per statement: responses, score, change and the three shares side by side."""
    by_statement: dict[str, dict] = {}
    since, shares = _("Since the previous round"), _share_labels(_)
    for section, text, group, n, value in chosen:
        row = by_statement.setdefault(text, {"n": n})
        if group == since:
            row["change"] = value
        elif group in shares:
            row[group] = value
        else:  # "All", or the filtered group's name
            row["score"] = value
    head = [_("Statement (1-5)"), _("Responses"), _("Score (1-5)"), _("Since the previous round"), *shares]
    body = [[text, row["n"], row.get("score", ""), row.get("change", ""), *(row.get(label, "") for label in shares)]
            for text, row in by_statement.items()]
    return head, body, (70, 12, 12, 14, 14, 12, 12)


def _sheet(workbook, title: str, head: list, body: list[list], widths: tuple = ()) -> None:
    sheet = workbook.create_sheet(title[:31])
    sheet.append([_plain(c) for c in head])
    for row in body:
        sheet.append([_plain(c) for c in row])
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width


def _plain(value):
    # openpyxl writes strings starting with "=" as formulas; neutralised text stays text.
    if isinstance(value, str):
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)
    return value


def chosen_group(family, wanted: list[str]) -> tuple[str | None, bool]:
    """The group the filters ask for (``wanted``: the "f" arguments, once or twice), if the round
    shows it: (group or None, refused)."""
    atoms = sorted({a for a in wanted[:2] if a})
    if not atoms:
        return None, False
    key = "+".join(atoms)
    return (key, False) if key in segment_tally.filters(family) else (None, True)


def export_figures(round_, lang: str, wanted: list[str]):
    """What an export holds: the whole round with its overview of segments, or (filtered, like
    the page) one group's figures alone; and the file's name. None when the filter asks for a
    group the round does not show."""
    family = segment_tally.shown_groups(round_.id)
    group, refused = chosen_group(family, wanted)
    if refused:
        return None
    if group is None:
        whole = round_results(round_, family=family)
        return round_figures(whole, lang, statement_changes(round_)), segment_overview(round_, whole, lang), filename(round_)
    figures = round_figures(round_results(round_, group, family=family), lang, {})
    return figures, (), filename(round_) + "-" + slugify(figures.group_name or group)
