from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from ..audit import services as audit
from ..extensions import db, limiter
from ..safe_redirect import safe_next
from . import services, tokens
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    ProfileForm,
    SetPasswordForm,
)
from .models import User
from .passwords import verify_password

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _submitted_email() -> str:
    return "email:" + (request.form.get("email") or "").strip().lower()


def _email_and_address() -> str:
    return _submitted_email() + "@" + get_remote_address()


#: Guessing one account's password. Tight per account *and* client address: the attacker's
#: address is stopped, the real person's elsewhere is not. Loose per account over all addresses:
#: an attacker with many addresses is slowed to a few thousand guesses a day (against Argon2 and
#: the password policy), and needs 200 wrong passwords an hour to keep the owner out.
PER_ACCOUNT_AND_ADDRESS = "10 per minute;30 per hour"
PER_ACCOUNT = "200 per hour"


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


def _load_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(PER_ACCOUNT_AND_ADDRESS, key_func=_email_and_address, methods=["POST"])
@limiter.limit(PER_ACCOUNT, key_func=_submitted_email, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None or not user.is_active:
            # The account that was tried, if there is one; never the password, nor the address typed.
            audit.record("login_failed", obj=user or services.find_user_by_email(form.email.data))
            db.session.commit()
            flash(_("That email address and password do not match an active account."), "error")
        else:
            audit.record("login", actor=user)
            _begin_login(user)
            return redirect(safe_next(form.next.data, url_for("main.home")))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        audit.record("logout")
        db.session.commit()
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
        from ..tasks import enqueue
        from ..tasks.jobs import password_help

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
    form = SetPasswordForm()
    form.policy_email, form.policy_name = user.email, user.name
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        db.session.commit()
        _begin_login(user)
        flash(_("Your new password has been saved."), "success")
        return redirect(url_for("main.home"))
    return render_template("accounts/reset_password.html", form=form, user=user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(PER_LINK, key_func=_link_token, methods=["POST"])
@limiter.limit(PER_ADDRESS, methods=["POST"])
def accept_invitation(token: str):
    user = tokens.read_token(token, tokens.INVITATION, _load_user)
    if user is None or user.has_password:
        return render_template("accounts/link_invalid.html"), 400
    form = AcceptInvitationForm()
    if request.method == "GET":
        form.name.data = user.name
    form.policy_email, form.policy_name = user.email, form.name.data or user.name
    if form.validate_on_submit():
        user.name = form.name.data
        if user.locale is None and session.get("locale"):
            user.locale = session["locale"]
        services.set_password(user, form.password.data)
        db.session.commit()
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


@bp.route("/account/my-data.json")
@login_required
def my_data():
    """Everything the platform holds about the signed-in person (AVG art. 15), as JSON."""
    import json

    from flask import Response as HttpResponse

    from .subject_data import subject_data

    audit.record("data_exported", obj=current_user)
    db.session.commit()
    return HttpResponse(json.dumps(subject_data(current_user), indent=2, ensure_ascii=False), mimetype="application/json",
                        headers={"Content-Disposition": 'attachment; filename="klantspiegel-mijn-gegevens.json"',
                                 "Cache-Control": "no-store"})


@bp.route("/account/profile", methods=["POST"])
@login_required
def update_profile():
    profile = ProfileForm()
    if profile.validate_on_submit():
        current_user.name = profile.name.data
        db.session.commit()
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
            db.session.commit()
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
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")

