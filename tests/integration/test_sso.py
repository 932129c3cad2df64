"""Signing in with the organisation's own account, end to end against a real, certified OpenID
provider (panva's ``oidc-provider``, tests/oidc/provider.js, run by Node): discovery, the
authorization code flow with PKCE, state and nonce, the ID token's signature and claims. The
person's side at the provider (its login form, its redirects) is driven with ``requests``, as
a browser would; our side with the test client. Nothing of the protocol is mocked."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
import sqlalchemy as sa

from maturity import sealing
from maturity.accounts import tokens
from maturity.accounts.models import User
from maturity.audit.models import AuditEntry
from maturity.sso import services
from maturity.sso.models import IdentityProvider
from maturity.tenancy.models import OrganisationMembership, OrgRole

from .. import factories
from ..conftest import outbox_messages, second_step_code, set_up_second_factor
from ..helpers import free_port

OIDC_DIR = Path(__file__).resolve().parent.parent / "oidc"
PLATFORM = "http://klantspiegel.local"  # the tests' SERVER_NAME: the test client's own host
REDIRECT_URI = f"{PLATFORM}/sso/callback"
#: A consultancy's own host name (tests/integration/test_hosts.py), registered at the provider too.
BUREAU_HOST = "spiegel.delinde.example"
BUREAU_REDIRECT_URI = f"http://{BUREAU_HOST}/sso/callback"
CLIENT_ID = "klantspiegel"
CLIENT_SECRET = "test-client-secret-of-the-idp-0123456789"
IDP_PASSWORD = "idp-password"


@pytest.fixture(scope="module")
def idp():
    """The provider, once per module; its issuer URL. Without Node or the package (``npm ci``
    in tests/oidc) the module is skipped, except where REQUIRE_OIDC says it must run (CI)."""
    node = shutil.which("node")
    if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        if os.environ.get("REQUIRE_OIDC"):
            pytest.fail("the OpenID provider is not installed: npm ci --prefix tests/oidc")
        pytest.skip("the OpenID provider is not installed (npm ci --prefix tests/oidc)")
    port = free_port()
    process = subprocess.Popen([node, str(OIDC_DIR / "provider.js"), str(port), REDIRECT_URI, BUREAU_REDIRECT_URI],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("ready "), f"the provider did not start: {line!r}"
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.fixture
def sso_app(app):
    app.config["SSO_ALLOW_HTTP"] = True
    yield app
    app.config["SSO_ALLOW_HTTP"] = False


def _provider(idp, *, domains=("gemeente.example",), organisation=None, consultancy=None, create_accounts=False,
              required=False, issuer=None) -> IdentityProvider:
    provider = IdentityProvider(organisation_id=organisation.id if organisation else None,
                                consultancy_id=consultancy.id if consultancy else None)
    services.save_provider(provider, name="Gemeente Login", issuer=issuer or idp, client_id=CLIENT_ID,
                           client_secret=CLIENT_SECRET, domains=list(domains), create_accounts=create_accounts,
                           required=required)
    return provider


def _at_provider(authorize_url: str, login: str) -> str:
    """The person at the provider: follow its redirects, fill in its login form, and come back
    with the URL it sends the browser to (our callback, with code and state)."""
    browser = requests.Session()
    url = authorize_url
    for _ in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            if url.startswith((REDIRECT_URI, BUREAU_REDIRECT_URI)):
                return url
            continue
        assert response.status_code == 200, response.text
        action = urljoin(url, response.text.split('action="')[1].split('"')[0])
        response = browser.post(action, data={"login": login, "password": IDP_PASSWORD}, allow_redirects=False, timeout=10)
        assert response.status_code in (302, 303), response.text
        url = urljoin(action, response.headers["Location"])
    raise AssertionError("the provider never sent the browser back")


def _start(client, email: str):
    response = client.submit("/login/sso", {"sso_email": email})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    return response.headers["Location"]


def _come_back(client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def sso_sign_in(client, typed: str, login: str | None = None):
    """Type the address on our login page, sign in at the provider as ``login``, come back."""
    return _come_back(client, _at_provider(_start(client, typed), login or typed))


def _entries(db, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _signed_in_home(client) -> str:
    return client.get("/", follow_redirects=True).get_data(as_text=True)


def test_a_consultant_signs_in_through_the_consultancys_provider_whose_mfa_counts(sso_app, db, client, idp):
    consultancy = factories.ConsultancyFactory(slug="de-linde")
    consultant = factories.consultant(consultancy, email="consultant@delinde.example")  # has an authenticator app
    _provider(idp, consultancy=consultancy, domains=["delinde.example"])

    authorize = _start(client, "consultant@delinde.example")
    assert authorize.startswith(idp + "/auth?")
    query = dict(p.split("=", 1) for p in urlsplit(authorize).query.split("&"))
    assert query["code_challenge_method"] == "S256" and query["code_challenge"] and query["nonce"] and query["state"]

    response = _come_back(client, _at_provider(authorize, "consultant@delinde.example"))
    assert urlsplit(response.headers["Location"]).path == "/"  # no TOTP step: amr says mfa
    landed = client.get(f"/c/{consultancy.slug}/")
    assert landed.status_code == 200, landed.headers.get("Location")
    (entry,) = _entries(db, "login")
    assert entry.actor_id == consultant.id and entry.consultancy_id == consultancy.id
    assert entry.detail["via"] == "sso" and entry.detail["second_factor"] == "provider"


def test_one_factor_at_the_provider_is_followed_by_our_second_step(sso_app, db, client, idp):
    org = factories.OrganisationFactory()
    bert = factories.with_second_factor(factories.member(org, OrgRole.DIRECTOR, email="bert@gemeente.example"))
    _provider(idp, organisation=org)

    response = sso_sign_in(client, "bert@gemeente.example")  # amr: pwd only
    assert response.headers["Location"].endswith("/login/code")
    assert client.get(f"/o/{org.slug}/").status_code == 302  # not signed in yet
    assert _entries(db, "sso_verified")[0].actor_id == bert.id and not _entries(db, "login")

    # Our second step done, the sign-in that counts says it came through the provider.
    response = client.submit("/login/code", {"code": second_step_code(bert.email)})
    assert response.status_code == 302 and client.get(f"/o/{org.slug}/").status_code == 200
    (entry,) = _entries(db, "login")
    assert entry.actor_id == bert.id and entry.organisation_id == org.id
    assert entry.detail == {"via": "sso", "provider": "Gemeente Login", "second_factor": "app"}


def test_a_first_second_step_after_the_provider_is_a_login_through_the_provider(sso_app, db, client, idp):
    """Two-step sign-in required (a director) but not yet set up: set up during the sign-in."""
    org = factories.OrganisationFactory()
    org.consultancy.requires_director_second_factor = True
    factories.member(org, OrgRole.DIRECTOR, email="bert@gemeente.example")
    _provider(idp, organisation=org)

    assert sso_sign_in(client, "bert@gemeente.example").headers["Location"].endswith("/login/setup")
    set_up_second_factor(client, "/login/setup")
    (entry,) = _entries(db, "login")
    assert entry.organisation_id == org.id
    assert entry.detail == {"via": "sso", "provider": "Gemeente Login", "second_factor": "app"}


def test_an_employee_gets_an_account_just_in_time_where_the_organisation_allows_it(sso_app, db, client, idp):
    org = factories.OrganisationFactory()
    _provider(idp, organisation=org, create_accounts=True)

    response = sso_sign_in(client, "nieuw@gemeente.example")
    assert urlsplit(response.headers["Location"]).path == "/"
    user = db.session.scalar(sa.select(User).where(User.email == "nieuw@gemeente.example"))
    assert user.name == "Nina Nieuw" and user.password_hash is None
    membership = db.session.scalar(sa.select(OrganisationMembership).where(OrganisationMembership.user_id == user.id))
    assert membership.organisation_id == org.id and membership.role is OrgRole.EMPLOYEE
    assert _entries(db, "login")[0].detail["created"] is True


def test_no_account_is_made_where_the_organisation_does_not_allow_it(sso_app, db, client, idp):
    org = factories.OrganisationFactory()
    _provider(idp, organisation=org, create_accounts=False)

    response = sso_sign_in(client, "nieuw@gemeente.example")
    assert response.headers["Location"].endswith("/login")
    assert db.session.scalar(sa.select(User).where(User.email == "nieuw@gemeente.example")) is None
    assert _entries(db, "sso_refused")[0].detail["reason"] == "no_account"


def test_an_unverified_or_foreign_address_is_refused(sso_app, db, client, auth, idp):
    org = factories.OrganisationFactory()
    _provider(idp, organisation=org, create_accounts=True)
    factories.member(org, email="onbevestigd@gemeente.example")

    assert sso_sign_in(client, "onbevestigd@gemeente.example").headers["Location"].endswith("/login")
    # The address typed points to the provider; the provider then vouches for someone of another domain.
    assert sso_sign_in(client, "anna@gemeente.example", "vreemd@elders.example").headers["Location"].endswith("/login")
    assert db.session.scalar(sa.select(User).where(User.email == "vreemd@elders.example")) is None
    reasons = [(e.detail["reason"], e.detail.get("domain"), e.organisation_id) for e in _entries(db, "sso_refused")]
    assert reasons == [("email_unverified", "gemeente.example", org.id), ("domain", "elders.example", org.id)]
    assert client.get(f"/o/{org.slug}/").status_code == 302  # nobody signed in
    page = client.get("/login").get_data(as_text=True)
    assert "niet in een domein" in page  # the refusal said why, in Dutch
    # The organisation's trail says it too, in its reader's language.
    auth.login(factories.member(org, OrgRole.DIRECTOR))
    trail = client.get(f"/o/{org.slug}/audit/").get_data(as_text=True)
    assert "e-mailadres niet geverifieerd" in trail and "e-maildomein niet toegestaan" in trail and "elders.example" in trail


def test_an_account_that_belongs_elsewhere_too_is_not_signed_in_by_a_tenants_provider(sso_app, db, client, idp):
    org = factories.OrganisationFactory()
    other = factories.OrganisationFactory()
    anna = factories.member(org, OrgRole.DIRECTOR, email="anna@gemeente.example")
    db.session.add(OrganisationMembership(organisation_id=other.id, user_id=anna.id, role=OrgRole.DIRECTOR))
    db.session.flush()
    _provider(idp, organisation=org)

    assert sso_sign_in(client, "anna@gemeente.example").headers["Location"].endswith("/login")
    assert _entries(db, "sso_refused")[0].detail["reason"] == "other_tenant"


def test_a_wrong_state_or_a_replayed_callback_is_refused(sso_app, db, client, idp):
    org = factories.OrganisationFactory()
    factories.member(org, OrgRole.DIRECTOR, email="anna@gemeente.example")
    _provider(idp, organisation=org)

    callback = _at_provider(_start(client, "anna@gemeente.example"), "anna@gemeente.example")
    forged = callback.replace("state=", "state=x")
    assert _come_back(client, forged).headers["Location"].endswith("/login")
    # The flow was used up by the refusal: the genuine callback after it is refused too.
    assert _come_back(client, callback).headers["Location"].endswith("/login")
    assert [e.detail["reason"] for e in _entries(db, "sso_refused")] == ["state", "no_flow"]

    callback = _at_provider(_start(client, "anna@gemeente.example"), "anna@gemeente.example")
    assert urlsplit(_come_back(client, callback).headers["Location"]).path == "/"
    client.submit("/logout")
    assert _come_back(client, callback).headers["Location"].endswith("/login")  # the same code twice: no
    assert _entries(db, "sso_refused")[-1].detail["reason"] == "no_flow"


def test_an_id_token_for_another_nonce_is_refused(sso_app, db, client, idp):
    org = factories.OrganisationFactory()
    factories.member(org, OrgRole.DIRECTOR, email="anna@gemeente.example")
    _provider(idp, organisation=org)

    callback = _at_provider(_start(client, "anna@gemeente.example"), "anna@gemeente.example")
    with client.session_transaction() as session:  # the session expects another nonce than the token carries
        flow = json.loads(sealing.unseal(session[services.FLOW], services.FLOW_PURPOSE))
        flow["n"] = "another-nonce"
        session[services.FLOW] = sealing.seal(json.dumps(flow).encode(), services.FLOW_PURPOSE)
    assert _come_back(client, callback).headers["Location"].endswith("/login")
    assert _entries(db, "sso_refused")[0].detail["reason"] == "nonce"
    assert not _entries(db, "login")


def test_who_must_use_sso_cannot_sign_in_or_reset_with_a_password(sso_app, db, client, idp):
    org = factories.OrganisationFactory()
    anna = factories.member(org, OrgRole.DIRECTOR, email="anna@gemeente.example")
    outsider = factories.member(org, OrgRole.DIRECTOR, email="extern@adviseur.example")  # not in the domains
    _provider(idp, organisation=org, required=True)

    response = client.submit("/login", {"email": "anna@gemeente.example", "password": factories.PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "Inloggen met Gemeente Login" in page
    assert client.get(f"/o/{org.slug}/").status_code == 302
    (refusal,) = _entries(db, "sso_password_refused")
    assert refusal.actor_id == anna.id and refusal.organisation_id == org.id  # in the organisation's trail

    # No reset link is sent, and one sent before the requirement opens nothing.
    before = len(outbox_messages())
    client.submit("/password/forgot", {"email": "anna@gemeente.example"})
    assert len(outbox_messages()) == before
    link = tokens.make_token(anna, tokens.PASSWORD_RESET)
    response = client.submit(f"/password/reset/{link}", {"password": "een nieuw lang wachtwoord 42",
                                                          "confirm": "een nieuw lang wachtwoord 42"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert db.session.get(User, anna.id).password_hash == factories.password_hash()
    # An invitation not yet accepted does not let one choose a password either.
    invited = factories.member(org, OrgRole.DIRECTOR, email="bert@gemeente.example", password_hash=None)
    response = client.get(f"/invitation/{tokens.make_token(invited, tokens.INVITATION)}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert db.session.get(User, invited.id).password_hash is None
    assert [e.detail["via"] for e in _entries(db, "sso_password_refused")] == ["login", "password_reset", "invitation"]
    assert client.get(f"/o/{org.slug}/").status_code == 302

    # The way that is open: the provider.
    assert urlsplit(sso_sign_in(client, "anna@gemeente.example").headers["Location"]).path == "/"
    client.submit("/logout")
    # Someone of the organisation outside its domains keeps the password.
    response = client.submit("/login", {"email": outsider.email, "password": factories.PASSWORD})
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/"


def test_the_director_sets_it_up_and_the_secret_is_sealed_at_rest(sso_app, db, client, auth, idp):
    org = factories.OrganisationFactory()
    director = factories.member(org, OrgRole.DIRECTOR, email="directeur@gemeente.example")
    auth.login(director)
    url = f"/o/{org.slug}/settings/sign-in"
    page = client.get(url).get_data(as_text=True)
    assert REDIRECT_URI in page

    form = {"name": "Gemeente Login", "issuer": idp, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "allowed_domains": "Gemeente.example\n@gemeente.example", "create_accounts": "y"}
    bad = client.submit(url, {**form, "issuer": idp + "/nothing-here"})
    assert bad.status_code == 400 and "discovery" in bad.get_data(as_text=True)
    assert client.submit(url, form).status_code == 302

    provider = services.tenant_provider(organisation_id=org.id)
    assert provider.domains == ["gemeente.example"] and provider.create_accounts and not provider.required
    raw = db.session.execute(sa.text("SELECT client_secret_sealed FROM identity_provider")).scalar_one()
    assert CLIENT_SECRET.encode() not in bytes(raw) and services.client_secret(provider) == CLIENT_SECRET
    # Saved again without a secret: the sealed one stays.
    assert client.submit(url, {**form, "client_secret": "", "required_": "y"}).status_code == 302
    assert services.client_secret(services.tenant_provider(organisation_id=org.id)) == CLIENT_SECRET
    assert [e.detail["required"] for e in _entries(db, "sso_settings_changed")] == [False, True]

    # Another organisation cannot claim the same domain.
    other = factories.OrganisationFactory()
    other_director = factories.member(other, OrgRole.DIRECTOR)
    auth.logout()
    auth.login(other_director)
    response = client.submit(f"/o/{other.slug}/settings/sign-in", form)
    assert response.status_code == 400 and "gemeente.example" in response.get_data(as_text=True)
    # An employee may not see the settings.
    auth.logout()
    employee = factories.member(org, OrgRole.EMPLOYEE)
    auth.login(employee)
    assert client.get(url).status_code == 403


def test_a_consultant_sets_up_the_consultancys_sign_in_which_makes_no_accounts(sso_app, db, client, auth, idp):
    consultancy = factories.ConsultancyFactory()
    auth.login(factories.consultant(consultancy))
    url = f"/c/{consultancy.slug}/settings/sign-in"
    page = client.get(url).get_data(as_text=True)
    assert REDIRECT_URI in page and 'name="create_accounts"' not in page
    response = client.submit(url, {"name": "Bureau", "issuer": idp, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                   "allowed_domains": "delinde.example", "create_accounts": "y"})
    assert response.status_code == 302
    provider = services.tenant_provider(consultancy_id=consultancy.id)
    assert provider.domains == ["delinde.example"] and not provider.create_accounts
    (entry,) = _entries(db, "sso_settings_changed")
    assert entry.consultancy_id == consultancy.id and CLIENT_SECRET not in json.dumps(entry.detail)
    assert client.submit(f"{url}/remove").status_code == 302
    assert services.tenant_provider(consultancy_id=consultancy.id) is None


def test_a_consultant_signs_in_on_the_consultancys_own_host_through_its_provider(sso_app, db, make_client, idp):
    """The issue's "done when": a consultancy on its own host name, unknown hosts refused
    (BASE_URL set), signs its consultant in through its provider without leaving that host."""
    consultancy = factories.ConsultancyFactory(slug="de-linde", host=BUREAU_HOST)
    consultant = factories.consultant(consultancy, email="consultant@delinde.example")
    _provider(idp, consultancy=consultancy, domains=["delinde.example"])
    sso_app.config["BASE_URL"] = PLATFORM
    try:
        on_host = f"http://{BUREAU_HOST}"
        client = make_client()
        assert client.get("/login", base_url="http://elsewhere.example").status_code == 421  # unknown hosts refused
        page = client.get("/login", base_url=on_host).get_data(as_text=True)
        assert f"· {consultancy.name}</title>" in page
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        response = client.post("/login/sso", base_url=on_host,
                               data={"csrf_token": token, "sso_email": "consultant@delinde.example"})
        assert response.status_code == 302, response.get_data(as_text=True)[-800:]
        authorize = response.headers["Location"]
        assert parse_qs(urlsplit(authorize).query)["redirect_uri"] == [BUREAU_REDIRECT_URI]

        callback = _at_provider(authorize, "consultant@delinde.example")
        assert callback.startswith(BUREAU_REDIRECT_URI + "?")
        parts = urlsplit(callback)
        response = client.get(f"{parts.path}?{parts.query}", base_url=on_host)
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/", \
            response.headers.get("Location")
        (entry,) = _entries(db, "login")
        assert entry.actor_id == consultant.id and entry.detail["via"] == "sso"

        # Signed in on the consultancy's host, in its name, on its own pages.
        landed = client.get("/", base_url=on_host, follow_redirects=False)
        assert urlsplit(landed.headers["Location"]).path == f"/c/{consultancy.slug}/"
        page = client.get(f"/c/{consultancy.slug}/", base_url=on_host)
        assert page.status_code == 200 and f"· {consultancy.name}</title>" in page.get_data(as_text=True)
        # The session is that host's: on the platform's host nobody is signed in.
        assert client.get(f"/c/{consultancy.slug}/", base_url=PLATFORM).status_code == 302
        # The settings page names both callbacks to register: the consultancy's host's and the platform's.
        settings = client.get(f"/c/{consultancy.slug}/settings/sign-in", base_url=on_host).get_data(as_text=True)
        assert BUREAU_REDIRECT_URI in settings and REDIRECT_URI in settings

        # Another consultancy's client's provider is not offered on this host (its people are not found here).
        other_org = factories.OrganisationFactory()
        _provider(idp, organisation=other_org)
        stranger = make_client()
        page = stranger.get("/login", base_url=on_host).get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        response = stranger.post("/login/sso", base_url=on_host,
                                 data={"csrf_token": token, "sso_email": "anna@gemeente.example"})
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    finally:
        sso_app.config["BASE_URL"] = ""


def _typed_back(page: str) -> list[str]:
    """The values the login page's two address fields carry."""
    tags = re.findall(r'<input[^>]*name="(?:email|sso_email)"[^>]*>', page)
    assert len(tags) == 2
    return [html.unescape(found.group(1)) if (found := re.search(r'value="([^"]*)"', tag)) else "" for tag in tags]


def test_the_login_page_keeps_the_typed_address_after_a_refusal_never_the_password(sso_app, db, client, idp):
    org = factories.OrganisationFactory()
    factories.member(org, OrgRole.DIRECTOR, email="anna@gemeente.example")
    _provider(idp, organisation=org, create_accounts=False, required=True)

    # Refused at the callback (no account): the address typed is in both fields again, once.
    assert sso_sign_in(client, "nieuw@gemeente.example").headers["Location"].endswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert "Er is nog geen account" in page and _typed_back(page) == ["nieuw@gemeente.example"] * 2
    assert _typed_back(client.get("/login").get_data(as_text=True)) == ["", ""]
    # Refused at the start (no provider for the domain; not an address at all).
    for typed in ("iemand@nergens.example", "geen adres"):
        assert client.submit("/login/sso", {"sso_email": typed}).headers["Location"].endswith("/login")
        assert _typed_back(client.get("/login").get_data(as_text=True)) == [typed] * 2
    # A password refused because the organisation requires its provider: the address stays, the password not.
    response = client.submit("/login", {"email": "anna@gemeente.example", "password": factories.PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and _typed_back(page) == ["anna@gemeente.example"] * 2
    assert factories.PASSWORD not in page
