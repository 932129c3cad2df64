"""Locale selection: the user's saved choice, else the session's, else Dutch."""

from __future__ import annotations

from flask import current_app, session
from flask_babel import get_locale
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def inject_i18n() -> dict:
    return {"languages": current_app.config["LANGUAGES"], "current_locale": str(get_locale())}
