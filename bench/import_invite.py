"""Benchmark: importing and inviting 2,000 people with a mail server that takes 20 ms a message.

Run: .venv/bin/python bench/import_invite.py [people]   (default 2000)

The requests only record the messages (transactional outbox); the worker delivers them. This
times, in-process on SQLite: the import request (account invitations), the round's invitation
request, and the worker's delivery of everything over one SMTP connection per batch of 100.
Numbers go to docs/performance.md by hand; tests never assert times.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def main(n: int) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message
    from flask_migrate import upgrade

    import sqlalchemy as sa

    from maturity import create_app
    from maturity.accounts.passwords import hash_password
    from maturity.extensions import db
    from maturity.mail.models import OutboxMessage
    from maturity.rounds import services as rounds
    from maturity.mail.jobs import deliver_outbox
    from maturity.tenancy.models import Consultancy, Organisation, OrganisationMembership, OrgRole
    from maturity.accounts.models import User

    class Slow(Message):
        count = 0

        async def handle_DATA(self, server, session, envelope):
            await asyncio.sleep(0.02)
            return await super().handle_DATA(server, session, envelope)

        def handle_message(self, message):
            Slow.count += 1

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    smtp = Controller(Slow(), hostname="127.0.0.1", port=port)
    smtp.start()
    tmp = Path(tempfile.mkdtemp())
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}", "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
                      "TASK_QUEUE_URL": f"sqlite:///{tmp / 'tasks.sqlite3'}", "SERVER_NAME": "bench.local",
                      "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False})
    with app.app_context():
        upgrade()
        consultancy = Consultancy(name="Bureau", slug="bureau")
        db.session.add(consultancy)
        db.session.flush()
        org = Organisation(consultancy_id=consultancy.id, name="Gemeente", slug="gemeente")
        db.session.add(org)
        director = User(email="directeur@example.nl", name="Directeur", password_hash=hash_password("bench-password-1"))
        db.session.add(director)
        db.session.flush()
        db.session.add(OrganisationMembership(organisation_id=org.id, user_id=director.id, role=OrgRole.DIRECTOR))
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "directeur@example.nl", "password": "bench-password-1"})
    csv = "naam;e-mail;afdeling\n" + "".join(f"Medewerker {i};m{i}@example.nl;Afdeling {i % 12}\n" for i in range(n))
    start = time.perf_counter()
    response = client.post("/o/gemeente/people/import/confirm",
                           data={"content": base64.b64encode(csv.encode()).decode()})
    imported = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation))
        round_ = rounds.create_round(org, rounds.RoundSettings(
            title="Meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=14)))
        rounds.open_round(round_)
        db.session.commit()
        round_id = round_.id
    start = time.perf_counter()
    response = client.post(f"/o/gemeente/rounds/{round_id}/invite")
    invited = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    with app.app_context():
        pending = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.status == "pending"))
    start = time.perf_counter()
    with app.app_context():
        deliver_outbox.call_local()
    delivered = time.perf_counter() - start
    smtp.stop()
    print(f"people: {n}")
    print(f"import request (records {n} account invitations): {imported:.2f} s")
    print(f"invite request (records {n} round invitations):    {invited:.2f} s")
    print(f"messages waiting for the worker after both:        {pending}")
    print(f"worker delivery of {pending} messages at 20 ms each:  {delivered:.1f} s ({Slow.count} received)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
