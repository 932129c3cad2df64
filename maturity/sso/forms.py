from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional, ValidationError

from ..forms_common import email_address, max_length, required, strip

_DOMAIN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789.-")


def parse_domains(text: str) -> list[str]:
    """One domain per line (or separated by commas or spaces), lower-cased, "@" dropped."""
    return list(dict.fromkeys(d.strip().lstrip("@").lower() for d in text.replace(",", " ").split() if d.strip()))


class SsoLoginForm(FlaskForm):
    """The login page's second form: the address tells which organisation's provider to use."""

    #: Not "email": the password form beside it on the login page has that name.
    sso_email = EmailField(_l("Email address"), validators=[required(), email_address()], filters=[strip])
    next = HiddenField()


def _issuer(form, field):
    if not (field.data or "").startswith(("https://", "http://")) or " " in field.data:
        raise ValidationError(_l("Enter the issuer as a web address, e.g. https://login.microsoftonline.com/<tenant>/v2.0."))


def _domains(form, field):
    domains = parse_domains(field.data or "")
    if not domains:
        raise ValidationError(_l("Enter at least one e-mail domain, e.g. gemeente.nl."))
    for domain in domains:
        if "." not in domain or not set(domain) <= _DOMAIN_CHARS or len(domain) > 253:
            raise ValidationError(_l("“%(domain)s” is not an e-mail domain.", domain=domain))


class ProviderForm(FlaskForm):
    name = StringField(_l("Name on the button"), validators=[required(), max_length(80)], filters=[strip],
                       description=_l("People see “Sign in with …” followed by this name, e.g. the name of your organisation."))
    issuer = StringField(_l("Issuer"), validators=[required(), max_length(300), _issuer], filters=[strip],
                         description=_l("The provider's issuer URL; its discovery document is read from there."))
    client_id = StringField(_l("Client ID"), validators=[required(), max_length(200)], filters=[strip])
    client_secret = PasswordField(_l("Client secret"), validators=[Optional(), max_length(500)],
                                  description=_l("Stored encrypted. Leave empty to keep the secret already saved."))
    allowed_domains = TextAreaField(_l("Allowed e-mail domains"), validators=[required(), _domains],
                                    description=_l("One per line. Only addresses in these domains sign in through this provider."))
    create_accounts = BooleanField(_l("Give someone from these domains without an account one, as an employee"))
    required_ = BooleanField(_l("Require this sign-in for our people from these domains (no password sign-in)"))
    submit = SubmitField(_l("Save sign-in settings"))


class RemoveProviderForm(FlaskForm):
    submit = SubmitField(_l("Remove this sign-in"))
