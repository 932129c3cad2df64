"""Configuration, security headers, CLI commands."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from maturity import create_app
from maturity.config import ConfigError
from maturity.extensions import db


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("MATURITY_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "dev-only-insecure-key-change-me")
    with pytest.raises(ConfigError):
        create_app()


def test_production_sets_secure_cookies(monkeypatch):
    monkeypatch.setenv("MATURITY_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("BASE_URL", "https://klantspiegel.example.nl")
    assert create_app().config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_a_base_url(monkeypatch, app):
    """Without BASE_URL a password-reset link was built from the request's Host header (#27):
    a stranger could have a valid reset link mailed to a director, pointing at their own host."""
    monkeypatch.setenv("MATURITY_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app()
    monkeypatch.setenv("BASE_URL", "klantspiegel.example.nl")  # not a URL
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app()


def test_postgres_urls_use_psycopg3(monkeypatch):
    from maturity.config import load_config

    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@localhost/k")
    assert load_config("/tmp")["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_security_headers(client, db):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_health(client, db):
    assert client.get("/healthz").json == {"status": "ok"}


def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/nope")
    assert response.status_code == 404 and "Pagina niet gevonden" in response.get_data(as_text=True)


def test_create_admin_command(app, db):
    from maturity.accounts.models import User
    from maturity.accounts.passwords import verify_password

    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--email", "Beheer@Example.nl", "--name", "Beheer",
                                 "--password", "koffie en klanten eerst"])
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(sa.select(User).where(User.email == "beheer@example.nl"))
    assert admin.is_platform_admin and verify_password(admin.password_hash, "koffie en klanten eerst")
    weak = runner.invoke(args=["create-admin", "--email", "b@example.nl", "--name", "B", "--password", "password1"])
    assert weak.exit_code != 0 and "refused" in weak.output


def test_demo_command_loads_organisations_rounds_and_responses(app, db):
    from maturity.rounds.models import Ballot, CustomerResponse, Response, Round, RoundStatus
    from maturity.tenancy.models import Organisation, OrganisationMembership, OrgRole

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "directeur@delinde.example" in result.output
    names = set(db.session.scalars(sa.select(Organisation.name)))
    assert {"Woonstichting De Linde", "Van Dam Installatietechniek"} <= names
    employees = db.session.scalar(sa.select(sa.func.count()).where(OrganisationMembership.role == OrgRole.EMPLOYEE))
    assert 40 <= employees <= 120
    linde = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Woonstichting De Linde"))
    rounds = list(db.session.scalars(sa.select(Round).where(Round.organisation_id == linde.id).order_by(Round.opens_on)))
    assert [r.status for r in rounds] == [RoundStatus.CLOSED] * 3 + [RoundStatus.OPEN]
    latest, current = rounds[-2].id, rounds[-1].id
    assert 35 <= db.session.scalar(sa.select(sa.func.count()).where(Response.round_id == latest)) <= 45
    # 15 through the general link, 20 through the services' own links (their mirror per service)
    assert 30 <= db.session.scalar(sa.select(sa.func.count()).where(CustomerResponse.round_id == latest)) <= 40
    # The open round's answers wait, sealed, in the ballot box: nothing is published yet.
    assert db.session.scalar(sa.select(sa.func.count()).where(Response.round_id == current)) == 0
    assert 10 <= db.session.scalar(sa.select(sa.func.count()).where(Ballot.round_id == current)) <= 30
    again = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert "not loaded" in again.output
    # The demo's consultant signs in in two steps; the command shows the code (not in production).
    shown = app.test_cli_runner().invoke(args=["two-step-code", "consultant@koersenklant.example"])
    code = re.search(r"code now: (\d{6})", shown.output).group(1)
    from maturity.accounts.second_factor import code_matches, secret_of
    from maturity.accounts.services import find_user_by_email

    assert code_matches(secret_of(find_user_by_email("consultant@koersenklant.example")), code) is not None
    app.config["ENV_NAME"] = "production"
    try:
        refused = app.test_cli_runner().invoke(args=["two-step-code", "consultant@koersenklant.example"])
    finally:
        app.config["ENV_NAME"] = "development"
    assert refused.exit_code != 0 and "code now" not in refused.output
