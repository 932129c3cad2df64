"""Defining segments and giving people their values: the Segments page, the people page and the
CSV list (issue #26). Read in English, the language the messages are written in."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from maturity.accounts.models import User
from maturity.extensions import db
from maturity.segments import services
from maturity.segments.models import MAX_SEGMENTS, MAX_VALUES, MemberSegment, Segment, SegmentGroup, SegmentValue
from maturity.tenancy.models import OrganisationMembership

from ..conftest import sign_in


@pytest.fixture
def director(client, world):
    sign_in(client, world.ours.director.email)
    client.submit("/language", {"locale": "en"})
    return client


def page(client, world) -> str:
    response = client.get(f"/o/{world.ours.org.slug}/segments")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def segment_named(world, name: str) -> Segment:
    return db.session.scalars(sa.select(Segment).where(Segment.organisation_id == world.ours.org.id,
                                                       Segment.name == name)).one()


def values_of(segment: Segment) -> list[str]:
    return list(db.session.scalars(sa.select(SegmentValue.name).where(SegmentValue.segment_id == segment.id)
                                   .order_by(SegmentValue.name)))


def value_of(membership_id: int, segment: Segment) -> str | None:
    return db.session.scalar(sa.select(SegmentValue.name).join(MemberSegment, MemberSegment.value_id == SegmentValue.id)
                             .where(MemberSegment.membership_id == membership_id, MemberSegment.segment_id == segment.id))


def flash_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_a_director_defines_segments_and_values(director, world):
    base = f"/o/{world.ours.org.slug}/segments"
    html = page(director, world)
    assert "the round's minimum" in html  # the explanation: small groups are never shown

    response = director.submit(base, {"name": "  Locatie "})
    assert response.status_code == 302 and response.location.startswith(base + "#segment-")
    locatie = segment_named(world, "Locatie")
    for name in ("Noord", "Zuid", "Oost"):
        assert director.submit(f"{base}/{locatie.id}/values", {"name": name}).status_code == 302
    assert values_of(locatie) == ["Noord", "Oost", "Zuid"]

    oost = db.session.scalar(sa.select(SegmentValue).where(SegmentValue.segment_id == locatie.id, SegmentValue.name == "Oost"))
    assert director.submit(f"{base}/values/{oost.id}", {"name": "West"}).status_code == 302
    assert values_of(locatie) == ["Noord", "West", "Zuid"]

    # The service segment: one per organisation, marked when made or later.
    assert director.submit(base, {"name": "Dienst", "is_service": "y"}).status_code == 302
    assert segment_named(world, "Dienst").is_service
    assert director.submit(f"{base}/{locatie.id}", {"name": "Vestiging"}).status_code == 302
    db.session.expire_all()
    assert locatie.name == "Vestiging" and not locatie.is_service

    html = page(director, world)
    assert "Vestiging" in html and "West" in html and "services" in html

    # Removing a value and deleting a segment ask first; the GET changes nothing.
    west = db.session.get(SegmentValue, oost.id)
    confirm = director.get(f"{base}/values/{west.id}/delete")
    assert confirm.status_code == 200 and "Remove “West” from “Vestiging”?" in flash_of(confirm)
    assert values_of(locatie) == ["Noord", "West", "Zuid"]
    assert director.submit(f"{base}/values/{west.id}/delete").status_code == 302
    assert values_of(locatie) == ["Noord", "Zuid"]

    confirm = director.get(f"{base}/{locatie.id}/delete")
    assert confirm.status_code == 200 and "Delete the segment “Vestiging”?" in flash_of(confirm)
    assert director.submit(f"{base}/{locatie.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).where(SegmentValue.segment_id == locatie.id)) == 0
    assert [s.name for s in services.segments_of(world.ours.org.id)] == ["Dienst"]


def test_the_page_is_linked_beside_people(director, world):
    html = director.get(f"/o/{world.ours.org.slug}/people").get_data(as_text=True)
    assert f'href="/o/{world.ours.org.slug}/segments"' in html


@pytest.mark.parametrize("data, message", [
    ({"name": ""}, "This field is required."),
    ({"name": "x" * 41}, "At most 40 characters."),
    ({"name": "afdeling"}, "is already a column of the people list"),
    ({"name": "LOCATIE"}, "There is already a segment called “LOCATIE”."),
    ({"name": "Product", "is_service": "y"}, "“Dienst” already lists your services, and only one segment can."),
])
def test_bad_segments_get_a_message_not_a_500(director, world, data, message):
    services.create_segment(world.ours.org, "Locatie")
    services.create_segment(world.ours.org, "Dienst", is_service=True)
    response = director.submit(f"/o/{world.ours.org.slug}/segments", data)
    assert response.status_code == 400
    assert message in flash_of(response)
    assert len(services.segments_of(world.ours.org.id)) == 2


def test_the_limits_give_clear_messages(director, world):
    base = f"/o/{world.ours.org.slug}/segments"
    for i in range(MAX_SEGMENTS):
        services.create_segment(world.ours.org, f"Segment {i}")
    response = director.submit(base, {"name": "Nog een"})
    assert response.status_code == 400
    assert f"An organisation has at most {MAX_SEGMENTS} segments." in flash_of(response)

    segment = services.segments_of(world.ours.org.id)[0]
    for i in range(MAX_VALUES):
        services.add_value(segment, f"Waarde {i}")
    response = director.submit(f"{base}/{segment.id}/values", {"name": "Te veel"})
    assert response.status_code == 400
    assert f"A segment has at most {MAX_VALUES} values, and “Segment 0” has them all." in flash_of(response)

    response = director.submit(f"{base}/{segment.id}/values", {"name": "waarde 1"}, follow_redirects=False)
    assert response.status_code == 400
    other = services.segments_of(world.ours.org.id)[1]
    services.add_value(other, "Noord")
    response = director.submit(f"{base}/{other.id}/values", {"name": " noord "})
    assert response.status_code == 400 and "“Segment 1” already has the value “noord”." in flash_of(response)
    response = director.submit(f"{base}/{other.id}/values", {"name": "y" * 61})
    assert response.status_code == 400 and "At most 60 characters." in flash_of(response)
    assert values_of(other) == ["Noord"]


def test_renaming_to_a_taken_name_is_refused(director, world):
    base = f"/o/{world.ours.org.slug}/segments"
    locatie = services.create_segment(world.ours.org, "Locatie")
    rol = services.create_segment(world.ours.org, "Rol")
    noord = services.add_value(locatie, "Noord")
    services.add_value(locatie, "Zuid")
    response = director.submit(f"{base}/{rol.id}", {"name": "locatie"})
    assert response.status_code == 400 and "There is already a segment called “locatie”." in flash_of(response)
    response = director.submit(f"{base}/values/{noord.id}", {"name": "ZUID"})
    assert response.status_code == 400 and "“Locatie” already has the value “ZUID”." in flash_of(response)
    db.session.expire_all()
    assert rol.name == "Rol" and noord.name == "Noord"


def test_another_organisations_segment_or_value_is_a_404(director, world):
    base = f"/o/{world.ours.org.slug}/segments"
    theirs = services.create_segment(world.theirs.org, "Locatie")
    their_value = services.add_value(theirs, "Noord")
    assert director.submit(f"{base}/{theirs.id}", {"name": "Gekaapt"}).status_code == 404
    assert director.submit(f"{base}/{theirs.id}/values", {"name": "Gekaapt"}).status_code == 404
    assert director.get(f"{base}/{theirs.id}/delete").status_code == 404
    assert director.submit(f"{base}/values/{their_value.id}", {"name": "Gekaapt"}).status_code == 404
    assert director.submit(f"{base}/values/{their_value.id}/delete").status_code == 404

    # Nor can their value be given to one of our people through the edit form.
    ours = services.create_segment(world.ours.org, "Locatie")
    services.add_value(ours, "Noord")
    membership = world.ours.employee.membership
    response = director.submit(f"/o/{world.ours.org.slug}/people/{membership.id}/edit", {
        "name": "Medewerker", "department": "", "role": "employee", f"segment_{ours.id}": str(their_value.id)})
    assert response.status_code == 404
    assert value_of(membership.id, ours) is None
    db.session.expire_all()
    assert theirs.name == "Locatie" and their_value.name == "Noord"


def test_the_edit_form_sets_and_clears_a_value(director, world):
    locatie = services.create_segment(world.ours.org, "Locatie")
    rol = services.create_segment(world.ours.org, "Rol")
    noord = services.add_value(locatie, "Noord")
    balie = services.add_value(rol, "Balie")
    membership = world.ours.employee.membership
    url = f"/o/{world.ours.org.slug}/people/{membership.id}/edit"
    form = {"name": "Medewerker", "department": "Klantcontact", "role": "employee"}

    html = director.get(url).get_data(as_text=True)
    assert f'name="segment_{locatie.id}"' in html and f'name="segment_{rol.id}"' in html

    response = director.submit(url, {**form, f"segment_{locatie.id}": str(noord.id), f"segment_{rol.id}": str(balie.id)})
    assert response.status_code == 302
    assert (value_of(membership.id, locatie), value_of(membership.id, rol)) == ("Noord", "Balie")
    html = director.get(url).get_data(as_text=True)
    assert re.search(rf'<option selected value="{noord.id}">Noord</option>|<option value="{noord.id}" selected>', html)

    # The people list shows them, compact.
    people = flash_of(director.get(f"/o/{world.ours.org.slug}/people"))
    assert "Locatie: Noord · Rol: Balie" in people

    response = director.submit(url, {**form, f"segment_{locatie.id}": "", f"segment_{rol.id}": str(balie.id)})
    assert response.status_code == 302
    assert (value_of(membership.id, locatie), value_of(membership.id, rol)) == (None, "Balie")

    # A value of the other segment, or nonsense, is refused with a message and changes nothing.
    for bad in (str(balie.id), "abc", "9" * 40):
        response = director.submit(url, {**form, f"segment_{locatie.id}": bad})
        assert response.status_code == 400, bad
        assert "Choose one of the values of “Locatie”." in flash_of(response)
    assert (value_of(membership.id, locatie), value_of(membership.id, rol)) == (None, "Balie")

    # Removing the person takes their values along.
    assert director.submit(f"/o/{world.ours.org.slug}/people/{membership.id}/remove").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).where(MemberSegment.membership_id == membership.id)) == 0


def test_deleting_a_segment_clears_peoples_values_but_not_published_figures(director, world):
    locatie = services.create_segment(world.ours.org, "Locatie")
    noord = services.add_value(locatie, "Noord")
    services.set_member_value(world.ours.employee.membership, locatie, noord)
    from datetime import date, timedelta

    from maturity.rounds import services as rounds

    round_ = rounds.create_round(world.ours.org, rounds.RoundSettings(
        title="Ronde", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
    db.session.add(SegmentGroup(round_id=round_.id, grp=f"s{noord.id}", label=[["Locatie", "Noord"]], n=7))
    db.session.flush()
    assert director.submit(f"/o/{world.ours.org.slug}/segments/{locatie.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MemberSegment)) == 0
    group = db.session.scalars(sa.select(SegmentGroup).where(SegmentGroup.round_id == round_.id)).one()
    assert (group.label, group.n) == ([["Locatie", "Noord"]], 7)


def test_the_csv_list_sets_values_and_adds_missing_ones(director, world):
    org = world.ours.org
    locatie = services.create_segment(org, "Locatie")
    services.add_value(locatie, "Noord")
    services.create_segment(org, "Rol")
    page = director.get(f"/o/{org.slug}/people/import").get_data(as_text=True)
    assert "Locatie" in page and "Rol" in page  # the help lists the segment columns

    csv_text = ("naam;e-mail;afdeling; LOCATIE ;Ander\n"
                "Anna Smit;anna@example.nl;Wonen;noord;x\n"
                "Bram Bos;bram@example.nl;Wonen;Zuid;y\n"
                f"Medewerker;{world.ours.employee.email};;Zuid;\n"
                "Cor Kok;cor@example.nl;;;\n")
    preview = director.submit(f"/o/{org.slug}/people/import",
                              {"file": (io.BytesIO(csv_text.encode()), "mensen.csv")}, content_type="multipart/form-data")
    assert preview.status_code == 200
    text = flash_of(preview)
    assert "These values are new and will be added: Locatie : Zuid" in text
    assert "gets the values in the file" in text
    assert values_of(locatie) == ["Noord"]  # nothing yet
    content = re.search(r'name="content" type="hidden" value="([^"]+)"', preview.get_data(as_text=True)).group(1)

    response = director.submit(f"/o/{org.slug}/people/import/confirm", {"content": content})
    assert response.status_code == 302
    assert values_of(locatie) == ["Noord", "Zuid"]
    memberships = dict(db.session.execute(
        sa.select(User.email, OrganisationMembership.id).join(OrganisationMembership)
        .where(OrganisationMembership.organisation_id == org.id)).all())
    assert value_of(memberships["anna@example.nl"], locatie) == "Noord"  # the existing value, whatever its case
    assert value_of(memberships["bram@example.nl"], locatie) == "Zuid"
    assert value_of(memberships[world.ours.employee.email], locatie) == "Zuid"  # already a member: gets the value
    assert value_of(memberships["cor@example.nl"], locatie) is None


def test_a_full_segment_refuses_the_rows_with_a_new_value(director, world):
    org = world.ours.org
    locatie = services.create_segment(org, "Locatie")
    rol = services.create_segment(org, "Rol")
    for i in range(MAX_VALUES - 1):
        services.add_value(locatie, f"Plaats {i}")
    csv_text = ("naam;e-mail;locatie;rol\n"
                "Anna;anna@example.nl;Nieuw A;\n"
                "Bram;bram@example.nl;Nieuw B;Alleen Bram\n"
                "Cor;cor@example.nl;Plaats 0;\n"
                "Dirk;dirk@example.nl;nieuw a;\n")
    preview = director.submit(f"/o/{org.slug}/people/import",
                              {"file": (io.BytesIO(csv_text.encode()), "mensen.csv")}, content_type="multipart/form-data")
    assert preview.status_code == 200
    text = flash_of(preview)
    assert f"“Locatie” already has {MAX_VALUES} values: this new value does not fit." in text
    assert "1 row has errors and will be skipped." in text
    content = re.search(r'name="content" type="hidden" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    response = director.submit(f"/o/{org.slug}/people/import/confirm", {"content": content}, follow_redirects=True)
    assert "1 row had errors and was skipped." in flash_of(response)
    assert len(values_of(locatie)) == MAX_VALUES and "Nieuw A" in values_of(locatie)
    assert values_of(rol) == []  # the refused row makes no value elsewhere either
    emails = set(db.session.scalars(sa.select(User.email).join(OrganisationMembership)
                                    .where(OrganisationMembership.organisation_id == org.id)))
    assert {"anna@example.nl", "cor@example.nl", "dirk@example.nl"} <= emails and "bram@example.nl" not in emails


def test_an_employee_cannot_reach_the_page(client, world):
    segment = services.create_segment(world.ours.org, "Locatie")
    value = services.add_value(segment, "Noord")
    sign_in(client, world.ours.employee.email)
    base = f"/o/{world.ours.org.slug}/segments"
    assert client.get(base).status_code == 403
    assert client.submit(base, {"name": "Stiekem"}).status_code == 403
    assert client.get(f"{base}/{segment.id}/delete").status_code == 403
    assert client.submit(f"{base}/values/{value.id}/delete").status_code == 403
    assert len(services.segments_of(world.ours.org.id)) == 1 and values_of(segment) == ["Noord"]


def test_the_consultant_manages_them_too(client, world):
    sign_in(client, world.ours.consultant.email)
    response = client.submit(f"/o/{world.ours.org.slug}/segments", {"name": "Functie"})
    assert response.status_code == 302
    assert [s.name for s in services.segments_of(world.ours.org.id)] == ["Functie"]


def test_a_segment_can_be_asked_in_the_questionnaire(client, auth, world):
    from maturity.segments.models import Segment

    auth.login(world.ours.director)
    org = world.ours.org.slug
    response = client.post(f"/o/{org}/segments", data={"csrf_token": client.csrf_token(), "name": "Rol", "is_asked": "y"})
    assert response.status_code == 302
    segment = db.session.scalar(sa.select(Segment).where(Segment.organisation_id == world.ours.org.id, Segment.name == "Rol"))
    assert segment.is_asked
    page = client.get(f"/o/{org}/segments").get_data(as_text=True)
    assert 'name="is_asked"' in page
    client.post(f"/o/{org}/segments/{segment.id}", data={"csrf_token": client.csrf_token(), "name": "Rol"})
    db.session.refresh(segment)
    assert not segment.is_asked
