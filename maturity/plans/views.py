"""The action plan of a round: directors and consultants edit it; employees read it once published."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from ..audit import services as audit
from ..extensions import db
from ..results.services import round_results
from ..rounds.models import Round
from ..tenancy.access import CONSULTANT, DIRECTOR, EMPLOYEE, organisation_blueprint, roles_required, scoped_get
from . import services, sharing
from ..forms_common import ActionForm
from .forms import CommentaryForm, ItemForm, MoveForm, NewItemForm, OwnerRolesForm, StopForm
from .models import ActionItem, ItemStatus

bp = organisation_blueprint("plans", __name__, "/rounds/<int:round_id>/plan")

MANAGERS = (DIRECTOR, CONSULTANT)


def _item_of(plan, item_id: int) -> ActionItem:
    """An item of *this* plan: the tenant check alone would accept another round's item."""
    item = scoped_get(ActionItem, item_id)
    if plan is None or item.plan_id != plan.id or item.is_removed:
        abort(404)
    return item


def _undecided(round_: Round, plan, item_id: int, lang: str) -> ActionItem:
    """An unfinished action of the previous round that this plan does not yet continue."""
    earlier = scoped_get(ActionItem, item_id)
    carried, _title = services.carry_over(round_, plan, lang)
    if not any(c.item.id == earlier.id and c.continued_in is None for c in carried):
        abort(404)
    return earlier


@bp.route("/")
@roles_required(*MANAGERS, EMPLOYEE)
def page(round_id: int):
    round_ = scoped_get(Round, round_id)
    plan = services.plan_for(round_)
    lang = get_locale().language
    if g.role == EMPLOYEE:
        if plan is None or not plan.is_published:
            return render_template("plans/not_published.html", round=round_)
        return render_template("plans/read.html", round=round_, plan=plan, items=services.visible_items(plan), lang=lang)
    return _page(round_, plan, lang)


def _page(round_: Round, plan, lang: str, roles_form: OwnerRolesForm | None = None) -> str:
    carried, carried_from = services.carry_over(round_, plan, lang)
    roles = g.org.owner_roles or {}
    # Just removed (``?removed=<id>``): the page offers to undo it, while it is still removed.
    removed = request.args.get("removed", type=int)
    just_removed = next((i for i in plan.items if i.id == removed and i.is_removed), None) if plan and removed else None
    return render_template(
        "plans/page.html", round=round_, plan=plan, items=services.visible_items(plan) if plan else [], lang=lang,
        just_removed=just_removed,
        carried=carried, carried_from=carried_from, roles=roles,
        suggested_owner=lambda item: services.suggested_owner(item, roles, lang),
        # What customers and employees wrote on each theme, from the results (never stored).
        theme_quotes=services.theme_quotes,
        roles_form=roles_form or OwnerRolesForm(data=roles),
        action_form=ActionForm(), new_form=NewItemForm(), move_form=MoveForm(), stop_form=StopForm(),
        results=round_results(round_), sharing=sharing.status(round_, plan),
        commentary_form=CommentaryForm(data={"commentary": plan.commentary if plan else "",
                                             "language": (plan.commentary_language if plan else None)
                                             or get_locale().language}),
    )


@bp.route("/generate", methods=["POST"])
@roles_required(*MANAGERS)
def generate(round_id: int):
    round_ = scoped_get(Round, round_id)
    if ActionForm().validate_on_submit():
        results = round_results(round_)
        if results.placement is None:
            flash(_("There are too few responses to make an action plan."), "error")
        else:
            had_plan = services.plan_for(round_) is not None
            services.generate_plan(round_, results)
            flash(_("The action plan has been brought up to date; your changes have been kept.") if had_plan
                  else _("The action plan has been generated from the results. Adjust it to your organisation."), "success")
    return redirect(url_for("plans.page", round_id=round_id))


@bp.route("/publish", methods=["POST"])
@roles_required(*MANAGERS)
def publish(round_id: int):
    round_ = scoped_get(Round, round_id)
    plan = services.plan_for(round_) or abort(404)
    if ActionForm().validate_on_submit():
        services.set_published(plan, not plan.is_published)
        mailed, shared_before = 0, plan.shared_at is not None
        if plan.is_published:
            db.session.flush()
            services.plan_published.send(round_)  # the report as it is now is the published record
            # Every invitee hears what came of it, once per round however often this is pressed.
            mailed = sharing.share(round_, plan)
        audit.record("plan_published" if plan.is_published else "plan_unpublished",
                     organisation_id=round_.organisation_id, obj=round_,
                     **({"mailed": mailed} if plan.is_published else {}))
        if not plan.is_published:
            message = _("The action plan is no longer visible to employees.")
            if shared_before:
                message += " " + _("The link in the e-mail now says that the plan is no longer shared.")
        else:
            message = _("Employees can now read the action plan.")
            if mailed:
                message += " " + ngettext(
                    "%(num)d person invited to this round has been e-mailed a link to the results and the plan.",
                    "%(num)d people invited to this round have been e-mailed a link to the results and the plan.",
                    mailed)
            elif shared_before:
                message += " " + _("Nobody was e-mailed again: everyone invited to this round has already had the link.")
        flash(message, "success")
    return redirect(url_for("plans.page", round_id=round_id))


@bp.route("/roles", methods=["POST"])
@roles_required(*MANAGERS)
def owner_roles(round_id: int):
    """The organisation's own names for action owners: the plan suggests owners only from these."""
    round_ = scoped_get(Round, round_id)
    form = OwnerRolesForm()
    if form.validate_on_submit():
        services.set_owner_roles(g.org, {key: form[key].data for key in OwnerRolesForm.KEYS})
        flash(_("The roles have been saved; the plan suggests owners from them."), "success")
        return redirect(url_for("plans.page", round_id=round_id) + "#roles")
    # Shown again with what was typed and the message beside the field.
    return _page(round_, services.plan_for(round_), get_locale().language, roles_form=form), 400


@bp.route("/commentary", methods=["POST"])
@roles_required(*MANAGERS)
def commentary(round_id: int):
    """The consultant's own words for the board (in the report's summary)."""
    round_ = scoped_get(Round, round_id)  # a foreign round is 404 before anything else
    plan = services.plan_for(round_) or abort(404)
    if g.role != CONSULTANT:
        abort(403)
    form = CommentaryForm()
    if form.validate_on_submit():
        services.set_commentary(plan, form.commentary.data, form.language.data)
        flash(_("The commentary has been saved; it is in the report's summary."), "success")
        return redirect(url_for("plans.page", round_id=round_id) + "#commentary")
    flash(_("The commentary was not saved: %(error)s", error="; ".join(str(e) for e in form.commentary.errors + form.language.errors)
            or _("the page had expired, please try again")), "error")
    return redirect(url_for("plans.page", round_id=round_id) + "#commentary")


@bp.route("/adopt/<int:item_id>", methods=["POST"])
@roles_required(*MANAGERS)
def adopt_item(round_id: int, item_id: int):
    """Continue an unfinished action of the previous round in this plan."""
    round_ = scoped_get(Round, round_id)
    plan = services.plan_for(round_) or abort(404)
    lang = get_locale().language
    earlier = _undecided(round_, plan, item_id, lang)
    if ActionForm().validate_on_submit():
        services.adopt_item(plan, earlier, lang)
        flash(_("The action continues in this plan."), "success")
    return redirect(url_for("plans.page", round_id=round_id))


@bp.route("/stop/<int:item_id>", methods=["POST"])
@roles_required(*MANAGERS)
def stop_item(round_id: int, item_id: int):
    """Record that an unfinished action of the previous round is deliberately not continued."""
    round_ = scoped_get(Round, round_id)
    plan = services.plan_for(round_) or abort(404)
    earlier = _undecided(round_, plan, item_id, get_locale().language)
    form = StopForm()
    if form.validate_on_submit():
        services.stop_item(earlier, form.reason.data)
        flash(_("Recorded: this action is not continued. The report says why."), "success")
    else:
        flash(_("Not recorded: %(error)s", error="; ".join(str(e) for e in form.reason.errors)
                or _("the page had expired, please try again")), "error")
    return redirect(url_for("plans.page", round_id=round_id) + "#carried")


@bp.route("/items", methods=["POST"])
@roles_required(*MANAGERS)
def add_item(round_id: int):
    round_ = scoped_get(Round, round_id)
    plan = services.plan_for(round_) or abort(404)
    form = NewItemForm()
    if form.validate_on_submit():
        services.add_item(plan, title=form.title.data, description=form.description.data,
                          owner=form.owner.data, due_on=form.due_on.data)
        flash(_("The action has been added."), "success")
        return redirect(url_for("plans.page", round_id=round_id))
    return render_template("plans/item_form.html", round=round_, form=form, item=None), 400


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_item(round_id: int, item_id: int):
    round_ = scoped_get(Round, round_id)
    item = _item_of(services.plan_for(round_), item_id)
    lang = get_locale().language
    form = ItemForm(data={
        "title": item.text("title", lang), "description": item.text("description", lang), "owner": item.owner,
        "due_on": item.due_on, "status": item.status.value,
    })
    if form.validate_on_submit():
        services.update_item(item, title=form.title.data, description=form.description.data, owner=form.owner.data,
                             due_on=form.due_on.data, status=ItemStatus(form.status.data), lang=lang)
        flash(_("The action has been saved."), "success")
        return redirect(url_for("plans.page", round_id=round_id) + f"#item-{item.id}")
    status = 400 if request.method == "POST" else 200
    return render_template("plans/item_form.html", round=round_, form=form, item=item, lang=lang,
                           action_form=ActionForm()), status


@bp.route("/items/<int:item_id>/remove", methods=["POST"])
@roles_required(*MANAGERS)
def remove_item(round_id: int, item_id: int):
    """Remove, then offer the way back: the plan page names the removed action with a button
    that restores it (no confirmation first, and no JavaScript needed)."""
    round_ = scoped_get(Round, round_id)
    item = _item_of(services.plan_for(round_), item_id)
    if ActionForm().validate_on_submit():
        services.remove_item(item)
        return redirect(url_for("plans.page", round_id=round_id, removed=item.id))  # the notice is at the top
    return redirect(url_for("plans.page", round_id=round_id))


@bp.route("/items/<int:item_id>/restore", methods=["POST"])
@roles_required(*MANAGERS)
def restore_item(round_id: int, item_id: int):
    """Undo a removal: the action comes back in its place. Pressing it twice changes nothing."""
    round_ = scoped_get(Round, round_id)
    plan = services.plan_for(round_)
    item = scoped_get(ActionItem, item_id)
    if plan is None or item.plan_id != plan.id:
        abort(404)
    if ActionForm().validate_on_submit() and item.is_removed:
        services.restore_item(item)
        flash(_("“%(title)s” is back in the plan.", title=item.text("title", get_locale().language)), "success")
    return redirect(url_for("plans.page", round_id=round_id) + f"#item-{item.id}")


@bp.route("/items/<int:item_id>/move", methods=["POST"])
@roles_required(*MANAGERS)
def move_item(round_id: int, item_id: int):
    round_ = scoped_get(Round, round_id)
    item = _item_of(services.plan_for(round_), item_id)
    form = MoveForm()
    if form.validate_on_submit() and form.direction.data in services.MOVES:
        services.move_item(item, form.direction.data)
    return redirect(url_for("plans.page", round_id=round_id) + f"#item-{item.id}")
