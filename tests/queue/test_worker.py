"""The real parts: a worker process consuming the queue (embedded SQLite, and Redis), a real
SMTP server, and a database the worker shares with the web process. These tests commit, so
they run on a database of their own, never the suite's rolled-back one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from maturity import create_app, tasks
from maturity.extensions import db
from maturity.mail.models import OutboxMessage
from maturity.models_base import utcnow
from maturity.reports.models import ReportCache
from maturity.rounds import services as rounds
from maturity.rounds import inviting
from maturity.tenancy.models import OrgRole

from ..conftest import Client
from ..factories import PASSWORD, DepartmentFactory, OrganisationFactory, member
from ..helpers import Collect, free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "queue-test-secret-key-that-is-long-enough-0123456789"


class SlowCollect(Collect):
    """A mail server that takes its time per message, like a real one under load."""

    def __init__(self, delay: float = 0.0):
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


class Flaky(Collect):
    """Accepts ``healthy`` messages, then answers 421 (service closing) while ``failing``."""

    def __init__(self, healthy: int):
        super().__init__()
        self.healthy, self.failing = healthy, True

    async def handle_DATA(self, server, session, envelope):
        if self.failing and len(self.messages) >= self.healthy:
            return "421 4.3.2 Service shutting down, try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/tasks.sqlite3"
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        if os.environ.get("REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis at {url} (CI sets REQUIRE_REDIS)")
    redis.Redis.from_url(url).flushdb()
    return url


@dataclass
class Stack:
    app: object
    env: dict
    smtp: Controller
    handler: Collect
    workers: list
    log_dir: Path

    def start_worker(self) -> subprocess.Popen:
        with open(self.log_dir / f"worker-{len(self.workers)}.log", "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "maturity", "worker"], cwd=ROOT,
                                       env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers.append(process)
        return process


def _stack(tmp_path, queue_url, handler) -> Stack:
    smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
    smtp.start()
    database = f"sqlite:///{tmp_path}/app.sqlite3"
    config = {"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": SECRET, "SERVER_NAME": "klantspiegel.local",
              "TASK_QUEUE_URL": queue_url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_USE_TLS": False,
              "MAIL_TIMEOUT": 5, "RATELIMIT_STORAGE_URI": "memory://", "TESTING": True}
    app = create_app(config)
    app.test_client_class = Client
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": SECRET, "TASK_QUEUE_URL": queue_url,
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), "MAIL_USE_TLS": "0", "MAIL_TIMEOUT": "5",
           "BASE_URL": "http://klantspiegel.local", "MATURITY_ENV": "development"}
    return Stack(app, env, smtp, handler, [], tmp_path)


@pytest.fixture
def make_stack(tmp_path, queue_url):
    made = []

    def make(handler=None):
        stack = _stack(tmp_path, queue_url, handler or Collect())
        made.append(stack)
        return stack

    yield make
    for stack in made:
        for process in stack.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        stack.smtp.stop()
        with stack.app.app_context():
            db.session.remove()
            db.engine.dispose()


def _organisation(n: int):
    org = OrganisationFactory()
    department = DepartmentFactory(organisation_id=org.id, name="Klantcontact")
    director = member(org, OrgRole.DIRECTOR, email=f"directeur@{org.slug}.example.nl")
    for i in range(n):
        member(org, OrgRole.EMPLOYEE, department, email=f"medewerker{i}@{org.slug}.example.nl")
    db.session.commit()
    return org, director


def _invite(stack, n: int) -> set[str]:
    """A director invites ``n`` employees: one request, one commit."""
    from datetime import date

    with stack.app.app_context():
        org, _director = _organisation(n)
        round_ = rounds.create_round(org, rounds.RoundSettings(
            title="Meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=14)))
        rounds.open_round(round_)
        with stack.app.test_request_context():
            inviting.invite_employees(round_)
            db.session.commit()  # the outbox hands the messages to the worker after this
        return set(db.session.scalars(sa.select(OutboxMessage.recipient)))


def _statuses(stack) -> dict[str, int]:
    with stack.app.app_context():
        return dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)).all())


def _wait(condition, timeout: float = 45.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _received(handler) -> list[str]:
    return [m["To"] for m in handler.messages]


def test_the_worker_delivers_what_a_request_recorded_after_it_committed(make_stack):
    stack = make_stack()
    recipients = _invite(stack, 25)
    assert _statuses(stack) == {"pending": 25}  # recorded with the action, nothing sent by the request
    stack.start_worker()
    _wait(lambda: _statuses(stack) == {"sent": 25}, what="delivery")
    assert sorted(_received(stack.handler)) == sorted(recipients)  # each exactly once
    with stack.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(
            sa.or_(OutboxMessage.body_sealed.is_not(None), OutboxMessage.body_text.is_not(None)))) == 0


def test_a_mail_server_failing_halfway_loses_nothing_and_sends_nothing_twice(make_stack):
    from maturity.mail.delivery import deliver_due

    handler = Flaky(healthy=8)
    stack = make_stack(handler)
    recipients = _invite(stack, 20)
    with stack.app.app_context():
        sent, due = deliver_due()
        assert sent == 8 and due == 10  # untried: due now; the two tried wait for their retry time
    statuses = _statuses(stack)
    assert statuses == {"sent": 8, "pending": 12}
    with stack.app.app_context():
        tried = db.session.execute(sa.select(OutboxMessage.attempts, OutboxMessage.error).where(
            OutboxMessage.status == "pending", OutboxMessage.attempts > 0).order_by(OutboxMessage.id)).all()
        # The one refused, and the next, which found the connection closed; the batch stopped there.
        assert [a for a, _e in tried] == [1, 1] and "421" in tried[0][1] and "ConnectionLost" in tried[1][1]
        handler.failing = False
        # Time passes: every retry is due.
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
                           .where(OutboxMessage.status == "pending"))
        db.session.commit()
        deliver_due()
    assert _statuses(stack) == {"sent": 20}
    assert sorted(_received(handler)) == sorted(recipients)


def test_killing_the_worker_mid_batch_loses_nothing_and_sends_nothing_twice(make_stack):
    stack = make_stack(SlowCollect(delay=0.05))
    recipients = _invite(stack, 60)
    worker = stack.start_worker()
    _wait(lambda: len(stack.handler.messages) >= 10, what="the first deliveries")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    statuses = _statuses(stack)
    assert set(statuses) <= {"sent", "pending", "sending"} and statuses.get("sending", 0) <= 1
    assert statuses.get("pending", 0) > 0, "the worker finished before it was killed; slow the server down"
    # A new worker takes over (the old one's lock expires; with SQLite the worker clears it at start).
    with stack.app.app_context():
        tasks.configure(stack.env["TASK_QUEUE_URL"])
        tasks.huey.flush_locks()
    stack.start_worker()
    _wait(lambda: _statuses(stack).get("pending", 0) == 0 and "sending" not in _statuses(stack)
          or _statuses(stack).get("sending", 0) == statuses.get("sending", 0) == 1 and not _statuses(stack).get("pending"),
          what="the second worker")
    from maturity.mail.delivery import SENDING_TIMEOUT, mark_unconfirmed

    with stack.app.app_context():
        mark_unconfirmed(now=utcnow() + SENDING_TIMEOUT + timedelta(minutes=1))
    final = _statuses(stack)
    assert set(final) <= {"sent", "unconfirmed"} and final.get("unconfirmed", 0) <= 1
    received = _received(stack.handler)
    assert len(received) == len(set(received)), "somebody got a message twice"
    assert final["sent"] <= len(received) <= final["sent"] + final.get("unconfirmed", 0)
    assert set(received) <= recipients


def _report_round(stack):
    """A published round and its director signed in: (client, the report's URL, the round's id)."""
    from ..helpers import filled_round

    with stack.app.app_context():
        org, director = _organisation(0)
        round_ = filled_round(stack.app, SimpleNamespace(ours=SimpleNamespace(org=org)), {"Wonen": 6})
        db.session.commit()
        url, email, round_id = f"/o/{org.slug}/rounds/{round_.id}/report", director.email, round_.id
    client = stack.app.test_client()
    assert client.submit("/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client, url, round_id


def test_the_report_is_rendered_by_the_worker_while_the_page_waits(make_stack):
    stack = make_stack()
    client, url, _round_id = _report_round(stack)
    asked = client.submit(url + ".pdf")  # the button: a POST, answered with the file's address
    assert asked.status_code == 303
    waiting = client.get(asked.location)
    assert waiting.status_code == 202 and "Het rapport wordt gemaakt" in waiting.get_data(as_text=True)
    assert 'http-equiv="refresh"' in waiting.get_data(as_text=True)
    assert client.submit(url + ".pdf").status_code == 303  # a second click asks for nothing more
    stack.start_worker()
    _wait(lambda: "Het rapport is klaar" in client.get(url).get_data(as_text=True), what="the report")
    pdf = client.get(url + ".pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with stack.app.app_context():
        assert db.session.scalar(sa.select(ReportCache.status)) == "ready"


def test_a_report_whose_worker_is_killed_mid_render_is_made_again_within_seconds(make_stack):
    """The worker takes the report and is killed while it renders (its PDF child with it). The
    queue has forgotten the job (a worker removes a task when it takes it); the row's heartbeat
    stops, and the page that waits hands the job to the queue again once it is ``LOST_AFTER``
    old: a new worker makes it within seconds, not after minutes."""
    from maturity.pdf.documents import LOST_AFTER

    stack = make_stack()
    client, url, round_id = _report_round(stack)
    assert client.submit(url + ".pdf").status_code == 303
    worker = stack.start_worker()

    def claimed():
        with stack.app.app_context():
            return db.session.execute(sa.select(ReportCache.claimed_at, ReportCache.status)).one()

    _wait(lambda: claimed()[0] is not None, what="the worker to take the report")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    killed_at = time.monotonic()
    assert claimed()[1] == "pending", "the report was made before the worker was killed"
    with stack.app.app_context():
        tasks.configure(stack.env["TASK_QUEUE_URL"])
        assert "render_report" not in [t.name for t in tasks.huey.pending()]  # nothing for a new worker to find
    stack.start_worker()
    time.sleep(3)
    assert claimed()[1] == "pending"  # a new worker alone does not find it
    # The page that waits polls: once the heartbeat is LOST_AFTER old, it asks again.
    _wait(lambda: "Het rapport is klaar" in client.get(url).get_data(as_text=True), timeout=LOST_AFTER.seconds + 40,
          what="the report, asked again")
    assert time.monotonic() - killed_at < LOST_AFTER.seconds + 40
    assert client.get(url + ".pdf").data.startswith(b"%PDF")


def test_a_scheduled_job_runs_once_while_another_worker_holds_its_lock(make_stack):
    from maturity.rounds.jobs import reminders_job

    stack = make_stack()
    _invite(stack, 3)
    with stack.app.app_context():
        tasks.configure(stack.env["TASK_QUEUE_URL"])
        with tasks.lock("reminders", ttl=60):  # another worker is sending reminders right now
            reminders_job.call_local()
        assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.kind == "round-reminder")) == 0


def test_a_director_s_close_is_done_by_the_worker_while_the_page_waits(make_stack):
    """Releasing a large round's ballots takes longer than a request may: the request asks,
    the worker closes and publishes, the page says so meanwhile and then shows the results."""
    from ..helpers import filled_round

    stack = make_stack()
    with stack.app.app_context():
        org, director = _organisation(0)
        round_ = filled_round(stack.app, SimpleNamespace(ours=SimpleNamespace(org=org)), {"Wonen": 6}, close=False)
        db.session.commit()
        url, email, round_id = f"/o/{org.slug}/rounds/{round_.id}", director.email, round_.id
    client = stack.app.test_client()
    assert client.submit("/login", {"email": email, "password": PASSWORD}).status_code == 302
    client.submit(url + "/close")
    client.submit(url + "/close")  # a double click: one close, not two
    page = client.get(url).get_data(as_text=True)
    assert "De ronde wordt gesloten" in page and 'http-equiv="refresh"' in page
    assert "Ronde sluiten…" not in page
    stack.start_worker()
    _wait(lambda: "Resultaten bekijken" in client.get(url).get_data(as_text=True), what="the close")
    with stack.app.app_context():
        from maturity.results import tally
        from maturity.rounds.models import Round

        closed = db.session.get(Round, round_id)
        assert closed.is_published and closed.close_requested_at is None
        assert tally.stored([round_id])[round_id][tally.ROUND, "responses"][0] == 6
