"""The API pages, as a consultant and a director use them: make a key, see it once, use it
against the API, revoke it; who may reach the pages; CSRF; bad input."""

from __future__ import annotations

import re

import sqlalchemy as sa

from maturity.api import keys
from maturity.api.models import ApiKey
from maturity.audit.models import AuditEntry
from maturity.extensions import db
from tests.conftest import sign_in

KEY_ON_PAGE = re.compile(r'id="new-key" type="text" readonly value="(ksk_[^"]+)"')


def api(client, key, path="/api/v1/organisations"):
    return client.get(path, headers={"Authorization": f"Bearer {key}"})


def make_key(client, url, **data):
    data = {"label": "Power BI", "scopes": ["results:read"], "days": "90", **data}
    return client.submit(url, data)


def test_a_consultant_makes_a_key_sees_it_once_uses_it_and_revokes_it(client, world):
    url = f"/c/{world.ours.consultancy.slug}/api/"
    sign_in(client, world.ours.consultant)
    assert "Nog geen sleutels." in client.get(url).get_data(as_text=True)

    made = make_key(client, url, scopes=["results:read", "people:manage"])
    assert made.status_code == 200
    html = made.get_data(as_text=True)
    plain = KEY_ON_PAGE.search(html).group(1)
    assert f'curl -H "Authorization: Bearer {plain}" http://klantspiegel.local/api/v1/organisations' in html
    assert made.headers["Cache-Control"] == "no-store"
    key = db.session.scalars(sa.select(ApiKey).where(ApiKey.consultancy_id == world.ours.consultancy.id)).one()
    assert key.key_hash == keys.hash_key(plain) and plain not in key.hint
    assert key.scope_list == ["results:read", "people:manage"] and key.created_by_id == world.ours.consultant.id
    assert (key.expires_at - key.created_at).days in (89, 90)

    # Once: the page's next answer, and the session, no longer hold it.
    again = client.get(url).get_data(as_text=True)
    assert plain not in again and "Power BI" in again and key.hint in again and "actief" in again
    with client.session_transaction() as session:
        assert plain not in repr(dict(session))

    listed = api(client, plain)
    assert listed.status_code == 200, listed.json
    assert {o["id"] for o in listed.json["items"]} == {world.ours.org.id, world.sibling_org.id}

    revoked = client.submit(f"{url}{key.id}/revoke", follow_redirects=True)
    assert revoked.status_code == 200
    page = revoked.get_data(as_text=True)
    assert "is ingetrokken" in page and "ingetrokken op" in page
    assert api(client, plain).status_code == 401
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.consultancy_id == world.ours.consultancy.id)))
    assert {"api_key_created", "api_key_revoked"} <= actions


def test_a_director_makes_a_key_for_their_organisation_alone(client, world):
    url = f"/o/{world.ours.org.slug}/api/"
    sign_in(client, world.ours.director)
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "reaches this organisation only" in page and 'href="/api/v1/docs/"' in page
    made = make_key(client, url, scopes=[])
    assert made.status_code == 200
    html = made.get_data(as_text=True)
    assert "geen extra rechten" in html  # a key without scopes is allowed, and the page says what it can do
    plain = KEY_ON_PAGE.search(html).group(1)
    listed = api(client, plain)
    assert [o["id"] for o in listed.json["items"]] == [world.ours.org.id]
    key = db.session.scalars(sa.select(ApiKey).where(ApiKey.organisation_id == world.ours.org.id)).one()
    assert key.scopes == "" and key.consultancy_id is None


def test_the_organisation_nav_links_to_the_page_for_managers_only(client, world):
    sign_in(client, world.ours.director)
    assert f'href="/o/{world.ours.org.slug}/api/"' in client.get(f"/o/{world.ours.org.slug}/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    sign_in(client, world.ours.employee)
    assert "/api/" not in client.get(f"/o/{world.ours.org.slug}/").get_data(as_text=True)


def test_an_employee_gets_403_and_another_consultancy_404(make_client, world):
    employee = make_client()
    sign_in(employee, world.ours.employee)
    assert employee.get(f"/o/{world.ours.org.slug}/api/").status_code == 403
    assert make_key(employee, f"/o/{world.ours.org.slug}/api/").status_code == 403

    stranger = make_client()
    sign_in(stranger, world.theirs.consultant)
    assert stranger.get(f"/c/{world.ours.consultancy.slug}/api/").status_code == 404
    assert stranger.get(f"/o/{world.ours.org.slug}/api/").status_code == 404
    key, _plain = keys.create_key(world.ours.consultancy, "ons", [], 30, by=world.ours.consultant)
    # Their own page, our key's id: not theirs to revoke.
    assert stranger.submit(f"/c/{world.theirs.consultancy.slug}/api/{key.id}/revoke").status_code == 404
    assert make_key(stranger, f"/c/{world.ours.consultancy.slug}/api/").status_code == 404
    db.session.refresh(key)
    assert key.revoked_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 1


def test_posts_need_the_csrf_token(client, world):
    url = f"/c/{world.ours.consultancy.slug}/api/"
    sign_in(client, world.ours.consultant)
    refused = client.post(url, data={"label": "Zonder token", "scopes": ["results:read"], "days": "90"})
    assert refused.status_code == 400
    key, _plain = keys.create_key(world.ours.consultancy, "x", [], 30, by=world.ours.consultant)
    assert client.post(f"{url}{key.id}/revoke").status_code == 400
    db.session.refresh(key)
    assert key.revoked_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 1


def test_bad_input_is_a_message_and_no_key(client, world):
    url = f"/c/{world.ours.consultancy.slug}/api/"
    sign_in(client, world.ours.consultant)
    for data, message in [
        ({"label": "x" * 500}, "Maximaal 80 tekens."),
        ({"label": "  "}, "Dit veld is verplicht."),
        ({"scopes": ["admin:everything"]}, "Kies uit de genoemde rechten."),
        ({"days": "3650"}, "Kies een van de genoemde periodes."),
        ({"days": "9" * 40}, "Kies een van de genoemde periodes."),
    ]:
        response = make_key(client, url, **data)
        assert response.status_code == 400, data
        html = response.get_data(as_text=True)
        assert message in html, data
        assert "ksk_" not in html.replace("ksk_…", "")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 0


def test_a_key_whose_maker_left_is_shown_as_not_working(client, world):
    from maturity.tenancy.models import ConsultantMembership
    from tests import factories

    other = factories.consultant(world.ours.consultancy, email="vertrokken@ons.example.nl")
    keys.create_key(world.ours.consultancy, "Oud script", [], 30, by=other)
    db.session.execute(sa.delete(ConsultantMembership).where(ConsultantMembership.user_id == other.id))
    db.session.flush()
    sign_in(client, world.ours.consultant)
    page = client.get(f"/c/{world.ours.consultancy.slug}/api/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Oud script" in page and "its maker no longer holds their role" in page


def test_the_list_shows_each_keys_number_as_the_audit_trail_names_it(client, world):
    """An API call's audit entry says "API key: #3": the list shows #3 beside the key's name.
    Its dates and times read alike (4 dec 2026 and 4 dec 2026, 18:30), and the new key has a
    copy button that works without inline script (the field stays selectable without it)."""
    url = f"/c/{world.ours.consultancy.slug}/api/"
    sign_in(client, world.ours.consultant)
    made = make_key(client, url).get_data(as_text=True)
    assert re.search(r'<button type="button" class="copy[^"]*" data-copy="new-key"[^>]*hidden', made)
    assert 'src="/static/js/copy.js"' in made and "<script>" not in made
    key = db.session.scalars(sa.select(ApiKey).where(ApiKey.consultancy_id == world.ours.consultancy.id)).one()
    plain = KEY_ON_PAGE.search(made).group(1)
    assert api(client, plain).status_code == 200
    moment = key.created_at.replace(year=2026, month=12, day=4, hour=17, minute=30)  # 18:30 in Amsterdam
    db.session.execute(sa.update(ApiKey).where(ApiKey.id == key.id).values(created_at=moment, last_used_at=moment))
    db.session.flush()
    page = client.get(url).get_data(as_text=True)
    assert f"#{key.id}" in page and "4 dec 2026, 18:30" in page and "04-12-2026" not in page
    log = client.get(f"/c/{world.ours.consultancy.slug}/audit/").get_data(as_text=True)
    assert f"API-sleutel: #{key.id}" in log
