"""The onboarding flows end to end: admin → consultancy → organisation → director → employees."""

from __future__ import annotations

import io

import sqlalchemy as sa

from maturity.accounts.models import User
from maturity.extensions import db
from maturity.tenancy.models import Consultancy, Department, Organisation, OrganisationMembership, OrgRole

from ..conftest import link_in, outbox_messages, set_up_second_factor, sign_in


def _accept_last_invitation(client, password="een prima wachtzin"):
    path = link_in(outbox_messages()[-1].body_text, "/invitation/")
    client.submit("/logout")
    response = client.submit(path, {"name": "Nieuw Persoon", "password": password, "confirm": password})
    assert response.status_code == 302
    return response


def test_the_whole_onboarding_chain(client, auth, world):
    # Admin creates a consultancy with its first consultant.
    auth.login(world.admin)
    response = client.submit("/admin/consultancies", {
        "name": "Spiegel & Co", "consultant_name": "Lisa Bakker", "consultant_email": "lisa@spiegel.example.nl",
    })
    assert response.status_code == 302
    consultancy = db.session.scalar(sa.select(Consultancy).where(Consultancy.name == "Spiegel & Co"))
    _accept_last_invitation(client)
    # A consultant sets up two-step sign-in before seeing any client.
    assert client.get(f"/c/{consultancy.slug}/").location == "/account/two-step"
    assert len(set_up_second_factor(client)) == 10

    # The consultant creates a client organisation and invites its director.
    page = client.get(f"/c/{consultancy.slug}/")
    assert page.status_code == 200 and "Nieuwe klantorganisatie" in page.get_data(as_text=True)
    response = client.submit(f"/c/{consultancy.slug}/organisations", {
        "name": "Woonstichting Het Anker", "sector": "Woningcorporatie",
        "director_name": "Marieke de Wit", "director_email": "marieke@anker.example.nl",
    })
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Woonstichting Het Anker"))
    assert response.location == f"/o/{org.slug}/"
    _accept_last_invitation(client)

    # The director adds one employee by hand and more by CSV.
    response = client.submit(f"/o/{org.slug}/people", {
        "name": "Jan Jansen", "email": "jan@anker.example.nl", "department": "Klantcontact", "role": "employee",
    })
    assert response.status_code == 302
    csv_text = "naam;e-mail;afdeling\nAnna Smit;anna@anker.example.nl;Wonen\nBram Bos;bram@anker.example.nl;klantcontact\n"
    preview = client.submit(f"/o/{org.slug}/people/import",
                            {"file": (io.BytesIO(csv_text.encode()), "mensen.csv")},
                            content_type="multipart/form-data")
    assert preview.status_code == 200
    assert "2 personen worden toegevoegd" in preview.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).where(OrganisationMembership.organisation_id == org.id)) == 2
    content = __import__("re").search(r'name="content" type="hidden" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    response = client.submit(f"/o/{org.slug}/people/import/confirm", {"content": content})
    assert response.status_code == 302
    emails = set(db.session.scalars(
        sa.select(User.email).join(OrganisationMembership).where(OrganisationMembership.organisation_id == org.id)
    ))
    assert emails == {"marieke@anker.example.nl", "jan@anker.example.nl", "anna@anker.example.nl", "bram@anker.example.nl"}
    # "klantcontact" joined the existing department rather than creating a second one.
    departments = set(db.session.scalars(sa.select(Department.name).where(Department.organisation_id == org.id)))
    assert departments == {"Klantcontact", "Wonen"}
    # Employees get no mail yet: one mail per person per round, when a round invites them.
    recipients = {m.recipient for m in outbox_messages()}
    assert not {"jan@anker.example.nl", "anna@anker.example.nl", "bram@anker.example.nl"} & recipients


def test_csv_preview_shows_row_errors_and_adds_nobody_until_confirmed(client, auth, world):
    auth.login(world.ours.director)
    csv_text = (
        "Naam,E-mail,Afdeling\n"
        "Goed Persoon,goed@example.nl,Wonen\n"
        ",leeg@example.nl,Wonen\n"
        "Fout Adres,geen-adres,Wonen\n"
        "Dubbel,goed@example.nl,Wonen\n"
        f"Bestaand,{world.ours.employee.email},Wonen\n"
    )
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OrganisationMembership))
    preview = client.submit(f"/o/{world.ours.org.slug}/people/import",
                            {"file": (io.BytesIO(csv_text.encode()), "lijst.csv")}, content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    for message in ("Naam ontbreekt.", "Dit is geen geldig e-mailadres.", "komt meer dan eens voor", "Al lid"):
        assert message in html
    assert "1 persoon wordt toegevoegd" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrganisationMembership)) == before


def test_csv_upload_problems_get_clear_messages(client, auth, world):
    auth.login(world.ours.director)
    url = f"/o/{world.ours.org.slug}/people/import"
    cases = [
        (b"", "lijst.csv", "Het bestand bevat geen personen"),
        (b"voornaam;achternaam\nA;B\n", "lijst.csv", "De eerste regel moet de kolommen noemen"),
        (b"\xff\xfe\x00\x00garbage", "lijst.csv", None),
        (b"naam;e-mail\nA;a@example.nl\n", "lijst.xlsx", "Upload een .csv-bestand"),
    ]
    for content, filename, message in cases:
        response = client.submit(url, {"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")
        assert response.status_code in {200, 400}, filename
        if message:
            assert message in response.get_data(as_text=True)


def test_windows_1252_csv_from_excel_is_read(client, auth, world):
    auth.login(world.ours.director)
    csv_bytes = "naam;e-mail;afdeling\nZoë Çelik;zoe@example.nl;Wijkbeheer\n".encode("cp1252")
    preview = client.submit(f"/o/{world.ours.org.slug}/people/import",
                            {"file": (io.BytesIO(csv_bytes), "lijst.csv")}, content_type="multipart/form-data")
    assert "Zoë Çelik" in preview.get_data(as_text=True)


def test_adding_an_existing_member_says_so(client, auth, world):
    auth.login(world.ours.director)
    response = client.submit(f"/o/{world.ours.org.slug}/people", {
        "name": "Dubbel", "email": world.ours.employee.email.upper(), "department": "", "role": "employee",
    })
    assert response.status_code == 400
    assert "al lid van" in response.get_data(as_text=True)


def test_add_person_with_bad_input_keeps_what_was_typed(client, auth, world):
    auth.login(world.ours.director)
    response = client.submit(f"/o/{world.ours.org.slug}/people", {
        "name": "Anna Smit", "email": "anna-at-example", "department": "Wonen", "role": "employee",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Anna Smit"' in html and "Vul een geldig e-mailadres in" in html


def test_the_last_director_cannot_be_demoted_or_removed(client, auth, world):
    auth.login(world.ours.director)
    membership_id = world.ours.director.membership.id
    response = client.submit(f"/o/{world.ours.org.slug}/people/{membership_id}/edit", {"name": "Directeur", "role": "employee", "department": ""})
    assert response.status_code == 400 and "minstens één directeur" in response.get_data(as_text=True)
    client.submit(f"/o/{world.ours.org.slug}/people/{membership_id}/remove")
    assert db.session.get(OrganisationMembership, membership_id) is not None


def test_director_edits_and_removes_an_employee(client, auth, world):
    auth.login(world.ours.director)
    membership_id = world.ours.employee.membership.id
    response = client.submit(f"/o/{world.ours.org.slug}/people/{membership_id}/edit",
                             {"name": "Nieuwe Naam", "role": "director", "department": "Directie"})
    assert response.status_code == 302
    db.session.expire_all()
    membership = db.session.get(OrganisationMembership, membership_id)
    assert membership.role is OrgRole.DIRECTOR and membership.department.name == "Directie"
    assert membership.display_name == "Nieuwe Naam"
    client.submit(f"/o/{world.ours.org.slug}/people/{membership_id}/remove")
    db.session.expire_all()
    assert db.session.get(OrganisationMembership, membership_id) is None


def test_consultant_sees_all_clients_of_the_consultancy_only(client, auth, world):
    auth.login(world.ours.consultant)
    html = client.get(f"/c/{world.ours.consultancy.slug}/").get_data(as_text=True)
    assert world.ours.org.name in html and world.sibling_org.name in html
    assert world.theirs.org.name not in html
    assert client.get(f"/o/{world.sibling_org.slug}/people").status_code == 200


def test_people_page_queries_do_not_grow_with_the_number_of_people(client, auth, world, app):
    from ..conftest import count_queries as count
    from ..factories import member

    def count_queries(url):
        return count(client, url)

    auth.login(world.ours.director)
    url = f"/o/{world.ours.org.slug}/people"
    few = count_queries(url)
    for _ in range(30):
        member(world.ours.org, department=world.ours.department)
    assert count_queries(url) == few


def test_adding_someone_known_elsewhere_reveals_nothing_about_them(client, auth, world):
    """The other tenant's name for the person and their account state stay hidden."""
    auth.login(world.ours.director)
    client.submit(f"/o/{world.ours.org.slug}/people", {
        "name": "Zoals Wij Haar Noemen", "email": world.theirs.director.email, "department": "", "role": "employee",
    })
    html = client.get(f"/o/{world.ours.org.slug}/people").get_data(as_text=True)
    assert "Zoals Wij Haar Noemen" in html and world.theirs.director.name not in html
    row = html[html.index("Zoals Wij Haar Noemen"):][:200]
    assert "uitgenodigd" in row


def test_a_director_who_demotes_themselves_lands_on_a_page_they_may_see(client, auth, world):
    from ..factories import member

    member(world.ours.org, OrgRole.DIRECTOR)
    auth.login(world.ours.director)
    response = client.submit(f"/o/{world.ours.org.slug}/people/{world.ours.director.membership.id}/edit",
                             {"name": "Directeur", "role": "employee", "department": ""}, follow_redirects=True)
    assert response.status_code == 200 and "De wijzigingen zijn opgeslagen" in response.get_data(as_text=True)


def test_duplicate_client_names_are_refused(client, auth, world):
    auth.login(world.ours.consultant)
    response = client.submit(f"/c/{world.ours.consultancy.slug}/organisations", {
        "name": world.ours.org.name.upper(), "sector": "", "director_name": "X", "director_email": "x@example.nl",
    })
    assert response.status_code == 400 and "al een klantorganisatie met deze naam" in response.get_data(as_text=True)


def test_forgot_password_for_a_never_activated_account_resends_the_invitation(client, db):
    from ..factories import UserFactory

    UserFactory(email="nooit@example.nl", password_hash=None)
    client.submit("/password/forgot", {"email": "nooit@example.nl"})
    assert "/invitation/" in outbox_messages()[-1].body_text


def test_language_switch_after_a_failed_form_returns_to_the_form(client, auth, world):
    auth.login(world.admin)
    client.submit("/admin/consultancies", {"name": ""})
    response = client.submit("/language", {"locale": "en", "next": ""}, headers={"Referer": "http://klantspiegel.local/admin/"})
    assert response.location == "/admin/"


def test_consultant_removes_another_consultant_but_not_themselves(client, auth, world):
    from maturity.tenancy.models import ConsultantMembership

    from ..factories import consultant

    colleague = consultant(world.ours.consultancy, email="collega@example.nl")
    auth.login(world.ours.consultant)
    base = f"/c/{world.ours.consultancy.slug}/consultants"
    client.submit(f"{base}/{world.ours.consultant.consultant_membership.id}/remove")
    assert db.session.get(ConsultantMembership, world.ours.consultant.consultant_membership.id) is not None
    colleague_id = colleague.consultant_membership.id
    client.submit(f"{base}/{colleague_id}/remove")
    db.session.expire_all()
    assert db.session.get(ConsultantMembership, colleague_id) is None


def test_admin_deactivates_and_reactivates_a_user(make_client, world):
    from maturity.accounts.models import User

    victim = make_client()
    sign_in(victim, world.ours.director.email)
    admin = make_client()
    sign_in(admin, world.admin.email)
    assert world.ours.director.email in admin.get("/admin/users?q=directeur@ons").get_data(as_text=True)
    admin.submit(f"/admin/users/{world.ours.director.id}/deactivate")
    assert victim.get("/account").status_code == 302  # logged out everywhere
    db.session.expire_all()
    assert db.session.get(User, world.ours.director.id).is_deactivated
    admin.submit(f"/admin/users/{world.ours.director.id}/deactivate")
    db.session.expire_all()
    assert not db.session.get(User, world.ours.director.id).is_deactivated


def _import(client, org, csv_text):
    """Upload a people list and confirm it, as a director does; the page the confirmation lands on."""
    import re

    preview = client.submit(f"/o/{org.slug}/people/import",
                            {"file": (io.BytesIO(csv_text.encode()), "lijst.csv")}, content_type="multipart/form-data")
    content = re.search(r'name="content" type="hidden" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    return client.submit(f"/o/{org.slug}/people/import/confirm", {"content": content}, follow_redirects=True)


def _flashes(html):
    import re

    return " ".join(re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', html, re.S))


def test_the_import_says_who_was_added_and_that_nobody_was_mailed_yet(client, auth, world):
    """Issue #27: "17 personen toegevoegd en uitgenodigd" while nobody was mailed. Imported
    people are employees: they are added, and mailed when a round invites them."""
    auth.login(world.ours.director)
    before = len(outbox_messages())
    page = _import(client, world.ours.org, "naam;e-mail\nAnna Smit;anna@example.nl\nBram Bos;bram@example.nl\n")
    flashes = _flashes(page.get_data(as_text=True))
    assert len(outbox_messages()) == before  # nobody was mailed
    assert "2 personen toegevoegd." in flashes
    assert "uitgenodigd" not in flashes.replace("nog niemand uitgenodigd", "")
    assert "Nog niemand is gemaild" in flashes and "open een ronde" in flashes


def test_with_a_round_open_the_import_says_where_to_send_the_invitations(client, auth, world):
    from datetime import date, timedelta

    from maturity.rounds import services as rounds

    round_ = rounds.create_round(world.ours.org, rounds.RoundSettings(
        title="Voorjaar", opens_on=date.today() - timedelta(days=1), closes_on=date.today() + timedelta(days=20)))
    rounds.open_round(round_)
    db.session.flush()
    auth.login(world.ours.director)
    flashes = _flashes(_import(client, world.ours.org, "naam;e-mail\nAnna Smit;anna@example.nl\n").get_data(as_text=True))
    assert "1 persoon toegevoegd." in flashes
    assert "Nog niemand is gemaild" in flashes and "“Voorjaar”" in flashes and "Uitnodigingen versturen" in flashes


def test_people_are_sorted_as_a_reader_expects_whatever_their_accents_or_case(client, auth, world):
    """Issue #27: "Ömer Yılmaz" sorted after "Sara" (and "anna" after "Zoë"): byte order, not
    the alphabet. Directors first, then everyone by name, on every database."""
    import re

    from ..factories import member

    for name in ("Sara Smit", "Ömer Yılmaz", "anna de Vries", "Zoë Bakker", "Émile Dubois", "Øystein Berg",
                 "Ilse Kok", "İsmail Kaya", "Ömer Aydın"):
        member(world.ours.org, name=name)
    auth.login(world.ours.director)
    html = client.get(f"/o/{world.ours.org.slug}/people").get_data(as_text=True)
    names = re.findall(r"<td><strong>([^<]+)</strong>", html)
    employees = [n for n in names if n not in {world.ours.director.membership.display_name}]
    assert names[0] == world.ours.director.membership.display_name
    wanted = ["anna de Vries", "Émile Dubois", "Ilse Kok", "İsmail Kaya", "Ömer Aydın", "Ömer Yılmaz", "Øystein Berg",
              "Sara Smit", "Zoë Bakker"]
    assert [n for n in employees if n in wanted] == wanted


def test_the_people_list_pages_through_the_sorted_names(client, auth, world):
    from maturity.organisations.views import PAGE_SIZE

    from ..factories import member

    for i in range(PAGE_SIZE + 3):
        member(world.ours.org, name=f"Émile {i:03d}" if i % 2 else f"emile {i:03d}")
    auth.login(world.ours.director)
    url = f"/o/{world.ours.org.slug}/people"
    import re

    pages = [re.findall(r"<td><strong>([^<]+)</strong>", client.get(f"{url}?page={p}").get_data(as_text=True))
             for p in (1, 2)]
    names = pages[0] + pages[1]
    assert len(set(names)) == len(names) == PAGE_SIZE + 3 + 2  # the director and the fixture's employee too
    numbered = [n for n in names if n.lower().replace("é", "e").startswith("emile")]
    assert [n[-3:] for n in numbered] == [f"{i:03d}" for i in range(PAGE_SIZE + 3)]
