from __future__ import annotations

import base64
import json
import time
from urllib.parse import urlsplit

from cryptography.fernet import InvalidToken
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from .. import sealing
from ..audit import services as audit
from ..extensions import db, limiter
from ..safe_redirect import safe_next
from ..tasks import enqueue
from . import devices, second_factor, services, sign_in_policy, tokens
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    CodeForm,
    DisableSecondFactorForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    ProfileForm,
    SetPasswordForm,
)
from .jobs import password_help
from .models import User
from .passwords import verify_password

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _submitted_email() -> str:
    return "email:" + (request.form.get("email") or "").strip().lower()


def _email_and_address() -> str:
    return _submitted_email() + "@" + get_remote_address()


def _known_device() -> bool:
    """The browser has signed in to the submitted account before (``devices``)."""
    return devices.device_id(request.form.get("email") or "") is not None


def _device_key() -> str:
    return "device:" + (devices.device_id(request.form.get("email") or "") or "")


#: Guessing one account's password (docs/security.md, "Brute force"). From a browser on which the
#: account has not signed in before: tight per account *and* client address (the guesser's
#: address is stopped, the owner elsewhere is not), and per account over all such browsers and
#: addresses, so that a guesser with many addresses gets no more than 100 guesses a day. That
#: last limit never refuses the owner on a browser they signed in on before: such a browser is
#: limited on its own (PER_KNOWN_DEVICE) and counts toward nothing a stranger can fill.
PER_ACCOUNT_AND_ADDRESS = "10 per minute;30 per hour"
PER_ACCOUNT_FROM_UNKNOWN_DEVICES = "30 per hour;100 per day"
PER_KNOWN_DEVICE = "10 per minute;30 per hour"


def _link_token() -> str:
    # Per invitation or reset link: colleagues behind one office address each have their own.
    return "link:" + (request.view_args or {}).get("token", "")[:200]


#: Per link: guesses on one link's form (the link itself is the secret).
PER_LINK = "10 per minute;30 per hour"
#: Per address, for what is limited per link or account first: generous, for a shared office
#: address behind NAT or a proxy, but a ceiling for one machine trying many links.
PER_ADDRESS = "120 per hour"


def _begin_login(user: User) -> None:
    locale = session.get("locale")
    session.clear()  # a fresh session at login: nothing from before survives
    if locale:
        session["locale"] = locale
    services.start_session(user)
    login_user(user)
    devices.remember(user.email)  # this browser is known to the account from now on


#: For signing in by other means than a password (``maturity.sso``): the same start of a login,
#: and the same hold for the second step.
def begin_login(user: User) -> None:
    _begin_login(user)


def hold_login(user: User, next_url: str | None, **how):
    """``how``: what the audit entry of the completed sign-in says of its first step (e.g.
    ``via="sso", provider=..., organisation_id=...``), kept sealed until the second step is done."""
    return _hold_login(user, next_url, how)


def _load_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], exempt_when=_known_device)
@limiter.limit(PER_ACCOUNT_AND_ADDRESS, key_func=_email_and_address, methods=["POST"], exempt_when=_known_device)
@limiter.limit(PER_ACCOUNT_FROM_UNKNOWN_DEVICES, key_func=_submitted_email, methods=["POST"],
               exempt_when=_known_device)
@limiter.limit(PER_KNOWN_DEVICE, key_func=_device_key, methods=["POST"], exempt_when=lambda: not _known_device())
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        typed = session.pop(sign_in_policy.TYPED_ADDRESS, None)  # after a refused sign-in, once
        if isinstance(typed, str):
            form.email.data = typed
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None or not user.is_active:
            # The account that was tried, if there is one; never the password, nor the address typed.
            audit.record("login_failed", obj=user or services.find_user_by_email(form.email.data))
            flash(_("That email address and password do not match an active account."), "error")
        elif (provider := sign_in_policy.password_barred(user)) is not None:
            return _password_barred(user, provider, form)
        elif user.has_second_factor or second_factor.is_required(user):
            return _hold_login(user, form.next.data)
        else:
            audit.record("login", actor=user)
            _begin_login(user)
            return redirect(safe_next(form.next.data, url_for("main.home")))
    return render_template("accounts/login.html", form=form, provider=_provider_hint(form))


def _provider_hint(form: LoginForm) -> str | None:
    """The identity provider for the address typed (by its domain), offered as a button."""
    return sign_in_policy.provider_name_for(form.email.data or "") if request.method == "POST" else None


def _password_barred(user: User, provider, form: LoginForm | None = None, via: str = "login"):
    """This person's organisation signs them in with its own provider: no password here. In the
    trail of the tenant whose provider it is."""
    audit.record("sso_password_refused", actor=user, obj=user, via=via, organisation_id=provider.organisation_id,
                 consultancy_id=provider.consultancy_id)
    flash(_("Your organisation signs you in with its own account: use the button “Sign in with %(name)s” below, "
            "not a password.", name=provider.name), "error")
    if form is None:
        return redirect(url_for("accounts.login"))
    return render_template("accounts/login.html", form=form, provider=provider.name), 403


# Two-step sign-in ------------------------------------------------------------------------

PENDING = "pending_login"
#: How long the second step may take after the password (setting up an app takes a while).
PENDING_SECONDS = 10 * 60
#: Guessing codes for one account: 5 a minute, 20 an hour (a 6-digit code has a million values).
PER_PENDING_ACCOUNT = "5 per minute;20 per hour"
PENDING_PURPOSE = b"pending-login"


def _hold_login(user: User, next_url: str | None, how: dict | None = None):
    """The first step was right (a password, a reset link, an identity provider): remember who is
    signing in (not signed in yet) and how, for the second step, in a fresh session."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    pending = {"u": user.id, "n": next_url or "", "t": int(time.time()), "how": how or {}}
    session[PENDING] = sealing.seal(json.dumps(pending).encode(), PENDING_PURPOSE)
    if user.has_second_factor:
        return redirect(url_for("accounts.login_code"))
    return redirect(url_for("accounts.login_setup"))


def _pending() -> dict:
    """The pending sign-in: who, where to afterwards, since when. Sealed in the session cookie
    (AES-GCM under the server's key), so that whoever reads the cookie learns none of it."""
    sealed = session.get(PENDING)
    if not isinstance(sealed, bytes):
        return {}
    try:
        pending = json.loads(sealing.unseal(sealed, PENDING_PURPOSE))
    except (InvalidToken, ValueError):
        return {}
    return pending if isinstance(pending, dict) else {}


def _how() -> dict:
    """The audit detail of the pending sign-in's first step (empty after a password)."""
    how = _pending().get("how")
    return how if isinstance(how, dict) else {}


def _pending_user() -> User | None:
    pending = _pending()
    if not pending or time.time() - pending.get("t", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("u")) if isinstance(pending.get("u"), int) else None
    return user if user is not None and user.is_active else None


def _pending_key() -> str:
    return "second-factor:" + str(_pending().get("u", ""))


def _signed_in_key() -> str:
    """The same count of code guesses for the signed-in person's own pages as at sign-in."""
    return f"second-factor:{current_user.id}"


def _sign_in_again():
    session.pop(PENDING, None)
    flash(_("Please sign in again."), "info")
    return redirect(url_for("accounts.login"))


def _sealed_setup_secret(key: str) -> str:
    """A new secret for setting up the app, kept (sealed) in the session until confirmed."""
    held = session.get(key)
    if held:
        try:
            return sealing.unseal(base64.b64decode(held), b"totp-setup").decode()
        except (InvalidToken, ValueError):
            pass
    secret = second_factor.new_secret()
    session[key] = base64.b64encode(sealing.seal(secret.encode(), b"totp-setup")).decode()
    return secret


def _setup_context(user: User, secret: str) -> dict:
    uri = second_factor.provisioning_uri(user, secret)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return {"qr": second_factor.qr_svg(uri), "secret": grouped}


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(PER_PENDING_ACCOUNT, key_func=_pending_key, methods=["POST"])
def login_code():
    user = _pending_user()
    if user is None or not user.has_second_factor:
        return _sign_in_again()
    form = CodeForm()
    if form.validate_on_submit():
        method = ("app" if second_factor.verify_code(user, form.code.data)
                  else "recovery_code" if second_factor.use_recovery_code(user, form.code.data) else None)
        if method is not None:
            next_url = _pending().get("n")
            audit.record("login", actor=user, second_factor=method, **_how())
            _begin_login(user)
            if method == "recovery_code":
                flash(_("You signed in with a recovery code; %(n)s left. Set up your app again on your account page if you lost it.",
                        n=second_factor.remaining_recovery_codes(user)), "info")
            return redirect(safe_next(next_url, url_for("main.home")))
        audit.record("login_failed", obj=user, second_factor=True)
        form.code.errors.append(_("That code is not right. Enter the current code from your app, or one of your recovery codes."))
    return render_template("accounts/login_code.html", form=form), 400 if form.errors else 200


@bp.route("/login/setup", methods=["GET", "POST"])
@limiter.limit(PER_PENDING_ACCOUNT, key_func=_pending_key, methods=["POST"])
def login_setup():
    """Signing in for the first time since two-step sign-in is required of this person."""
    user = _pending_user()
    if user is None or user.has_second_factor:
        return _sign_in_again()
    secret = _sealed_setup_secret("pending_totp")
    form = CodeForm()
    if form.validate_on_submit():
        codes = second_factor.enable(user, secret, form.code.data)
        if codes is not None:
            next_url = _pending().get("n")
            how = _how()
            audit.record("second_factor_enabled", actor=user)
            audit.record("login", actor=user, second_factor="app", **how)
            _begin_login(user)
            return render_template("accounts/recovery_codes.html", codes=codes,
                                   next_url=safe_next(next_url, url_for("main.home")))
        form.code.errors.append(_("That code is not right. Check that the time on your phone is correct and enter the current code."))
    return render_template("accounts/second_factor_setup.html", form=form, during_login=True,
                           **_setup_context(user, secret)), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        audit.record("logout")
    services.end_session(getattr(current_user, "current_session_token", None))
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have been logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
# Nobody's mailbox is flooded with reset links from here.
@limiter.limit("5 per hour", key_func=_submitted_email, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The worker looks the address up and mails it if it has an account: this request does
        # the same work, and takes the same time, whether or not the account exists.
        enqueue(password_help, form.email.data, current_app.config["BASE_URL"] or request.host_url)
        # The same answer whether or not the account exists.
        flash(_("If an account exists for that address, we have sent it a link to choose a new password."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(PER_LINK, key_func=_link_token, methods=["POST"])
@limiter.limit(PER_ADDRESS, methods=["POST"])
def reset_password(token: str):
    user = tokens.read_token(token, tokens.PASSWORD_RESET, _load_user)
    if user is None:
        return render_template("accounts/link_invalid.html"), 400
    if (provider := sign_in_policy.password_barred(user)) is not None:
        return _password_barred(user, provider, via="password_reset")
    form = SetPasswordForm()
    form.policy_email, form.policy_name = user.email, user.name
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        flash(_("Your new password has been saved."), "success")
        if user.has_second_factor:
            # A reset link proves the mailbox, not the phone: the second step still applies.
            return _hold_login(user, None, {"via": "password_reset"})
        audit.record("login", actor=user, via="password_reset")
        _begin_login(user)
        return redirect(url_for("main.home"))
    return render_template("accounts/reset_password.html", form=form, user=user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(PER_LINK, key_func=_link_token, methods=["POST"])
@limiter.limit(PER_ADDRESS, methods=["POST"])
def accept_invitation(token: str):
    user = tokens.read_token(token, tokens.INVITATION, _load_user)
    if user is None or user.has_password:
        return render_template("accounts/link_invalid.html"), 400
    if (provider := sign_in_policy.password_barred(user)) is not None:
        return _password_barred(user, provider, via="invitation")
    form = AcceptInvitationForm()
    if request.method == "GET":
        form.name.data = user.name
    form.policy_email, form.policy_name = user.email, form.name.data or user.name
    if form.validate_on_submit():
        user.name = form.name.data
        if user.locale is None and session.get("locale"):
            user.locale = session["locale"]
        services.set_password(user, form.password.data)
        _begin_login(user)
        flash(_("Welcome to Klantspiegel, %(name)s. Your account is active.", name=user.name), "success")
        return redirect(url_for("main.home"))
    return render_template("accounts/accept_invitation.html", form=form, user=user)


@bp.route("/account", methods=["GET"])
@login_required
def account():
    profile = ProfileForm(obj=current_user)
    password = ChangePasswordForm()
    return render_template("accounts/account.html", profile=profile, password_form=password)


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
@limiter.limit(PER_PENDING_ACCOUNT, key_func=_signed_in_key, methods=["POST"])
def two_step():
    """Turning two-step sign-in on (GET shows the QR code, POST confirms with a code)."""
    user = current_user._get_current_object()
    if user.has_second_factor:
        return render_template("accounts/second_factor.html", disable_form=DisableSecondFactorForm(),
                               codes_form=CodeForm(), required=second_factor.is_required(user),
                               remaining=second_factor.remaining_recovery_codes(user),
                               since=format_date(user.totp_enabled_at, "long"))
    secret = _sealed_setup_secret("setup_totp")
    form = CodeForm()
    if form.validate_on_submit():
        codes = second_factor.enable(user, secret, form.code.data)
        if codes is not None:
            session.pop("setup_totp", None)
            audit.record("second_factor_enabled")
            return render_template("accounts/recovery_codes.html", codes=codes, next_url=url_for("accounts.account"))
        form.code.errors.append(_("That code is not right. Check that the time on your phone is correct and enter the current code."))
    return render_template("accounts/second_factor_setup.html", form=form, during_login=False,
                           required=second_factor.is_required(user), **_setup_context(user, secret)), 400 if form.errors else 200


@bp.route("/account/two-step/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(PER_PENDING_ACCOUNT, key_func=_signed_in_key)
def new_recovery_codes():
    user = current_user._get_current_object()
    form = CodeForm()
    if user.has_second_factor and form.validate_on_submit() and second_factor.verify_code(user, form.code.data):
        codes = second_factor.new_recovery_codes(user)
        audit.record("recovery_codes_renewed")
        return render_template("accounts/recovery_codes.html", codes=codes, next_url=url_for("accounts.two_step"))
    db.session.rollback()
    flash(_("That code is not right; your recovery codes have not been changed."), "error")
    return redirect(url_for("accounts.two_step"))


@bp.route("/account/two-step/off", methods=["POST"])
@login_required
@limiter.limit(PER_PENDING_ACCOUNT, key_func=_signed_in_key)
def two_step_off():
    user = current_user._get_current_object()
    form = DisableSecondFactorForm()
    if second_factor.is_required(user):
        flash(_("Two-step sign-in is required for your role and cannot be turned off."), "error")
        return redirect(url_for("accounts.two_step"))
    if (form.validate_on_submit() and verify_password(user.password_hash, form.password.data)
            and second_factor.verify_code(user, form.code.data)):
        second_factor.disable(user)
        audit.record("second_factor_disabled")
        flash(_("Two-step sign-in is off."), "success")
        return redirect(url_for("accounts.account"))
    db.session.rollback()
    flash(_("The password or the code is not right; two-step sign-in is still on."), "error")
    return redirect(url_for("accounts.two_step"))


#: What a signed-in person who must set up two-step sign-in can still reach: the setup itself,
#: and the pages for signing in or out, which show nothing of anyone's data.
_SETUP_ENDPOINTS = {"accounts.two_step", "accounts.logout", "accounts.set_language", "static", "main.health",
                    "main.accessibility", "accounts.login", "accounts.login_code", "accounts.login_setup",
                    "accounts.forgot_password", "accounts.reset_password", "accounts.accept_invitation"}


#: The questionnaires: answered without an account.
_ANONYMOUS_BLUEPRINTS = {"respond", "respond_link", "mirror", "mirror_personal"}


def require_second_factor():
    """Before every request: a signed-in person whose role requires two-step sign-in and who
    has not set it up (an invitation just accepted, a consultancy that just started requiring
    it for directors) goes to the setup first."""
    if request.endpoint in _SETUP_ENDPOINTS or request.blueprint in _ANONYMOUS_BLUEPRINTS:
        return None  # checked first: the respondent's requests load no user at all
    if (current_user.is_authenticated and not current_user.has_second_factor
            and not session.get(sign_in_policy.SECOND_FACTOR_BY_PROVIDER)
            and second_factor.is_required(current_user)):
        flash(_("Set up two-step sign-in to continue: your role requires it."), "info")
        return redirect(url_for("accounts.two_step"))
    return None


@bp.route("/account/profile", methods=["POST"])
@login_required
def update_profile():
    profile = ProfileForm()
    if profile.validate_on_submit():
        current_user.name = profile.name.data
        flash(_("Your details have been saved."), "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", profile=profile, password_form=ChangePasswordForm()), 400


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    form.policy_email, form.policy_name = current_user.email, current_user.name
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            user = current_user._get_current_object()
            services.set_password(user, form.password.data)  # ends every login, this one too
            _begin_login(user)
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", profile=ProfileForm(obj=current_user), password_form=form), 400


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    fallback = url_for("main.home")
    if form.validate_on_submit() and form.locale.data in current_app.config["LANGUAGES"]:
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            services.set_locale(current_user._get_current_object(), form.locale.data)
    return redirect(safe_next(form.next.data or request.referrer and _path_of(request.referrer), fallback))


def _path_of(url: str) -> str | None:

    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")

