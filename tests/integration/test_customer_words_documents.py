"""The client's words in what leaves the application (#28): a housing corporation's board report
(the HTML it is rendered from and the PDF's text), its board deck (every text, table and chart),
its CSV and XLSX exports, and the results and plan pages those come from speak of huurders
(tenants), not of klanten (customers), in Dutch and English. The instrument's own items (its
statements and the quiz) stay the same items, worded as they were asked; an organisation that
speaks of klanten reads what it always read."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re

import pytest
from flask import render_template
from flask_babel import force_locale
from openpyxl import load_workbook
from pptx import Presentation
from pypdf import PdfReader

from maturity.extensions import db
from maturity.reports.context import report_context
from maturity.results.services import round_results

from ..helpers import SAYS_CUSTOMER, corporation, download, round_url, strays

TENANTS = {"nl": re.compile(r"\bhuurders?\b", re.IGNORECASE), "en": re.compile(r"\btenants?\b", re.IGNORECASE)}


def _visible(page: str) -> str:
    page = re.sub(r"<(script|style|title)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def housing_round(app, client, auth, world):
    """A housing corporation's published round with services, customers per service and a
    generated plan (made on the plan page, as its director does)."""
    org = world.ours.org
    org.name, org.customer_word = "Woonstichting De Linde", "huurder"
    db.session.flush()
    round_, _values = corporation(org, app)
    auth.login(world.ours.director)
    assert client.submit(round_url(world, round_, "plan/generate")).status_code == 302
    return round_


def _choose(client, language: str) -> None:
    client.submit("/language", {"locale": language})


def _report_html(app, round_, language: str) -> str:
    """The HTML the PDF is rendered from, as the worker renders it (outside the organisation's
    request)."""
    with app.test_request_context(), force_locale(language):
        return render_template("pdf/report.html", **report_context(round_, round_results(round_)))


def _pdf_text(client, world, round_) -> str:
    pdf = PdfReader(io.BytesIO(download(client, round_url(world, round_, "report.pdf")).data))
    return " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)


def deck_texts(client, world, round_) -> list[str]:
    """Every text of the deck: its text boxes and shapes, every table cell, every chart's
    categories and series names."""
    deck = Presentation(io.BytesIO(download(client, round_url(world, round_, "deck.pptx")).data))
    texts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
            if shape.has_chart:
                plot = shape.chart.plots[0]
                texts += [str(c) for c in plot.categories] + [s.name for s in plot.series]
    return texts


def csv_cells(client, world, round_) -> list[list[str]]:
    body = client.get(round_url(world, round_, "results.csv")).get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def xlsx_cells(client, world, round_) -> list[str]:
    workbook = load_workbook(io.BytesIO(client.get(round_url(world, round_, "results.xlsx")).data))
    return [sheet.title for sheet in workbook.worksheets] + [
        str(c) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c is not None]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_board_report_speaks_of_huurders_in_its_html_and_its_pdf(app, client, world, housing_round, language):
    _choose(client, language)
    html = _visible(_report_html(app, housing_round, language))
    assert strays(html, language) == []
    assert len(TENANTS[language].findall(html)) > 20
    for label in {"nl": ["Opmerkingen van huurders", "Eigen oordeel − huurders", "Huurders Kloof", "Reacties van huurders"],
                  "en": ["Tenant comments", "Own rating − tenants", "Tenants Gap", "Tenant responses"]}[language]:
        assert label in html, label
    # The PDF says what its HTML says: every "klant" in its text is one of the instrument's own
    # items (the lines of a table's cells interleave, so the items are counted, not cut out).
    pdf = _pdf_text(client, world, housing_round)
    assert len(SAYS_CUSTOMER[language].findall(pdf)) == len(SAYS_CUSTOMER[language].findall(html))
    assert len(TENANTS[language].findall(pdf)) == len(TENANTS[language].findall(html))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_board_deck_speaks_of_huurders_on_every_slide(client, world, housing_round, language):
    _choose(client, language)
    texts = deck_texts(client, world, housing_round)
    assert [s for text in texts for s in strays(text, language)] == []
    expected = {"nl": ["Huurders", "Eigen oordeel − huurders"], "en": ["Tenants", "Own rating − tenants"]}[language]
    assert set(expected) <= set(texts)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_exports_label_the_figures_with_huurders(client, world, housing_round, language):
    _choose(client, language)
    rows = csv_cells(client, world, housing_round)
    assert [s for row in rows for cell in row for s in strays(cell, language)] == []
    groups = {row[2] for row in rows[1:]}
    assert {"nl": {"Huurders", "Eigen oordeel − huurders"}, "en": {"Tenants", "Own rating − tenants"}}[language] <= groups
    cells = xlsx_cells(client, world, housing_round)
    assert [s for cell in cells for s in strays(cell, language)] == []
    assert {"nl": "Huurders", "en": "Tenants"}[language] in cells


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_results_and_plan_pages_speak_of_huurders(client, world, housing_round, language):
    _choose(client, language)
    for suffix in ("results", "plan/"):
        page = client.get(round_url(world, housing_round, suffix))
        assert page.status_code == 200
        assert strays(_visible(page.get_data(as_text=True)), language) == [], suffix


@pytest.mark.parametrize("language", ["nl", "en"])
def test_an_organisation_that_speaks_of_klanten_reads_klanten(app, client, auth, world, language):
    org = world.ours.org
    assert org.customer_word == "klant"
    round_, _values = corporation(org, app)
    auth.login(world.ours.director)
    assert client.submit(round_url(world, round_, "plan/generate")).status_code == 302
    _choose(client, language)
    customers, gap = {"nl": ("Klanten", "Eigen oordeel − klanten"), "en": ("Customers", "Own rating − customers")}[language]
    html = _visible(_report_html(app, round_, language))
    assert f"{customers} Kloof" in html or f"{customers} Gap" in html
    assert TENANTS[language].findall(html) == []
    assert {customers, gap} <= set(deck_texts(client, world, round_))
    assert {customers, gap} <= {row[2] for row in csv_cells(client, world, round_)[1:]}
    assert customers in xlsx_cells(client, world, round_)


def test_the_report_is_made_again_when_the_word_changes(app, world, housing_round):
    """A report made before the organisation chose its word is not served after: the word is
    part of the report's key, as its name is."""
    from maturity.reports.context import report_key

    before = report_key(housing_round, "nl")
    world.ours.org.customer_word = "bewoner"
    db.session.flush()
    assert report_key(housing_round, "nl") != before
