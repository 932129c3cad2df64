"""Shared pieces of the PostgreSQL benchmarks (bench/results_scale.py, bench/respondent_flow.py):
the app and a fresh schema, bulk seeding of an organisation through the app's own models and
services, valid random answers, and the machine facts printed under every table."""

from __future__ import annotations

import os
import platform
import random
import secrets
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

DEFAULT_DATABASE_URL = "postgresql+psycopg://klantspiegel_ci:klantspiegel_ci@127.0.0.1:5432/klantspiegel_bench"
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"
DIRECTOR_EMAIL = "directeur@bench.example"
DIRECTOR_PASSWORD = "bench password 1"


def make_app(database_url: str, **extra):
    from maturity import create_app

    config = {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, "SECRET_KEY": SECRET_KEY,
              "TASK_QUEUE_URL": "immediate", "MAIL_SERVER": "", "SERVER_NAME": "bench.local"}
    config.update(extra)
    return create_app(config)


def reset_schema(app) -> None:
    """An empty database, then the migrations (flask_migrate ``upgrade``), as a deploy does."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from maturity.extensions import db

    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        db.engine.dispose()
        upgrade()


class Answers:
    """Random but valid employee answers (as tests/integration/test_tally.py::_random_answers)."""

    def __init__(self, rng: random.Random, dont_know_rate: float = 0.1):
        from maturity.core import DONT_KNOW
        from maturity.instrument import load_instrument
        from maturity.rounds.questionnaire import (
            SECTIONS,
            allowed_values,
            customer_keys,
            section_keys,
        )

        self.rng, self.rate, self.dk = rng, dont_know_rate, DONT_KNOW
        self.instrument = instrument = load_instrument()
        self.sections = {s: section_keys(instrument, s) for s in SECTIONS}
        self.choices = {}
        for keys in self.sections.values():
            for key in keys:
                allowed = allowed_values(instrument, key)
                self.choices[key] = (sorted(allowed - {DONT_KNOW}), DONT_KNOW in allowed)
        self.customer_keys = customer_keys(instrument)

    def employee(self) -> dict[str, str]:
        rng, answers = self.rng, {}
        for key, (values, can_skip) in self.choices.items():
            answers[key] = self.dk if can_skip and rng.random() < self.rate else rng.choice(values)
        return answers

    def customer(self) -> dict[str, str]:
        return {k: self.dk if self.rng.random() < self.rate else str(self.rng.randint(1, 10)) for k in self.customer_keys}


@dataclass
class Seeded:
    org_id: int
    slug: str
    round_id: int
    director_id: int
    department_ids: list[int]
    invitation_ids: list[int] = field(default_factory=list)


def seed_organisation(slug: str, people: int, *, departments: int = 20, rng: random.Random) -> Seeded:
    """A consultancy (shared), one organisation with departments, ``people`` employees (no
    password: they answer through their link) and one director; an open round. Bulk inserts
    (executemany) of the app's own models; the round through ``services.create_round`` and
    ``services.open_round``. Runs inside an app (request) context; commits."""
    import sqlalchemy as sa

    from maturity.accounts.models import User
    from maturity.accounts.passwords import hash_password
    from maturity.extensions import db
    from maturity.rounds import services
    from maturity.tenancy.models import (
        Consultancy,
        Department,
        Organisation,
        OrganisationMembership,
        OrgRole,
    )

    consultancy = db.session.scalar(sa.select(Consultancy).where(Consultancy.slug == "bench"))
    if consultancy is None:
        consultancy = Consultancy(name="Bench advies", slug="bench")
        db.session.add(consultancy)
        db.session.flush()
    director = db.session.scalar(sa.select(User).where(User.email == DIRECTOR_EMAIL))
    if director is None:
        director = User(email=DIRECTOR_EMAIL, name="Directeur", password_hash=hash_password(DIRECTOR_PASSWORD))
        db.session.add(director)
    org = Organisation(consultancy_id=consultancy.id, name=f"Organisatie {slug}", slug=slug)
    db.session.add(org)
    db.session.flush()
    db.session.add(OrganisationMembership(organisation_id=org.id, user_id=director.id, role=OrgRole.DIRECTOR))
    depts = [Department(organisation_id=org.id, name=f"Afdeling {i:02d}") for i in range(departments)]
    db.session.add_all(depts)
    db.session.flush()
    dept_ids = [d.id for d in depts]
    user_ids: list[int] = []
    for start in range(0, people, 10_000):
        rows = [{"email": f"m{i}@{slug}.bench.example", "name": f"Medewerker {i}"}
                for i in range(start, min(people, start + 10_000))]
        user_ids += db.session.scalars(sa.insert(User).returning(User.id, sort_by_parameter_order=True), rows).all()
    # ~2% without a department, the rest spread unevenly over the departments.
    weights = [1 + (i % 5) for i in range(departments)]
    memberships = [{"organisation_id": org.id, "user_id": uid, "role": OrgRole.EMPLOYEE,
                    "department_id": None if rng.random() < 0.02 else rng.choices(dept_ids, weights)[0]}
                   for uid in user_ids]
    for start in range(0, len(memberships), 10_000):
        db.session.execute(sa.insert(OrganisationMembership), memberships[start:start + 10_000])
    round_ = services.create_round(org, services.RoundSettings(
        title=f"Meting {slug}", opens_on=date.today(), closes_on=date.today() + timedelta(days=14)))
    services.open_round(round_)
    db.session.commit()
    return Seeded(org.id, slug, round_.id, director.id, dept_ids)


def insert_invitations(seeded: Seeded, *, submitted: int, answers: Answers, batch: int = 5000,
                       segments: dict[int, list[int]] | None = None) -> int:
    """One invitation per employee of the organisation (the rows ``inviting.invite_employees``
    inserts, without the mails), in bulk. The first ``submitted`` of them answer: as
    ``submission.submit_response`` does, each gets a sealed ballot in the ballot box
    (``links.seal_ballot``), its own sealed result (``links.seal_result`` under a fresh
    ``links.new_result_key``) and ``submitted_at``; the ballots are stored as mixed, in batches
    of the round's minimum (``ballots.mix``), as the app leaves them. With ``segments`` (user id
    -> the person's segment value ids, ordered by segment id as
    ``rounds.segment_answers.invitation_values`` returns them) the ballot carries ``"comment"`` and
    ``"segments"`` exactly as ``submit_response`` seals them. Returns the number of invitations."""
    import sqlalchemy as sa

    from maturity.extensions import db
    from maturity.models_base import utcnow
    from maturity.rounds import links
    from maturity.rounds.models import Ballot, Invitation, Round
    from maturity.utils import random_id
    from maturity.rounds.services import eligible_members
    from maturity.tenancy.models import OrganisationMembership

    round_ = db.session.get(Round, seeded.round_id)
    members = db.session.execute(
        eligible_members(round_).with_only_columns(OrganisationMembership.user_id, OrganisationMembership.department_id)
        .order_by(OrganisationMembership.user_id)).all()
    now = utcnow()
    total = 0
    for start in range(0, len(members), batch):
        invitations, ballots = [], []
        for i, (user_id, department_id) in enumerate(members[start:start + batch], start):
            row = {"round_id": round_.id, "organisation_id": round_.organisation_id, "user_id": user_id,
                   "department_id": department_id, "invited_at": now, "nonce": secrets.token_hex(8),
                   "started_at": None, "submitted_at": None, "sealed_result": None}
            if i < submitted:
                given = answers.employee()
                row.update(started_at=now, submitted_at=now,
                           sealed_result=links.seal_result(links.new_result_key(), {"answers": given}))
                content = {"department_id": department_id, "answers": given}
                if segments is not None:
                    content.update(comment=None, segments=segments.get(user_id, []))
                # As mixed (``ballots.mix``): in batches of the round's minimum, so that the
                # unmixed ones a later submission mixes are as few as in the app.
                if len(ballots) % round_.min_group_size == 0:
                    mixed_batch = secrets.randbelow(2 ** 31)
                ballots.append({"id": random_id(), "round_id": round_.id, "kind": "employee", "batch": mixed_batch,
                                "sealed": links.seal_ballot(content)})
            invitations.append(row)
        db.session.execute(sa.insert(Invitation), invitations)
        if ballots:
            db.session.execute(sa.insert(Ballot), ballots)
        db.session.commit()
        total += len(invitations)
    return total


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine_facts(database_url: str | None = None) -> list[str]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
            mem = f"{kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    facts = [f"CPU: {cpu}, {os.cpu_count()} logical cores (affinity {len(os.sched_getaffinity(0))}), {mem}",
             f"Python {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}"]
    if database_url:
        import sqlalchemy as sa

        engine = sa.create_engine(database_url)
        try:
            with engine.connect() as conn:
                version = conn.execute(sa.text("SHOW server_version")).scalar()
                settings = {name: conn.execute(sa.text(f"SHOW {name}")).scalar()
                            for name in ("shared_buffers", "work_mem", "synchronous_commit", "max_connections")}
            facts.append(f"PostgreSQL {version} (same machine; " + ", ".join(f"{k}={v}" for k, v in settings.items()) + ")")
        finally:
            engine.dispose()
    try:
        from importlib.metadata import version as pkg_version

        facts.append("Packages: " + ", ".join(f"{p} {pkg_version(p)}" for p in
                                              ("Flask", "SQLAlchemy", "psycopg", "gunicorn", "weasyprint")))
    except Exception:  # noqa: BLE001, S110  (a fact less, not a failed benchmark)
        pass
    return facts


def top_cumulative(profiler, limit: int = 15, per: int = 1) -> str:
    """cProfile's top ``limit`` functions by cumulative time, without the WSGI/test-client
    wrappers every request passes through, with paths shortened to package/module."""
    import pstats
    import re

    skip = re.compile(r"(werkzeug/test\.py|flask/testing\.py|flask/app\.py|bench/|^~|cProfile|<built-in method builtins\.exec>)")
    stats = pstats.Stats(profiler).stats
    rows = []
    for (path, line, func), (cc, nc, tt, ct, _callers) in stats.items():
        short = re.sub(r"^.*/(site-packages|lib/python3\.\d+)/", "", path)
        short = re.sub(r"^.*/work/main/", "", short)
        where = f"{short}:{line}({func})" if path != "~" else func
        if skip.search(short) or skip.search(where):
            continue
        rows.append((ct, tt, nc, cc, where))
    rows.sort(key=lambda r: -r[0])
    unit = "" if per == 1 else f"/{per}"
    out = [f"{'cumulative s' + unit:>14} {'own s' + unit:>10} {'calls' + unit:>10}  function"]
    for ct, tt, nc, cc, where in rows[:limit]:
        calls = f"{nc / per:g}" if nc == cc else f"{nc / per:g}/{cc / per:g}"
        out.append(f"{ct / per:14.4f} {tt / per:10.4f} {calls:>10}  {where}")
    return "\n".join(out)


def top_own(profiler, limit: int = 15, per: int = 1) -> str:
    """cProfile's top ``limit`` functions by their own time (where the time really goes)."""
    import pstats
    import re

    unit = "" if per == 1 else f"/{per}"
    rows = sorted(pstats.Stats(profiler).stats.items(), key=lambda kv: -kv[1][2])[:limit]
    out = [f"{'own s' + unit:>10} {'calls' + unit:>10}  function"]
    for (path, line, func), (_cc, nc, tt, _ct, _callers) in rows:
        short = re.sub(r"^.*/(site-packages|lib/python3\.\d+)/", "", path)
        short = re.sub(r"^.*/work/main/", "", short)
        where = f"{short}:{line}({func})" if path != "~" else func
        out.append(f"{tt / per:10.4f} {nc / per:10g}  {where}")
    return "\n".join(out)


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy so far (all cores; /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (whichever of its threads started them)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return sorted(found)


def cpu_seconds(pids) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        except (OSError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() in ("postgres", "postmaster"):
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def wait_until_quiet(limit_cores: float = 0.25, window: float = 2.0, give_up: float = 180.0) -> float:
    """Wait (at most ``give_up`` s) until processes other than this one and its children use
    less than ``limit_cores`` over ``window`` s: the machine may be shared (e.g. a test run).
    Returns the seconds waited."""
    import sys
    import time

    start = time.perf_counter()
    told = False
    while True:
        own = lambda: time.process_time() + cpu_seconds(children(os.getpid()))
        busy0, own0 = machine_busy_seconds(), own()
        time.sleep(window)
        other = (machine_busy_seconds() - busy0 - (own() - own0)) / window
        waited = time.perf_counter() - start
        if other < limit_cores or waited > give_up:
            if told:
                print(f"  ... waited {waited:.0f} s for the machine to be quiet"
                      + (" (gave up)" if other >= limit_cores else ""), file=sys.stderr)
            return waited
        if not told:
            print(f"  other processes use {other:.1f} cores; waiting for a quiet machine ...", file=sys.stderr)
            told = True
