"""Rounds: listed, read with their participation, created, opened, invited and closed, as the
round's page does it (the same services, the same checks and messages)."""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..results.jobs import close_job
from ..core.display import shown
from ..results.history import round_points
from ..rounds import inviting
from ..rounds import services as round_services
from ..rounds.forms import RoundForm
from ..rounds.models import Round
from ..rounds.views import population_message
from ..tasks import enqueue
from ..tenancy.access import key_get, key_organisation, scoped_select
from ..tenancy.models import Department
from .auth import blueprint, page, refuse, refuse_form, requires
from .schemas import InvitedSchema, PageArgs, RoundCreateSchema, RoundPage, RoundSchema

blp = blueprint("rounds", "Assessment rounds and their participation; creating and running them (scope rounds:manage).")


def status_of(round_: Round) -> str:
    if round_.is_published:
        return "published"
    if round_.is_closing:
        return "closing"
    return round_.status.value


def round_documents(rounds: list[Round]) -> list[dict]:
    """Rounds as the API gives them, with participation as the pages count it
    (``results.history.round_points``: a fixed number of grouped queries for any number of
    rounds; a published round's counts from its published tally, an open round's counted now)."""
    points = {p.round_id: p for p in round_points(rounds)}
    out = []
    for round_ in rounds:
        p = points[round_.id]
        responses = p.n if round_.is_published else p.n_submitted
        out.append({
            "id": round_.id, "organisation_id": round_.organisation_id, "title": round_.title,
            "status": status_of(round_), "opens_on": round_.opens_on, "closes_on": round_.closes_on,
            "min_group_size": round_.min_group_size, "min_comment_group_size": round_.min_comment_group_size,
            "min_customer_group_size": round_.min_customer_group_size, "opened_at": round_.opened_at,
            "published_at": round_.closed_at if round_.is_published else None,
            "participation": {"invited": p.n_invited, "responses": responses, "customers": p.n_customers,
                              "response_rate": int(shown(100 * responses / p.n_invited, 0)) if p.n_invited else None},
        })
    return out


def round_document(round_: Round) -> dict:
    return round_documents([round_])[0]


@blp.get("/organisations/<int:org_id>/rounds")
@blp.arguments(PageArgs, location="query")
@blp.response(200, RoundPage)
def list_rounds(args, org_id: int):
    """The organisation's rounds.

    Oldest first, with their state and participation (counts only: a round's figures appear
    when it is published)."""
    key_organisation(g.api_key, org_id)
    items, cursor = page(scoped_select(Round), Round.id, args)
    return {"items": round_documents(items), "next_cursor": cursor}


@blp.get("/rounds/<int:round_id>")
@blp.response(200, RoundSchema)
def get_round(round_id: int):
    """One round, its state and participation."""
    return round_document(key_get(g.api_key, Round, round_id))


@blp.post("/organisations/<int:org_id>/rounds")
@blp.arguments(RoundCreateSchema)
@blp.response(201, RoundSchema)
@requires("rounds:manage")
def create_round(body, org_id: int):
    """Create a round (a draft).

    Checked as the round form checks it, with the same messages."""
    org = key_organisation(g.api_key, org_id)
    departments = db.session.scalars(scoped_select(Department)).all()
    data = MultiDict({k: ("" if v is None else str(v)) for k, v in body.items() if k != "department_ids"})
    data.setlist("departments", [str(i) for i in body["department_ids"]])
    form = RoundForm(formdata=data, meta={"csrf": False}, department_choices=[(d.id, d.name) for d in departments])
    if not form.validate():
        refuse_form(form)
    settings = round_services.RoundSettings(
        title=form.title.data, opens_on=form.opens_on.data, closes_on=form.closes_on.data,
        min_group_size=form.min_group_size.data, min_comment_group_size=form.min_comment_group_size.data,
        min_customer_group_size=form.min_customer_group_size.data, department_ids=tuple(form.departments.data or ()))
    return round_document(round_services.create_round(org, settings))


def _act(round_id: int, do, refused: str):
    round_ = key_get(g.api_key, Round, round_id)
    try:
        result = do(round_)
    except round_services.RoundStateError:
        refuse(409, refused)
    except round_services.PopulationConflict as conflict:
        refuse(409, population_message(conflict))
    return round_, result


@blp.delete("/rounds/<int:round_id>")
@blp.response(204)
@requires("rounds:manage")
def delete_round(round_id: int):
    """Delete a draft round.

    A draft was never open: no one was invited, nothing was answered. 409 for a round that is
    open or published (those are kept)."""
    _act(round_id, round_services.delete_draft,
         _("Only a draft round can be deleted; an open or closed round is kept."))


@blp.post("/rounds/<int:round_id>/open")
@blp.response(200, RoundSchema)
@requires("rounds:manage")
def open_round(round_id: int):
    """Open a draft round.

    Then invite. 409 when it is not a draft, or when the people it would invite could be
    compared with another round's to single a few out (the page's message)."""
    round_, _r = _act(round_id, round_services.open_round, _("Only a draft round can be opened."))
    return round_document(round_)


@blp.post("/rounds/<int:round_id>/invite")
@blp.response(200, InvitedSchema)
@requires("rounds:manage")
def invite(round_id: int):
    """Invite everyone eligible who has no invitation yet.

    The mails go out after this call, from the organisation's name."""
    _round, n = _act(round_id, inviting.invite_employees, _("Invitations can only be sent while the round is open."))
    return {"invited": n}


@blp.post("/rounds/<int:round_id>/close")
@blp.response(202, RoundSchema)
@requires("rounds:manage")
def close(round_id: int):
    """Close the round and publish its results.

    The worker does it: the round says "closing" until its status is "published" (a
    "round.published" webhook says so too)."""
    round_, _r = _act(round_id, round_services.request_close, _("Only an open round can be closed."))
    enqueue(close_job, round_.id)
    return round_document(round_)
