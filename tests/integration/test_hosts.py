"""A consultancy on its own host name: the app answers there in its name, shows only its own
clients there, refuses hosts it does not know, and builds its clients' links on that host."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from maturity.extensions import db
from maturity.rounds import inviting, services
from maturity.tenancy.hosts import normalise_host

from ..conftest import sign_in
from ..factories import PASSWORD

PLATFORM = "http://klantspiegel.local"  # the tests' SERVER_NAME: the test client's own host
OURS = "spiegel.bureau-ours.nl"


@pytest.fixture
def hosted(app, world):
    world.ours.consultancy.host = OURS
    db.session.flush()
    app.config["BASE_URL"] = PLATFORM
    yield world
    app.config["BASE_URL"] = ""


def test_a_host_nobody_configured_is_refused_before_anything_runs(hosted, make_client):
    client = make_client()
    assert client.get("/login", base_url="https://evil.example").status_code == 421
    assert client.get("/login", base_url="http://klantspiegel.local.evil.example").status_code == 421
    assert client.get("/login", base_url=PLATFORM).status_code == 200


def test_on_its_own_host_the_pages_carry_the_consultancy_s_name(hosted, make_client):
    client = make_client()
    name = hosted.ours.consultancy.name
    page = client.get("/login", base_url=f"https://{OURS}").get_data(as_text=True)
    assert f"· {name}</title>" in page and f"> {name}</a>" in page
    platform = client.get("/login", base_url=PLATFORM).get_data(as_text=True)
    assert name not in platform and "· Klantspiegel</title>" in platform


def test_another_consultancy_s_client_is_not_found_on_a_consultancy_s_host(hosted, make_client):
    """Their director signed in on our consultancy's host finds their own organisation
    nowhere there: a 404, exactly like an organisation that does not exist."""
    theirs = make_client()
    sign_in(theirs, hosted.theirs.director.email)
    assert theirs.get(f"/o/{hosted.theirs.org.slug}/").status_code == 200
    on_ours = f"http://{OURS}"  # (over https the CSRF check also wants a Referer, as a browser sends)
    theirs_on_ours = make_client()
    _sign_in_on(theirs_on_ours, on_ours, hosted.theirs.director.email)
    assert theirs_on_ours.get(f"/o/{hosted.theirs.org.slug}/", base_url=on_ours).status_code == 404
    ours = make_client()
    _sign_in_on(ours, on_ours, hosted.ours.director.email)
    assert ours.get(f"/o/{hosted.ours.org.slug}/", base_url=on_ours).status_code == 200


def _sign_in_on(client, base_url: str, email: str) -> None:
    """Sign in on another host than the test client's own (its cookies are that host's)."""
    import re

    page = client.get("/login", base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/login", base_url=base_url, data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_invitations_link_to_the_consultancy_s_host_whatever_host_caused_them(app, hosted, monkeypatch):
    from maturity.mail import services as mail

    bodies = []
    original = mail.send_mail

    def observed(recipient, subject, body_text, **kwargs):
        bodies.append(body_text)
        return original(recipient, subject, body_text, **kwargs)

    monkeypatch.setattr(mail, "send_mail", observed)
    with app.test_request_context("/", base_url=PLATFORM):  # a director on the platform's host
        round_ = services.create_round(hosted.ours.org, services.RoundSettings(
            title="Meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
        services.open_round(round_)
        assert inviting.invite_employees(round_) >= 1
        db.session.commit()
    assert bodies, "no invitation was delivered"
    assert all(f"://{OURS}/r/" in body for body in bodies if "/r/" in body)
    assert not any(PLATFORM in body for body in bodies)


@pytest.mark.parametrize("value, stored", [
    ("Spiegel.Bureau-Ours.NL.", "spiegel.bureau-ours.nl"), ("spiegel.bureau-ours.nl:443", None),
    ("https://spiegel.nl", None), ("localhost", None), ("-bad.example.nl", None), ("a.b", None),
])
def test_a_host_name_is_stored_only_as_a_host_name(value, stored):
    assert normalise_host(value) == stored


def test_a_platform_admin_sets_and_clears_a_consultancy_s_host(app, world, make_client):
    from maturity.audit.models import AuditEntry
    import sqlalchemy as sa

    from ..conftest import sign_in as sign_in_admin

    admin = make_client()
    sign_in_admin(admin, world.admin.email)
    url = f"/admin/consultancies/{world.ours.consultancy.id}/host"
    admin.submit(url, {"host": "https://spiegel.bureau.nl/"})
    assert world.ours.consultancy.host is None  # not a host name: refused with a message
    admin.submit(url, {"host": "Spiegel.Bureau.NL"})
    db.session.refresh(world.ours.consultancy)
    assert world.ours.consultancy.host == "spiegel.bureau.nl"
    theirs = f"/admin/consultancies/{world.theirs.consultancy.id}/host"
    page = admin.submit(theirs, {"host": "spiegel.bureau.nl"}, follow_redirects=True).get_data(as_text=True)
    db.session.refresh(world.theirs.consultancy)
    assert world.theirs.consultancy.host is None and "spiegel.bureau.nl" in page  # one host, one consultancy
    admin.submit(url, {"host": ""})
    db.session.refresh(world.ours.consultancy)
    assert world.ours.consultancy.host is None
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "consultancy_host_changed")) == 2
    director = make_client()
    sign_in(director, world.ours.director.email)
    assert director.submit(url, {"host": "x.example.nl"}).status_code in (403, 404)


def test_the_customer_link_and_its_qr_card_carry_the_consultancy_s_host(hosted, make_client):
    round_ = services.create_round(hosted.ours.org, services.RoundSettings(
        title="Meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
    services.open_round(round_)
    db.session.flush()
    director = make_client()
    sign_in(director, hosted.ours.director.email)
    page = director.get(f"/o/{hosted.ours.org.slug}/rounds/{round_.id}").get_data(as_text=True)
    assert f"://{OURS}/k/{round_.customer_token}/" in page
    assert f"://klantspiegel.local/k/{round_.customer_token}" not in page
