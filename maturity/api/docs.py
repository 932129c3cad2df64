"""The API's interactive documentation at ``/api/v1/docs``: Swagger UI, served from the files
the flask-swagger-ui package ships (no CDN: the page works offline and under our own
Content-Security-Policy), reading the OpenAPI document at ``/api/v1/openapi.json``."""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Flask, render_template, send_from_directory, url_for

from ..main.security_headers import CSP

SWAGGER_DIST = Path(flask_swagger_ui.__file__).parent / "dist"

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1/docs")


@bp.get("/")
def page():
    response = render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))
    # Swagger UI writes style attributes into its markup: this page alone allows them.
    return response, 200, {"Content-Security-Policy": CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")}


@bp.get("/static/<any('swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png'):name>")
def static(name: str):
    return send_from_directory(SWAGGER_DIST, name, max_age=86400)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
