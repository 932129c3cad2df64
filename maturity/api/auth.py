"""Who is calling: an API key in ``Authorization: Bearer ksk_…``, checked before every route of
every API blueprint; the key's scopes, checked per route; every call in the audit trail.

The key acts for its maker: for this request Flask-Login's ``current_user`` is the maker (set
on ``g``, never in the session), so a service records them as the actor, as it would on the
page. The session cookie is never read as a credential here, which is why the API is exempt
from CSRF protection."""

from __future__ import annotations

import hashlib
import logging
import zlib
from functools import wraps

import sqlalchemy as sa
from flask import Response, abort, current_app, g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from flask_smorest.exceptions import NotModified
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import HTTPException

from ..audit import services as audit
from ..extensions import csrf, db, limiter
from . import keys

log = logging.getLogger(__name__)

PREFIX = "/api/v1"


class StrictParser(FlaskParser):
    """A query parameter the operation does not know is an error (422), not ignored: a typo such
    as ``?limt=10`` is said, never silently answered with the default."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()

    def _check_not_modified(self, etag):
        """304 when the client has this ETag — compared weakly, as RFC 9110 asks for GET (a proxy
        that compresses a response may weaken its ETag to W/"…")."""
        if request.method in self.METHODS_CHECKING_NOT_MODIFIED and request.if_none_match.contains_weak(etag):
            g.not_modified_etag = etag
            raise NotModified
    #: Its name in the documentation (set by ``blueprint``).
    title = ""

    def route(self, rule, *, parameters=None, tags=None, **options):
        """Every operation is tagged with the blueprint's title, as the document's tag list says."""
        return super().route(rule, parameters=parameters, tags=tags or [self.title], **options)


def blueprint(name: str, description: str) -> Blueprint:
    """An API blueprint; ``name`` is also its title in the documentation ("rounds": "Rounds")."""
    blp = ApiBlueprint(f"api_{name}", __name__, url_prefix=PREFIX, description=description)
    blp.title = name.capitalize()
    return blp


def _rate_key() -> str:
    """Per key (its hash: no database needed before the limit), else per address."""
    header = request.headers.get("Authorization", "")
    return "api:" + (hashlib.sha256(header.encode()).hexdigest()[:24] if header else request.remote_addr or "")


def _authenticate():
    key = keys.authenticate(request.headers.get("Authorization"))
    if key is None:
        abort(401, description=_("A valid API key is required: send it as “Authorization: Bearer ksk_…”."),
              www_authenticate=WWWAuthenticate("Bearer", {"realm": "klantspiegel"}))
    g.api_key = key
    g._login_user = key.created_by  # Flask-Login's current_user for this request: the key's maker
    return None


def _audit(response):
    """Every call with a valid key, whatever its outcome, in the trail (after the request's own
    commit; a refused request's changes are rolled back first)."""
    key = g.get("api_key")
    if key is None:
        return response
    try:
        if response.status_code >= 400:
            db.session.rollback()
        key = db.session.merge(key)
        keys.mark_used(key)
        org = g.get("org")
        audit.record("api_call", consultancy_id=key.consultancy_id if org is None else None,
                     organisation_id=org.id if org is not None else key.organisation_id,
                     actor=key.created_by, key=key.id, method=request.method, path=request.path[:200],
                     status=response.status_code)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("api call not audited key=%s", key.id)
    return response


def _private(response):
    """An answer for one key, in one language: never kept by a shared cache, and revalidated
    (with its ETag where it has one) before a private cache reuses it."""
    response.headers.setdefault("Cache-Control", "private, no-cache")
    response.vary.update(("Authorization", "Accept-Language"))
    return response


def _not_modified(_error):
    """A 304 has no body, and carries the ETag it confirms (RFC 9110 §15.4.5)."""
    response = Response(status=304)
    response.set_etag(g.pop("not_modified_etag"))
    return response


def guard(bp: Blueprint) -> None:
    """Every route of ``bp``: a key first, the rate limit, the audit trail; no CSRF (no cookies)."""
    bp.register_error_handler(NotModified, _not_modified)
    bp.before_request(_authenticate)
    bp.after_request(_audit)
    bp.after_request(_private)
    csrf.exempt(bp)
    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(bp)


def requires(scope: str):
    """Restrict a route to keys with ``scope``."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not g.api_key.allows(scope):
                abort(403, description=_("This API key may not do this: it needs the scope “%(scope)s”.", scope=scope))
            return view(*args, **kwargs)

        wrapper.__doc__ = (view.__doc__ or "") + f"\n\n    Needs the scope `{scope}`."
        return wrapper

    return decorator


def refuse(status: int, detail: str, **errors) -> None:
    """Stop with a problem document: ``detail`` in the reader's language, and per location
    (``json``, ``query``) the fields that were not right, as webargs reports its own."""
    try:
        abort(status, description=detail)
    except HTTPException as error:
        error.data = {"messages": errors, "own": True} if errors else {}
        raise


def refuse_form(form) -> None:
    """Stop with a 422 carrying a page form's own messages per field (the API checks what it is
    sent with the form the page uses, so both say the same)."""
    refuse(422, _("Some fields are not right: see “errors”."),
           json={name: [str(m) for m in messages] for name, messages in form.errors.items()})


# --- cursor pagination -----------------------------------------------------------------------------

#: A cursor is opaque to clients (the documented pattern says what one looks like): the last id of
#: the page before in base 36, and two check characters, so that a cursor typed or cut short is
#: refused (422) instead of quietly reading as the end of the list.
CURSOR_PATTERN = r"^[0-9a-z]{3,14}$"
#: The largest id a row can have (the id columns are 32-bit integers).
MAX_ID = 2**31 - 1
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(n: int, width: int = 1) -> str:
    out = ""
    while True:
        n, rest = divmod(n, 36)
        out = _DIGITS[rest] + out
        if not n:
            return out.rjust(width, "0")


def _check(body: str) -> str:
    return _base36(zlib.crc32(("klantspiegel-cursor:" + body).encode()) % 36**2, 2)


def _decode(cursor: str | None) -> int:
    if not cursor:
        return 0
    body, check = cursor[:-2], cursor[-2:]
    if body and _check(body) == check:
        return int(body, 36)
    refuse(422, _("This cursor is not valid: use the “next_cursor” of the previous page."),
           query={"cursor": [_("Not a cursor of this list.")]})


def _encode(last_id: int) -> str:
    body = _base36(last_id)
    return body + _check(body)


def page(query: sa.Select, id_column, args: dict) -> tuple[list, str | None]:
    """One page of ``query`` in id order after the cursor, and the cursor of the next page."""
    limit = args["limit"]
    after = _decode(args.get("cursor"))
    if after >= MAX_ID:  # past every id (and beyond what an integer column compares with, on PostgreSQL)
        return [], None
    rows = list(db.session.scalars(query.where(id_column > after)
                                   .order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (_encode(rows[-1].id) if more and rows else None)
