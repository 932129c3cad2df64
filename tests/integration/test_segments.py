"""The mirror per team: a housing corporation with three services, two locations and two role
levels runs a round with customers per service; its figures per segment are published once,
only where no shown group, alone or beside another, rests on fewer than the minimum."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from maturity.extensions import db
from maturity.instrument import load_instrument
from maturity.results import services as results
from maturity.rounds import services
from maturity.rounds import submission
from maturity.results import publication
from maturity.rounds.models import Response, ResponseAnswer
from maturity.rounds.questionnaire import customer_keys
from maturity.results import segment_tally
from maturity.segments.models import Segment, SegmentGroup, SegmentTally, SegmentValue
from maturity.tenancy.models import OrgRole
from tests.factories import member
from ..helpers import CORPORATION_PEOPLE, corporation

INSTRUMENT = load_instrument()


def test_each_service_beside_its_own_customers(app, world):
    round_, value = corporation(world.ours.org, app)
    repairs, wmo = value["Dienst", "Reparaties"].id, value["Dienst", "Wmo"].id
    whole = results.round_results(round_)
    family = whole.family
    assert f"s{repairs}" in family and f"c{repairs}" in family
    mine = results.round_results(round_, f"s{repairs}")
    assert mine.n_responses == 17 and mine.n_customers == 9
    assert mine.profile.mirror_customer is not None and mine.placement is not None
    # Repairs think better of themselves than their customers do: the gap is theirs, not the average's.
    own = mine.profile.mirror_self.mean
    assert own - mine.profile.mirror_customer.mean > whole.profile.mirror_self.mean - whole.profile.mirror_customer.mean
    # Wmo's customers are too few (3): Wmo's employees are shown, its mirror is not.
    assert f"c{wmo}" not in family
    assert results.round_results(round_, f"s{wmo}").profile.mirror_customer is None


def test_filters_show_one_value_or_two_combined_and_nothing_else(app, world):
    round_, value = corporation(world.ours.org, app)
    family = results.round_results(round_).family
    noord, leiding = value["Locatie", "Noord"].id, value["Rol", "Leidinggevend"].id
    assert f"s{noord}" in family
    north = results.round_results(round_, f"s{noord}")
    assert north.n_responses == 22
    for grp in segment_tally.filters(family):
        assert results.round_results(round_, grp).n_responses == family[grp][1] >= round_.min_group_size
    with pytest.raises(results.UnknownGroup):
        results.round_results(round_, "s999999")
    assert any("+" in grp for grp in segment_tally.filters(family))  # two combined
    # One person is Wmo's only manager in Zuid: beside the services and locations, the roles
    # would single them out, so the rule hides the roles (a role before a service).
    assert f"s{leiding}" not in family and f"s{value['Dienst', 'Wmo'].id}" in family


def test_roles_are_shown_where_no_one_is_alone_in_their_combination(app, world):
    CORPORATION_PEOPLE[-1] = ("Wmo", "Zuid", "Leidinggevend", 5)
    try:
        round_, value = corporation(world.ours.org, app)
    finally:
        CORPORATION_PEOPLE[-1] = ("Wmo", "Zuid", "Leidinggevend", 1)
    family = results.round_results(round_).family
    leiding = f"s{value['Rol', 'Leidinggevend'].id}"
    assert leiding in family
    assert results.round_results(round_, leiding).n_responses == family[leiding][1] == 15


def test_no_pair_of_filters_isolates_anyone(app, world):
    """The attack: every shown group and every pair of them, differenced, from the database's
    own answers (who is in which group is known to the test, never to the product)."""
    round_, value = corporation(world.ours.org, app)
    family = results.round_results(round_).family
    names = {f"s{v.id}": key for key, v in value.items()}
    people = [{names[f"s{value['Dienst', s].id}"], names[f"s{value['Locatie', loc].id}"], names[f"s{value['Rol', r].id}"]}
              for s, loc, r, count in CORPORATION_PEOPLE for _ in range(count)]
    shown = [g for g in family if not g.startswith("c")]

    def members(grp):
        if grp == "":
            return set(range(len(people)))
        atoms = [names.get(a) for a in grp.split("+")]
        return {i for i, p in enumerate(people) if all(a in p for a in atoms if a is not None)}

    tried = 0
    for a, b in itertools.combinations(shown, 2):
        for part in (members(a) - members(b), members(b) - members(a), members(a) & members(b)):
            assert len(part) == 0 or len(part) >= 5, (a, b, len(part))
        tried += 1
    assert tried >= 10
    assert segment_tally.problems({g: family[g] for g in family}, 5, 5) == []


def test_segment_values_are_never_stored_with_a_response(app, world):
    round_, _ = corporation(world.ours.org, app)
    columns = {c.name for c in Response.__table__.columns} | {c.name for c in ResponseAnswer.__table__.columns}
    assert not any("segment" in c or "service" in c or "location" in c for c in columns)
    # Only shown groups have aggregates, and each rests on at least the minimum.
    for grp, n in db.session.execute(sa.select(SegmentGroup.grp, SegmentGroup.n).where(SegmentGroup.round_id == round_.id)):
        assert n >= 5, grp
    stored = set(db.session.scalars(sa.select(SegmentTally.grp).where(SegmentTally.round_id == round_.id).distinct()))
    assert stored <= set(db.session.scalars(sa.select(SegmentGroup.grp).where(SegmentGroup.round_id == round_.id)))


def test_renaming_a_segment_after_publication_changes_nothing_shown(app, world):
    round_, value = corporation(world.ours.org, app)
    before = results.round_results(round_).family
    value["Locatie", "Noord"].name = "Noord-Oost"
    db.session.flush()
    assert results.round_results(round_).family == before


def test_the_director_filters_the_results_page_and_reads_the_overview(app, client, auth, world):
    round_, value = corporation(world.ours.org, app)
    db.session.commit()
    auth.login(world.ours.director)
    base = f"/o/{world.ours.org.slug}/rounds/{round_.id}/results"
    page = client.get(base)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="segments"' in html and "Reparaties" in html and "Noord" in html
    repairs, noord = value["Dienst", "Reparaties"].id, value["Locatie", "Noord"].id
    one = client.get(base, query_string={"f": f"s{repairs}"}).get_data(as_text=True)
    assert "segment-banner" in one and "17" in one
    two = client.get(base, query_string=[("f", f"s{repairs}"), ("f", f"s{noord}")])
    assert two.status_code == 200 and "segment-banner" in two.get_data(as_text=True)
    # A group the rule hid (the managers) or that never existed: the whole organisation, said so.
    leiding = value["Rol", "Leidinggevend"].id
    for asked in (f"s{leiding}", "s99999999999999999999", "<script>", f"c{repairs}"):
        response = client.get(base, query_string={"f": asked})
        assert response.status_code == 200
        assert "segment-banner" not in response.get_data(as_text=True)


def test_customers_answer_for_a_service_through_its_own_link_or_by_choosing(app, client, auth, world):
    org = world.ours.org
    round_, value = corporation(org, app, customers={})
    # corporation() closed its round; a second, open round for the customers' links.
    with app.test_request_context():
        second = services.create_round(org, services.RoundSettings(
            title="Tweede", opens_on=date.today(), closes_on=date.today() + timedelta(days=9),
            min_group_size=5, min_comment_group_size=10))
        second.opens_on = date.today() + timedelta(days=40)  # apart from the first (population rule)
        second.closes_on = second.opens_on + timedelta(days=9)
        second.opens_on = date.today()
        services.open_round(second)
    db.session.commit()
    repairs, wmo = value["Dienst", "Reparaties"], value["Dienst", "Wmo"]
    keys = customer_keys(INSTRUMENT)
    own_link = f"/k/{second.customer_token}/d/{repairs.id}/"
    page = client.get(own_link)
    assert page.status_code == 200 and "Reparaties" in page.get_data(as_text=True)
    assert 'name="service"' not in page.get_data(as_text=True)  # the link says which service
    general = client.get(f"/k/{second.customer_token}/").get_data(as_text=True)
    assert 'name="service"' in general and "Wmo" in general
    assert client.get(f"/k/{second.customer_token}/d/{value['Locatie', 'Noord'].id}/").status_code == 404
    assert client.get(f"/k/{second.customer_token}/d/99999999999/").status_code == 404
    # Another organisation's service, on our round's link: not ours, so not found.
    theirs = Segment(organisation_id=world.theirs.org.id, name="Dienst", is_service=True)
    theirs.values = [SegmentValue(organisation_id=world.theirs.org.id, name="Reparaties")]
    db.session.add(theirs)
    db.session.commit()
    assert client.get(f"/k/{second.customer_token}/d/{theirs.values[0].id}/").status_code == 404
    auth.login(world.ours.director)
    detail = client.get(f"/o/{org.slug}/rounds/{second.id}").get_data(as_text=True)
    assert f"/d/{repairs.id}/" in detail
    qr = client.get(f"/o/{org.slug}/rounds/{second.id}/customer-qr.svg", query_string={"service": repairs.id})
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert client.get(f"/o/{org.slug}/rounds/{second.id}/customer-qr.svg", query_string={"service": "x"}).status_code == 404
    auth.logout()

    def answer(url, extra):
        html = client.get(url).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        response = client.post(url, data={"csrf_token": token, **{k: "4" for k in keys}, **extra})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

    for _ in range(5):
        answer(own_link, {})
        answer(f"/k/{second.customer_token}/", {"service": str(wmo.id)})
        answer(f"/k/{second.customer_token}/", {"service": str(value["Locatie", "Noord"].id)})  # not a service: none
    with app.test_request_context():
        publication.close(second)
    db.session.commit()
    family = results.round_results(second).family
    assert family[f"c{repairs.id}"][1] == 5 and family[f"c{wmo.id}"][1] == 5 and family["c"][1] == 15
    assert f"s{repairs.id}" not in family  # no employee answered this round: customers alone, no mirror


def test_exports_follow_the_filter_and_carry_the_overview(app, client, auth, world):
    import csv
    import io

    from openpyxl import load_workbook

    round_, value = corporation(world.ours.org, app)
    db.session.commit()
    auth.login(world.ours.director)
    base = f"/o/{world.ours.org.slug}/rounds/{round_.id}/results"
    whole = client.get(base + ".csv")
    rows = list(csv.reader(io.StringIO(whole.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert any(r[0] == "Per dienst en segment" or r[0] == "Per service and segment" for r in rows)
    repairs = value["Dienst", "Reparaties"].id
    one = client.get(base + ".csv", query_string={"f": f"s{repairs}"})
    assert one.status_code == 200 and "reparaties" in one.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(one.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    groups = {r[2] for r in rows[1:]}
    assert "Dienst: Reparaties" in groups and not any(r[0] in ("Per dienst en segment", "Per service and segment") for r in rows)
    # The filtered page and the filtered export show the same figures (one truth).
    page = client.get(base, query_string={"f": f"s{repairs}"}).get_data(as_text=True)
    phase = next(r[4] for r in rows if r[2] == "Dienst: Reparaties" and r[1] and r[1] == r[4])
    assert phase in page
    book = load_workbook(io.BytesIO(client.get(base + ".xlsx", query_string={"f": f"s{repairs}"}).data))
    assert book.sheetnames[0]
    leiding = value["Rol", "Leidinggevend"].id
    assert client.get(base + ".csv", query_string={"f": f"s{leiding}"}).status_code == 404


def test_the_board_report_carries_the_overview_per_service(app, world):
    from maturity.reports.context import report_context

    round_, value = corporation(world.ours.org, app)
    with app.test_request_context():
        context = report_context(round_, results.round_results(round_))
    labels = [row.label for row in context["segments"]]
    assert "Dienst: Reparaties" in labels and "Locatie: Noord" in labels
    assert ("segments", "Per service and segment") in [(k, v) for k, v in context["toc"]] or any(
        k == "segments" for k, _ in context["toc"])
    repairs = next(row for row in context["segments"] if row.label == "Dienst: Reparaties")
    assert repairs.has_customers and repairs.n == 17


def test_employees_comments_per_segment_only_where_the_comment_minimum_holds(app, world):
    """Reparaties (17) and Verhuur (18) have at least 10 responses and their comments show; Wmo
    (11) would too, but beside the others it would leave fewer than 10: the rule decides."""
    from maturity.rounds.questionnaire import COMMENT_KEY  # noqa: F401  (the open question exists)
    from maturity.privacy import retention

    original = submission.submit_response

    def with_comment(invitation, token):
        submission.save_comment(invitation, token, f"Idee {invitation.id}")
        return original(invitation, token)

    submission.submit_response = with_comment
    try:
        round_, value = corporation(world.ours.org, app)
    finally:
        submission.submit_response = original
    whole = results.round_results(round_)
    assert len(whole.employee_comments) == 46
    repairs = f"s{value['Dienst', 'Reparaties'].id}"
    mine = results.round_results(round_, repairs, family=whole.family)
    assert mine.employee_comments is not None and len(mine.employee_comments) == 17
    assert set(mine.employee_comments) <= set(whole.employee_comments)
    shown = [g for g in segment_tally.filters(whole.family) if "+" not in g
             and results.round_results(round_, g, family=whole.family).employee_comments]
    for grp in shown:
        assert whole.family[grp][1] >= round_.min_comment_group_size
    retention.purge_round_answers(round_)
    db.session.flush()
    assert results.round_results(round_, repairs).employee_comments is None


def test_personal_customer_links_can_carry_a_service(app, client, auth, world):
    org = world.ours.org
    _round, value = corporation(org, app, customers={})
    with app.test_request_context():
        second = services.create_round(org, services.RoundSettings(
            title="Tweede", opens_on=date.today(), closes_on=date.today() + timedelta(days=9), min_group_size=5))
        services.open_round(second)
    db.session.commit()
    repairs = value["Dienst", "Reparaties"]
    auth.login(world.ours.director)
    detail = client.get(f"/o/{org.slug}/rounds/{second.id}").get_data(as_text=True)
    assert 'name="service"' in detail and "Reparaties" in detail
    sent = client.post(f"/o/{org.slug}/rounds/{second.id}/customers", data={
        "csrf_token": client.csrf_token(), "emails": "a@example.org\nb@example.org", "service": str(repairs.id)})
    assert sent.status_code == 302
    # A value that is not one of the organisation's services is taken as none, never stored.
    client.post(f"/o/{org.slug}/rounds/{second.id}/customers", data={
        "csrf_token": client.csrf_token(), "emails": "c@example.org", "service": str(value["Locatie", "Noord"].id)})
    from maturity.rounds.models import CustomerInvitation

    stored = dict(db.session.execute(sa.select(CustomerInvitation.email, CustomerInvitation.service_value_id)
                                     .where(CustomerInvitation.round_id == second.id)).all())
    assert stored == {"a@example.org": repairs.id, "b@example.org": repairs.id, "c@example.org": None}


def test_the_questionnaire_asks_a_segment_of_whoever_has_no_value(make_client, world, app):
    """A director who does not know everyone's role asks it: the answer goes into the ballot
    only, and counts like a recorded value; a value of another segment counts as none."""
    from maturity.rounds.questionnaire import SECTIONS
    from ..helpers import R, full_answers, invite_and_get_link, opened, section_form

    org = world.ours.org
    role = Segment(organisation_id=org.id, name="Rol", is_asked=True)
    role.values = [SegmentValue(organisation_id=org.id, name="Leidinggevend"),
                   SegmentValue(organisation_id=org.id, name="Uitvoerend")]
    other = Segment(organisation_id=org.id, name="Locatie")
    other.values = [SegmentValue(organisation_id=org.id, name="Noord")]
    db.session.add_all([role, other])
    db.session.flush()
    with app.test_request_context():
        round_ = services.create_round(org, services.RoundSettings(
            title="Rondvraag", opens_on=date.today() - timedelta(days=1), closes_on=date.today() + timedelta(days=9),
            min_group_size=5))
        services.open_round(round_)
    db.session.commit()
    uitvoerend = next(v for v in role.values if v.name == "Uitvoerend")
    answers = full_answers()
    for i in range(6):
        member(org, OrgRole.EMPLOYEE)
        link = invite_and_get_link(round_)
        db.session.commit()
        client = opened(make_client(), link)
        token = client.csrf_token()
        for section in SECTIONS:
            client.post(f"{R}section/{section}", data={**section_form(section, answers), "csrf_token": token})
        page = client.get(f"{R}open-question").get_data(as_text=True)
        assert f'name="segment-{role.id}"' in page and f'name="segment-{other.id}"' not in page
        chosen = str(uitvoerend.id) if i < 5 else str(other.values[0].id)  # the last one tries a foreign value
        client.post(f"{R}open-question", data={f"segment-{role.id}": chosen, "comment": "", "go": "next",
                                                "csrf_token": token})
        again = client.get(f"{R}open-question").get_data(as_text=True)
        assert (f'value="{uitvoerend.id}" selected' in again) == (i < 5)
        assert client.post(f"{R}submit", data={"csrf_token": token}).status_code == 302
    with app.test_request_context():
        publication.close(round_)
    db.session.commit()
    family = results.round_results(round_).family
    # Five chose Uitvoerend; with the one who did not say they are six: the one stays in the round.
    assert f"s{uitvoerend.id}" not in family  # 5 beside 1 without a value would single that one out
    assert family[""][1] >= 6


def test_the_board_deck_has_the_overview_per_service(app, world):
    import io

    from flask_babel import gettext
    from pptx import Presentation

    from maturity.reports import deck
    from maturity.reports.context import report_context

    round_, _value = corporation(world.ours.org, app)
    with app.test_request_context():
        data = deck.build(report_context(round_, results.round_results(round_)), gettext)
    texts = [shape.text_frame.text if shape.has_text_frame else
             " ".join(c.text for row in shape.table.rows for c in row.cells) if shape.has_table else ""
             for slide in Presentation(io.BytesIO(data)).slides for shape in slide.shapes]
    assert any("Dienst: Reparaties" in t for t in texts) and any("Locatie: Noord" in t for t in texts)


def test_a_filtered_page_costs_the_same_queries_whatever_the_number_of_responses(app, client, auth, world):
    from ..conftest import count_queries

    small, value = corporation(world.ours.org, app, seed=1)
    # Another corporation of the same shape, three times as many people.
    for i, row in enumerate(list(CORPORATION_PEOPLE)):
        CORPORATION_PEOPLE[i] = (*row[:3], row[3] * 3)
    try:
        big, big_value = corporation(world.theirs.org, app, seed=2)
    finally:
        for i, row in enumerate(list(CORPORATION_PEOPLE)):
            CORPORATION_PEOPLE[i] = (*row[:3], row[3] // 3)
    db.session.commit()
    repairs, big_repairs = f"s{value['Dienst', 'Reparaties'].id}", f"s{big_value['Dienst', 'Reparaties'].id}"
    assert results.round_results(big).family[big_repairs][1] == 51
    counts = {}
    for who, org, round_, grp in ((world.ours.director, world.ours.org, small, repairs),
                                  (world.theirs.director, world.theirs.org, big, big_repairs)):
        auth.login(who)
        base = f"/o/{org.slug}/rounds/{round_.id}/results"
        counts[round_.id] = (count_queries(client, base + f"?f={grp}"), count_queries(client, base))
        auth.logout()
    assert counts[small.id] == counts[big.id]
