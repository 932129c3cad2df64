"""A person's own data, downloaded from their account page (AVG art. 15)."""

from __future__ import annotations

import json

from flask import Blueprint
from flask import Response as HttpResponse
from flask_login import current_user, login_required

from ..audit import services as audit
from .subject_data import subject_data

bp = Blueprint("privacy", __name__)


@bp.route("/account/my-data.json")
@login_required
def my_data():
    """Everything the platform holds about the signed-in person, as JSON."""
    audit.record("data_exported", obj=current_user)
    return HttpResponse(json.dumps(subject_data(current_user), indent=2, ensure_ascii=False), mimetype="application/json",
                        headers={"Content-Disposition": 'attachment; filename="klantspiegel-mijn-gegevens.json"',
                                 "Cache-Control": "no-store"})
