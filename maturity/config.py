"""Configuration read from the environment.

Development defaults to an SQLite file in ``instance/``; production (``MATURITY_ENV=production``)
refuses to start without a real ``SECRET_KEY`` and a ``DATABASE_URL``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

INSECURE_DEV_KEY = "dev-only-insecure-key-change-me"


class ConfigError(RuntimeError):
    pass


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = os.environ
    overrides = overrides or {}
    environment = overrides.get("ENV_NAME") or env.get("MATURITY_ENV", "development")
    is_production = environment == "production"

    secret_key = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    if not secret_key:
        if is_production:
            raise ConfigError("SECRET_KEY must be set in production (MATURITY_ENV=production).")
        secret_key = INSECURE_DEV_KEY
    elif is_production and (secret_key == INSECURE_DEV_KEY or len(secret_key) < 32):
        raise ConfigError("SECRET_KEY is too short or a known development key; use at least 32 random characters.")

    # Links in mails (password resets too) are built from BASE_URL, never from the request's
    # Host or X-Forwarded-Host header: anyone could otherwise have a valid reset link mailed
    # to a victim, pointing at a host they control.
    base_url = (overrides.get("BASE_URL") or env.get("BASE_URL") or "").rstrip("/")
    if is_production and not base_url.startswith(("https://", "http://")):
        raise ConfigError("BASE_URL must be set in production, e.g. https://klantspiegel.example.nl "
                          "(the links in every mail are built from it).")

    database_url = env.get("DATABASE_URL")
    if not database_url:
        if is_production and "SQLALCHEMY_DATABASE_URI" not in overrides:
            raise ConfigError("DATABASE_URL must be set in production.")
        database_url = "sqlite:///" + str(Path(instance_path) / "klantspiegel.sqlite3")
    # Heroku-style URLs name the old driver; we use psycopg 3.
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    config = {
        "ENV_NAME": environment,
        "SECRET_KEY": secret_key,
        # Earlier keys, comma-separated, after a rotation: sessions and the ballots of open
        # rounds sealed under them still open (docs/privacy.md, docs/deploy.md).
        "SECRET_KEY_FALLBACKS": [k for k in (env.get("SECRET_KEY_FALLBACKS") or "").split(",") if k.strip()],
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Idle connections are pinged before use (maturity/pooling.py), not every checkout.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": is_production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # Long questionnaires must not lose answers to an expired token; the form session
        # itself is bounded by the login session instead.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": {"nl": "Nederlands", "en": "English"},
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Per client address (an office behind one address logs in together; per-account limits
        # stop guessing on one account): see docs/security.md.
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "30 per minute;300 per hour"),
        # Per API key (docs/api.md): a nightly pull of every round of every client stays far below it.
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "600 per minute"),
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), True),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL"), False),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Klantspiegel <noreply@klantspiegel.local>"),
        "MAIL_TIMEOUT": int(env.get("MAIL_TIMEOUT", "15")),
        "INVITATION_MAX_AGE": int(env.get("INVITATION_MAX_AGE", str(14 * 24 * 3600))),
        "PASSWORD_RESET_MAX_AGE": int(env.get("PASSWORD_RESET_MAX_AGE", "3600")),
        "SESSION_IDLE_TIMEOUT": timedelta(hours=12),
        "BASE_URL": base_url,
        # Identity providers are reached over https only; the tests' local provider speaks http.
        "SSO_ALLOW_HTTP": _bool(env.get("SSO_ALLOW_HTTP"), False),
        # Webhooks (maturity/webhooks, docs/webhooks.md): never to a private, loopback, link-local,
        # multicast or reserved address, and over https only, unless development (or the tests'
        # local receiver) allows it. docs/security.md.
        "WEBHOOKS_ALLOW_PRIVATE_TARGETS": _bool(env.get("WEBHOOKS_ALLOW_PRIVATE_TARGETS"), environment == "development"),
        "WEBHOOKS_ALLOW_HTTP": _bool(env.get("WEBHOOKS_ALLOW_HTTP"), environment == "development"),
        # Seconds a receiver has to connect and to answer each read.
        "WEBHOOKS_TIMEOUT": float(env.get("WEBHOOKS_TIMEOUT", "5")),
        # The task queue (maturity/tasks): embedded SQLite by default, Redis in production.
        "TASK_QUEUE_URL": env.get("TASK_QUEUE_URL") or "sqlite:///" + str(Path(instance_path) / "tasks.sqlite3"),
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host
        # (0: none; the client address is the connection's). docs/deploy.md.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
    }
    config.update(overrides)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        # SQLite serialises writers; a busy timeout makes a second worker wait instead of failing.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
    return config
