"""The board deck (issue #25): an editable PowerPoint whose every figure is the result model's."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pptx.util import Emu

from maturity.extensions import db
from maturity.plans import services as plan_services
from maturity.reports.models import ReportCache
from maturity.results.figures import round_figures
from maturity.results.services import round_results

from ..helpers import download, planted_round, round_url


def _deck(client, world, round_) -> Presentation:
    response = download(client, round_url(world, round_, "deck.pptx"))
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    return Presentation(io.BytesIO(response.data))


def _slides(deck) -> list[dict]:
    """Per slide: its texts, its tables (rows of cell texts) and its charts (categories and
    series values)."""
    found = []
    for slide in deck.slides:
        texts, tables, charts = [], [], []
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                tables.append([[cell.text for cell in row.cells] for row in shape.table.rows])
            if shape.has_chart:
                plot = shape.chart.plots[0]
                charts.append({"categories": list(plot.categories),
                               "series": {s.name: list(s.values) for s in plot.series}})
        found.append({"texts": texts, "tables": tables, "charts": charts, "title": next((t for t in texts if t), "")})
    return found


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_figure_on_every_slide_is_the_result_models(app, client, auth, world, language):
    round_ = planted_round(app, world)
    with app.test_request_context():
        plan_services.generate_plan(round_, round_results(round_))
    db.session.flush()
    auth.login(world.ours.director)
    client.submit("/language", {"locale": language})
    slides = _slides(_deck(client, world, round_))
    with app.test_request_context(headers={"Accept-Language": language}):
        from flask_babel import force_locale

        with force_locale(language):
            f = round_figures(round_results(round_), language)
    titles = [s["title"] for s in slides]
    assert titles[0] == world.ours.org.name and f.phase in " ".join(slides[0]["texts"])
    checked = 0
    # Dimensions: the chart's bars are the dimension scores as shown.
    index_dims = [d for d in f.dims if d.value is not None and d.key in ("skills", "leadership", "culture")]
    [dimensions] = [s for s in slides if any(c["series"] and len(c["categories"]) == len(index_dims)
                                             and all(v <= 100 for series in c["series"].values() for v in series)
                                             for c in s["charts"]) and s["tables"]]
    chart = dimensions["charts"][0]
    assert chart["categories"] == [d.label for d in index_dims]
    assert list(chart["series"].values())[0] == [d.value for d in index_dims]
    checked += len(chart["categories"])
    # The bars table: each row's "now" and every bar, as in the report.
    bars = dimensions["tables"][0]
    for row, expected in zip(bars[1:], f.bars):
        assert row[0] == expected.label and row[1] == expected.value_text
        assert [c.removesuffix(" ✓").removesuffix(" ✗") for c in row[2:]] == [c.text for c in expected.cells]
        checked += 1
    # The mirror: three series of report marks per topic, and the gap as shown.
    [mirror] = [s for s in slides if any(len(c["series"]) == 3 for c in s["charts"])]
    chart = mirror["charts"][0]
    assert chart["categories"] == [m.label for m in f.mirror]
    for index, values in enumerate(chart["series"].values()):
        assert values == [m.views[index].value for m in f.mirror]
        checked += len(values)
    assert [row[1] for row in mirror["tables"][0][1:]] == [m.gap_text for m in f.mirror]
    # Departments: only those shown in the report, with their cells as shown.
    department_rows = [row for s in slides for t in s["tables"] for row in t[1:] if row[0] in {d.name for d in f.departments}]
    visible = [d for d in f.departments if d.visible]
    assert [row[0] for row in department_rows] == [d.name for d in visible]
    for row, d in zip(department_rows, visible):
        assert row[1:] == [str(d.n)] + [c.text for c in d.cells]
        checked += 1
    assert not any("Juridisch" in text for s in slides for text in s["texts"] + [c for t in s["tables"] for r in t for c in r])
    # The reasons for the phase, and the key findings, word for word.
    everything = " ".join(text for s in slides for text in s["texts"])
    for sentence in list(f.reasons) + list(f.key_findings):
        assert sentence in everything
    assert checked > 20


def test_the_deck_is_made_by_the_worker_once_and_cached(app, client, auth, world):
    round_ = planted_round(app, world)
    auth.login(world.ours.consultant)
    url = round_url(world, round_, "deck.pptx")
    first = download(client, url).data
    rows = db.session.query(ReportCache).filter_by(round_id=round_.id, kind="pptx").all()
    assert len(rows) == 1 and rows[0].status == "ready"
    made_at = rows[0].created_at
    assert client.get(url).data == first  # served from the cache
    assert download(client, url).data == first  # asked again: nothing is made again
    db.session.expire_all()
    assert db.session.query(ReportCache).filter_by(round_id=round_.id, kind="pptx").one().created_at == made_at
    # The house colour is on the slides (the title rule and the charts).
    world.ours.consultancy.primary_color = "#1b2a4a"
    db.session.flush()
    page = client.get(url)  # the deck of before is not served: it is made again when asked for
    assert page.status_code == 200 and "Bestuursdeck voorbereiden" in page.get_data(as_text=True)
    deck = Presentation(io.BytesIO(download(client, url).data))
    colours = {str(shape.fill.fore_color.rgb) for slide in deck.slides for shape in slide.shapes
               if shape.shape_type == 1 and shape.fill.type == 1}
    assert "1B2A4A" in colours
    assert deck.slide_width == Emu(12191695) or deck.slide_width > deck.slide_height  # 16:9


def test_the_deck_is_for_directors_and_consultants_of_that_organisation(app, client, auth, world):
    round_ = planted_round(app, world)
    auth.login(world.theirs.director)
    assert client.get(round_url(world, round_, "deck.pptx")).status_code == 404
    auth.logout()
    auth.login(world.ours.employee)
    assert client.get(round_url(world, round_, "deck.pptx")).status_code in (403, 404)


def test_an_open_round_has_no_deck(client, auth, world):
    from datetime import date, timedelta

    from maturity.rounds import services

    round_ = services.create_round(world.ours.org, services.RoundSettings(
        title="Open", opens_on=date.today(), closes_on=date.today() + timedelta(days=5)))
    services.open_round(round_)
    db.session.flush()
    auth.login(world.ours.director)
    assert client.get(round_url(world, round_, "deck.pptx")).status_code == 409
    assert client.submit(round_url(world, round_, "deck.pptx")).status_code == 409
    assert db.session.query(ReportCache).filter_by(round_id=round_.id).count() == 0


def test_the_dimension_chart_sets_the_other_clients_beside_the_organisation(app, client, auth, world):
    from datetime import date, timedelta

    from maturity.core.display import shown
    from maturity.progress.services import consultancy_benchmark, organisation_progress
    from maturity.rounds import services

    from ..factories import OrganisationFactory
    from ..helpers import bulk_other_responses

    for n in range(6):  # published before ours: the report compares with them as they stood then
        org = OrganisationFactory(consultancy=world.ours.consultancy, name=f"Klant {n}", slug=f"deck-benchmark-{n}")
        other = services.create_round(org, services.RoundSettings(
            title="Meting", opens_on=date.today() - timedelta(days=30), closes_on=date.today() - timedelta(days=10)))
        services.open_round(other)
        bulk_other_responses(other, 8, 70 + n)
    db.session.flush()
    round_ = planted_round(app, world)
    point = organisation_progress(world.ours.org).points[-1]
    benchmark = consultancy_benchmark(world.ours.org, point)
    assert benchmark["skills"] is not None
    auth.login(world.ours.director)
    slides = _slides(_deck(client, world, round_))
    [chart] = [c for s in slides for c in s["charts"] if "Andere organisaties" in c["series"]]
    expected = {"Persoonlijke klantgerichtheid (test)": "skills", "Leiderschap": "leadership", "Cultuur": "culture"}
    for label, value in zip(chart["categories"], chart["series"]["Andere organisaties"]):
        assert value == shown(benchmark[expected[label]].mean, 0)
