from __future__ import annotations

import logging

import sqlalchemy.exc as sa_exc
from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from ..extensions import db
from ..results.services import ResultsNotPublished

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    def page(status: int, title: str, message: str):
        return render_template("errors/error.html", status=status, title=title, message=message), status

    @app.errorhandler(400)
    def bad_request(e):
        return page(400, _("Something in the request was not right"), _("Please go back and try again."))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page(
            400,
            _("This form has expired"),
            _("For your security the form could not be submitted. Go back, reload the page and submit again."),
        )

    @app.errorhandler(403)
    def forbidden(e):
        return page(403, _("Not allowed"), _("Your role does not give access to this page."))

    @app.errorhandler(404)
    def not_found(e):
        return page(404, _("Page not found"), _("This page does not exist or you do not have access to it."))

    @app.errorhandler(405)
    def method_not_allowed(e):
        return page(405, _("Not possible"), _("This action cannot be done this way."))


    @app.errorhandler(ResultsNotPublished)
    def not_published(e):
        # The one gate for every results surface (page, exports, report, plan) of an open round.
        return render_template(
            "errors/error.html", status=409, title=_("Results are published when the round closes"),
            message=_("To keep answers confidential, a round's results appear once, for everyone at the same time, when the round closes. Until then only the number of responses is shown."),
            back=None,
        ), 409

    @app.errorhandler(413)
    def too_large(e):
        return render_template(
            "errors/error.html", status=413, title=_("File too large"),
            message=_("The file is larger than 2 MB. Please upload a smaller file."), back=request.path,
        ), 413

    @app.errorhandler(429)
    def too_many(e):
        if request.endpoint == "accounts.login":
            # The same words whatever was refused (this address, this account, this browser) and
            # whether or not the account exists; they name the ways in that a guesser lacks.
            return page(429, _("Too many attempts"), _(
                "Signing in is paused for a while. Try again later, sign in on a device you have "
                "signed in on before, or choose a new password with “Forgot your password?” on the "
                "sign-in page."))
        return page(429, _("Too many attempts"), _("Please wait a few minutes and try again."))


    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    @app.errorhandler(sa_exc.DisconnectionError)
    def database_unavailable(e):
        """The database is restarting or unreachable: say so, and keep what was typed."""
        try:
            db.session.rollback()
        except sa_exc.SQLAlchemyError:
            pass
        log.warning("database unavailable: %s", type(getattr(e, "orig", e)).__name__)
        # Standalone page: the usual layout would ask the database who is logged in.
        kept = [(k, v) for k, v in request.form.items(multi=True)
                if "password" not in k and k != "confirm"] if request.method == "POST" else []
        return render_template("errors/unavailable.html", kept=kept), 503, {"Retry-After": "10"}

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        log.exception("unhandled error")
        return page(500, _("Something went wrong on our side"), _("Please try again later."))
