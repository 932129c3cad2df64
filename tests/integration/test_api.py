"""The JSON API as a consultancy's analyst and a client's HR system use it: keys, scopes,
tenants, the figures the page shows, problem documents, paging, ETags and the audit trail."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import sqlalchemy as sa

from maturity.api import keys
from maturity.audit.models import AuditEntry
from maturity.extensions import db as _db
from maturity.plans.models import ActionItem
from maturity.plans.services import generate_plan, plan_for
from maturity.results.services import round_results
from maturity.rounds import services
from maturity.segments.services import add_value, create_segment, set_member_value
from maturity.tenancy.models import ConsultantMembership, OrganisationMembership, OrgRole
from tests.conftest import count_queries, sign_in
from tests.factories import member
from tests.helpers import corporation, filled_round, open_round  # noqa: F401 - fixture

ALL = ["results:read", "people:manage", "rounds:manage", "actions:manage"]


def key_for(owner, maker, scopes=ALL, days=30) -> str:
    _key, plain = keys.create_key(owner, "test", scopes, days, by=maker)
    _db.session.commit()  # in the tests: a savepoint released (a refused call rolls back its own)
    return plain


def call(client, method, url, key, **kwargs):
    headers = kwargs.pop("headers", {})
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return client.open(url, method=method, headers=headers, **kwargs)


def test_without_a_key_the_api_answers_401_as_a_problem_document(client, world):
    response = client.get("/api/v1/organisations", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401 and "API key" in response.json["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    dutch = client.get("/api/v1/organisations", headers={"Accept-Language": "nl"})
    assert dutch.json["detail"].startswith("Een geldige API-sleutel is nodig")


def test_a_session_cookie_is_not_a_key(client, world):
    sign_in(client, world.ours.consultant)
    assert client.get("/api/v1/organisations").status_code == 401


def test_a_consultancy_key_reaches_its_clients_and_no_one_else(client, world):
    key = key_for(world.ours.consultancy, world.ours.consultant)
    listed = call(client, "GET", "/api/v1/organisations", key)
    assert listed.status_code == 200, listed.json
    ids = {o["id"] for o in listed.json["items"]}
    assert ids == {world.ours.org.id, world.sibling_org.id}
    assert call(client, "GET", f"/api/v1/organisations/{world.theirs.org.id}", key).status_code == 404
    assert call(client, "GET", f"/api/v1/organisations/{world.theirs.org.id}/rounds", key).status_code == 404


def test_an_organisation_key_reaches_that_organisation_alone(client, world):
    key = key_for(world.ours.org, world.ours.director)
    ids = {o["id"] for o in call(client, "GET", "/api/v1/organisations", key).json["items"]}
    assert ids == {world.ours.org.id}
    assert call(client, "GET", f"/api/v1/organisations/{world.sibling_org.id}", key).status_code == 404


def test_results_are_409_while_open_with_the_pages_words(client, world, open_round):
    key = key_for(world.ours.org, world.ours.director)
    response = call(client, "GET", f"/api/v1/rounds/{open_round.id}/results", key, headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.json["title"] == "Results are published when the round closes"


def test_published_results_are_the_csv_downloads_figures_with_an_etag(app, client, world):
    round_ = filled_round(app, world, {"Verkoop": 6, "Service": 5}, customers=6)
    key = key_for(world.ours.org, world.ours.director)
    response = call(client, "GET", f"/api/v1/rounds/{round_.id}/results", key, headers={"Accept-Language": "nl"})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["shown"] and body["phase"] and body["responses"] == 11
    sign_in(client, world.ours.director)
    page = client.get(f"/o/{world.ours.org.slug}/rounds/{round_.id}/results.csv?lang=nl")
    assert page.status_code == 200, page.status_code
    table = list(csv.reader(io.StringIO(page.data.decode("utf-8-sig")), delimiter=";"))[1:]
    assert [[r["section_label"], r["figure"], r["group"], r["text"]] for r in body["rows"]] == \
        [[row[0], row[1], row[2], row[4]] for row in table]
    etag = response.headers["ETag"]
    assert response.headers["Cache-Control"] == "private, no-cache"  # never in a shared cache
    assert {"Authorization", "Accept-Language"} <= set(response.vary)
    again = call(client, "GET", f"/api/v1/rounds/{round_.id}/results", key,
                 headers={"Accept-Language": "nl", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    weak = call(client, "GET", f"/api/v1/rounds/{round_.id}/results", key,
                headers={"Accept-Language": "nl", "If-None-Match": "W/" + etag})
    assert weak.status_code == 304  # a proxy that compressed it may have weakened the ETag
    other = call(client, "GET", f"/api/v1/rounds/{round_.id}/results", key,
                 headers={"Accept-Language": "en", "If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag  # another language, another document


def test_a_key_without_the_scope_is_refused_403(client, world):
    key = key_for(world.ours.org, world.ours.director, scopes=[])
    response = call(client, "POST", f"/api/v1/organisations/{world.ours.org.id}/people", key,
                    json={"name": "Nieuw", "email": "nieuw@ons.example.nl"})
    assert response.status_code == 403
    assert "people:manage" in response.json["detail"]


def test_revoked_expired_and_orphaned_keys_stop_working(client, world):
    key, plain = keys.create_key(world.ours.org, "x", ALL, 30, by=world.ours.director)
    assert call(client, "GET", "/api/v1/organisations", plain).status_code == 200
    keys.revoke_key(key, by=world.ours.director)
    assert call(client, "GET", "/api/v1/organisations", plain).status_code == 401
    key2, plain2 = keys.create_key(world.ours.consultancy, "y", ALL, 30, by=world.ours.consultant)
    key2.expires_at = keys.now() - timedelta(seconds=1)
    _db.session.flush()
    assert call(client, "GET", "/api/v1/organisations", plain2).status_code == 401
    _key3, plain3 = keys.create_key(world.ours.consultancy, "z", ALL, 30, by=world.ours.consultant)
    _db.session.execute(sa.delete(ConsultantMembership).where(ConsultantMembership.user_id == world.ours.consultant.id))
    _db.session.flush()
    assert call(client, "GET", "/api/v1/organisations", plain3).status_code == 401


def test_every_call_is_in_the_audit_trail_even_a_refused_one(client, world):
    key = key_for(world.ours.org, world.ours.director)
    call(client, "GET", "/api/v1/organisations", key)
    call(client, "GET", f"/api/v1/rounds/999999/results", key)
    calls = _db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "api_call")
                                .order_by(AuditEntry.id)).all()
    assert [(c.detail["method"], c.detail["status"]) for c in calls] == [("GET", 200), ("GET", 404)]
    assert all(c.actor_id == world.ours.director.id for c in calls)


def test_lists_are_paged_with_an_opaque_cursor(client, world):
    for i in range(5):
        services.create_round(world.ours.org, services.RoundSettings(
            title=f"R{i}", opens_on=date.today(), closes_on=date.today() + timedelta(days=5)))
    key = key_for(world.ours.org, world.ours.director)
    seen, cursor, cursor_seen = [], None, []
    while True:
        url = f"/api/v1/organisations/{world.ours.org.id}/rounds?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = call(client, "GET", url, key).json
        seen += [r["title"] for r in body["items"]]
        cursor = body["next_cursor"]
        cursor_seen += [cursor] if cursor else []
        if cursor is None:
            break
    assert seen == [f"R{i}" for i in range(5)]
    for bad_cursor in ("n%C3%B6pe", "xyz", cursor_seen[0][:-1] + ("0" if cursor_seen[0][-1] != "0" else "1")):
        bad = call(client, "GET", f"/api/v1/organisations/{world.ours.org.id}/rounds?cursor={bad_cursor}", key)
        assert bad.status_code == 422 and "cursor" in bad.json["errors"]["query"], bad_cursor


def test_a_script_creates_people_and_runs_a_round(app, client, world):
    key = key_for(world.ours.org, world.ours.director)
    org = world.ours.org.id
    made = []
    for i in range(6):
        response = call(client, "POST", f"/api/v1/organisations/{org}/people", key,
                        json={"name": f"Mens {i}", "email": f"mens{i}@ons.example.nl", "department": "Klantcontact"})
        assert response.status_code == 201, response.json
        made.append(response.json["id"])
    twice = call(client, "POST", f"/api/v1/organisations/{org}/people", key,
                 json={"name": "Mens 0", "email": "mens0@ons.example.nl"})
    assert twice.status_code == 409
    bad = call(client, "POST", f"/api/v1/organisations/{org}/people", key, json={"name": "X", "email": "geen-adres"})
    assert bad.status_code == 422 and "email" in bad.json["errors"]["json"]
    wrong_dates = call(client, "POST", f"/api/v1/organisations/{org}/rounds", key,
                       json={"title": "Voorjaar", "opens_on": "2027-03-10", "closes_on": "2027-03-01"})
    assert wrong_dates.status_code == 422 and "closes_on" in wrong_dates.json["errors"]["json"]
    created = call(client, "POST", f"/api/v1/organisations/{org}/rounds", key,
                   json={"title": "Voorjaar", "opens_on": date.today().isoformat(),
                         "closes_on": (date.today() + timedelta(days=14)).isoformat()})
    assert created.status_code == 201 and created.json["status"] == "draft"
    round_id = created.json["id"]
    assert call(client, "POST", f"/api/v1/rounds/{round_id}/invite", key).status_code == 409
    assert call(client, "POST", f"/api/v1/rounds/{round_id}/open", key).json["status"] == "open"
    invited = call(client, "POST", f"/api/v1/rounds/{round_id}/invite", key).json["invited"]
    assert invited >= 6
    left = call(client, "DELETE", f"/api/v1/people/{made[0]}", key)
    assert left.json == {"left": True}
    assert _db.session.get(OrganisationMembership, made[0]) is None
    closing = call(client, "POST", f"/api/v1/rounds/{round_id}/close", key)
    assert closing.status_code == 202
    assert call(client, "GET", f"/api/v1/rounds/{round_id}", key).json["status"] == "published"


def test_over_the_limit_a_key_gets_a_429_problem_with_retry_after(app, client, world):
    key = key_for(world.ours.org, world.ours.director)
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [call(client, "GET", "/api/v1/organisations", key).status_code for _ in range(3)]
        refused = call(client, "GET", "/api/v1/organisations", key)
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    # Another key is counted apart.
    assert call(client, "GET", "/api/v1/organisations", key_for(world.ours.org, world.ours.director)).status_code == 200


def test_an_unknown_query_parameter_is_said_not_ignored(client, world):
    key = key_for(world.ours.org, world.ours.director)
    response = call(client, "GET", "/api/v1/organisations?limt=1", key)
    assert response.status_code == 422
    assert "limt" in response.json["errors"]["query"]


def test_progress_and_plan_read_as_the_pages_show_them(app, client, world):
    round_ = filled_round(app, world, {"Verkoop": 6}, customers=5)
    with app.test_request_context():
        plan_for(round_) or generate_plan(round_, round_results(round_))
    _db.session.commit()
    key = key_for(world.ours.org, world.ours.director)
    progress = call(client, "GET", f"/api/v1/organisations/{world.ours.org.id}/progress", key).json
    assert [p["round_id"] for p in progress["rounds"]] == [round_.id]
    results = call(client, "GET", f"/api/v1/rounds/{round_.id}/results", key).json
    assert progress["rounds"][0]["phase"] == results["phase"]
    shown = {d["label"]: d["value"] for d in results["dimensions"]}
    assert progress["rounds"][0]["dimensions"]["culture"] in shown.values()
    body = call(client, "GET", f"/api/v1/rounds/{round_.id}/plan", key).json
    assert body["round_id"] == round_.id and body["actions"]
    action = body["actions"][0]
    changed = call(client, "PATCH", f"/api/v1/actions/{action['id']}", key,
                   json={"status": "in_progress", "owner": "Hoofd Klantcontact", "due_on": "2027-06-30"})
    assert changed.status_code == 200, changed.json
    assert (changed.json["status"], changed.json["owner"], changed.json["due_on"]) == \
        ("in_progress", "Hoofd Klantcontact", "2027-06-30")
    item = _db.session.get(ActionItem, action["id"])
    assert item.status.value == "in_progress" and item.owner == "Hoofd Klantcontact"
    assert call(client, "GET", f"/api/v1/actions/{action['id']}", key).json["status"] == "in_progress"
    wrong = call(client, "PATCH", f"/api/v1/actions/{action['id']}", key, json={"due_on": "2201-01-01"})
    assert wrong.status_code == 422 and "due_on" in wrong.json["errors"]["json"]
    cleared = call(client, "PATCH", f"/api/v1/actions/{action['id']}", key, json={"owner": None})
    assert cleared.json["owner"] is None and cleared.json["status"] == "in_progress"


def test_people_carry_their_department_and_segments(client, world):
    segment = create_segment(world.ours.org, "Locatie")
    add_value(segment, "Noord")
    add_value(segment, "Zuid")
    _db.session.commit()
    key = key_for(world.ours.org, world.ours.director)
    made = call(client, "POST", f"/api/v1/organisations/{world.ours.org.id}/people", key,
                json={"name": "Sanne", "email": "sanne@ons.example.nl", "department": "Verhuur",
                      "segments": {"locatie": "noord"}})
    assert made.status_code == 201, made.json
    assert made.json["department"] == "Verhuur" and made.json["segments"] == {"Locatie": "Noord"}
    moved = call(client, "PATCH", f"/api/v1/people/{made.json['id']}", key, json={"segments": {"Locatie": "Zuid"}})
    assert moved.json["segments"] == {"Locatie": "Zuid"} and moved.json["department"] == "Verhuur"
    cleared = call(client, "PATCH", f"/api/v1/people/{made.json['id']}", key,
                   json={"segments": {"Locatie": None}, "department": None})
    assert cleared.json["segments"] == {} and cleared.json["department"] is None
    unknown = call(client, "PATCH", f"/api/v1/people/{made.json['id']}", key,
                   json={"segments": {"Locatie": "Oost", "Team": "A"}, "name": "Sanne B."})
    assert unknown.status_code == 422
    assert set(unknown.json["errors"]["json"]["segments"]) == {"Locatie", "Team"}
    assert call(client, "GET", f"/api/v1/people/{made.json['id']}", key).json["name"] == "Sanne"  # nothing kept
    last = _db.session.scalar(sa.select(OrganisationMembership.id).where(
        OrganisationMembership.user_id == world.ours.director.id))
    assert call(client, "PATCH", f"/api/v1/people/{last}", key, json={"role": "employee"}).status_code == 409
    assert call(client, "DELETE", f"/api/v1/people/{last}", key).json == {"left": False}


def _queries(client, url, key) -> int:
    return count_queries(client, url, {"Authorization": f"Bearer {key}"})


def test_lists_read_a_fixed_number_of_queries_however_long(client, world):
    """People and rounds: a page of 40 costs what a page of 4 costs."""
    segment = create_segment(world.ours.org, "Locatie")
    value = add_value(segment, "Noord")
    key = key_for(world.ours.org, world.ours.director)
    org = world.ours.org

    def grow(n_people, n_rounds, opened):
        for i in range(n_people):
            m = member(org, OrgRole.EMPLOYEE, world.ours.department)
            membership = _db.session.scalar(sa.select(OrganisationMembership).where(OrganisationMembership.user_id == m.id))
            set_member_value(membership, segment, value)
        for i in range(n_rounds):
            round_ = services.create_round(org, services.RoundSettings(
                title=f"R{i}", opens_on=date.today(), closes_on=date.today() + timedelta(days=5)))
            if opened and i == 0:  # one open round; the others are drafts
                services.open_round(round_)
        _db.session.commit()

    grow(2, 2, opened=True)
    call(client, "GET", "/api/v1/organisations", key)  # the key's first use is written once (then once a minute)
    few = (_queries(client, f"/api/v1/organisations/{org.id}/people", key),
           _queries(client, f"/api/v1/organisations/{org.id}/rounds", key))
    grow(36, 6, opened=False)  # drafts: an open round beside them would single the newcomers out
    many = (_queries(client, f"/api/v1/organisations/{org.id}/people", key),
            _queries(client, f"/api/v1/organisations/{org.id}/rounds", key))
    assert many == few


def test_a_draft_round_can_be_deleted_an_open_one_cannot(client, world):
    key = key_for(world.ours.org, world.ours.director)
    draft = services.create_round(world.ours.org, services.RoundSettings(
        title="Vergissing", opens_on=date.today(), closes_on=date.today() + timedelta(days=5)))
    opened = services.create_round(world.ours.org, services.RoundSettings(
        title="Echt", opens_on=date.today(), closes_on=date.today() + timedelta(days=5)))
    services.open_round(opened)
    _db.session.commit()
    assert call(client, "DELETE", f"/api/v1/rounds/{draft.id}", key).status_code == 204
    assert call(client, "GET", f"/api/v1/rounds/{draft.id}", key).status_code == 404
    refused = call(client, "DELETE", f"/api/v1/rounds/{opened.id}", key, headers={"Accept-Language": "en"})
    assert refused.status_code == 409 and "draft" in refused.json["detail"].lower()
    assert call(client, "GET", f"/api/v1/rounds/{opened.id}", key).json["status"] == "open"
    entry = _db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "round_deleted"))
    assert entry.detail["title"] == "Vergissing" and entry.actor_id == world.ours.director.id


def test_results_say_which_figures_are_hidden_and_which_groups_there_are(app, client, world):
    world.ours.org.customer_word = "huurder"
    round_ = filled_round(app, world, {"Verkoop": 6, "Service": 6}, customers=3)  # tenants: fewer than 5
    key = key_for(world.ours.org, world.ours.director)
    body = call(client, "GET", f"/api/v1/rounds/{round_.id}/results", key, headers={"Accept-Language": "nl"}).json
    hidden = [r for r in body["rows"] if r["hidden"]]
    assert hidden and all(r["value"] is None and r["text"] == "te weinig reacties" for r in hidden)
    assert any(r["section"] == "mirror" and r["group"] == "Huurders" for r in hidden)
    shown = [r for r in body["rows"] if not r["hidden"] and r["section"] == "dimension"]
    assert shown and all(r["unit"] == "0-100" and r["value"] is not None for r in shown)
    phase = next(r for r in body["rows"] if r["section"] == "phase")
    assert not phase["hidden"] and phase["value"] is None and phase["text"] == body["phase"]
    # The organisation's own word, as on the page: tenants, not customers.
    mirror_groups = {r["group"] for r in body["rows"] if r["section"] == "mirror"}
    assert "Huurders" in mirror_groups and "Klanten" not in mirror_groups
    # The groups the page's filter offers, each usable as ?group=.
    assert body["groups"]
    chosen = body["groups"][0]
    filtered = call(client, "GET", f"/api/v1/rounds/{round_.id}/results", key,
                    query_string={"group": chosen["group"]}, headers={"Accept-Language": "nl"})
    assert filtered.status_code == 200 and filtered.json["group"] == chosen["label"]
    three = call(client, "GET", f"/api/v1/rounds/{round_.id}/results?group=a&group=b&group=c", key)
    assert three.status_code == 422 and "group" in three.json["errors"]["query"]


def test_problems_speak_the_requests_language_titles_and_fields_too(client, world):
    key = key_for(world.ours.org, world.ours.director)
    url = f"/api/v1/organisations/{world.ours.org.id}/rounds"
    dutch = call(client, "POST", url, key, json={"opens_on": "morgen", "min_group_size": 1000, "kleur": "rood"},
                 headers={"Accept-Language": "nl"})
    assert dutch.status_code == 422
    assert dutch.json["title"] == "Enkele velden kloppen niet"
    fields = dutch.json["errors"]["json"]
    assert fields["title"] == ["Dit veld is verplicht."]
    assert fields["kleur"] == ["Onbekend veld."]
    assert fields["opens_on"] == ["Geen datum (JJJJ-MM-DD)."]
    english = call(client, "POST", url, key, json={"opens_on": "tomorrow"}, headers={"Accept-Language": "en"})
    assert english.json["title"] == "Some fields are not right"
    assert english.json["errors"]["json"]["opens_on"] == ["Not a date (YYYY-MM-DD)."]
    assert call(client, "GET", "/api/v1/organisations", None, headers={"Accept-Language": "nl"}).json["title"] == \
        "Een API-sleutel is nodig"


def test_a_figure_that_does_not_exist_is_not_hidden(app, client, world):
    """Customers are split by service only: a location's customers are "not applicable" (null,
    not hidden: nothing was suppressed), a service's with 3 customers are hidden."""
    round_, _value = corporation(world.ours.org, app)
    key = key_for(world.ours.org, world.ours.director)
    body = call(client, "GET", f"/api/v1/rounds/{round_.id}/results", key, headers={"Accept-Language": "en"}).json
    segment = {(r["figure"], r["group"]): r for r in body["rows"] if r["section"] == "segment"}
    north = segment[("Customers", "Locatie: Noord")]
    assert (north["value"], north["hidden"], north["text"]) == (None, False, "not applicable")
    wmo = segment[("Customers", "Dienst: Wmo")]
    assert (wmo["value"], wmo["hidden"], wmo["text"]) == (None, True, "too few responses")
    repairs = segment[("Customers", "Dienst: Reparaties")]
    assert repairs["value"] is not None and not repairs["hidden"]
    # The mirror's headline figures, as the page's "Average of the topics".
    overall = {r["group"]: r for r in body["rows"] if r["section"] == "mirror" and r["figure"] == "Average of the topics"}
    assert set(overall) == {"Employees' own rating", "Employees' estimate", "Customers", "Own rating − customers"}
    assert all(not r["hidden"] and r["value"] is not None and r["unit"] == "1-10" for r in overall.values())
