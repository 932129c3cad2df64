from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import ValidationError, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo

from ..forms_common import email_address, max_length, required, strip
from .passwords import MAX_LENGTH, MIN_LENGTH, password_problem



class StrongPassword:
    """Applies the password policy; the form may define ``policy_email``/``policy_name``."""

    def __call__(self, form, field):
        problem = password_problem(
            field.data or "",
            email=getattr(form, "policy_email", "") or "",
            name=getattr(form, "policy_name", "") or "",
        )
        messages = {
            "too_short": _l("Use at least %(n)d characters.", n=MIN_LENGTH),
            "too_long": _l("Use at most %(n)d characters.", n=MAX_LENGTH),
            "common": _l("This password is too common. Choose one that is hard to guess, e.g. a short sentence."),
            "personal": _l("Do not use your name or email address in your password."),
        }
        if problem:
            raise ValidationError(messages[problem])


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[required(), email_address()], filters=[strip])
    password = PasswordField(_l("Password"), validators=[required(), max_length(128)])
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[required(), email_address()], filters=[strip])
    submit = SubmitField(_l("Send reset link"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[required(), StrongPassword()],
        description=_l("At least 10 characters. A short sentence is easy to remember and hard to guess."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[required(), EqualTo("password", message=_l("The two passwords are not the same."))],
    )
    submit = SubmitField(_l("Save password"))


class AcceptInvitationForm(SetPasswordForm):
    name = StringField(_l("Your name"), validators=[required(), max_length(120)], filters=[strip])
    submit = SubmitField(_l("Activate my account"))


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[required(), max_length(128)])


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(120)], filters=[strip])
    submit = SubmitField(_l("Save"))


class LanguageForm(FlaskForm):
    locale = HiddenField(validators=[required()])
    next = HiddenField()


class CodeForm(FlaskForm):
    """The code from the authenticator app (or, at sign-in, a recovery code)."""

    code = StringField(_l("Code"), validators=[required(), max_length(32)], filters=[strip],
                       description=_l("The 6-digit code your authenticator app shows now."))
    submit = SubmitField(_l("Confirm"))


class DisableSecondFactorForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[required(), max_length(128)])
    code = StringField(_l("Code from your app"), validators=[required(), max_length(32)], filters=[strip])
    submit = SubmitField(_l("Turn off two-step sign-in"))
