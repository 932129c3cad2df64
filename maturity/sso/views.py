"""Signing in with the organisation's own account (OpenID Connect), and its settings for a
consultancy (its consultants) and for a client organisation (its directors and consultants).

The way to the right provider is the e-mail address: the login page's second form takes it, and
its domain names the provider (each domain belongs to one provider). docs/security.md."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..accounts import second_factor
from ..accounts.sign_in_policy import SECOND_FACTOR_BY_PROVIDER, TYPED_ADDRESS
from ..accounts.views import begin_login, hold_login
from ..audit import services as audit
from ..extensions import limiter
from ..safe_redirect import safe_next
from ..tenancy.access import CONSULTANT, DIRECTOR, consultancy_blueprint, organisation_blueprint, roles_required
from . import services
from .forms import ProviderForm, RemoveProviderForm, SsoLoginForm, parse_domains
from .models import IdentityProvider

bp = Blueprint("sso", __name__)
consultancy_bp = consultancy_blueprint("sso_consultancy", __name__)
org_bp = organisation_blueprint("sso_org", __name__)

#: Each start reads the provider's discovery document: a ceiling per client address.
PER_ADDRESS = "20 per minute;200 per hour"


def _tenant_ids(provider: IdentityProvider | None) -> dict:
    if provider is None:
        return {}
    if provider.organisation_id is not None:
        return {"organisation_id": provider.organisation_id}
    return {"consultancy_id": provider.consultancy_id}


def _refusal_message(refused: services.Refused) -> str:
    name = refused.provider.name if refused.provider is not None else _("your organisation")
    messages = {
        "email_unverified": _("%(name)s did not confirm that your e-mail address is verified, so it cannot sign you in here.",
                              name=name),
        "domain": _("Your e-mail address is not in a domain for which %(name)s may sign people in here.", name=name),
        "no_email": _("%(name)s did not send your e-mail address, so we cannot tell who you are.", name=name),
        "no_account": _("There is no account for your e-mail address yet. Ask your director or consultant to invite you."),
        "deactivated": _("This account has been deactivated. Ask your director or consultant if that is a mistake."),
        "other_tenant": _("Your account is used for more than %(name)s, so it cannot sign in with %(name)s. Sign in with your password.",
                          name=name),
        "provider_unreachable": _("%(name)s cannot be reached right now. Please try again later.", name=name),
        "not_https": _("%(name)s cannot be reached right now. Please try again later.", name=name),
    }
    return messages.get(refused.reason, _("Signing in with %(name)s did not succeed. Please try again.", name=name))


def _back_to_login(typed: str | None):
    """To the login page, which shows the address typed again (once; never a password)."""
    if typed:
        session[TYPED_ADDRESS] = typed[:254]
    return redirect(url_for("accounts.login"))


def _refuse(refused: services.Refused):
    """Every refusal in the audit trail (the tenant's, when the provider is known): the reason,
    the account when there is one, the address's domain (never the address of a stranger)."""
    detail = {"reason": refused.reason}
    if refused.provider is not None:
        detail["provider"] = refused.provider.name
    if refused.email:
        detail["domain"] = services.domain_of(refused.email)
    audit.record("sso_refused", obj=refused.user, **_tenant_ids(refused.provider), **detail)
    flash(_refusal_message(refused), "error")
    return _back_to_login(refused.typed)


@bp.route("/login/sso", methods=["POST"])
@limiter.limit(PER_ADDRESS)
def start():
    form = SsoLoginForm()
    if not form.validate_on_submit():
        flash(_("Enter your e-mail address to sign in with your organisation's account."), "error")
        return _back_to_login(form.sso_email.data if isinstance(form.sso_email.data, str) else None)
    provider = services.provider_for_email(form.sso_email.data)
    if provider is None or not services.offered_here(provider):
        flash(_("Signing in with an organisation's account is not set up for %(domain)s. Sign in with your password.",
                domain=services.domain_of(form.sso_email.data)), "error")
        return _back_to_login(form.sso_email.data)
    try:
        url = services.begin(provider, login_hint=form.sso_email.data, next_url=form.next.data)
    except services.Refused as refused:
        refused.provider = refused.provider or provider
        refused.typed = form.sso_email.data
        return _refuse(refused)
    return redirect(url)


@bp.route("/sso/callback")
@limiter.limit(PER_ADDRESS)  # each refusal is an audit entry: no flooding the trail
def callback():
    """Where the provider sends the person back (the redirect URI registered with it)."""
    try:
        signed = services.finish(request.args)
    except services.Refused as refused:
        return _refuse(refused)
    user, provider = signed.user, signed.provider
    next_url = safe_next(signed.next_url, url_for("main.home"))
    if signed.mfa:
        # The provider vouched for a second factor (amr "mfa"): it counts as ours (docs/security.md).
        audit.record("login", actor=user, via="sso", provider=provider.name, second_factor="provider",
                     **({"created": True} if signed.created else {}), **_tenant_ids(provider))
        begin_login(user)
        session[SECOND_FACTOR_BY_PROVIDER] = True
        return redirect(next_url)
    if user.has_second_factor or second_factor.is_required(user):
        # One factor at the provider: our own second step follows, as after a password.
        audit.record("sso_verified", actor=user, provider=provider.name, **_tenant_ids(provider))
        return hold_login(user, signed.next_url, via="sso", provider=provider.name, **_tenant_ids(provider))
    audit.record("login", actor=user, via="sso", provider=provider.name,
                 **({"created": True} if signed.created else {}), **_tenant_ids(provider))
    begin_login(user)
    return redirect(next_url)


# Settings ---------------------------------------------------------------------------------

def _settings(provider: IdentityProvider | None, new: IdentityProvider, back: str):
    form = ProviderForm(obj=provider) if request.method == "GET" else ProviderForm()
    if request.method == "GET" and provider is not None:
        form.allowed_domains.data = provider.allowed_domains
        form.required_.data = provider.required
    if form.validate_on_submit():
        domains = parse_domains(form.allowed_domains.data)
        taken = services.domains_taken(domains, provider)
        if taken:
            form.allowed_domains.errors.append(
                _("These domains already sign in through another organisation's provider: %(domains)s.", domains=", ".join(taken)))
        if provider is None and not form.client_secret.data:
            form.client_secret.errors.append(_("Enter the client secret."))
        if not form.errors:
            probe = IdentityProvider(issuer=form.issuer.data)
            try:
                services.discover(probe)
            except services.Refused:
                form.issuer.errors.append(_("No OpenID provider answers at this issuer (its discovery document could not be read, "
                                            "or names another issuer)."))
        if not form.errors:
            target = provider or new
            services.save_provider(target, name=form.name.data, issuer=form.issuer.data, client_id=form.client_id.data,
                                   client_secret=form.client_secret.data, domains=domains,
                                   create_accounts=form.create_accounts.data, required=form.required_.data)
            audit.record("sso_settings_changed", obj=target, **_tenant_ids(target), provider=target.name,
                         domains=" ".join(domains), required=target.required, create_accounts=target.create_accounts)
            flash(_("The sign-in settings have been saved."), "success")
            return redirect(back)
    return render_template("sso/settings.html", form=form, provider=provider, remove_form=RemoveProviderForm(),
                           redirect_uris=services.redirect_uris(provider or new), for_organisation=new.organisation_id is not None), \
        400 if form.errors else 200


def _remove(provider: IdentityProvider | None, back: str):
    form = RemoveProviderForm()
    if provider is not None and form.validate_on_submit():
        audit.record("sso_settings_changed", obj=provider, **_tenant_ids(provider), provider=provider.name, removed=True)
        services.remove_provider(provider)
        flash(_("Signing in with the organisation's account has been removed; everyone signs in with a password again."),
              "success")
    return redirect(back)


@consultancy_bp.route("/settings/sign-in", methods=["GET", "POST"])
def consultancy_settings():
    provider = services.tenant_provider(consultancy_id=g.consultancy.id)
    return _settings(provider, IdentityProvider(consultancy_id=g.consultancy.id), url_for("sso_consultancy.consultancy_settings"))


@consultancy_bp.route("/settings/sign-in/remove", methods=["POST"])
def consultancy_remove():
    return _remove(services.tenant_provider(consultancy_id=g.consultancy.id), url_for("sso_consultancy.consultancy_settings"))


@org_bp.route("/settings/sign-in", methods=["GET", "POST"])
@roles_required(DIRECTOR, CONSULTANT)
def organisation_settings():
    provider = services.tenant_provider(organisation_id=g.org.id)
    return _settings(provider, IdentityProvider(organisation_id=g.org.id), url_for("sso_org.organisation_settings"))


@org_bp.route("/settings/sign-in/remove", methods=["POST"])
@roles_required(DIRECTOR, CONSULTANT)
def organisation_remove():
    return _remove(services.tenant_provider(organisation_id=g.org.id), url_for("sso_org.organisation_settings"))
