"""Two requests submitting the same questionnaire at the same moment: one response, no 500.

Runs against its own SQLite file with real commits (the shared fixtures roll back a single
connection, which cannot show concurrency)."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from flask_migrate import upgrade

from maturity import create_app
from maturity.extensions import db
from maturity.rounds import links, services
from maturity.rounds import inviting, submission
from maturity.rounds.models import Ballot, Invitation

from ..conftest import Client
from ..helpers import full_answers


def test_parallel_double_submit_gives_one_response(tmp_path):
    from datetime import date, timedelta

    from ..factories import build_tenant

    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'parallel.sqlite3'}",
        "SECRET_KEY": "parallel-test-secret-key-0123456789abcdef",
    })
    app.test_client_class = Client
    with app.app_context():
        upgrade()
        tenant = build_tenant("par")
        round_ = services.create_round(tenant.org, services.RoundSettings(
            title="R", opens_on=date.today(), closes_on=date.today() + timedelta(days=3)))
        services.open_round(round_)
        with app.test_request_context():
            inviting.invite_employees(round_)
        invitation = db.session.scalars(sa.select(Invitation)).first()
        token = links.invitation_token(invitation.id, invitation.nonce)
        submission.save_answers(invitation, token, full_answers())
        db.session.commit()

    barrier = threading.Barrier(4)
    statuses = []

    def submit():
        client = app.test_client()
        client.get(f"/r/{token}/")  # the link is exchanged for this browser session
        csrf_token = client.csrf_token()
        barrier.wait()
        statuses.append(client.post("/respond/submit", data={"csrf_token": csrf_token}).status_code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [302] * 4
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 1
        db.engine.dispose()
