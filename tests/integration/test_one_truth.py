"""One truth: every figure of a round is identical on the results page, in the PDF report, in
the CSV and in the XLSX, because all four render the one result model (results/figures.py).

The planted round has what used to make the surfaces disagree: reverse-keyed statements,
"weet ik niet", a department too small to show, and a mirror topic whose gap sits exactly on
the one-mark edge (own 8.2, customers 7.2: 0.9999999999999991 in floating point)."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from maturity.extensions import db
from maturity.results.figures import round_figures
from maturity.results.services import round_results
from maturity.rounds import services
from maturity.rounds import customer_responses, inviting
from maturity.results import publication

from ..helpers import (LEADERSHIP_REVERSED, corporation, download, full_answers, invitations_of, planted_round,
                       round_url, round_with_people, submit_answers)


class Rows(HTMLParser):
    """Every table row of a page as a list of its cells' text."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _csv_table(client, world, round_) -> dict[tuple[str, str, str], tuple[str, str]]:
    body = client.get(round_url(world, round_, "results.csv")).get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    return {(s, i, g): (n, v) for s, i, g, n, v in rows[1:]}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_export_columns_have_distinct_names_in_each_language(app, client, auth, world, language):
    """The Dutch header once read "Onderdeel;Onderdeel": two columns translated to one word."""
    round_ = planted_round(app, world)
    auth.login(world.ours.director)
    client.submit("/language", {"locale": language})
    body = client.get(round_url(world, round_, "results.csv")).get_data(as_text=True)
    header = next(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert len(header) == 5 and len(set(header)) == 5, header
    workbook = load_workbook(io.BytesIO(client.get(round_url(world, round_, "results.xlsx")).data))
    for sheet in workbook.worksheets:
        names = [c for c in next(sheet.iter_rows(values_only=True))]
        assert len(set(names)) == len(names), (sheet.title, names)


def test_every_figure_is_the_same_on_page_pdf_csv_and_xlsx(app, client, auth, world):
    round_ = planted_round(app, world)
    results = round_results(round_)
    auth.login(world.ours.director)
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        f = round_figures(results, "nl")

    # The edge: own rating 8.2 against customers 7.2 shows as +1,0 and is marked as such.
    m1 = next(m for m in f.mirror if m.key == "mirror.m1")
    assert (m1.self_text, m1.customer_text, m1.gap_text, m1.meaningful) == ("8,2", "7,2", "+1,0", True)

    page = client.get(round_url(world, round_, "results")).get_data(as_text=True)
    parser = Rows()
    parser.feed(page)
    page_rows = parser.rows
    table = _csv_table(client, world, round_)
    workbook = load_workbook(io.BytesIO(client.get(round_url(world, round_, "results.xlsx")).data))
    xlsx = {(r[0], r[1], r[2]): r[4] for r in workbook["Alle cijfers (lang)"].iter_rows(min_row=2, values_only=True)}
    # The sheet per section holds the same cells as the long sheet.
    assert workbook.sheetnames[:7] == ["Samenvatting", "Dimensies", "Afdelingen", "Stellingen", "Spiegel", "Test",
                                       "Betrouwbaarheid"] and workbook.sheetnames[-1] == "Alle cijfers (lang)"
    statements = list(workbook["Stellingen"].iter_rows(values_only=True))
    assert statements[0][:3] == ("Stelling (1-5)", "Reacties", "Score (1-5)")
    for text, n, score, _change, *shares in statements[1:]:
        assert xlsx[("Stelling (1-5)", text, "Iedereen")] == score
        assert [xlsx[("Stelling (aandeel van de antwoorden)", text, g)] for g in ("ongunstig", "neutraal", "gunstig")] == shares
    for item, group, _n, value in list(workbook["Spiegel"].iter_rows(values_only=True))[1:]:
        assert xlsx[("Spiegel (1-10)", item, group)] == value
    pdf = PdfReader(io.BytesIO(download(client, round_url(world, round_, "report.pdf")).data))
    pdf_text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)

    def on_page(*cells):
        assert any(all(c in row for c in cells) and row.index(cells[0]) < row.index(cells[-1]) or list(cells) == row[:len(cells)]
                   for row in page_rows), cells

    def in_xlsx(key, text):
        value = xlsx[key]
        if isinstance(value, (int, float)):
            assert f"{value:.{_digits(text)}f}".replace(".", ",") == text.lstrip("+").replace("−", "-") or \
                ("+" + f"{value:.{_digits(text)}f}".replace(".", ",")) == text, (key, value, text)
        else:
            assert value == text, (key, value, text)

    checked = 0
    for d in f.dims:
        on_page(d.label, d.text)
        assert table[("Dimensie (0-100)", d.label, "Iedereen")][1] == d.text
        in_xlsx(("Dimensie (0-100)", d.label, "Iedereen"), d.text)
        assert re.search(re.escape(d.label) + r"\s+" + re.escape(d.text), pdf_text), d.label
        checked += 1
    for section in f.sections:
        for row in section.rows:
            label = row.label + (f" (omgekeerd gevraagd: “{row.text}”)" if row.reverse else "")
            on_page(row.label + (f" Omgekeerd gevraagd: “{row.text}”" if row.reverse else ""), row.score, row.shares_text)
            for group, share in zip(("ongunstig", "neutraal", "gunstig"), row.shares or ()):
                assert table[("Stelling (aandeel van de antwoorden)", label, group)][1] == f"{share}%"
                assert xlsx[("Stelling (aandeel van de antwoorden)", label, group)] == share
            value = table[("Stelling (1-5)", label, "Iedereen")][1]
            assert value == (row.score if row.value is not None else "te weinig reacties")
            in_xlsx(("Stelling (1-5)", label, "Iedereen"), value)
            statements = pdf_text[pdf_text.index("Gemiddelde van 1 tot 5, sterkste eerst"):]  # the section, not the summary
            assert row.score in statements[statements.index(row.label[:40]):][:len(row.label) + len(row.text) + 80], row.label
            checked += 1
    for m in f.mirror:
        on_page(m.label, m.self_text, m.estimate_text, m.customer_text)
        for view, group in zip(m.views, ("Eigen oordeel van medewerkers", "Inschatting medewerkers", "Klanten")):
            assert table[("Spiegel (1-10)", m.label, group)][1] == view.text
            in_xlsx(("Spiegel (1-10)", m.label, group), view.text)
        assert table[("Spiegel (1-10)", m.label, "Eigen oordeel − klanten")][1] == m.gap_text
        assert re.search(re.escape(m.label) + r"\s+" + r"\s+".join(map(re.escape, (m.self_text, m.estimate_text, m.customer_text, m.gap_text))), pdf_text), m.label
        checked += 1
    for dept in f.departments:
        if dept.visible:
            on_page(dept.name, str(dept.n), *[c.text for c in dept.cells])
            assert re.search(re.escape(dept.name) + r"\s+" + str(dept.n) + r"\s+" + r"\s+".join(re.escape(c.text) for c in dept.cells), pdf_text)
            for c in dept.cells:
                assert table[("Dimensie per afdeling (0-100)", c.label, dept.name)][1] == c.text
            checked += 1
    assert "Juridisch" not in page and "Juridisch" not in pdf_text and not any("Juridisch" in k[2] for k in table)
    for r in f.reliability:
        on_page(r.title, str(r.k), str(r.n), r.alpha)
        checked += 1
    assert checked >= 29  # 6 dimensions, 16 statements, 5 topics, the shown departments, 2 scales
    # The reverse-keyed statement is turned around everywhere: agreeing (4) with a negative
    # statement is a 2,0 in the customer-oriented direction.
    reversed_row = next(row for s in f.sections for row in s.rows if row.key == LEADERSHIP_REVERSED)
    assert reversed_row.reverse and reversed_row.score == "2,0" and reversed_row.tone == "weak"
    # Everyone agreed with the negative statement: all unfavourable, read in the favourable direction.
    assert reversed_row.shares == (100, 0, 0) and reversed_row.favourable_text == "0%"
    assert reversed_row.label == reversed_row.aim != reversed_row.text
    assert f.phase in pdf_text and f.phase in page and table[("Fase", f.phase, "Iedereen")][1] == f.phase
    # The bars agree with the phase: every bar up to the phase placed is met, as shown.
    order = ["klantgericht", "klantbewust", "klantbekwaam"]
    reached = order[:order.index(f.phase) + 1] if f.phase in order else []
    for row in f.bars:
        for phase, cell in zip(order, row.cells):
            if phase in reached:
                assert cell.is_met is not False, (row.key, phase)
    if f.phase != "klantbekwaam":
        next_phase = order[order.index(f.phase) + 1] if f.phase in order else "klantgericht"
        assert any(row.cells[order.index(next_phase)].is_met is False for row in f.bars) or not results.placement.has_mirror


def _digits(text: str) -> int:
    return len(text.split(",")[1]) if "," in text else 0


def test_the_english_csv_uses_decimal_points(app, client, auth, world):
    round_ = planted_round(app, world)
    world.ours.director.locale = "en"
    db.session.flush()
    auth.login(world.ours.director)
    body = client.get(round_url(world, round_, "results.csv")).get_data(as_text=True)
    assert "8.2" in body and "8,2" not in body


@pytest.mark.parametrize("n", [5, 12, 37, 300])
def test_a_mark_on_the_bar_reads_and_counts_as_the_bar(app, world, n):
    """n customers who all give a 7: 7,0 on every surface, and klantbekwaam's 7,0 is met."""
    from maturity.results.figures import round_figures as figures

    round_ = round_with_people(world, departments={"Wonen": 6})
    with app.test_request_context():
        for invitation in invitations_of(round_):
            answers = full_answers(likert="5", mark="7")
            submit_answers(invitation, answers)
        for _ in range(n):
            customer_responses.submit_customer_response(round_, {f"mirror.m{j}.customer": "7" for j in range(1, 6)}, "", "nl")
        publication.close(round_)
    results = round_results(round_)
    with app.test_request_context():
        f = figures(results, "nl")
    customers = next(d for d in f.dims if d.key == "mirror_customer")
    assert all(m.customer_text == "7,0" for m in f.mirror)
    assert not any("klanten geven een 7,0" in s and "minstens 7,0" in s for s in f.next_steps)
    assert customers.text == "67"


def test_without_enough_customers_the_phase_is_provisional_where_it_is_stated(app, client, auth, world):
    round_ = round_with_people(world, departments={"Wonen": 6})
    with app.test_request_context():
        for invitation in invitations_of(round_):
            submit_answers(invitation, full_answers(likert="5", mark="7"))
        publication.close(round_)
    auth.login(world.ours.director)
    page = client.get(round_url(world, round_, "results")).get_data(as_text=True)
    phase_card = page[page.index('id="phase"'):page.index('id="dimensions"')]
    assert "Voorlopig: met 0 klantreacties" in phase_card
    pdf = PdfReader(io.BytesIO(download(client, round_url(world, round_, "report.pdf")).data))
    cover = " ".join(pdf.pages[0].extract_text().split())
    assert "Voorlopig: met 0 klantreacties" in cover


def test_downloads_are_named_after_the_organisation_and_the_round(app, client, auth, world):
    round_ = planted_round(app, world)
    auth.login(world.ours.director)
    for suffix in ("results.csv", "results.xlsx", "report.pdf"):
        url = round_url(world, round_, suffix)
        response = download(client, url) if suffix == "report.pdf" else client.get(url)
        assert f'filename="klantspiegel-{world.ours.org.slug}-meting.' in response.headers["Content-Disposition"]
        assert response.headers["Cache-Control"] == "no-store"  # never kept by a shared cache
    assert client.get(round_url(world, round_, "results/live.json")).headers["Cache-Control"] == "no-store"


def test_each_statement_shows_its_change_since_the_previous_round(app, client, auth, world):
    from datetime import timedelta

    first = round_with_people(world, departments={"Wonen": 6})
    with app.test_request_context():
        for invitation in invitations_of(first):
            submit_answers(invitation, full_answers(likert="2"))
        publication.close(first)
    first.opens_on -= timedelta(days=200)
    second = services.create_round(world.ours.org, services.RoundSettings(
        title="Tweede", opens_on=first.opens_on + timedelta(days=180), closes_on=first.opens_on + timedelta(days=220)))
    services.open_round(second)
    with app.test_request_context():
        inviting.invite_employees(second)
        for invitation in invitations_of(second):
            submit_answers(invitation, full_answers(likert="4"))
        publication.close(second)
    db.session.flush()
    auth.login(world.ours.director)
    page = client.get(round_url(world, second, "results")).get_data(as_text=True)
    assert "Sinds de vorige ronde" in page and "▲ +2,0" in page
    table = _csv_table(client, world, second)
    assert any(k[2] == "Sinds de vorige ronde" and v[1] == "+2,0" for k, v in table.items())


def test_the_mirror_overall_row_is_in_the_exports_as_on_the_page(app, client, auth, world):
    """The page's "Average of the topics" (the marks the phase rule and the headline use) was
    missing from the CSV and XLSX, and so from the API."""
    round_ = planted_round(app, world)
    auth.login(world.ours.director)
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        f = round_figures(round_results(round_), "nl")
    own, estimate, customers, gap = f.mirror_overall
    assert "—" not in f.mirror_overall and "te weinig reacties" not in f.mirror_overall
    parser = Rows()
    parser.feed(client.get(round_url(world, round_, "results")).get_data(as_text=True))
    assert ["Gemiddelde van de onderwerpen", own, estimate, customers, gap] in parser.rows
    table = _csv_table(client, world, round_)
    groups = ("Eigen oordeel van medewerkers", "Inschatting medewerkers", "Klanten", "Eigen oordeel − klanten")
    by_key = {d.key: d for d in f.dims}
    for group, text, n in zip(groups, f.mirror_overall, (by_key["mirror_self"].n, by_key["mirror_estimate"].n,
                                                          by_key["mirror_customer"].n, "")):
        assert table[("Spiegel (1-10)", "Gemiddelde van de onderwerpen", group)] == (str(n), text)
    workbook = load_workbook(io.BytesIO(client.get(round_url(world, round_, "results.xlsx")).data))
    long = {(r[0], r[1], r[2]): r[4] for r in workbook["Alle cijfers (lang)"].iter_rows(min_row=2, values_only=True)}
    mirror = {(r[0], r[1]): r[3] for r in workbook["Spiegel"].iter_rows(min_row=2, values_only=True)}
    for group, value in zip(groups, f.mirror_values):
        assert long[("Spiegel (1-10)", "Gemiddelde van de onderwerpen", group)] == value
        assert mirror[("Gemiddelde van de onderwerpen", group)] == value


def test_a_figure_that_does_not_exist_is_not_too_few_responses(app, client, auth, world):
    """Customers are split by service only: a location's customers column is "—" on the page
    because there is no such figure, a service with 3 customers' because it is hidden. The CSV
    said "too few responses" for both."""
    round_, value = corporation(world.ours.org, app)
    auth.login(world.ours.director)
    page = client.get(round_url(world, round_, "results")).get_data(as_text=True)
    parser = Rows()
    parser.feed(page[page.index('id="segments"'):])
    rows = {row[0]: row for row in parser.rows}
    # Group, responses, phase, then the columns: quiz, leadership, culture, own, estimate, customers, gap, favourable.
    assert rows["Locatie: Noord"][8] == "—" and rows["Dienst: Wmo"][8] == "—"
    assert rows["Dienst: Reparaties"][8] not in ("—", "te weinig reacties")
    table = _csv_table(client, world, round_)
    section = "Per dienst en segment"
    for column in ("Klanten", "Kloof"):
        assert table[(section, column, "Locatie: Noord")][1] == "niet van toepassing"
        assert table[(section, column, "Locatie: Zuid")][1] == "niet van toepassing"
        assert table[(section, column, "Dienst: Wmo")][1] == "te weinig reacties"  # hidden: 3 customers
    repairs = table[(section, "Klanten", "Dienst: Reparaties")][1]
    assert repairs[0].isdigit() and rows["Dienst: Reparaties"][8].startswith(repairs)  # its figure, then the difference
    # A hidden figure of the whole round stays hidden: the round's own customers exist.
    assert not any(v == "niet van toepassing" for k, (_n, v) in table.items() if k[0] != section)


def test_an_alpha_without_variance_is_not_applicable_and_one_on_few_answers_is_too_few(app, client, auth, world):
    """Twelve people who all give the same answers: alpha has no variance to work with (the page
    says "—" and explains the spread), which is not a figure hidden for too few answers."""
    round_ = round_with_people(world, departments={"Wonen": 12})
    with app.test_request_context():
        for invitation in invitations_of(round_):
            submit_answers(invitation, full_answers(likert="4", mark="7"))
        publication.close(round_)
    auth.login(world.ours.director)
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        f = round_figures(round_results(round_), "nl")
    assert f.reliability and all(r.alpha == "—" and r.is_uniform for r in f.reliability)
    table = _csv_table(client, world, round_)
    for r in f.reliability:
        assert table[("Betrouwbaarheid (alfa)", r.title, "Iedereen")][1] == "niet van toepassing"
        assert table[("Betrouwbaarheid (spreiding, 1-5)", r.title, "Iedereen")][1] == "0,0"


def test_a_locations_own_figures_say_its_customers_are_not_split_that_way(app, client, auth, world):
    """Filtered to a location, the mirror has no customers of its own (customers are split by
    service only). The page said there were "too few customer responses (0 of at least 5)" and
    asked to share the customer link; the exports said "too few responses". Neither was true."""
    round_, value = corporation(world.ours.org, app)
    auth.login(world.ours.director)
    noord = value["Locatie", "Noord"]
    page = client.get(round_url(world, round_, "results") + f"?f=s{noord.id}").get_data(as_text=True)
    assert "te weinig reacties van klanten" not in page.lower() and "Deel de klantlink" not in page
    assert "niet over een locatie, rol of afdeling" in page
    body = client.get(round_url(world, round_, "results.csv") + f"?f=s{noord.id}").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))[1:]
    customers = [r for r in rows if r[0] == "Spiegel (1-10)" and r[2] in ("Klanten", "Eigen oordeel − klanten")]
    assert customers and all(r[4] == "niet van toepassing" for r in customers), customers
    own = [r for r in rows if r[0] == "Spiegel (1-10)" and r[2] == "Eigen oordeel van medewerkers"]
    assert own and all(r[4] != "niet van toepassing" for r in own)
