"""The action plan and the board report."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from maturity.extensions import db
from maturity.plans.models import ActionItem, ActionPlan, ItemStatus
from maturity.reports.models import ReportCache

from ..helpers import download
from ..helpers import filled_round as _fill


@pytest.fixture
def measured(app, world):
    return _fill(app, world, {"Wonen": 6, "Verhuur": 7}, customers=12, comments=["Vrijdag dicht, jammer"] * 12)


def _plan_url(world, round_, suffix=""):
    return f"/o/{world.ours.org.slug}/rounds/{round_.id}/plan/{suffix}"


def _items(round_):
    plan = db.session.scalar(sa.select(ActionPlan).where(ActionPlan.round_id == round_.id))
    return [i for i in sorted(plan.items, key=lambda i: i.position) if not i.is_removed]


def test_generate_edit_add_reorder_and_regenerate_keeps_edits(client, auth, world, measured):
    auth.login(world.ours.director)
    assert client.submit(_plan_url(world, measured, "generate")).status_code == 302
    items = _items(measured)
    assert items and all(i.rule_key for i in items)
    first, second = items[0], items[1]
    client.submit(_plan_url(world, measured, f"items/{first.id}"), {
        "title": "Onze eigen formulering", "description": "Zo doen wij het.", "owner": "Marieke",
        "due_on": "2027-03-01", "status": "in_progress"})
    client.submit(_plan_url(world, measured, "items"), {"title": "Klantpanel opzetten", "description": "", "owner": "Jan"})
    client.submit(_plan_url(world, measured, f"items/{second.id}/remove"))
    client.submit(_plan_url(world, measured, f"items/{first.id}/move"), {"direction": "down"})
    db.session.expire_all()
    before = [(i.id, i.title, i.owner, i.status) for i in _items(measured)]
    assert client.submit(_plan_url(world, measured, "generate")).status_code == 302
    db.session.expire_all()
    after = [(i.id, i.title, i.owner, i.status) for i in _items(measured)]
    assert after == before  # edits, own items, removals and order all survive
    edited = db.session.get(ActionItem, first.id)
    assert edited.title == "Onze eigen formulering" and edited.status is ItemStatus.IN_PROGRESS
    assert edited.due_on == date(2027, 3, 1)
    assert db.session.get(ActionItem, second.id).is_removed
    page = client.get(_plan_url(world, measured)).get_data(as_text=True)
    assert "Onze eigen formulering" in page and "Klantpanel opzetten" in page


def test_saving_the_generated_text_unchanged_is_not_an_edit(client, auth, world, measured):
    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    item = _items(measured)[0]
    client.submit(_plan_url(world, measured, f"items/{item.id}"), {
        "title": item.generated["title"]["nl"], "description": item.generated["description"]["nl"],
        "owner": "Piet", "status": "open"})
    db.session.expire_all()
    item = db.session.get(ActionItem, item.id)
    assert item.title is None and not item.is_edited and item.owner == "Piet"


def test_bad_input_on_an_item_gives_messages(client, auth, world, measured):
    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    item = _items(measured)[0]
    response = client.submit(_plan_url(world, measured, f"items/{item.id}"), {
        "title": "", "owner": "x" * 300, "due_on": "31-31-2027", "status": "weird"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Dit veld is verplicht." in html and "Maximaal 120 tekens." in html


def test_an_item_of_another_round_is_404_even_in_the_same_organisation(client, auth, world, measured, app):
    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    item = _items(measured)[0]
    other = _fill(app, world, {"Extra": 5})
    client.submit(_plan_url(world, other, "generate"))
    assert client.get(_plan_url(world, other, f"items/{item.id}")).status_code == 404
    assert client.submit(_plan_url(world, other, f"items/{item.id}/remove")).status_code == 404


def test_employees_read_the_plan_only_once_published(make_client, client, auth, world, measured):
    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    employee = make_client()
    employee.submit("/login", {"email": world.ours.employee.email, "password": "correct horse battery"})
    assert "nog niet gepubliceerd" in employee.get(_plan_url(world, measured)).get_data(as_text=True)
    client.submit(_plan_url(world, measured, "publish"))
    page = employee.get(_plan_url(world, measured)).get_data(as_text=True)
    assert _items(measured)[0].generated["title"]["nl"] in page and "Wijzigen" not in page
    assert employee.submit(_plan_url(world, measured, "generate")).status_code == 403


def test_the_report_pdf_contains_phase_actions_and_suppression_notes(client, auth, world, measured, app):
    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    response = download(client, f"/o/{world.ours.org.slug}/rounds/{measured.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert world.ours.org.name in text and "BUREAU ONS" in text.upper()
    assert any(phase in text for phase in ("onwetend", "klantgericht", "klantbewust", "klantbekwaam"))
    assert _items(measured)[0].generated["title"]["nl"].split(":")[0] in text
    assert "Vrijdag dicht, jammer" in text
    # English on request.
    client.submit("/language", {"locale": "en"})
    english = download(client, f"/o/{world.ours.org.slug}/rounds/{measured.id}/report.pdf")
    text_en = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(english.data)).pages)
    assert "Customer orientation report" in text_en and "Action plan" in text_en


def test_report_shows_suppression_notes(client, auth, world, app):
    round_ = _fill(app, world, {"Groot": 8, "Middel": 6, "Klein": 2}, customers=3)
    auth.login(world.ours.director)
    response = download(client, f"/o/{world.ours.org.slug}/rounds/{round_.id}/report.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert text.count("te weinig reacties") >= 2 and "Opmerkingen worden getoond vanaf 10" in text


def test_report_is_cached_until_something_changes(client, auth, world, measured):
    from maturity.reports import services as reports

    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    url = f"/o/{world.ours.org.slug}/rounds/{measured.id}/report.pdf"
    first = download(client, url).data
    created = db.session.scalar(sa.select(ReportCache.created_at))
    assert client.get(url).data == first
    db.session.expire_all()
    assert db.session.scalar(sa.select(ReportCache.created_at)) == created  # served from the cache
    item = _items(measured)[0]
    client.submit(_plan_url(world, measured, f"items/{item.id}"), {"title": "Nieuwe titel", "status": "done"})
    download(client, url)
    db.session.expire_all()
    assert db.session.scalar(sa.select(ReportCache.created_at)) != created  # the plan changed
    del reports


def test_a_repeat_download_is_served_without_computing_the_report(client, auth, world, measured):
    auth.login(world.ours.director)
    url = f"/o/{world.ours.org.slug}/rounds/{measured.id}/report.pdf"
    first = download(client, url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement.lower())

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        again = client.get(url)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert again.data == first.data
    assert not [s for s in statements if "round_tally" in s or "response" in s]  # no figure computed


def test_the_report_key_follows_everything_the_report_shows(app, client, auth, world, measured):
    from maturity.reports.context import report_key
    from maturity.results import tally

    def key(lang="nl"):
        db.session.flush()
        return report_key(measured, lang)

    seen = {key()}
    assert key() in seen and key("en") not in seen  # stable; per language

    def changed() -> bool:
        new = key()
        fresh = new not in seen
        seen.add(new)
        return fresh

    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    assert changed()  # a plan
    auth.logout()
    auth.login(world.ours.consultant)
    assert client.submit(_plan_url(world, measured, "commentary"), {"commentary": "Doorpakken."}).status_code == 302
    assert changed()  # the consultant's commentary
    item = _items(measured)[0]
    client.submit(_plan_url(world, measured, f"items/{item.id}"), {"title": "Nieuwe titel", "status": "done"})
    assert changed()  # an action
    assert not changed()
    world.ours.consultancy.primary_color = "#123456"
    assert changed()  # the house style
    world.ours.org.name = "Nieuwe naam"
    assert changed()
    db.session.execute(sa.update(tally.RoundTally).where(tally.RoundTally.round_id == measured.id,
                                                         tally.RoundTally.key == "score:culture")
                       .values(total=tally.RoundTally.total + 1))
    assert tally.rebuild(measured).changed and changed()  # the published figures
    from datetime import timedelta

    from maturity.rounds import services

    elsewhere = services.create_round(world.sibling_org, services.RoundSettings(
        title="Elders", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
    assert not changed()  # a draft shows nowhere
    services.open_round(elsewhere)
    assert changed()  # another client's rounds: the benchmark compares with their latest results


def test_free_text_cannot_make_the_pdf_fetch_anything(client, auth, world, app, listener):
    port, hits = listener
    evil = (f'<img src="http://127.0.0.1:{port}/img"><img src="file:///etc/passwd">'
            f'<style>@import url("http://127.0.0.1:{port}/css"); body {{ background: url("http://127.0.0.1:{port}/bg") }}</style>')
    round_ = _fill(app, world, {"Wonen": 6}, customers=12, comments=[evil] * 12)
    auth.login(world.ours.director)
    client.submit(_plan_url(world, round_, "generate"))
    client.submit(_plan_url(world, round_, "items"), {"title": evil[:190], "description": evil, "owner": evil[:110]})
    world.ours.org.name = f'Org <img src="http://127.0.0.1:{port}/name">'
    db.session.flush()
    response = download(client, f"/o/{world.ours.org.slug}/rounds/{round_.id}/report.pdf")
    assert response.status_code == 200
    assert hits == []
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "<img src=" in text  # shown as text, not interpreted


def test_employees_see_the_phase_and_the_published_plan_on_their_overview(app, client, auth, world):
    from maturity.plans import services as plan_services
    from maturity.results.services import round_results

    from ..helpers import filled_round as _fill

    round_ = _fill(app, world, {"Wonen": 6}, customers=6)
    auth.login(world.ours.employee)
    overview = client.get(f"/o/{world.ours.org.slug}/").get_data(as_text=True)
    phase = round_results(round_).placement.phase.key
    assert "Wat het opleverde" in overview and f"phase-{phase}" in overview
    assert "verschijnt hier zodra het is gepubliceerd" in overview
    plan = plan_services.generate_plan(round_, round_results(round_))
    plan.is_published = True
    db.session.flush()
    overview = client.get(f"/o/{world.ours.org.slug}/").get_data(as_text=True)
    assert f"/o/{world.ours.org.slug}/rounds/{round_.id}/plan/" in overview


def test_the_consultants_commentary_is_in_the_summary_in_the_language_it_was_written_in(app, client, auth, world):
    from maturity.results.services import round_results

    from maturity.plans import services as plan_services

    round_ = _fill(app, world, {"Wonen": 6}, customers=6)
    plan_services.generate_plan(round_, round_results(round_))
    db.session.flush()
    base = f"/o/{world.ours.org.slug}/rounds/{round_.id}"
    auth.login(world.ours.director)
    assert client.submit(f"{base}/plan/commentary", {"commentary": "Van de directeur"}).status_code in (403, 404)
    auth.logout()
    auth.login(world.ours.consultant)
    assert client.submit(f"{base}/plan/commentary", {"commentary": "x" * 3001}).status_code == 302
    assert db.session.scalar(sa.select(ActionPlan.commentary)) is None  # too long: refused with a message
    text = "De organisatie weet waar het schuurt.\nNu doorpakken op leiderschap."
    assert client.submit(f"{base}/plan/commentary", {"commentary": text}).status_code == 302
    reader = PdfReader(io.BytesIO(download(client, f"{base}/report.pdf").data))
    page_two = " ".join(reader.pages[1].extract_text().split())
    assert "Toelichting van Bureau ons" in page_two and "Nu doorpakken op leiderschap." in page_two
    assert "ongewijzigd overgenomen" not in page_two  # Dutch in a Dutch report: nothing to say
    # The English report prints it as written, and says that it was written in Dutch.
    client.submit("/language", {"locale": "en"})
    english = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(
        io.BytesIO(download(client, f"{base}/report.pdf").data)).pages)
    assert "Written in Dutch; printed as written. De organisatie weet waar het schuurt." in english
    # Written in English, an English report says nothing, and a Dutch one says so.
    client.submit(f"{base}/plan/commentary", {"commentary": "Keep going on leadership.", "language": "en"})
    english = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(
        io.BytesIO(download(client, f"{base}/report.pdf").data)).pages)
    assert "Keep going on leadership." in english and "printed as written" not in english
    client.submit("/language", {"locale": "nl"})
    dutch = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(
        io.BytesIO(download(client, f"{base}/report.pdf").data)).pages)
    assert "In het Engels geschreven; ongewijzigd overgenomen. Keep going on leadership." in dutch


def test_an_unfinished_action_is_reviewed_into_the_next_plan_not_copied(app, world):
    from datetime import timedelta

    from maturity.plans import services as plan_services
    from maturity.results.services import round_results

    first = _fill(app, world, {"Wonen": 6}, customers=6, seed=4)
    first.opens_on -= timedelta(days=200)
    with app.test_request_context():
        old_plan = plan_services.generate_plan(first, round_results(first))
    db.session.flush()
    continued = plan_services.visible_items(old_plan)[0]
    continued.status = ItemStatus.IN_PROGRESS
    theme = continued.generated["theme"]
    second = _fill(app, world, {"Verhuur": 6}, customers=6, seed=4)
    with app.test_request_context():
        new_plan = plan_services.generate_plan(second, round_results(second))
    [same] = [i for i in plan_services.visible_items(new_plan) if i.generated.get("theme") == theme]
    assert "Vervolg op “" in same.text("finding", "nl") and "(Bezig)" in same.text("finding", "nl")
    assert "Continues “" in same.text("finding", "en") and "(In progress)" in same.text("finding", "en")
    assert len(plan_services.visible_items(new_plan)) <= 7


def test_the_director_reviews_what_is_still_open_from_the_previous_round(app, client, auth, world):
    from datetime import timedelta

    from maturity.plans import services as plan_services
    from maturity.results.services import round_results

    first = _fill(app, world, {"Wonen": 6}, customers=6, seed=4)
    first.opens_on -= timedelta(days=200)
    with app.test_request_context():
        old_plan = plan_services.generate_plan(first, round_results(first))
        mine = plan_services.add_item(old_plan, title="Klantpanel opzetten", description="", owner="Marieke", due_on=None)
    db.session.flush()
    second = _fill(app, world, {"Verhuur": 6}, customers=6, seed=5)
    with app.test_request_context():
        plan_services.generate_plan(second, round_results(second))
    db.session.flush()
    auth.login(world.ours.director)
    base = f"/o/{world.ours.org.slug}/rounds/{second.id}/plan/"
    page = client.get(base).get_data(as_text=True)
    assert "Nog open uit" in page and "Klantpanel opzetten" in page and "Voortzetten in dit plan" in page
    assert client.submit(f"{base}adopt/{mine.id}").status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "Gaat verder in: Klantpanel opzetten" in page
    assert client.submit(f"{base}adopt/{mine.id}").status_code == 404  # not twice


def test_the_contents_stay_on_the_cover_and_the_key_findings_on_one_page_after_the_longest_commentary(
        app, client, auth, world):
    from maturity.results.services import round_results

    from maturity.plans import services as plan_services

    round_ = _fill(app, world, {"Wonen": 6}, customers=6)
    plan = plan_services.generate_plan(round_, round_results(round_))
    plan_services.set_commentary(plan, "\n\n".join(["Een alinea van de adviseur over wat opvalt en wat nu moet. " * 5] * 10)[:3000])
    db.session.commit()
    auth.login(world.ours.director)
    reader = PdfReader(io.BytesIO(download(client, f"/o/{world.ours.org.slug}/rounds/{round_.id}/report.pdf").data))
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    assert "inhoud" in pages[0].lower() and "Actieplan" in pages[0] and "Bijlage: methode" in pages[0]
    findings = [i for i, text in enumerate(pages) if "Belangrijkste bevindingen" in text]
    assert findings == [1]
    # The findings come before the commentary, whole, on the summary page.
    assert pages[1].index("Belangrijkste bevindingen") < pages[1].index("Toelichting van")


def test_the_workbook_carries_the_action_plan_as_the_plan_page_shows_it(app, client, auth, world):
    from openpyxl import load_workbook

    from maturity.plans import services as plan_services
    from maturity.results.services import round_results

    round_ = _fill(app, world, {"Wonen": 6}, customers=6)
    with app.test_request_context():
        plan = plan_services.generate_plan(round_, round_results(round_))
    db.session.flush()
    items = plan_services.visible_items(plan)
    items[0].owner, items[0].due_on = "=HYPERLINK(\"x\")", date(2027, 3, 1)  # an owner typed as a formula stays text
    db.session.flush()
    auth.login(world.ours.director)
    workbook = load_workbook(io.BytesIO(client.get(f"/o/{world.ours.org.slug}/rounds/{round_.id}/results.xlsx").data))
    rows = list(workbook["Actieplan"].iter_rows(values_only=True))
    assert rows[0] == ("Actie", "Eigenaar", "Gereed op", "Status", "Doel")
    assert [r[0] for r in rows[1:]] == [i.text("title", "nl") for i in items]
    assert rows[1][1] == "'=HYPERLINK(\"x\")" and rows[1][2].date() == date(2027, 3, 1)


def _item_html(page: str, item_id: int) -> str:
    start = page.index(f'id="item-{item_id}"')
    return page[start:page.index("</li>", start)]


def _meta(page: str, item_id: int) -> str:
    import re

    return re.sub(r"\s+", " ", re.search(r'<p class="muted plan-meta">(.*?)</p>', _item_html(page, item_id), re.S).group(1))


def test_an_edited_action_says_it_was_edited_not_suggested(client, auth, world, measured):
    """Issue #27: an action the director had rewritten still said "voorgesteld"."""
    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    first, second, third = _items(measured)[:3]
    page = client.get(_plan_url(world, measured)).get_data(as_text=True)
    assert "voorgesteld" in _meta(page, first.id) and "aangepast" not in _meta(page, first.id)
    client.submit(_plan_url(world, measured, f"items/{first.id}"), {
        "title": "Onze eigen formulering", "description": "", "owner": "", "status": "open"})
    # Choosing the owner and the date is adapting the suggestion too.
    client.submit(_plan_url(world, measured, f"items/{second.id}"), {
        "title": second.generated["title"]["nl"], "description": second.generated["description"]["nl"],
        "owner": "Piet", "due_on": "2027-03-01", "status": "open"})
    client.submit(_plan_url(world, measured, "items"), {"title": "Klantpanel opzetten", "description": ""})
    page = client.get(_plan_url(world, measured)).get_data(as_text=True)
    for edited in (first, second):
        assert "aangepast" in _meta(page, edited.id) and "voorgesteld" not in _meta(page, edited.id)
    assert "voorgesteld" in _meta(page, third.id)
    own = _items(measured)[-1]
    assert "eigen actie" in _meta(page, own.id) and "voorgesteld" not in _meta(page, own.id)


def test_a_removed_action_comes_back_in_place_with_one_click(client, auth, world, measured):
    """Issue #27: removing a generated action had no confirmation and no way back."""
    import re

    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    client.submit(_plan_url(world, measured, "items"), {"title": "Klantpanel opzetten", "description": ""})
    db.session.expire_all()
    order = [i.id for i in _items(measured)]
    for removed_id in (order[1], order[-1]):  # a generated one and our own
        title = db.session.get(ActionItem, removed_id).text("title", "nl")
        page = client.submit(_plan_url(world, measured, f"items/{removed_id}/remove"), follow_redirects=True)
        html = __import__("html").unescape(page.get_data(as_text=True))
        db.session.expire_all()
        assert removed_id not in [i.id for i in _items(measured)]
        undo = re.search(r'<form method="post" action="([^"]+/restore)"[^>]*>.*?</form>', html, re.S)
        assert undo and f"/items/{removed_id}/restore" in undo.group(1)
        assert "Ongedaan maken</button>" in undo.group(0) and 'name="csrf_token"' in undo.group(0)
        assert f"“{title}” is uit het plan gehaald." in html
        assert client.submit(undo.group(1)).status_code == 302
        db.session.expire_all()
        assert [i.id for i in _items(measured)] == order  # back where it was
    # Undoing twice, or an item that was not removed, changes nothing and is no error.
    assert client.submit(_plan_url(world, measured, f"items/{order[1]}/restore")).status_code == 302
    assert [i.id for i in _items(measured)] == order
    # Another round's item cannot be restored from this plan.
    assert client.submit(f"/o/{world.ours.org.slug}/rounds/{measured.id + 1000}/plan/items/{order[1]}/restore").status_code == 404


def test_one_post_moves_an_action_to_the_top(client, auth, world, measured):
    """Issue #27: moving the fifth action to the top took four POSTs and reloads."""
    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    client.submit(_plan_url(world, measured, "items"), {"title": "Klantpanel opzetten", "description": ""})
    db.session.expire_all()
    order = [i.id for i in _items(measured)]
    assert len(order) >= 4
    client.submit(_plan_url(world, measured, f"items/{order[1]}/remove"))  # a removed one keeps its place
    order.remove(removed := order[1])
    page = client.get(_plan_url(world, measured)).get_data(as_text=True)
    last = order[-1]
    assert "Bovenaan</button>" in _item_html(page, last) and "Bovenaan</button>" not in _item_html(page, order[0])
    response = client.submit(_plan_url(world, measured, f"items/{last}/move"), {"direction": "top"})
    assert response.status_code == 302 and response.location.endswith(f"#item-{last}")
    db.session.expire_all()
    assert [i.id for i in _items(measured)] == [last] + order[:-1]
    client.submit(_plan_url(world, measured, f"items/{last}/move"), {"direction": "down"})
    db.session.expire_all()
    assert [i.id for i in _items(measured)] == [order[0], last] + order[1:-1]
    client.submit(_plan_url(world, measured, f"items/{removed}/restore"))
    db.session.expire_all()
    assert removed in [i.id for i in _items(measured)]
    assert client.submit(_plan_url(world, measured, f"items/{last}/move"), {"direction": "sideways"}).status_code == 302
