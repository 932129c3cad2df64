"""Signing in with a tenant's own OpenID provider (OpenID Connect, authorization code flow with
PKCE, state and nonce; Authlib's requests client for the protocol, joserfc for the ID token).

Trusted: what the provider's discovery document says (fetched from the configured issuer, which
it must repeat), and the claims of an ID token signed by a key of the provider's JWKS, issued by
that issuer to our client id, fresh, with our nonce. Matched: the ``email`` claim when the
provider says it is verified, in one of the provider's domains, and only to an account whose
every membership lies within the provider's tenant (docs/security.md explains why).
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass

import requests
import sqlalchemy as sa
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app, session, url_for
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .. import sealing
from ..accounts import sign_in_policy
from ..accounts.models import User
from ..accounts.services import find_user_by_email, normalise_email
from ..extensions import db
from ..organisations.services import NewMember, add_member
from ..tenancy import hosts
from ..tenancy.models import ConsultantMembership, Organisation, OrganisationMembership, OrgRole
from .models import IdentityProvider

log = logging.getLogger(__name__)

SECRET_PURPOSE = b"sso-client-secret"
FLOW_PURPOSE = b"sso-flow"
#: The session key of a sign-in under way (sealed: state, nonce, PKCE verifier).
FLOW = "sso_flow"
#: How long the person may take at the provider.
FLOW_SECONDS = 10 * 60
#: Seconds for each call to the provider.
TIMEOUT = 5
SCOPE = "openid email profile"
#: The ID token's signature algorithms we accept (never "none", never a shared secret).
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
#: Clock difference allowed for exp and iat.
LEEWAY = 60


class Refused(Exception):
    """A sign-in that does not go through; ``reason`` is what the audit trail records."""

    def __init__(self, reason: str, provider: IdentityProvider | None = None, user: User | None = None,
                 email: str | None = None):
        super().__init__(reason)
        self.reason, self.provider, self.user, self.email = reason, provider, user, email
        #: What the person typed on the login page, to show it there again (never audited).
        self.typed: str | None = None


@dataclass
class SignedIn:
    user: User
    provider: IdentityProvider
    #: The provider vouched for a second factor (``amr`` holds "mfa").
    mfa: bool
    created: bool
    next_url: str


# Configuration --------------------------------------------------------------------------

def domain_of(email: str) -> str:
    return normalise_email(email).rpartition("@")[2]


def domains_taken(domains: list[str], own: IdentityProvider | None) -> list[str]:
    """Those of ``domains`` another provider already lists: each domain points to one provider."""
    taken: list[str] = []
    for other in db.session.scalars(sa.select(IdentityProvider)):
        if own is None or other.id != own.id:
            taken += [d for d in domains if d in other.domains]
    return taken


def save_provider(provider: IdentityProvider, *, name: str, issuer: str, client_id: str, client_secret: str | None,
                  domains: list[str], create_accounts: bool, required: bool) -> None:
    """Changes the provider (a new one is added); an empty ``client_secret`` keeps the one stored."""
    provider.name, provider.issuer, provider.client_id = name, issuer, client_id
    if client_secret:
        provider.client_secret_sealed = sealing.seal(client_secret.encode(), SECRET_PURPOSE)
    provider.allowed_domains = "\n".join(domains)
    provider.create_accounts = create_accounts and provider.organisation_id is not None
    provider.required = required
    db.session.add(provider)
    db.session.flush()


def client_secret(provider: IdentityProvider) -> str:
    return sealing.unseal(provider.client_secret_sealed, SECRET_PURPOSE).decode()


def provider_for_email(email: str) -> IdentityProvider | None:
    domain = domain_of(email)
    for provider in db.session.scalars(sa.select(IdentityProvider).where(
            IdentityProvider.allowed_domains.contains(domain))):
        if domain in provider.domains:
            return provider
    return None


def tenant_provider(*, consultancy_id: int | None = None, organisation_id: int | None = None) -> IdentityProvider | None:
    if consultancy_id is not None:
        return db.session.scalar(sa.select(IdentityProvider).where(IdentityProvider.consultancy_id == consultancy_id))
    return db.session.scalar(sa.select(IdentityProvider).where(IdentityProvider.organisation_id == organisation_id))


# Who may sign in through which provider ---------------------------------------------------

def within_tenant(user: User, provider: IdentityProvider) -> bool:
    """Whether this provider may vouch for this account: a consultancy's provider for its own
    consultants (who may also be members of its clients), an organisation's for its own members,
    and neither for anyone who also belongs elsewhere or runs the platform. Whoever controls a
    tenant's provider can then reach no more than that tenant's administrators already can."""
    if user.is_platform_admin:
        return False
    consultancies = set(db.session.scalars(
        sa.select(ConsultantMembership.consultancy_id).where(ConsultantMembership.user_id == user.id)))
    organisations = db.session.execute(
        sa.select(Organisation.id, Organisation.consultancy_id)
        .join(OrganisationMembership, OrganisationMembership.organisation_id == Organisation.id)
        .where(OrganisationMembership.user_id == user.id)).all()
    if provider.consultancy_id is not None:
        return (consultancies == {provider.consultancy_id}
                and all(consultancy_id == provider.consultancy_id for _org, consultancy_id in organisations))
    return not consultancies and bool(organisations) and all(org == provider.organisation_id for org, _c in organisations)


def required_provider(user: User) -> IdentityProvider | None:
    """The provider this person must sign in with (no password): their tenant requires it, their
    address is in its domains, and it may vouch for them."""
    provider = provider_for_email(user.email)
    if provider is not None and provider.required and within_tenant(user, provider):
        return provider
    return None


@sign_in_policy.password_sign_in.connect
def _bar_password(user: User) -> IdentityProvider | None:
    return required_provider(user)


# The protocol -----------------------------------------------------------------------------

def _get_json(url: str) -> dict:
    if not (url.startswith("https://") or current_app.config.get("SSO_ALLOW_HTTP")):
        raise Refused("not_https")
    try:
        response = requests.get(url, timeout=TIMEOUT, allow_redirects=False)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("sso: %s unreachable: %s", url, error.__class__.__name__)
        raise Refused("provider_unreachable") from error
    if not isinstance(document, dict):
        raise Refused("provider_unreachable")
    return document


def discover(provider: IdentityProvider) -> dict:
    """The provider's discovery document; it must name the configured issuer as its own."""
    document = _get_json(provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
    if document.get("issuer") != provider.issuer:
        raise Refused("issuer_mismatch", provider)
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(key), str):
            raise Refused("discovery_incomplete", provider)
    return document


def redirect_uri() -> str:
    """The callback on the host this sign-in starts on (the platform's, or a consultancy's own):
    the flow waits in that host's session cookie, so the provider must send the person back there."""
    return hosts.request_base_url() + url_for("sso.callback")


def consultancy_of(provider: IdentityProvider) -> int | None:
    """The consultancy whose tenant the provider signs in: its own, or its client's."""
    return provider.consultancy_id or hosts.consultancy_of(provider.organisation_id)


def offered_here(provider: IdentityProvider) -> bool:
    """On a consultancy's own host only its own providers and its clients' are offered: nobody
    else's tenant is found there, and their callback would not be registered for this host."""
    return hosts.allows(consultancy_of(provider))


def redirect_uris(provider: IdentityProvider) -> list[str]:
    """Every callback to register with this provider: its tenant's consultancy's own host, if it
    has one, and the platform's address (people may start on either)."""
    consultancy_id = consultancy_of(provider)
    path = url_for("sso.callback")
    uris = [hosts.base_url_for(consultancy_id) + path] if consultancy_id else []
    return list(dict.fromkeys([*uris, hosts.platform_base_url() + path]))


def _client(provider: IdentityProvider, redirect_to: str) -> OAuth2Session:
    return OAuth2Session(provider.client_id, client_secret(provider), scope=SCOPE, redirect_uri=redirect_to,
                         code_challenge_method="S256")


def begin(provider: IdentityProvider, *, login_hint: str | None, next_url: str | None) -> str:
    """The provider's authorization URL; state, nonce and the PKCE verifier wait, sealed, in the session."""
    document = discover(provider)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), generate_token(64)
    extra = {"login_hint": login_hint} if login_hint else {}
    callback = redirect_uri()
    with _client(provider, callback) as client:
        url, _state = client.create_authorization_url(document["authorization_endpoint"], state=state, nonce=nonce,
                                                      code_verifier=verifier, **extra)
    # The token request repeats the redirect URI of the authorization request (RFC 6749 4.1.3).
    flow = {"p": provider.id, "s": state, "n": nonce, "v": verifier, "t": int(time.time()), "next": next_url or "",
            "r": callback, "h": login_hint or ""}
    session[FLOW] = sealing.seal(json.dumps(flow).encode(), FLOW_PURPOSE)
    return url


def _pop_flow() -> dict:
    sealed = session.pop(FLOW, None)  # a flow is finished once, whatever comes of it
    if not isinstance(sealed, bytes):
        return {}
    try:
        flow = json.loads(sealing.unseal(sealed, FLOW_PURPOSE))
    except (ValueError, Exception):  # noqa: BLE001 - InvalidToken or JSON: no flow either way
        return {}
    if not isinstance(flow, dict) or time.time() - flow.get("t", 0) > FLOW_SECONDS:
        return {}
    return flow


def id_token_claims(provider: IdentityProvider, document: dict, id_token: str, nonce: str) -> dict:
    """The claims of a valid ID token (OpenID Connect Core 3.1.3.7), or Refused."""
    keys = KeySet.import_key_set(_get_json(document["jwks_uri"]))
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY, iss={"essential": True, "value": provider.issuer}, sub={"essential": True},
            exp={"essential": True}, iat={"essential": True}, nonce={"essential": True, "value": nonce})
        registry.validate(token.claims)
    except (JoseError, ValueError) as error:
        reason = "nonce" if "nonce" in str(error) else "id_token"
        log.warning("sso: ID token refused provider=%s: %s", provider.id, error)
        raise Refused(reason, provider) from error
    claims = token.claims
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if provider.client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != provider.client_id):
        raise Refused("id_token", provider)
    return claims


def _userinfo(provider: IdentityProvider, document: dict, token: dict, sub: str) -> dict:
    """The address and name from the UserInfo endpoint, for a provider that keeps them out of the
    ID token (OpenID Connect Core 5.4); only when it speaks of the same subject (5.3.2)."""
    endpoint = document.get("userinfo_endpoint")
    if not isinstance(endpoint, str) or not isinstance(token.get("access_token"), str):
        return {}
    if not (endpoint.startswith("https://") or current_app.config.get("SSO_ALLOW_HTTP")):
        raise Refused("not_https", provider)
    try:
        response = requests.get(endpoint, headers={"Authorization": f"Bearer {token['access_token']}"},
                                timeout=TIMEOUT, allow_redirects=False)
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError) as error:
        raise Refused("provider_unreachable", provider) from error
    if not isinstance(info, dict) or info.get("sub") != sub:
        raise Refused("id_token", provider)
    return {key: info[key] for key in ("email", "email_verified", "xms_edov", "name") if key in info}


def email_verified(claims: dict) -> bool:
    """The provider says the address is the person's: ``email_verified`` (OpenID Connect), or
    Entra ID's optional claim ``xms_edov`` (the domain's owner vouches for it)."""
    return claims.get("email_verified") is True or claims.get("xms_edov") in (True, "1", "true")


def finish(args) -> SignedIn:
    """The provider sent the person back (``args``: the callback's query): check everything and
    find (or make) their account. Raises Refused (with the address typed when the flow began)."""
    flow = _pop_flow()
    try:
        return _finish(flow, args)
    except Refused as refused:
        refused.typed = flow.get("h") or None
        raise


def _finish(flow: dict, args) -> SignedIn:
    if not flow:
        raise Refused("no_flow")
    provider = db.session.get(IdentityProvider, flow.get("p"))
    if provider is None:
        raise Refused("no_flow")
    if not hmac.compare_digest(str(args.get("state", "")), flow["s"]):
        raise Refused("state", provider)
    if args.get("error"):
        raise Refused("provider_error", provider)
    if args.get("iss") is not None and args.get("iss") != provider.issuer:  # RFC 9207: no mix-up
        raise Refused("issuer_mismatch", provider)
    code = args.get("code")
    if not code:
        raise Refused("provider_error", provider)
    document = discover(provider)
    try:
        with _client(provider, flow.get("r") or redirect_uri()) as client:
            token = client.fetch_token(document["token_endpoint"], grant_type="authorization_code", code=code,
                                       code_verifier=flow["v"], timeout=TIMEOUT)
    except (OAuthError, requests.RequestException, ValueError) as error:
        log.warning("sso: token request refused provider=%s: %s", provider.id, error)
        raise Refused("token", provider) from error
    if not isinstance(token.get("id_token"), str):
        raise Refused("id_token", provider)
    claims = id_token_claims(provider, document, token["id_token"], flow["n"])
    if "email" not in claims:
        claims = {**claims, **_userinfo(provider, document, token, claims["sub"])}
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise Refused("no_email", provider)
    email = normalise_email(email)
    if not email_verified(claims):
        raise Refused("email_unverified", provider, email=email)
    if domain_of(email) not in provider.domains:
        raise Refused("domain", provider, email=email)
    amr = claims.get("amr")
    mfa = isinstance(amr, list) and "mfa" in amr
    user = find_user_by_email(email)
    created = False
    if user is None:
        if not provider.create_accounts or provider.organisation_id is None:
            raise Refused("no_account", provider, email=email)
        organisation = db.session.get(Organisation, provider.organisation_id)
        name = claims.get("name") if isinstance(claims.get("name"), str) and claims["name"].strip() else email.split("@")[0]
        membership = add_member(organisation, NewMember(name=name[:120], email=email, role=OrgRole.EMPLOYEE),
                                inviter=None, notify=False)
        user, created = membership.user, True
    elif not user.is_active:
        raise Refused("deactivated", provider, user=user)
    elif not within_tenant(user, provider):
        raise Refused("other_tenant", provider, user=user)
    return SignedIn(user=user, provider=provider, mfa=mfa, created=created, next_url=flow.get("next") or "")


@sign_in_policy.provider_for_address.connect
def _provider_name(email: str) -> str | None:
    provider = provider_for_email(email) if "@" in (email or "") else None
    return provider.name if provider is not None else None


def remove_provider(provider: IdentityProvider) -> None:
    db.session.delete(provider)
    db.session.flush()
