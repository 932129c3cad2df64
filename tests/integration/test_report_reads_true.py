"""Every sentence, arrow and unit of the report reads in the right direction (issue #23).

Each test plants the round that made a sentence wrong when the product was tried: a
reverse-keyed statement as the strongest point, a reverse-keyed statement that got worse, a
second round with the same dates as the first, a client whose next round is open."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from maturity.extensions import db
from maturity.results.figures import round_figures
from maturity.results.services import round_results
from maturity.rounds import services
from maturity.rounds import customer_responses, inviting
from maturity.results import publication
from maturity.rounds.models import Invitation
from maturity.tenancy.models import OrgRole

from ..factories import DepartmentFactory, member
from ..helpers import download, full_answers, round_url, submit_answers

REVERSED = "culture.c3"  # "Wij vullen vaak zelf in wat een klant wil, zonder het te vragen." (reverse-keyed)


@pytest.fixture
def people(world):
    department = DepartmentFactory(organisation_id=world.ours.org.id, name="Wonen")
    return [member(world.ours.org, OrgRole.EMPLOYEE, department) for _ in range(8)]


def _run_round(app, world, title, answers_for, *, opens_on=None, customers=0):
    """A round in our organisation, answered by everyone and closed (published)."""
    opens_on = opens_on or date.today()
    round_ = services.create_round(world.ours.org, services.RoundSettings(
        title=title, opens_on=opens_on, closes_on=opens_on + timedelta(days=9), min_group_size=5))
    services.open_round(round_)
    inviting.invite_employees(round_)
    db.session.flush()
    invitations = list(db.session.scalars(
        sa.select(Invitation).where(Invitation.round_id == round_.id).order_by(Invitation.id)))
    with app.test_request_context():
        for n, invitation in enumerate(invitations):
            submit_answers(invitation, answers_for(n))
        for answers in ([{f"mirror.m{j}.customer": "7" for j in range(1, 6)}] * customers
                        if isinstance(customers, int) else customers):
            customer_responses.submit_customer_response(round_, answers, "", "nl")
        publication.close(round_)
    db.session.flush()
    return round_


def _pdf_text(client, world, round_) -> str:
    pdf = PdfReader(io.BytesIO(download(client, round_url(world, round_, "report.pdf")).data))
    return " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)


def test_a_reverse_keyed_strongest_point_reads_as_a_strength(app, client, auth, world, people):
    """Everyone disagrees with "we often decide for the customer without asking": the best
    answer. The summary calls it the strongest point in its positive wording, with 100 %
    favourable, and never says it "counts against" customer orientation."""
    def answers(n):
        a = full_answers(likert="3")
        a[REVERSED] = "1"
        return a

    round_ = _run_round(app, world, "Meting", answers)
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        f = round_figures(round_results(round_), "nl")
    row = next(r for s in f.sections for r in s.rows if r.key == REVERSED)
    assert (row.score, row.shares, row.tone) == ("5,0", (0, 0, 100), "strong")
    strongest = next(s for s in f.key_findings if s.startswith("Sterkste punt"))
    assert row.aim in strongest and "100% gunstig" in strongest and "5,0 van 5" in strongest
    assert "telt tegen" not in " ".join(f.key_findings)
    # The table reads the score against the positive wording, with the question as asked beside it.
    auth.login(world.ours.director)
    page = client.get(round_url(world, round_, "results")).get_data(as_text=True)
    assert "Ongunstig / neutraal / gunstig" in page and "Oneens / neutraal / eens" not in page
    cell = page[page.index(row.aim):][:400]
    assert "Omgekeerd gevraagd" in cell and "0% / 0% / 100%" in cell
    pdf = _pdf_text(client, world, round_)
    assert "telt tegen" not in pdf and "Ongunstig / neutraal / gunstig" in pdf


def test_progress_reads_a_worsened_reverse_statement_as_worse_on_its_own_scale(app, client, auth, world, people):
    """Round 1: everyone disagrees with the negative statement (good); round 2: everyone agrees
    (bad). The progress page shows ▼ on the 1–5 scale next to the positive wording, as the
    results page shows the same change."""
    def first(n):
        a = full_answers(likert="4")
        a[REVERSED] = "1"
        return a

    def second(n):
        a = full_answers(likert="4")
        a[REVERSED] = "5" if n % 2 else "4"
        return a

    _run_round(app, world, "Eerste meting", first, opens_on=date.today() - timedelta(days=200))
    later = _run_round(app, world, "Tweede meting", second)
    auth.login(world.ours.director)
    html = client.get(f"/o/{world.ours.org.slug}/progress/").get_data(as_text=True)
    moved = html[html.index("Stellingen: wat veranderde"):]
    aim = "Vraag eerst wat de klant wil"
    line = moved[moved.rindex("<li", 0, moved.index(aim)):moved.index(aim)]
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        from maturity.results.history import statement_changes

        figures = round_figures(round_results(later), "nl", statement_changes(later))
    row = next(r for s in figures.sections for r in s.rows if r.key == REVERSED)
    before, now = 5.0, row.value  # everyone disagreed at first: 5,0 in the favourable direction
    # Worse, on the statement's 1–5 scale with one decimal: the same figure as the results page.
    assert now < 2 and row.change_text == "−" + f"{before - now:.1f}".replace(".", ",")
    assert f"▼ {row.change_text}" in line and "change-down" in line
    assert "omgekeerd gevraagd" in moved[moved.index(aim):][:300]
    results = client.get(round_url(world, later, "results")).get_data(as_text=True)
    assert f"▼ {row.change_text}" in results[results.index(aim):][:900]


def test_a_change_that_reads_five_points_is_judged_as_five(app):
    from maturity.core import DimensionStats
    from maturity.core.progress import change

    # 60.4 -> 65.0 with a margin of about 2: shown as 60 -> 65, a change of 5, beyond the noise.
    c = change(DimensionStats(400, 60.4, 10.0), DimensionStats(400, 65.0, 10.0))
    assert c.shown == 5 and c.value < 5 and c.margin < 2.5 and c.is_meaningful and c.direction == "up"


def test_a_report_says_the_same_after_a_later_round_with_the_same_dates(app, client, auth, world, people):
    """'New round like this one' used to keep the opening date; once two rounds shared it, the
    first round's report compared itself with the later one. It compares only with rounds
    published before it, so its text is the same before and after the second round."""
    round_one = _run_round(app, world, "Voorjaarsmeting", lambda n: full_answers(likert="3"), customers=6)
    auth.login(world.ours.director)
    before = _pdf_text(client, world, round_one)
    _run_round(app, world, "Najaarsmeting", lambda n: full_answers(likert="5"), opens_on=round_one.opens_on,
               customers=6)
    after = _pdf_text(client, world, round_one)
    assert "Najaarsmeting" not in after and "Voortgang tussen rondes" not in after
    assert after == before


def test_a_copied_round_proposes_new_dates(app, world, people):
    source = _run_round(app, world, "Meting", lambda n: full_answers())
    with app.test_request_context():
        copy = services.copy_round(source)
    assert copy.opens_on > source.opens_on and copy.opens_on >= date.today()


def test_the_portfolio_keeps_the_phase_and_trend_while_the_next_round_is_open(app, client, auth, world, people):
    _run_round(app, world, "Eerste meting", lambda n: full_answers(likert="2"), opens_on=date.today() - timedelta(days=200),
               customers=6)
    _run_round(app, world, "Tweede meting", lambda n: full_answers(likert="5"), opens_on=date.today() - timedelta(days=100),
               customers=6)
    third = services.create_round(world.ours.org, services.RoundSettings(
        title="Derde meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
    services.open_round(third)
    inviting.invite_employees(third)
    db.session.flush()
    auth.login(world.ours.consultant)
    html = client.get(f"/c/{world.ours.consultancy.slug}/portfolio/").get_data(as_text=True)
    row = html[html.index(world.ours.org.name):]
    row = row[:row.index("</tr>")]
    assert "te weinig reacties" not in row and "phase-chip" in row
    assert "de volgende ronde loopt, resultaten bij sluiten" in row and "Tweede meting" in row
    assert "Derde meting" in row  # the latest round, with its response rate
    assert "één fase omhoog" in row or "zelfde fase" in row


def test_a_scale_everyone_agreed_on_is_not_called_inconsistent(app, client, auth, world, people):
    """Everyone answered leadership at the top of the scale, a few a 4: alpha collapses because
    there is no spread, not because answers disagree. The report says so and does not warn."""
    department = DepartmentFactory(organisation_id=world.ours.org.id, name="Verhuur")
    for _ in range(6):
        member(world.ours.org, OrgRole.EMPLOYEE, department)

    def answers(n):
        a = full_answers(likert=str(1 + n % 5))  # culture: answers spread over the whole scale
        for i in range(1, 8):
            near_top = random.Random(n * 10 + i).random() < 0.15  # one step below the top now and then
            a[f"leadership.l{i}"] = ("2" if near_top else "1") if i == 6 else ("4" if near_top else "5")  # l6: reverse-keyed
        return a

    round_ = _run_round(app, world, "Meting", answers)
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        f = round_figures(round_results(round_), "nl")
    leadership = next(r for r in f.reliability if r.key == "leadership")
    assert leadership.n >= 10 and leadership.value < 0.7  # the issue: alpha collapses without spread
    assert leadership.is_uniform and not leadership.is_low
    assert leadership.spread is not None and leadership.spread < 0.5
    auth.login(world.ours.director)
    page = client.get(round_url(world, round_, "results")).get_data(as_text=True)
    assert "Weinig spreiding bij “Leiderschap”" in page and "eensgezindheid" in page
    assert "Lees met zorg: de schaal “Leiderschap”" not in page


def _weak_answers(n):
    """Self-image 9, leadership answered at the ceiling, culture mixed: what the issue planted."""
    a = full_answers(likert=str(2 + n % 3), mark="9")
    for i in range(1, 8):
        a[f"leadership.l{i}"] = "1" if i == 6 else "5"
    return a


def test_a_planted_weak_organisation_reads_true_from_summary_to_plan(app, client, auth, world, people):
    """Self-image 9, customers 3 to 4, leadership at the ceiling: onwetend, the bars show where
    it falls short, the plan's first target is what customers give, no target is met already,
    and nothing calls the agreed leadership scale inconsistent."""
    from maturity.plans import services as plan_services

    round_ = _run_round(app, world, "Meting", _weak_answers,
                        customers=[{f"mirror.m{j}.customer": str(3 + (n + j) % 2) for j in range(1, 6)} for n in range(8)])
    results = round_results(round_)
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        f = round_figures(results, "nl")
    assert f.phase == "onwetend"
    customers = next(r for r in f.bars if r.key == "mirror_customer")
    assert customers.value_text == "3,5" and [c.is_met for c in customers.cells] == [None, False, False]
    gap = next(r for r in f.bars if r.key == "gap_self")
    assert gap.value_text == "+5,5" and [c.is_met for c in gap.cells][:2] == [False, False]
    assert not any(r.is_low for r in f.reliability if r.key == "leadership")
    # The inflated self-rating is not painted green in the department table.
    own = [c for d in f.departments if d.visible for c in d.cells if c.dimension == "mirror_self"]
    assert own and all(c.heat == "neutral" for c in own) and own[0].text == "89"
    plan = plan_services.generate_plan(round_, results)
    db.session.flush()
    first = plan.items[0]
    assert first.rule_key == "dimension.mirror_customer"
    assert first.suggestion("target", "nl") == "Het klantoordeel van 3,5 naar minstens 5,5 in de volgende meting."
    auth.login(world.ours.director)
    text = _pdf_text(client, world, round_)
    for wrong in ("telt tegen", "zelfbeeld is realistisch", "verschil kleiner dan 1,0 in de volgende meting"):
        assert wrong not in text, text[text.index(wrong) - 300:text.index(wrong) + 100]
    assert "Wat elke fase vraagt" in text and "lat voor klantbewust" in text


def test_a_published_report_is_a_record_and_a_later_edit_makes_a_new_version(app, client, auth, world, people):
    """Publishing the plan issues the report; a later edit makes version 2, and version 1 stays
    downloadable as it was, saying it was superseded. A later round changes neither."""
    from maturity.plans import services as plan_services
    from maturity.reports.models import ReportVersion

    round_ = _run_round(app, world, "Voorjaarsmeting", lambda n: full_answers(likert="3"), customers=6)
    plan_services.generate_plan(round_, round_results(round_))
    db.session.commit()
    base = f"/o/{world.ours.org.slug}/rounds/{round_.id}"
    auth.login(world.ours.director)
    assert client.submit(f"{base}/plan/publish").status_code == 302
    issued = list(db.session.scalars(sa.select(ReportVersion).where(ReportVersion.round_id == round_.id)))
    assert sorted((v.language, v.number) for v in issued) == [("en", 1), ("nl", 1)]  # issued in every language
    first = _pdf_text(client, world, round_)
    assert "versie 1" in first and "Vervangen" not in first

    # Downloading again, and a later round closing, change nothing: still version 1.
    assert _pdf_text(client, world, round_) == first
    _run_round(app, world, "Najaarsmeting", lambda n: full_answers(likert="5"), customers=6)
    assert _pdf_text(client, world, round_) == first

    item = plan_services.plan_for(round_).items[0]
    response = client.submit(f"{base}/plan/items/{item.id}", {
        "title": "Klantpanel per wijk", "description": "", "owner": "", "status": "open"})
    assert response.status_code == 302
    second = _pdf_text(client, world, round_)
    assert "versie 2" in second and "Klantpanel per wijk" in second and "Klantpanel per wijk" not in first
    old = download(client, f"{base}/report/v1.pdf")
    assert old.status_code == 200
    old_text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(old.data)).pages)
    assert "Vervangen: dit is versie 1" in old_text and "Het geldende rapport is versie 2" in old_text
    assert "Klantpanel per wijk" not in old_text  # as it was issued
    assert client.get(f"{base}/report/v3.pdf").status_code == 404
    page = client.get(f"{base}/report").get_data(as_text=True)
    assert "Uitgegeven versies" in page and "Versie 2 van" in page and "vervangen op" in page


def test_issued_reports_go_with_the_comments_and_with_an_erased_owner(app, client, auth, world, people):
    from maturity.plans import services as plan_services
    from maturity.reports.models import ReportVersion
    from maturity.reports.services import issue_versions
    from maturity.privacy.retention import purge_round_answers

    round_ = _run_round(app, world, "Meting", lambda n: full_answers(likert="3"), customers=6)
    plan = plan_services.generate_plan(round_, round_results(round_))
    plan.items[0].owner = people[0].name
    plan_services.set_published(plan, True)
    db.session.flush()
    with app.test_request_context():
        issue_versions(round_)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportVersion)) == 2
    # An erasure of the owner withdraws the versions that name them.
    from maturity.privacy import subject_data

    subject_data._clear_owner_mentions(people[0], [world.ours.org.id])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportVersion)) == 0
    db.session.expire_all()  # the erasure wrote with statements; read the plan again
    with app.test_request_context():
        issue_versions(round_)
    assert all(people[0].name not in v.html for v in db.session.scalars(sa.select(ReportVersion)))
    # The end of the raw answers' retention takes the issued versions (they quote comments) with it.
    purge_round_answers(round_)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportVersion)) == 0


def test_owners_are_suggested_from_the_organisations_own_roles_only(app, client, auth, world, people):
    """No invented titles: without named roles the plan suggests no owner; once the director
    names them, in the organisation's words, the plan suggests those. Bad input keeps what was typed."""
    from maturity.plans import services as plan_services

    round_ = _run_round(app, world, "Meting", lambda n: full_answers(likert="3"), customers=6)
    plan_services.generate_plan(round_, round_results(round_))
    db.session.commit()
    base = f"/o/{world.ours.org.slug}/rounds/{round_.id}/plan"
    auth.login(world.ours.director)
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "Eigenaar: voorstel:" not in page and "Rollen in uw organisatie" in page
    too_long = client.submit(f"{base}/roles", {"board": "x" * 81, "managers": "Ons MT"})
    assert too_long.status_code == 400 and "Ons MT" in too_long.get_data(as_text=True)
    saved = client.submit(f"{base}/roles", {"board": "Bestuurder", "managers": "Ons MT", "teams": "Coördinatoren",
                                            "hr": "", "service": "KCC"})
    assert saved.status_code == 302
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "Eigenaar: voorstel: Ons MT" in page or "Eigenaar: voorstel: KCC" in page or "voorstel: Coördinatoren" in page
    assert "Directie en leidinggevenden" not in page and "Manager klantcontact" not in page
    text = _pdf_text(client, world, round_)
    assert "Directie en leidinggevenden" not in text


def test_a_report_compares_with_other_clients_as_they_stood_when_it_was_published(app, client, auth, world, people):
    """Another client closing a round later changes neither the benchmark nor the report."""
    from ..factories import OrganisationFactory
    from ..helpers import bulk_round as other_round

    for i in range(5):
        org = OrganisationFactory(consultancy=world.ours.consultancy, name=f"Klant {i}", slug=f"klant-b{i}")
        other_round(org, "Meting", 200, 8, world, seed=300 + i)
    _run_round(app, world, "Eerste meting", lambda n: full_answers(likert="3"), opens_on=date.today() - timedelta(days=120))
    ours = _run_round(app, world, "Tweede meting", lambda n: full_answers(likert="4"))
    auth.login(world.ours.director)
    before = _pdf_text(client, world, ours)
    assert "het gemiddelde van 5 andere klantorganisaties" in before
    late = OrganisationFactory(consultancy=world.ours.consultancy, name="Klant laat", slug="klant-laat")
    other_round(late, "Meting", 5, 8, world, seed=399)  # published after ours
    assert _pdf_text(client, world, ours) == before


def test_without_named_departments_no_department_is_checked(app, world):
    """All responses without a department: the one "other" group is the organisation itself,
    not a department that could keep it from klantbekwaam or be called 'every department'."""
    for _ in range(8):
        member(world.ours.org, OrgRole.EMPLOYEE)
    round_ = _run_round(app, world, "Meting", lambda n: full_answers(likert="5", mark="8"),
                        customers=[{f"mirror.m{j}.customer": "8" for j in range(1, 6)}] * 6)
    results = round_results(round_)
    assert [d.name for d in results.departments if d.is_visible] == [None]
    codes = [r.code for r in results.placement.reasons + results.placement.missing]
    assert "departments_consistent" not in codes and "department_below" not in codes
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        f = round_figures(results, "nl")
    lowest = next(r for r in f.bars if r.key == "departments")
    assert lowest.value_text == "—" and lowest.cells[2].is_met is None
