"""Progress between rounds and the portfolio."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from maturity.extensions import db
from maturity.instrument import load_instrument
from maturity.plans.models import ActionPlan, ItemStatus
from maturity.plans import services as plans

from ..factories import OrganisationFactory
from ..helpers import bulk_round, download


def test_progress_page_shows_phases_changes_and_carried_actions(client, auth, world, app):
    first = bulk_round(world.ours.org, "Eerste meting", 200, 40, world, seed=11)
    plan = ActionPlan(round_id=first.id, organisation_id=world.ours.org.id)
    db.session.add(plan)
    db.session.flush()
    done = plans.add_item(plan, title="Klantpanel opgezet", description="", owner="Marieke", due_on=None)
    done.status = ItemStatus.DONE
    second = bulk_round(world.ours.org, "Tweede meting", 10, 40, world, seed=12)
    db.session.execute(sa.update(sa.table("response", sa.column("round_id"), sa.column("leadership")))
                       .where(sa.column("round_id") == second.id).values(leadership=sa.column("leadership") + 25))
    from maturity.results import tally

    tally.rebuild(second)  # the published aggregates follow the stored scores only through a rebuild
    auth.login(world.ours.director)
    html = client.get(f"/o/{world.ours.org.slug}/progress/").get_data(as_text=True)
    assert "Eerste meting" in html and "Tweede meting" in html
    assert "▲" in html  # leadership moved beyond the noise
    assert "Klantpanel opgezet" in html and "Afgerond" in html


def test_mixed_instrument_versions_compare_only_shared_items(client, auth, world, monkeypatch):
    v1 = load_instrument("1")
    culture = dataclasses.replace(v1.culture, items=v1.culture.items[1:])
    v2 = dataclasses.replace(v1, version="2", culture=culture)
    import maturity.results.history as history

    monkeypatch.setattr(history, "load_instrument", lambda version: v2 if version == "2" else v1)
    import maturity.progress.views as views

    monkeypatch.setattr(views, "load_instrument", lambda version: v2 if version == "2" else v1)
    import maturity.results.tally as tally

    monkeypatch.setattr(tally, "load_instrument", lambda version: v2 if version == "2" else v1)
    bulk_round(world.ours.org, "Oud", 200, 30, world, seed=21)
    new = bulk_round(world.ours.org, "Nieuw", 10, 30, world, seed=22)
    new.instrument_version = "2"
    db.session.flush()
    auth.login(world.ours.director)
    html = client.get(f"/o/{world.ours.org.slug}/progress/").get_data(as_text=True)
    shared = len(v1.leadership.items) + len(culture.items)
    assert f"alleen de {shared} vragen die ze delen" in html


def test_benchmark_needs_five_other_clients(client, auth, world):
    bulk_round(world.ours.org, "Onze meting", 10, 20, world, seed=31)
    auth.login(world.ours.director)
    others = []
    for i in range(4):
        org = OrganisationFactory(consultancy=world.ours.consultancy, name=f"Klant {i}", slug=f"klant-x{i}")
        others.append(org)
        bulk_round(org, "Meting", 10, 8, world, seed=40 + i)
    html = client.get(f"/o/{world.ours.org.slug}/progress/").get_data(as_text=True)
    assert "zodra minstens 5 andere klantorganisaties" in html  # the sibling has no round: 4 contribute
    org = OrganisationFactory(consultancy=world.ours.consultancy, name="Klant 5", slug="klant-x5")
    bulk_round(org, "Meting", 10, 8, world, seed=50)
    html = client.get(f"/o/{world.ours.org.slug}/progress/").get_data(as_text=True)
    assert "het gemiddelde van 5 andere klantorganisaties" in html
    assert "Klant 0" not in html and "Klant 5" not in html  # never named


def test_portfolio_lists_clients_with_phase_and_is_sortable_and_filterable(client, auth, world):
    bulk_round(world.ours.org, "Meting", 10, 20, world, seed=61)
    auth.login(world.ours.consultant)
    base = f"/c/{world.ours.consultancy.slug}/portfolio/"
    html = client.get(base).get_data(as_text=True)
    assert world.ours.org.name in html and world.sibling_org.name in html and world.theirs.org.name not in html
    assert "nog geen ronde" in html
    by_name_desc = client.get(base + "?sort=name&dir=desc").get_data(as_text=True)
    assert by_name_desc.index(world.ours.org.name) < by_name_desc.index(world.sibling_org.name)
    filtered = client.get(base + "?q=andere").get_data(as_text=True)
    assert world.sibling_org.name in filtered and world.ours.org.name not in filtered
    assert client.get(base + "?sort=bogus&phase=xx").status_code == 200


def test_portfolio_query_count_does_not_grow_with_clients(client, auth, world):
    from ..conftest import count_queries

    def count(url):
        return count_queries(client, url)

    auth.login(world.ours.consultant)
    url = f"/c/{world.ours.consultancy.slug}/portfolio/"
    bulk_round(world.ours.org, "Meting", 10, 10, world, seed=71)
    few = count(url)
    for i in range(6):
        org = OrganisationFactory(consultancy=world.ours.consultancy, name=f"Extra {i}", slug=f"extra-{i}")
        bulk_round(org, "Meting", 10, 6, world, seed=80 + i)
    assert count(url) == few


def test_the_report_has_a_progress_section_from_the_second_round_on(client, auth, world):
    import io

    from pypdf import PdfReader

    first = bulk_round(world.ours.org, "Eerste meting", 200, 30, world, seed=91)
    auth.login(world.ours.director)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(
        download(client, f"/o/{world.ours.org.slug}/rounds/{first.id}/report.pdf").data)).pages)
    assert "Voortgang tussen rondes" not in text
    second = bulk_round(world.ours.org, "Tweede meting", 10, 30, world, seed=92)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(
        download(client, f"/o/{world.ours.org.slug}/rounds/{second.id}/report.pdf").data)).pages)
    assert "Voortgang tussen rondes" in text and "Eerste meting" in text


def test_the_overview_shows_the_current_round_with_its_phase(client, auth, world):
    auth.login(world.ours.director)
    page = client.get("/", follow_redirects=True).get_data(as_text=True)  # one organisation: straight there
    assert "Volgende stap: maak de eerste ronde aan" in page
    round_ = bulk_round(world.ours.org, "Meting", 5, 20, world, seed=95)
    page = client.get(f"/o/{world.ours.org.slug}/").get_data(as_text=True)
    assert "Huidige ronde: Meting" in page and "phase-chip" in page
    assert f"/rounds/{round_.id}/results" in page


def test_results_page_names_the_previous_rounds_phase(client, auth, world):
    bulk_round(world.ours.org, "Eerste meting", 200, 20, world, seed=97)
    second = bulk_round(world.ours.org, "Tweede meting", 5, 20, world, seed=98)
    auth.login(world.ours.director)
    html = client.get(f"/o/{world.ours.org.slug}/rounds/{second.id}/results").get_data(as_text=True)
    assert "Vorige ronde (Eerste meting)" in html and "Bekijk wat er veranderde" in html
