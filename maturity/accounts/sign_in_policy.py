"""Who may sign in how, as far as the accounts know it. Single sign-on (``maturity.sso``) sits
above the accounts in the house: it answers ``password_sign_in`` for the people whose
organisation or consultancy requires them to sign in with its own identity provider."""

from __future__ import annotations

from blinker import Namespace

from .models import User

#: Sent with the user whose password is being used (sign-in, reset, accepting an invitation);
#: a receiver returns the provider this person must use instead (it has a ``name`` and the
#: ``organisation_id`` or ``consultancy_id`` of its tenant), or None.
password_sign_in = Namespace().signal("password-sign-in")

#: In the session of a sign-in whose identity provider vouched for a second factor (``amr``):
#: our own two-step sign-in is not asked for again in that session (docs/security.md).
SECOND_FACTOR_BY_PROVIDER = "second_factor_by_provider"

#: In the session, for one showing of the login page: the address typed in a sign-in that was
#: refused elsewhere (by the identity provider's way in), so that the person need not type it again.
TYPED_ADDRESS = "login_typed_address"


def password_barred(user: User):
    """The identity provider this person must sign in with, if a password is not theirs to use."""
    for _receiver, provider in password_sign_in.send(user):
        if provider is not None:
            return provider
    return None


#: Sent with an e-mail address typed on the login page; a receiver returns the name of the identity
#: provider for its domain, if any (the page then offers "Sign in with <name>"; by domain only,
#: so it says nothing about whether the account exists).
provider_for_address = Namespace().signal("provider-for-address")


def provider_name_for(email: str) -> str | None:
    for _receiver, provider_name in provider_for_address.send(email):
        if provider_name:
            return provider_name
    return None
