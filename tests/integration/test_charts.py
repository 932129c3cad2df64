"""Chart geometry is computed once, in Python (results/figures.py ``CHART_FRAMES`` and the bars'
lengths); the chart templates draw what they are given and place nothing on a scale themselves."""

from __future__ import annotations

import re

from flask import render_template_string

from maturity.results.figures import (
    CHART_FRAMES,
    Bar,
    BarMark,
    ChartFrame,
    DimensionRow,
    MirrorRow,
    MirrorView,
)


def _render(app, monkeypatch, frames: dict, source: str, **values) -> str:
    """``source`` rendered with other chart frames. An imported macro module keeps the globals
    it was made with: the template cache is emptied before and after, so that no other test
    draws with these frames."""
    monkeypatch.setitem(app.jinja_env.globals, "chart_frames", {**CHART_FRAMES, **frames})
    app.jinja_env.cache.clear()
    try:
        with app.test_request_context():
            return render_template_string(source, **values)
    finally:
        app.jinja_env.cache.clear()


def _grid(svg: str) -> list[tuple[str, str]]:
    """The grid lines' x and the number under each."""
    xs = re.findall(r'<line x1="([\d.]+)" x2="\1" y1="0" y2="[\d.]+" class="grid-line"', svg)
    ticks = re.findall(r'class="tick" font-size="11" fill="#607d8b" text-anchor="middle">([^<]+)</text>', svg)
    return list(zip(xs, ticks, strict=True))


def test_the_dimension_chart_draws_the_frame_and_the_bars_it_is_given(app, monkeypatch):
    frame = ChartFrame(700, 300, 350, ((300.0, "0"), (475.0, "50"), (650.0, "100")))
    narrow = ChartFrame(400, 20, 330)
    row = DimensionRow("skills", "Skills", 50, "50", 10, "bar", Bar(175.0, 165.0),
                       (BarMark("klantbewust", Bar(210.0, 198.0)), BarMark("benchmark", Bar(140.0, 132.0))))
    svg = _render(app, monkeypatch, {"dimensions": frame, "dimensions_narrow": narrow},
                  '{% from "charts/_charts.html" import hbars, hbars_narrow %}'
                  '{{ hbars(rows, "t") }}|{{ hbars_narrow(rows, "t") }}', rows=[row])
    wide, small = svg.split("|")
    assert 'viewBox="0 0 700 ' in wide and _grid(wide) == [("300.0", "0"), ("475.0", "50"), ("650.0", "100")]
    assert '<rect x="300" y="6" width="175.0"' in wide and '<text x="481.0" y="19" class="value"' in wide
    assert '<line x1="510.0" x2="510.0"' in wide  # the phase's bar, at start + its length
    assert 'd="M 435.0 30 L 445.0 30 L 440.0 23 Z"' in wide  # the other clients' triangle
    assert 'viewBox="0 0 400 ' in small and '<rect x="20" y="18" width="165.0"' in small
    assert '<line x1="218.0" x2="218.0"' in small


def test_the_mirror_and_band_charts_draw_the_frame_they_are_given(app, monkeypatch):
    frame = ChartFrame(700, 300, 360, ((300.0, "1"), (660.0, "10")))
    item = MirrorRow("mirror.m1", "Topic", (MirrorView("self", 7.0, "7,0", 10, Bar(240.0, 200.0)),),
                     "7,0", "—", "—", None, "—", False, "")
    svg = _render(app, monkeypatch, {"mirror": frame, "mirror_narrow": ChartFrame(380, 12, 300),
                                     "bands": ChartFrame(720, 0, 720)},
                  '{% from "charts/_charts.html" import mirror_bars, mirror_bars_narrow, stacked %}'
                  '{{ mirror_bars(items, "t", []) }}|{{ mirror_bars_narrow(items, "t", []) }}|{{ stacked([], "t") }}',
                  items=[item])
    wide, small, bands = svg.split("|")
    assert 'viewBox="0 0 700 ' in wide and _grid(wide) == [("300.0", "1"), ("660.0", "10")]
    assert '<rect x="300" y="6" width="240.0"' in wide
    assert 'viewBox="0 0 380 ' in small and '<rect x="12" y="18" width="200.0"' in small
    assert 'viewBox="0 0 720 60"' in bands


def test_the_frames_hold_the_scales_the_bars_are_computed_on():
    dimensions, mirror = CHART_FRAMES["dimensions"], CHART_FRAMES["mirror"]
    assert dimensions.ticks[0] == (dimensions.start, "0") and dimensions.ticks[-1] == (dimensions.start + dimensions.length, "100")
    assert mirror.ticks[0] == (mirror.start, "1") and mirror.ticks[-1] == (mirror.start + mirror.length, "10")
    assert dimensions.at(58, 100) == round(dimensions.length * 0.58, 1)
