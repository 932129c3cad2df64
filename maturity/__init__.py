"""Klantspiegel: customer-orientation maturity assessments for consultancies and their clients."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application. ``config`` overrides what the environment says."""
    from .config import load_config

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=False,
    )
    from .edge import CleanRequest, IdConverter, refuse_nul_in_path

    app.url_map.converters["int"] = IdConverter  # before any route is added: ids beyond a column's range are 404
    app.request_class = CleanRequest
    app.before_request(refuse_nul_in_path)
    app.config.update(load_config(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)
    from .logs import install as install_log_redaction

    install_log_redaction()

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_hooks(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every model registered before the metadata is used)
    from .accounts.services import load_session_user
    from .extensions import babel, csrf, db, limiter, login_manager, migrate
    from .i18n import install_template_gettext, select_locale
    from .pooling import ping_idle_connections
    from .sqlite import configure_sqlite

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        ping_idle_connections(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    install_template_gettext(app)
    limiter.init_app(app)
    from . import tasks

    tasks.init_app(app)
    register_jobs()
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.user_loader(load_session_user)


def register_jobs() -> None:
    """Every feature's jobs, so that the worker knows every task and the schedule."""
    from . import retention  # noqa: F401
    from .accounts import jobs as _accounts  # noqa: F401
    from .mail import jobs as _mail  # noqa: F401
    from .reports import jobs as _reports  # noqa: F401
    from .results import jobs as _results  # noqa: F401
    from .rounds import jobs as _rounds  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .audit.views import consultancy_bp as audit_consultancy_bp
    from .audit.views import org_bp as audit_org_bp
    from .admin.views import bp as admin_bp
    from .consultancies.views import bp as consultancies_bp
    from .main.views import bp as main_bp
    from .organisations.views import bp as organisations_bp
    from .rounds.mirror import bp as mirror_bp
    from .rounds.mirror import personal_bp as mirror_personal_bp
    from .rounds.questionnaire import describe_item, question_html, section_intro, section_title
    from .rounds.respond import bp as respond_bp
    from .rounds.respond import link_bp as respond_link_bp
    from .plans.views import bp as plans_bp
    from .plans.shared_views import bp as shared_bp
    from .progress.views import bp as progress_bp
    from .progress.views import portfolio_bp
    from .reports.views import bp as reports_bp
    from .results.views import bp as results_bp
    from .rounds.views import bp as rounds_bp
    from .segments.views import bp as segments_bp
    from .core import MIN_ALPHA_RESPONDENTS
    from .core.display import CHART_COLORS, shown_difference
    from .results.figures import CHART_FRAMES

    for bp in (main_bp, accounts_bp, admin_bp, consultancies_bp, organisations_bp, rounds_bp, results_bp, plans_bp,
               reports_bp, progress_bp, portfolio_bp, respond_link_bp, respond_bp, mirror_bp, mirror_personal_bp,
               audit_org_bp, audit_consultancy_bp, shared_bp):
        app.register_blueprint(bp)
    app.register_blueprint(segments_bp)
    app.jinja_env.globals.update(
        describe_item=describe_item, question_html=question_html, section_title=section_title, section_intro=section_intro,
        chart_colors=CHART_COLORS, chart_frames=CHART_FRAMES, alpha_minimum=MIN_ALPHA_RESPONDENTS,
        shown_difference=shown_difference,
    )


def register_errorhandlers(app: Flask) -> None:
    from .main.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)


def register_hooks(app: Flask) -> None:
    from .main.security_headers import add_security_headers
    from .i18n import inject_i18n

    from .accounts.views import require_second_factor

    app.after_request(add_security_headers)
    app.before_request(require_second_factor)
    app.context_processor(inject_i18n)
