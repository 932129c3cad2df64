"""Unfinished actions of the previous round: each is continued or stopped, and the report says which."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale

from maturity.extensions import db
from maturity.plans import services as plans
from maturity.plans.models import ActionItem, ActionPlan, ItemStatus
from maturity.reports.context import report_context
from maturity.results.services import round_results

from ..helpers import bulk_round


def _two_rounds(world):
    first = bulk_round(world.ours.org, "Eerste meting", 200, 40, world, seed=11)
    old = ActionPlan(round_id=first.id, organisation_id=world.ours.org.id)
    db.session.add(old)
    db.session.flush()
    panel = plans.add_item(old, title="Klantpanel opzetten", description="", owner="Marieke", due_on=None)
    panel.status = ItemStatus.IN_PROGRESS
    second = bulk_round(world.ours.org, "Tweede meting", 10, 40, world, seed=12)
    db.session.add(ActionPlan(round_id=second.id, organisation_id=world.ours.org.id))
    db.session.commit()
    return second, panel


def test_a_director_stops_an_unfinished_action_with_a_reason(app, client, auth, world):
    second, panel = _two_rounds(world)
    auth.login(world.ours.director)
    url = f"/o/{world.ours.org.slug}/rounds/{second.id}/plan/"
    assert "Niet voortzetten" in client.get(url).get_data(as_text=True)
    # Without a reason nothing is recorded, and the director is told why.
    response = client.submit(url + f"stop/{panel.id}", {"reason": "  "}, follow_redirects=True)
    assert response.status_code == 200 and "Niet vastgelegd" in response.get_data(as_text=True)
    assert db.session.get(ActionItem, panel.id).stop_reason is None
    client.submit(url + f"stop/{panel.id}", {"reason": "Vervangen door het klantenpanel van de gemeente"})
    db.session.expire_all()
    assert db.session.get(ActionItem, panel.id).stop_reason == "Vervangen door het klantenpanel van de gemeente"
    assert "Gestopt: Vervangen door het klantenpanel van de gemeente" in client.get(url).get_data(as_text=True)
    with app.test_request_context(), force_locale("nl"):
        carried = report_context(second, round_results(second))["progress"]["carried"]
    assert [c["next"] for c in carried] == ["gestopt: Vervangen door het klantenpanel van de gemeente"]
    # Continuing it after all replaces the decision.
    client.submit(url + f"adopt/{panel.id}")
    db.session.expire_all()
    assert db.session.get(ActionItem, panel.id).stop_reason is None
    with app.test_request_context(), force_locale("nl"):
        carried = report_context(second, round_results(second))["progress"]["carried"]
    assert carried[0]["next"] == "gaat verder in: Klantpanel opzetten"


def test_an_undecided_action_says_so_in_the_report(app, world):
    second, _panel = _two_rounds(world)
    with app.test_request_context(), force_locale("nl"):
        carried = report_context(second, round_results(second))["progress"]["carried"]
    assert carried[0]["next"] == "nog geen besluit"


def test_only_the_previous_rounds_unfinished_actions_can_be_stopped(app, client, auth, world):
    second, _panel = _two_rounds(world)
    plan = db.session.scalar(sa.select(ActionPlan).where(ActionPlan.round_id == second.id))
    own = plans.add_item(plan, title="Eigen actie", description="", owner=None, due_on=None)
    db.session.commit()
    auth.login(world.ours.director)
    response = client.submit(f"/o/{world.ours.org.slug}/rounds/{second.id}/plan/stop/{own.id}", {"reason": "x"})
    assert response.status_code == 404


def test_an_action_continued_from_the_previous_round_says_so(client, auth, world):
    """The plan page says where each action comes from (issue #27: an edited suggestion still
    said "voorgesteld"); one continued from the previous round is neither a suggestion nor new."""
    import re

    second, panel = _two_rounds(world)
    auth.login(world.ours.director)
    url = f"/o/{world.ours.org.slug}/rounds/{second.id}/plan/"
    client.submit(url + f"adopt/{panel.id}")
    page = client.get(url).get_data(as_text=True)
    meta = re.search(r'<p class="muted plan-meta">(.*?)</p>', page, re.S).group(1)
    assert "voortgezet" in meta and "eigen actie" not in meta and "voorgesteld" not in meta
