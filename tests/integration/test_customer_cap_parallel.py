"""The public customer link's per-round cap holds when many customers submit at once.

Real commits on a database of its own: PostgreSQL when TEST_CONCURRENCY_DATABASE_URL is set
(CI), where transactions truly run in parallel; otherwise an SQLite file."""

from __future__ import annotations

import os
import threading
from datetime import date, timedelta

import sqlalchemy as sa
from flask_migrate import upgrade

from maturity import create_app
from maturity.extensions import db
from maturity.instrument import load_instrument
from maturity.rounds import services
from maturity.rounds.models import Ballot, Round

from ..conftest import Client, _reset_schema


def test_parallel_customers_never_exceed_the_cap(tmp_path):
    from ..factories import build_tenant

    url = os.environ.get("TEST_CONCURRENCY_DATABASE_URL") or f"sqlite:///{tmp_path / 'cap.sqlite3'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "parallel-test-secret-key-0123456789abcdef", "TASK_QUEUE_URL": "immediate"})
    app.test_client_class = Client
    with app.app_context():
        _reset_schema()
        upgrade()
        tenant = build_tenant("cap")
        round_ = services.create_round(tenant.org, services.RoundSettings(
            title="R", opens_on=date.today(), closes_on=date.today() + timedelta(days=3)))
        services.open_round(round_)
        round_.customer_cap = 5
        token = round_.customer_token
        db.session.commit()
    data = {key: "7" for key in load_instrument("1").customer_answer_keys()}
    clients = []
    for _ in range(8):
        client = app.test_client()
        data_with_token = {**data, "csrf_token": _csrf(client, f"/k/{token}/")}
        clients.append((client, data_with_token))
    barrier = threading.Barrier(len(clients))
    statuses = []

    def submit(client, form):
        barrier.wait()
        statuses.append(client.post(f"/k/{token}/", data=form).status_code)

    threads = [threading.Thread(target=submit, args=pair) for pair in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 3 + [302] * 5  # five stored, three told the survey is full
    with app.app_context():
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Ballot).join(
            Round, Round.id == Ballot.round_id).where(Round.customer_token == token, Ballot.kind == "customer"))
        assert stored == 5
        db.session.remove()
        _reset_schema()
        db.engine.dispose()


def _csrf(client, url: str) -> str:
    import re

    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html).group(1) \
        or re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
