"""The application factory: the top of the house. It imports every feature (their blueprints, jobs,
models and commands); nothing imports it but ``maturity.create_app`` and the WSGI entry point."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import models  # noqa: F401  (every model registered before the metadata is used)
from . import tasks
from .accounts import jobs as accounts_jobs
from .accounts.services import load_session_user
from .accounts.views import bp as accounts_bp
from .accounts.views import require_second_factor
from .admin.views import bp as admin_bp
from .audit.views import consultancy_bp as audit_consultancy_bp
from .audit.views import org_bp as audit_org_bp
from .cli import register as register_cli
from .config import load_config
from .consultancies.views import bp as consultancies_bp
from .core import MIN_ALPHA_RESPONDENTS
from .core.display import CHART_COLORS, shown_difference
from .edge import CleanRequest, IdConverter, refuse_nul_in_path
from . import api
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .i18n import inject_i18n, install_template_gettext, moment, select_locale
from .logs import install as install_log_redaction
from .mail import jobs as mail_jobs
from .main.errors import register as register_error_pages
from .main.security_headers import add_security_headers
from .main.views import bp as main_bp
from .organisations.views import bp as organisations_bp
from .plans.shared_views import bp as shared_bp
from .plans.views import bp as plans_bp
from .pooling import ping_idle_connections
from .privacy import retention
from .privacy.views import bp as privacy_bp
from .progress.views import bp as progress_bp
from .progress.views import portfolio_bp
from .reports import jobs as reports_jobs
from .reports.views import bp as reports_bp
from .results import jobs as results_jobs
from .results.figures import CHART_FRAMES
from .results.views import bp as results_bp
from .rounds import jobs as rounds_jobs
from .rounds.mirror import bp as mirror_bp
from .rounds.mirror import personal_bp as mirror_personal_bp
from .rounds.questionnaire import describe_item, question_html, section_intro, section_title
from .rounds.respond import bp as respond_bp
from .rounds.respond import link_bp as respond_link_bp
from .provisioning.views import bp as provisioning_bp
from .provisioning.views import scim_bp
from .rounds.views import bp as rounds_bp
from .segments.views import bp as segments_bp
from .sqlite import configure_sqlite
from .tenancy.hosts import inject_brand, refuse_unknown_host
from .sso.views import bp as sso_bp
from .sso.views import consultancy_bp as sso_consultancy_bp
from .sso.views import org_bp as sso_org_bp
from .webhooks import jobs as webhooks_jobs
from .webhooks.views import consultancy_bp as webhooks_consultancy_bp
from .webhooks.views import org_bp as webhooks_org_bp

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Klantspiegel(Flask):
    """Flask with the house's unit of work: one transaction per request, committed here, once,
    when the view has returned. Views and services change and flush, never commit; a view that
    refuses what it was asked rolls back. An exception (an abort, an error) commits nothing:
    the request's session is rolled back when it ends. Side effects wait for the commit:
    ``tasks.enqueue`` hands its task to the worker only then, the outbox's mail too. Jobs and
    CLI commands own their transactions and commit themselves (README, "How the code is shaped")."""

    def dispatch_request(self):
        response = super().dispatch_request()
        session = db.session()
        if session.in_transaction():
            session.commit()
        return response


def create_app(config: dict | None = None) -> Flask:
    """Build the application. ``config`` overrides what the environment says."""
    app = Klantspiegel(
        "maturity",
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=False,
    )

    app.url_map.converters["int"] = IdConverter  # before any route is added: ids beyond a column's range are 404
    app.request_class = CleanRequest
    app.before_request(refuse_nul_in_path)
    app.before_request(refuse_unknown_host)  # a host that is neither the platform's nor a consultancy's: 421
    app.config.update(load_config(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)
    install_log_redaction()

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_hooks(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        ping_idle_connections(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    install_template_gettext(app)
    limiter.init_app(app)
    tasks.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.user_loader(load_session_user)


#: Every feature's jobs, imported above so that the worker knows every task and the schedule.
JOBS = (accounts_jobs, mail_jobs, reports_jobs, results_jobs, retention, rounds_jobs, webhooks_jobs)


def register_blueprints(app: Flask) -> None:
    for bp in (main_bp, accounts_bp, privacy_bp, admin_bp, consultancies_bp, organisations_bp, rounds_bp, results_bp,
               plans_bp, reports_bp, progress_bp, portfolio_bp, respond_link_bp, respond_bp, mirror_bp, mirror_personal_bp,
               audit_org_bp, audit_consultancy_bp, shared_bp, segments_bp, provisioning_bp, scim_bp,
               sso_bp, sso_consultancy_bp, sso_org_bp, webhooks_consultancy_bp, webhooks_org_bp):
        app.register_blueprint(bp)
    # The SCIM endpoint is authenticated by a bearer token, never a cookie: no CSRF token to ask for.
    csrf.exempt(scim_bp)
    # The JSON API and its documentation (/api/v1): keys, not cookies, so exempt from CSRF too (api/auth.py).
    api.init_app(app)
    app.jinja_env.globals.update(
        describe_item=describe_item, question_html=question_html, section_title=section_title, section_intro=section_intro,
        chart_colors=CHART_COLORS, chart_frames=CHART_FRAMES, alpha_minimum=MIN_ALPHA_RESPONDENTS,
        shown_difference=shown_difference,
    )


def register_errorhandlers(app: Flask) -> None:
    register_error_pages(app)


def register_commands(app: Flask) -> None:
    register_cli(app)


def register_hooks(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.before_request(require_second_factor)
    app.context_processor(inject_i18n)
    app.context_processor(inject_brand)
    app.add_template_filter(moment)
