"""The board deck: the report's figures as an editable PowerPoint (python-pptx).

Rendered from the same plain values as the PDF (``report_context``, itself from the one result
model), so every figure on a slide is the figure in the report, as shown. Charts are native
PowerPoint charts (their numbers can be edited and restyled in PowerPoint), in the consultancy's
house colour; tables are native tables. Slides: cover, the phase and why, key findings, the
dimensions against the phase bars, the mirror, departments, progress, the action plan.
"""

from __future__ import annotations

import io
import re

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from ..i18n import customer_gettext, speaking_of

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)
INK, MUTED, RULE = RGBColor(0x1F, 0x29, 0x33), RGBColor(0x5F, 0x6B, 0x76), RGBColor(0xD0, 0xD5, 0xDA)

#: A table on a slide holds at most this many rows; more continue on the next slide.
ROWS_PER_SLIDE = 11
INDEX_DIMENSIONS = ("skills", "leadership", "culture")
#: A figure, a mark, a change or a share: right-aligned in a table.
NUMERIC = re.compile(r"^[-+−▲▼≥≤<>—\s]*\d[\d.,\s%✓✗]*$|^—$")


def rgb(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#")[:6].upper())


def build(ctx: dict, _) -> bytes:
    """The deck for one round in the context's language (``_`` is that language's gettext), naming
    the customers in the organisation's word (the context's ``customer_word``)."""
    deck = Deck(ctx, _)
    with speaking_of(ctx["customer_word"]):
        deck.cover()
        if ctx["is_shown"]:
            deck.phase()
            deck.findings()
            deck.dimensions()
            deck.mirror()
            deck.segments()
            deck.departments()
            deck.progress()
            deck.plan()
    buffer = io.BytesIO()
    deck.presentation.save(buffer)
    return buffer.getvalue()


class Deck:
    def __init__(self, ctx: dict, _) -> None:
        self.ctx, self._ = ctx, _
        self.color = rgb(ctx["color"])
        self.presentation = Presentation()
        self.presentation.slide_width, self.presentation.slide_height = WIDTH, HEIGHT
        self.blank = self.presentation.slide_layouts[6]

    # Slides ----------------------------------------------------------------------------------

    def cover(self) -> None:
        ctx, _ = self.ctx, self._
        slide = self._slide()
        band = slide.shapes.add_shape(1, 0, 0, WIDTH, Inches(0.35))
        self._fill(band, self.color)
        self._text(slide, MARGIN, Inches(1.6), WIDTH - 2 * MARGIN, Inches(1.2), ctx["org_name"], size=40, bold=True)
        self._text(slide, MARGIN, Inches(2.7), WIDTH - 2 * MARGIN, Inches(0.6),
                   f'{ctx["title"]} · {ctx["round_title"]}', size=22, color=MUTED)
        self._text(slide, MARGIN, Inches(3.3), WIDTH - 2 * MARGIN, Inches(0.5), ctx["period"], size=16, color=MUTED)
        if ctx["is_shown"]:
            box = slide.shapes.add_shape(1, MARGIN, Inches(4.4), Inches(5.5), Inches(1.3))
            self._fill(box, self.color)
            frame = box.text_frame
            frame.text = ctx["phase"]
            self._style(frame.paragraphs[0], size=30, bold=True, color=RGBColor(0xFF, 0xFF, 0xFF))
            p = frame.add_paragraph()
            p.text = ctx["gloss"]
            self._style(p, size=14, color=RGBColor(0xFF, 0xFF, 0xFF))
        else:
            self._text(slide, MARGIN, Inches(4.4), WIDTH - 2 * MARGIN, Inches(1), _(
                "There are %(n)s responses; results are shown from %(min)s responses on, so that nobody's answers "
                "can be recognised.", n=ctx["n_responses"], min=ctx["min_size"]), size=18)
        self._text(slide, MARGIN, HEIGHT - Inches(0.9), WIDTH - 2 * MARGIN, Inches(0.4),
                   f'{ctx["consultancy_name"]} · {_("Report of %(date)s", date=ctx["date"])}', size=12, color=MUTED)

    def phase(self) -> None:
        ctx, _ = self.ctx, self._
        slide = self._titled(_("Phase: %(phase)s", phase=ctx["phase"]))
        left = WIDTH - 2 * MARGIN
        step_width = int(left / len(ctx["ladder"]))
        for index, step in enumerate(ctx["ladder"]):
            box = slide.shapes.add_shape(1, MARGIN + index * step_width, Inches(1.4), step_width - Inches(0.08), Inches(0.8))
            self._fill(box, self.color if step.is_current else RGBColor(0xEE, 0xF0, 0xF2))
            frame = box.text_frame
            frame.text = step.key
            white = RGBColor(0xFF, 0xFF, 0xFF)
            self._style(frame.paragraphs[0], size=16, bold=True, color=white if step.is_current else INK)
        lines = [ctx["responses_text"], ctx["customers_text"]]
        if ctx["is_provisional"]:
            lines.append(ctx["provisional_text"])
        self._text(slide, MARGIN, Inches(2.4), left, Inches(0.7), " · ".join(lines), size=12, color=MUTED)
        self._bullets(slide, MARGIN, Inches(3.1), left, Inches(2.2), _("Why"), ctx["reasons"], size=14)
        if ctx["next_steps"]:
            self._bullets(slide, MARGIN, Inches(5.2), left, Inches(1.7), ctx["next_steps"][0], ctx["next_steps"][1:], size=13)

    def findings(self) -> None:
        ctx, _ = self.ctx, self._
        slide = self._titled(_("Key findings"))
        self._bullets(slide, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(5.4), None, ctx["key_findings"], size=20)

    def dimensions(self) -> None:
        ctx, _ = self.ctx, self._
        slide = self._titled(_("Dimensions against the phase bars"))
        # The three scores from 0 to 100 (the mirror, in report marks, has its own slide).
        shown = [d for d in ctx["dims"] if d.value is not None and d.key in INDEX_DIMENSIONS]
        if shown:
            data = CategoryChartData(number_format="0")
            data.categories = [d.label for d in shown]
            data.add_series(_("Now"), [d.value for d in shown])
            others = ctx.get("benchmark_values") or {}
            if any(d.key in others for d in shown):
                data.add_series(_("Other clients"), [others.get(d.key) for d in shown])
            chart = self._chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, data, MARGIN, Inches(1.3), Inches(4.6), Inches(4.3))
            chart.value_axis.minimum_scale, chart.value_axis.maximum_scale = 0, 100
            chart.has_legend = len(chart.plots[0].series) > 1
            if chart.has_legend:
                chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
                other = chart.plots[0].series[1].format.fill
                other.solid()
                other.fore_color.rgb = RGBColor(0xB0, 0xBE, 0xC5)
        head = ["", _("Now")] + [step.key for step in ctx["ladder"][1:]]
        rows = [[row.label, row.value_text] + [cell.text + (" ✓" if cell.is_met is True else " ✗" if cell.is_met is False else "")
                                             for cell in row.cells] for row in ctx["bars"]]
        left = MARGIN + Inches(4.9)
        self._table(slide, left, Inches(1.3), WIDTH - left - MARGIN, head, rows, size=11, widths=(0.28, 0.09, 0.21, 0.21, 0.21))
        self._text(slide, MARGIN, Inches(5.7), Inches(4.6), Inches(1.0),
                   _("✓ met, ✗ not met, as the figures are shown."), size=11, color=MUTED)

    def mirror(self) -> None:
        ctx, _ = self.ctx, self._
        slide = self._titled(_("The mirror"))
        views = (_("Employees' own rating"), _("Employees' estimate"), customer_gettext("Customers"))
        data = CategoryChartData(number_format="0.0")
        data.categories = [m.label for m in ctx["mirror"]]
        for index, name in enumerate(views):
            data.add_series(name, [m.views[index].value for m in ctx["mirror"]])
        chart = self._chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, data, MARGIN, Inches(1.3), Inches(7.6), Inches(5.6))
        chart.value_axis.minimum_scale, chart.value_axis.maximum_scale = 0, 10
        colors = ctx["chart_colors"]
        for series, key in zip(chart.plots[0].series, ("view-self", "view-estimate", "view-customer")):
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = rgb(colors[key]) if key != "view-customer" else self.color
        chart.has_legend, chart.legend.position, chart.legend.include_in_layout = True, XL_LEGEND_POSITION.BOTTOM, False
        rows = [[m.label, m.gap_text] for m in ctx["mirror"]]
        self._table(slide, Inches(8.5), Inches(1.3), WIDTH - Inches(8.5) - MARGIN,
                    [_("Topic"), customer_gettext("Own rating − customers")], rows, size=11)

    def segments(self) -> None:
        """The overview per service and segment, as the report shows it (each figure, then its
        difference with the organisation's)."""
        ctx, _ = self.ctx, self._
        if not ctx.get("segments"):
            return
        head = [_("Group"), _("Responses"), _("Phase")] + [label for _key, label in ctx["segment_columns"]]
        rows = [[row.label, str(row.n), row.phase or "—"]
                + [c.text + (f" ({c.against})" if c.against else "") for c in row.cells] for row in ctx["segments"]]
        for start in range(0, len(rows), ROWS_PER_SLIDE):
            slide = self._titled(_("Per service and segment"))
            self._table(slide, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, head, rows[start:start + ROWS_PER_SLIDE], size=10)

    def departments(self) -> None:
        ctx, _ = self.ctx, self._
        visible = [d for d in ctx["departments"] if d.visible]
        if not visible:
            return
        head = [_("Department"), _("Responses")] + list(ctx["department_columns"])
        rows = [[d.name, str(d.n)] + [c.text for c in d.cells] for d in visible]
        for start in range(0, len(rows), ROWS_PER_SLIDE):
            slide = self._titled(_("Departments"))
            self._table(slide, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, head, rows[start:start + ROWS_PER_SLIDE], size=12)

    def progress(self) -> None:
        ctx, _ = self.ctx, self._
        progress = ctx.get("progress")
        if not progress:
            return
        slide = self._titled(_("Progress between rounds"))
        head = [_("Dimension")] + list(progress["columns"]) + [_("Change")] + (
            [_("Other client organisations")] if progress["benchmark"] else [])
        rows = [[row["label"]] + list(row["cells"]) + [row["change"]] + ([row["benchmark"]] if progress["benchmark"] else [])
                for row in progress["rows"]]
        self._table(slide, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, head, rows, size=12)

    def plan(self) -> None:
        ctx, _ = self.ctx, self._
        if not ctx["actions"]:
            return
        head = [_("Action"), _("Owner"), _("Due date"), _("Target")]
        rows = [[a["title"], a["owner"], a["due"], a["target"] or "—"] for a in ctx["actions"]]
        for start in range(0, len(rows), ROWS_PER_SLIDE - 4):
            slide = self._titled(_("Action plan"))
            self._table(slide, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, head, rows[start:start + ROWS_PER_SLIDE - 4],
                        size=12, widths=(0.42, 0.2, 0.13, 0.25))

    # Building blocks -------------------------------------------------------------------------

    def _slide(self):
        return self.presentation.slides.add_slide(self.blank)

    def _titled(self, title: str):
        slide = self._slide()
        self._text(slide, MARGIN, Inches(0.4), WIDTH - 2 * MARGIN, Inches(0.7), title, size=28, bold=True, color=self.color)
        rule = slide.shapes.add_shape(1, MARGIN, Inches(1.08), WIDTH - 2 * MARGIN, Emu(19050))
        self._fill(rule, self.color)
        footer = f'{self.ctx["org_name"]} · {self.ctx["round_title"]} · {self.ctx["consultancy_name"]}'
        self._text(slide, MARGIN, HEIGHT - Inches(0.5), WIDTH - 2 * MARGIN, Inches(0.3), footer, size=10, color=MUTED)
        return slide

    def _text(self, slide, x, y, w, h, text: str, *, size: int, bold: bool = False, color: RGBColor = INK):
        frame = slide.shapes.add_textbox(x, y, w, h).text_frame
        frame.word_wrap = True
        frame.text = text
        self._style(frame.paragraphs[0], size=size, bold=bold, color=color)
        return frame

    def _bullets(self, slide, x, y, w, h, heading: str | None, lines, *, size: int = 16) -> None:
        frame = slide.shapes.add_textbox(x, y, w, h).text_frame
        frame.word_wrap = True
        first = True
        if heading:
            frame.text = heading
            self._style(frame.paragraphs[0], size=size + 2, bold=True, color=self.color)
            first = False
        for line in lines:
            p = frame.paragraphs[0] if first else frame.add_paragraph()
            first = False
            p.text = "• " + line
            p.space_after = Pt(6)
            self._style(p, size=size)

    def _style(self, paragraph, *, size: int, bold: bool = False, color: RGBColor = INK) -> None:
        for run in paragraph.runs:
            run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, color

    def _fill(self, shape, color: RGBColor) -> None:
        shape.fill.solid()
        shape.fill.fore_color.rgb = color
        shape.line.fill.background()

    def _chart(self, slide, kind, data, x, y, w, h):
        chart = slide.shapes.add_chart(kind, x, y, w, h, data).chart
        chart.has_title = False  # the slide's title says what it shows
        chart.font.size, chart.font.color.rgb = Pt(12), INK
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.font.size = Pt(11)
        plot.data_labels.number_format_is_linked = True
        for series in plot.series:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = self.color
        return chart

    def _table(self, slide, x, y, w, head: list[str], rows: list[list[str]], *, size: int,
               widths: tuple[float, ...] | None = None) -> None:
        shape = slide.shapes.add_table(len(rows) + 1, len(head), x, y, w, Inches(0.4) * (len(rows) + 1))
        table = shape.table
        if widths:
            for index, share in enumerate(widths):
                table.columns[index].width = int(w * share)
        for column, text in enumerate(head):
            cell = table.cell(0, column)
            cell.text = str(text)
            cell.fill.solid()
            cell.fill.fore_color.rgb = self.color
            self._style(cell.text_frame.paragraphs[0], size=size, bold=True, color=RGBColor(0xFF, 0xFF, 0xFF))
        for r, row in enumerate(rows, start=1):
            for column, text in enumerate(row):
                cell = table.cell(r, column)
                cell.text = str(text)
                cell.fill.solid()
                cell.fill.fore_color.rgb = RGBColor(0xFF, 0xFF, 0xFF) if r % 2 else RGBColor(0xF4, 0xF6, 0xF8)
                paragraph = cell.text_frame.paragraphs[0]
                self._style(paragraph, size=size)
                if column > 0 and NUMERIC.match(str(text)):
                    paragraph.alignment = PP_ALIGN.RIGHT
