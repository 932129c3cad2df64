"""The JSON API (``/api/v1``): what a consultancy's or a client's own systems read and write.

Built on flask-smorest: the routes, their marshmallow schemas and the OpenAPI 3.1 document
come from the same code, on the app's own Flask object and blueprints (no second app class),
with webargs' validation and ETags included. Requests are authenticated by an API key
(``keys.py``), never by the session cookie, so the blueprints are exempt from CSRF; every tenant
object is loaded through the access helper (``tenancy.access.key_*``); errors are RFC 9457
problem documents with the pages' own messages (``main/errors.py``); every call is audited
(``auth.py``). The interactive documentation is at ``/api/v1/docs``; docs/api.md explains it (served at
``/api/v1/docs/guide``)."""

from __future__ import annotations

import http

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from . import auth, docs, organisations, people, plans, results, rounds, views
from .schemas import ProblemSchema

VERSION = "1.0.0"
PREFIX = "/api/v1"


class KlantspiegelApi(Api):
    """flask-smorest's Api with the house's errors: the app's own error handlers answer (they
    speak problem+json under ``/api/``), and the document says so."""

    ERROR_SCHEMA = ProblemSchema
    PROBLEM = "application/problem+json"

    def register_blueprint(self, blp, *, parameters=None, **options):
        """As flask-smorest's, but the document's tag is the blueprint's title ("Rounds"), not its
        Flask name ("api_rounds", which must differ from the pages' blueprints)."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
        self.spec.tag({"name": getattr(blp, "title", name), "description": blp.description})

    def _register_error_handlers(self):
        """The app's handlers (main/errors.py) already answer API paths with problem documents."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, self.PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457): the status, a title and what to do.",
                    "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, self.PROBLEM)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


#: The API's blueprints, guarded once (a key, the rate limit, the audit trail, no CSRF) for every
#: app the process builds (the tests build several).
BLUEPRINTS = (organisations.blp, rounds.blp, results.blp, plans.blp, people.blp)
for _blueprint in BLUEPRINTS:
    auth.guard(_blueprint)


def init_app(app: Flask) -> KlantspiegelApi:
    """The API on ``app``: its own flask-smorest Api (and OpenAPI document) per app."""
    app.config.setdefault("API_TITLE", "Klantspiegel API")
    app.config.setdefault("API_VERSION", VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": DESCRIPTION, "contact": {"name": "Klantspiegel"}},
        "security": [{"apiKey": []}],
    })
    api = KlantspiegelApi(app)
    api.spec.components.security_scheme("apiKey", {
        "type": "http", "scheme": "bearer", "bearerFormat": "ksk_…",
        "description": "An API key made on the consultancy's or organisation's API page."})
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    docs.register(app)
    # The pages where people make and revoke keys (with the session and CSRF, as every page).
    app.register_blueprint(views.consultancy_bp)
    app.register_blueprint(views.org_bp)
    return api


DESCRIPTION = """The figures, rounds, people and action plans of Klantspiegel, for a consultancy's
and a client's own systems. Authenticate with `Authorization: Bearer ksk_…` (a key made on the
API page of a consultancy or organisation, with the scopes it needs). Lists are paged with an
opaque `cursor`; a published round's results carry an `ETag`. Errors are problem documents
(RFC 9457) in the language of `Accept-Language` (Dutch or English). How to get a key, with
examples in curl and Python: [the API guide](/api/v1/docs/guide); being told when something
happens: [webhooks](/api/v1/docs/webhooks)."""
