from __future__ import annotations

import logging
import re

import sqlalchemy.exc as sa_exc
from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..results.services import ResultsNotPublished

log = logging.getLogger(__name__)


#: Where the JSON API lives: its errors are problem documents (RFC 9457), not pages.
API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


#: The API's titles for statuses that have no page of their own (the others use the page's).
def _api_titles() -> dict[int, str]:
    return {401: _("An API key is needed"), 409: _("Not possible now"), 415: _("Send JSON"),
            422: _("Some fields are not right")}


def _validation_messages():
    """marshmallow's and webargs' own messages (English), said in the reader's language: exact
    ones, then patterns with the numbers or choices they name."""
    exact = {
        "Missing data for required field.": _("This field is required."),
        "Unknown field.": _("Unknown field."),
        "Field may not be null.": _("May not be null."),
        "Not a valid integer.": _("Not a whole number."),
        "Not a valid number.": _("Not a number."),
        "Not a valid string.": _("Not a text."),
        "Not a valid date.": _("Not a date (YYYY-MM-DD)."),
        "Not a valid boolean.": _("Not true or false."),
        "Not a valid list.": _("Not a list."),
        "Not a valid mapping type.": _("Not an object."),
        "Invalid input type.": _("Not the right type."),
        "Invalid value.": _("Not a valid value."),
        "String does not match expected pattern.": _("Not in the expected form."),
        "Invalid JSON body.": _("Not valid JSON."),
    }
    patterns = [
        (r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.",
         lambda m: _("Choose a number from %(min)s to %(max)s.", min=m["min"], max=m["max"])),
        (r"Must be greater than or equal to (?P<min>\S+)\.", lambda m: _("At least %(min)s.", min=m["min"])),
        (r"Must be less than or equal to (?P<max>\S+)\.", lambda m: _("At most %(max)s.", max=m["max"])),
        (r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.",
         lambda m: _("From %(min)s to %(max)s long.", min=m["min"], max=m["max"])),
        (r"Shorter than minimum length (?P<min>\d+)\.", lambda m: _("At least %(min)s long.", min=m["min"])),
        (r"Longer than maximum length (?P<max>\d+)\.", lambda m: _("At most %(max)s long.", max=m["max"])),
        (r"Must be one of: (?P<choices>.*)\.", lambda m: _("Must be one of: %(choices)s.", choices=m["choices"])),
    ]
    return exact, [(re.compile(p), say) for p, say in patterns]


def _translated(errors, said=None):
    """The validation errors (nested dicts and lists of messages), each message in the reader's
    language where we know it; our own messages are already."""
    said = said or _validation_messages()
    if isinstance(errors, dict):
        return {key: _translated(value, said) for key, value in errors.items()}
    if isinstance(errors, list):
        return [_translated(value, said) for value in errors]
    if isinstance(errors, str):
        exact, patterns = said
        if errors in exact:
            return exact[errors]
        for pattern, say in patterns:
            match = pattern.fullmatch(errors)
            if match:
                return say(match)
    return errors


def problem(status: int, title: str, detail: str | None = None, *, errors=None, headers=None):
    """An RFC 9457 problem document, with the same title and message the page would show."""
    body = {"type": "about:blank", "title": str(title), "status": status}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def register(app: Flask) -> None:
    def page(status: int, title: str, message: str, error: HTTPException | None = None, **kwargs):
        # What the error says in headers stays (a 405's Allow, a 401's WWW-Authenticate).
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"} if error is not None else {}
        if is_api_request():
            # A refusal that says why (the API's own words) keeps them; else the page's message.
            said = error is not None and error.description and error.description != type(error).description
            return problem(status, title, error.description if said else message, headers=headers)
        return render_template("errors/error.html", status=status, title=title, message=message, **kwargs), status, headers

    @app.errorhandler(HTTPException)
    def any_http_error(e: HTTPException):
        """What has no page of its own (a 401, a 409, a 422 from the API's validation): the
        status's own name, and for the API the fields that were not right."""
        status = e.code or 500
        if is_api_request():
            data = getattr(e, "data", None) or {}
            headers = {k: v for k, v in e.get_headers() if k.lower() != "content-type"}
            errors = data.get("messages")  # webargs' validation, or the API's own ``refuse``
            detail = _("Some fields are not right: see “errors”.") if errors and status == 422 and not data.get("own") \
                else e.description
            return problem(status, _api_titles().get(status, e.name), detail,
                           errors=_translated(errors) if errors else None, headers=headers)
        return page(status, e.name, e.description or "")

    @app.errorhandler(400)
    def bad_request(e):
        return page(400, _("Something in the request was not right"), _("Please go back and try again."), e)

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page(
            400,
            _("This form has expired"),
            _("For your security the form could not be submitted. Go back, reload the page and submit again."),
        )

    @app.errorhandler(403)
    def forbidden(e):
        return page(403, _("Not allowed"), _("Your role does not give access to this page."), e)

    @app.errorhandler(404)
    def not_found(e):
        return page(404, _("Page not found"), _("This page does not exist or you do not have access to it."), e)

    @app.errorhandler(405)
    def method_not_allowed(e):
        return page(405, _("Not possible"), _("This action cannot be done this way."), e)


    @app.errorhandler(ResultsNotPublished)
    def not_published(e):
        # The one gate for every results surface (page, exports, report, plan, API) of an open round.
        return page(409, _("Results are published when the round closes"),
                    _("To keep answers confidential, a round's results appear once, for everyone at the same time, when the round closes. Until then only the number of responses is shown."),
                    back=None)

    @app.errorhandler(413)
    def too_large(e):
        return page(413, _("File too large"), _("The file is larger than 2 MB. Please upload a smaller file."),
                    back=request.path)

    @app.errorhandler(429)
    def too_many(e):
        if request.endpoint == "accounts.login":
            # The same words whatever was refused (this address, this account, this browser) and
            # whether or not the account exists; they name the ways in that a guesser lacks.
            return page(429, _("Too many attempts"), _(
                "Signing in is paused for a while. Try again later, sign in on a device you have "
                "signed in on before, or choose a new password with “Forgot your password?” on the "
                "sign-in page."))
        if is_api_request():
            headers = {k: v for k, v in e.get_headers() if k.lower() != "content-type"}
            return problem(429, _("Too many calls"), _("This key made more calls than its limit allows: wait the "
                                                       "seconds of Retry-After, then go on."), headers=headers)
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
        if is_api_request():
            return problem(503, _("Try again in a moment"), _("Please try again later."),
                           headers={"Retry-After": "10"})
        # Standalone page: the usual layout would ask the database who is logged in.
        kept = [(k, v) for k, v in request.form.items(multi=True)
                if "password" not in k and k != "confirm"] if request.method == "POST" else []
        return render_template("errors/unavailable.html", kept=kept), 503, {"Retry-After": "10"}

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        log.exception("unhandled error")
        return page(500, _("Something went wrong on our side"), _("Please try again later."))
