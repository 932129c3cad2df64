"""White label (issue #25): the consultancy's house colour on every coloured element of the
report, never the product's own green."""

from __future__ import annotations

import re
from pathlib import Path

from flask import render_template

from maturity.core.display import CHART_COLORS
from maturity.extensions import db
from maturity.reports.context import house_palette, report_context
from maturity.results.services import round_results

from ..helpers import planted_round


PRODUCT_GREENS = {"#00695c", "#00574b", "#26a69a", "#b2dfdb", "#f1f8f7"}
NAVY = "#1b2a4a"


def test_the_print_stylesheet_draws_the_house_colour_from_variables_only():
    css = Path(__file__).parents[2].joinpath("maturity/static/pdf/print.css").read_text()
    defaults, rest = css.split("html {", 1)[0], "html {" + css.split("html {", 1)[1]
    assert ":root" in defaults
    assert not PRODUCT_GREENS & set(re.findall(r"#[0-9a-f]{6}", rest.lower()))


def test_a_navy_consultancy_gets_a_navy_report(app, world):
    round_ = planted_round(app, world)
    world.ours.consultancy.primary_color = NAVY
    db.session.flush()
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        context = report_context(round_, round_results(round_))
        html = render_template("pdf/report.html", **context)
    palette = house_palette(NAVY)
    assert f"--house: {NAVY};" in html and f"--house-dark: {palette['house-dark']};" in html
    colours = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}", html)}
    assert NAVY in colours and not PRODUCT_GREENS & colours
    # The mirror chart's customers and the dimension bars are in the house colour.
    assert context["chart_colors"]["view-customer"] == NAVY == context["chart_colors"]["bar"]
    assert context["chart_colors"]["view-self"] == CHART_COLORS["view-self"]


def test_the_palette_keeps_text_readable():
    for color in ("#1b2a4a", "#00695c", "#f9a825", "#ffffff"):
        palette = house_palette(color)
        assert all(re.fullmatch(r"#[0-9a-f]{6}", v) for v in palette.values())
        dark = [int(palette["house-dark"][i:i + 2], 16) for i in (1, 3, 5)]
        base = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
        assert all(d <= b for d, b in zip(dark, base))


# A tiny valid PNG (1×1, navy).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108020000009077"
    "53de0000000c4944415408d763909252020001520094f3ac2f340000000049454e44ae426082")


def test_a_director_puts_the_organisations_logo_beside_the_consultancys(app, client, auth, world):
    import io

    from maturity.tenancy.models import Organisation

    round_ = planted_round(app, world)
    auth.login(world.ours.director)
    base = f"/o/{world.ours.org.slug}"
    assert "Uw logo in het rapport" in client.get(base + "/").get_data(as_text=True)
    # Not an image, or too large: refused with a message, nothing stored.
    page = client.submit(base + "/logo", {"logo": (io.BytesIO(b"<svg/>"), "logo.png")}, follow_redirects=True)
    assert "geen PNG- of JPEG-afbeelding" in page.get_data(as_text=True)
    page = client.submit(base + "/logo", {"logo": (io.BytesIO(PNG + b"\0" * 310_000), "logo.png")}, follow_redirects=True)
    assert "groter dan 300 KB" in page.get_data(as_text=True)
    assert db.session.get(Organisation, world.ours.org.id).logo_mimetype is None
    client.submit(base + "/logo", {"logo": (io.BytesIO(PNG), "logo.png")})
    db.session.expire_all()
    assert client.get(base + "/logo").data == PNG
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        html = render_template("pdf/report.html", **report_context(round_, round_results(round_)))
    assert 'class="cover-logo client"' in html and "data:image/png;base64," in html
    # Another organisation's director sees neither the logo nor its form.
    auth.logout()
    auth.login(world.theirs.director)
    assert client.get(base + "/logo").status_code == 404
    # Removed again by the director.
    auth.logout()
    auth.login(world.ours.director)
    client.submit(base + "/logo", {"remove_logo": "y"})
    assert client.get(base + "/logo").status_code == 404


def test_the_benchmark_is_marked_on_the_dimension_chart_where_the_progress_table_puts_it(app, world):
    from maturity.core.progress import Benchmark
    from maturity.results.figures import BENCHMARK_MARK, CHART_FRAMES, round_figures, with_benchmark

    round_ = planted_round(app, world)
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        f = round_figures(round_results(round_), "nl")
        dims = with_benchmark(f.dims, {"skills": Benchmark(57.5, 6), "leadership": None})
    skills = next(d for d in dims if d.key == "skills")
    [mark] = [m for m in skills.marks if m.phase == BENCHMARK_MARK]
    assert mark.at.wide == round(CHART_FRAMES["dimensions"].length * 58 / 100, 1)  # 57.5 shows as 58, and is drawn there
    assert not any(m.phase == BENCHMARK_MARK for d in dims if d.key != "skills" for m in d.marks)
