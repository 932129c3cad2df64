"""The API page of a consultancy (its consultants; its keys reach every client organisation)
and of an organisation (its directors and consultants; its keys reach that organisation alone):
make a key and see it once, list the keys with their last use, revoke one."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms_common import ActionForm
from ..tenancy import hosts
from ..tenancy.access import CONSULTANT, DIRECTOR, consultancy_blueprint, organisation_blueprint, roles_required, scoped_get
from . import keys
from .forms import SCOPE_HELP, SCOPE_LABELS, ApiKeyForm
from .models import ApiKey

consultancy_bp = consultancy_blueprint("api_keys_consultancy", __name__, "/api")
org_bp = organisation_blueprint("api_keys_org", __name__, "/api")


def _owner():
    return g.org if getattr(g, "org", None) is not None else g.consultancy


def _api_base_url() -> str:
    """Where the owner's systems call the API: the consultancy's own host when it has one."""
    owner = _owner()
    return hosts.base_url_for(owner.consultancy_id if owner is g.org else owner.id) + "/api/v1"


def _page(*, form: ApiKeyForm | None = None, new_key: str | None = None, made: ApiKey | None = None,
          status: int = 200):
    owned = keys.keys_of(_owner())
    moment = keys.now()
    states = {}
    for key in owned:
        if key.revoked_at is not None:
            states[key.id] = "revoked"
        elif key.expires_at <= moment:
            states[key.id] = "expired"
        elif not keys.maker_still_entitled(key):
            states[key.id] = "orphaned"
        else:
            states[key.id] = "active"
    return render_template(
        "api/keys.html", keys=owned, states=states, form=form or ApiKeyForm(formdata=None), action_form=ActionForm(),
        new_key=new_key, made=made, scope_labels=SCOPE_LABELS, scope_help=SCOPE_HELP,
        for_organisation=getattr(g, "org", None) is not None, api_base=_api_base_url(),
    ), status


def page():
    return _page()


def create():
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return _page(form=form, status=400)
    key, plain = keys.create_key(_owner(), form.label.data, form.scopes.data or [], form.days.data, by=current_user)
    # Rendered, not redirected: the key is shown this once and travels in no URL, flash or session.
    return _page(new_key=plain, made=key)


def revoke(key_id: int):
    key = scoped_get(ApiKey, key_id)
    if ActionForm().validate_on_submit() and key.revoked_at is None:
        keys.revoke_key(key, by=current_user)
        flash(_("The key “%(label)s” has been revoked: it no longer works.", label=key.label), "success")
    return redirect(url_for(f"{request.blueprint}.page"))


def _register(bp, guard):
    bp.add_url_rule("/", "page", guard(page), methods=["GET"])
    bp.add_url_rule("/", "create", guard(create), methods=["POST"])
    bp.add_url_rule("/<int:key_id>/revoke", "revoke", guard(revoke), methods=["POST"])


_register(consultancy_bp, lambda view: view)  # a consultancy's pages are its consultants' (the loader checks)
_register(org_bp, roles_required(DIRECTOR, CONSULTANT))
