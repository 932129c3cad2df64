"""flask rescore: stored scores follow the raw answers after a scoring change, idempotently."""

from __future__ import annotations

import sqlalchemy as sa

from maturity.extensions import db
from maturity.rounds.models import CustomerResponse, Response

from ..helpers import filled_round


def test_rescore_repairs_stored_scores_and_is_idempotent(app, world):
    round_ = filled_round(app, world, {"Wonen": 6}, customers=5)
    # As if an earlier scoring version had stored wrong values.
    db.session.execute(sa.update(Response).where(Response.round_id == round_.id).values(leadership=1.0, band="low"))
    db.session.execute(sa.update(CustomerResponse).where(CustomerResponse.round_id == round_.id).values(mirror_customer=0.0))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["rescore", "--dry-run"])
    assert dry.exit_code == 0 and "would change" in dry.output and "leadership 6" in dry.output
    assert "mirror_customer 5" in dry.output
    assert db.session.scalar(sa.select(sa.func.max(Response.leadership)).where(Response.round_id == round_.id)) == 1.0
    real = runner.invoke(args=["rescore"])
    assert real.exit_code == 0 and "leadership 6" in real.output
    assert db.session.scalar(sa.select(sa.func.min(Response.leadership)).where(Response.round_id == round_.id)) > 1.0
    again = runner.invoke(args=["rescore"])
    assert "0 values changed (nothing)" in again.output
