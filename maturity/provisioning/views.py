"""The SCIM 2.0 endpoint of each organisation, and the page where its directors and consultants
make and revoke the directory's tokens and say which directory attribute fills which segment.

The endpoint (``/scim/v2/o/<org>/…``) is authenticated by a bearer token of that organisation,
never by a cookie: it is exempt from CSRF protection for that reason, explicitly
(``csrf.exempt`` in the app factory's list), and rate-limited per organisation and address.
Every response is SCIM JSON, errors included (401 without a valid token, 404, 409, 400).
The app's unit of work commits what a request wrote once the view returns; a refused request
is rolled back here first, so only the token's use is kept."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from scim2_models import Context, Error, SCIMException
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse
from scim2_server.service import ScimService
from werkzeug.exceptions import HTTPException

from ..extensions import db, limiter
from ..forms_common import ActionForm
from ..segments.services import segments_of
from ..tenancy.access import CONSULTANT, DIRECTOR, organisation_blueprint, roles_required, scoped_get
from . import personal_data  # noqa: F401  (connects privacy's hooks: erasure, data download, purge)
from . import services
from .forms import SegmentSourcesForm, TokenForm
from .models import SEGMENT_SOURCES, ScimToken
from .storage import OrganisationStorage, provider

log = logging.getLogger(__name__)

scim_bp = Blueprint("scim", __name__, url_prefix="/scim/v2/o/<org>")
bp = organisation_blueprint("provisioning", __name__, "/provisioning")

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


class Service(ScimService):
    """scim2-server's service, answering a PATCH with the User or Group as it now is (200), as
    Okta expects, rather than an empty 204 (RFC 7644 §3.5.2 allows both)."""

    def patch_response(self, base_url, resource, response_parameters):
        return self.resource_response(self.publish(base_url, resource), Context.RESOURCE_REPLACEMENT_RESPONSE,
                                      response_parameters)


_service: Service | None = None


def _scim_service() -> Service:
    """One service for every organisation (the storage is per request): built once, lazily,
    because describing the schemas costs a few milliseconds."""
    global _service
    if _service is None:
        _service = Service(provider())
    return _service


def _to_response(scim_response: ScimResponse) -> Response:
    body = json.dumps(scim_response.body) if scim_response.body is not None else None
    return Response(body, status=scim_response.status, headers=scim_response.headers)


def _error(status: HTTPStatus, detail: str, scim_type: str | None = None, **headers) -> Response:
    error = Error(status=int(status), detail=detail, scim_type=scim_type)
    return _to_response(ScimResponse(status, error.model_dump(), headers=dict(headers)))


def _rate_key() -> str:
    return f"scim:{request.view_args.get('org') if request.view_args else ''}:{request.remote_addr}"


@scim_bp.errorhandler(HTTPException)
@scim_bp.errorhandler(413)  # by code too: the app's page for a code would win over a handler by class
@scim_bp.errorhandler(429)
def _http_error(error: HTTPException):
    """What Flask or the rate limiter refuses inside the endpoint (a 429, a body too large) is a
    SCIM error too, with its status and headers (Retry-After)."""
    db.session.rollback()
    response = _error(HTTPStatus(error.code or 400), error.description or error.name)
    for key, value in error.get_headers():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


@scim_bp.route("/", defaults={"path": ""}, methods=METHODS)
@scim_bp.route("/<path:path>", methods=METHODS)
@limiter.limit(lambda: current_app.config.get("SCIM_RATE_LIMIT", "1200/minute"), key_func=_rate_key)
def endpoint(org: str, path: str):
    found = services.authenticate(org, request.headers.get("Authorization"))
    if found is None:
        return _error(HTTPStatus.UNAUTHORIZED, "A valid bearer token of this organisation is required",
                      **{"WWW-Authenticate": 'Bearer realm="scim"'})
    organisation, token = found
    services.mark_used(token)
    service = _scim_service()
    scim_request = ScimRequest(
        method=request.method, base_url=url_for("scim.endpoint", org=organisation.slug, path="", _external=True).rstrip("/"),
        path="/" + path, query=request.args.to_dict(), headers=list(request.headers.items()),
        body=request.get_data(), subject=token)
    try:
        storage = OrganisationStorage(organisation, token, {rt.name: service.get_model(rt) for rt in service.provider.resource_types})
        response = ScimHandler(service, storage).handle(scim_request)
    except SCIMException as exception:
        response = service.error_response(exception)
    if response.status >= 400:
        db.session.rollback()  # nothing of a refused request is kept but the token's use
        services.mark_used(token)
    return _to_response(response)  # committed by the app's unit of work: the token's use and what was written


# --- the organisation's provisioning page ----------------------------------------------------

def _page(**context):
    tokens = services.tokens_of(g.org)
    segments = segments_of(g.org.id)
    sources = services.segment_sources(g.org.id)
    sources_form = context.pop("sources_form", None) or SegmentSourcesForm.for_segments(segments, sources)
    return render_template(
        "provisioning/page.html", tokens=tokens, token_form=context.pop("token_form", None) or TokenForm(),
        sources_form=sources_form, segments=segments, action_form=ActionForm(), source_names=SEGMENT_SOURCES,
        scim_url=url_for("scim.endpoint", org=g.org.slug, path="", _external=True), **context)


@bp.route("/")
@roles_required(DIRECTOR, CONSULTANT)
def page():
    return _page()


@bp.route("/tokens", methods=["POST"])
@roles_required(DIRECTOR, CONSULTANT)
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(token_form=form), 400
    _token, plain = services.create_token(g.org, form.label.data, by=current_user)
    # Rendered, not redirected: the token is shown this once and travels in no URL or session.
    return _page(new_token=plain, token_form=TokenForm(formdata=None))


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required(DIRECTOR, CONSULTANT)
def revoke_token(token_id: int):
    token = scoped_get(ScimToken, token_id)
    if ActionForm().validate_on_submit():
        services.revoke_token(token, by=current_user)
        flash(_("The token “%(label)s” has been revoked: the directory can no longer use it.", label=token.label),
              "success")
    return redirect(url_for("provisioning.page"))


@bp.route("/segments", methods=["POST"])
@roles_required(DIRECTOR, CONSULTANT)
def save_sources():
    segments = segments_of(g.org.id)
    form = SegmentSourcesForm.for_segments(segments, services.segment_sources(g.org.id), formdata=request.form)
    if not form.validate_on_submit():
        return _page(sources_form=form), 400
    services.set_segment_sources(g.org, form.chosen(segments), by=current_user)
    flash(_("Saved. The directory's next change to a person fills their segments."), "success")
    return redirect(url_for("provisioning.page"))
