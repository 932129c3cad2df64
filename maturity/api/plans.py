"""A round's action plan and its actions; an action's status, owner and due date changed as the
plan's page changes them (the same form, checks and messages)."""

from __future__ import annotations

from flask import g
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..plans import services as plan_services
from ..plans.forms import ItemForm
from ..plans.models import ActionItem, ItemStatus
from ..rounds.models import Round
from ..tenancy.access import key_get
from .auth import blueprint, refuse, refuse_form, requires
from .schemas import ActionPatchSchema, ActionSchema, PlanSchema

blp = blueprint("plans", "Action plans and their actions (read: scope results:read; change: actions:manage).")


def action_document(item: ActionItem, round_id: int, lang: str) -> dict:
    return {"id": item.id, "round_id": round_id, "title": item.text("title", lang),
            "description": item.text("description", lang) or "", "owner": item.owner, "due_on": item.due_on,
            "status": item.status.value, "position": item.position}


@blp.get("/rounds/<int:round_id>/plan")
@blp.response(200, PlanSchema)
@requires("results:read")
def get_plan(round_id: int):
    """The round's action plan.

    Its actions in the plan's order (removed actions left out). 404 until the round has one (a
    plan is made from published results)."""
    round_ = key_get(g.api_key, Round, round_id)
    plan = plan_services.plan_for(round_)
    if plan is None:
        refuse(404, _("This round has no action plan yet: it is made from the results once the round is published."))
    lang = get_locale().language
    return {"round_id": round_.id, "published": plan.is_published,
            "actions": [action_document(i, round_.id, lang) for i in plan_services.visible_items(plan)]}


@blp.get("/actions/<int:action_id>")
@blp.response(200, ActionSchema)
@requires("results:read")
def get_action(action_id: int):
    """One action of a plan.

    The address an "action.changed" webhook points at."""
    item = key_get(g.api_key, ActionItem, action_id)
    if item.is_removed:
        refuse(404, _("This action was removed from the plan."))
    return action_document(item, item.plan.round_id, get_locale().language)


@blp.patch("/actions/<int:action_id>")
@blp.arguments(ActionPatchSchema)
@blp.response(200, ActionSchema)
@requires("actions:manage")
def update_action(body, action_id: int):
    """Change an action's status, owner or due date.

    Status: open, in_progress or done; null clears the owner or the due date; fields left out
    stay as they are."""
    item = key_get(g.api_key, ActionItem, action_id)
    if item.is_removed:
        refuse(404, _("This action was removed from the plan."))
    lang = get_locale().language
    current = {"title": item.text("title", lang), "description": item.text("description", lang) or "",
               "owner": item.owner or "", "due_on": item.due_on.isoformat() if item.due_on else "",
               "status": item.status.value}
    for name in ("owner", "due_on", "status"):
        if name in body:
            value = body[name]
            current[name] = "" if value is None else (value.isoformat() if name == "due_on" else str(value))
    form = ItemForm(formdata=MultiDict(current), meta={"csrf": False})
    if not form.validate():
        refuse_form(form)
    plan_services.update_item(item, title=form.title.data, description=form.description.data, owner=form.owner.data,
                              due_on=form.due_on.data, status=ItemStatus(form.status.data), lang=lang)
    return action_document(item, item.plan.round_id, lang)
