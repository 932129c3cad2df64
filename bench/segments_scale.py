"""Benchmark (issue #26): segments at 1,000 / 10,000 / 100,000 employee responses: closing the
round (where the segment rule decides which groups may be shown) and the results page
unfiltered (with its overview of segments), with one filter and with two combined.

Run:
    .venv/bin/python bench/segments_scale.py --responses 1000 10000 100000
        [--database-url postgresql+psycopg://klantspiegel_ci:klantspiegel_ci@127.0.0.1:5432/klantspiegel_bench]
        [--database-url sqlite:////tmp/segbench.sqlite3]
        [--runs 7] [--customers 500] [--departments 20] [--max-wait 180] [--profile] [--profile-close] [--reuse]

THE DATABASE IS EMPTIED FIRST: on PostgreSQL its schema is dropped and recreated (``DROP
SCHEMA public CASCADE`` + the migrations; use a database of its own, ``createdb -O
klantspiegel_ci klantspiegel_bench``); a SQLite file is deleted and migrated afresh.

Per size, one organisation (``seg-<n>``) with 20 departments (``bench/_common.py``), n
employees plus 10% who do not answer, and one director. The organisation has five segments
(``segments.services.create_segment`` / ``add_value``) of 2, 3, 4, 6 and 8 values, the one of
6 its services; every employee has a value of each, drawn with a skew (value i weighs
1 / (i + 1)), stored as ``MemberSegment`` rows (bulk). Seeding, through the app's code:

1. users, memberships, departments and the open round (``_common.seed_organisation``), the
   segments and each person's values;
2. invitations and, for the n who answer, what ``submission.submit_response`` stores: a ballot
   sealed with ``links.seal_ballot`` holding ``department_id``, ``answers``, ``comment`` and
   ``segments`` (the person's value ids ordered by segment, as
   ``rounds.segment_answers.invitation_values`` returns them), the own sealed result, ``submitted_at``;
3. customers through ``customer_responses.submit_customer_response(..., service_id=...)``: 90% tied to
   a service (skewed like the employees), 10% through the general link without one;
4. ``publication.close`` + commit, timed; ``SegmentTallyBuilder``'s methods and the
   module's ``_decide`` / ``_comment_groups`` / ``_Adder`` / ``_rows`` are wrapped with timers,
   so the segment part is reported apart: feeding the cells (per response), and ``store`` (the
   rule's decision, adding up the shown groups, writing ``segment_group`` / ``segment_tally``).

Then, logged in as the director through the Flask test client (in-process), the median of
``--runs`` requests (after one untimed warm-up) of the results page: unfiltered, filtered by
one shown value (the largest shown value of the services segment: the heaviest single group,
read with its own customers), by the largest shown value of the 8-value segment (if the rule
shows one) and by the largest and the smallest shown pair (``?f=a&f=b``), with the number of
SQL statements per request (a ``before_cursor_execute`` listener). Each filtered page is
checked to show the group (its banner), not the refusal. ``--profile`` adds cProfile of one request of each at the
largest size; ``--profile-close`` profiles the largest close. ``--reuse`` seeds nothing
and times the organisations ``seg-<n>`` an earlier run left in the database (e.g. after a
change to the results page; the close is not measured then).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import random
import resource
import sys
import time
from collections import defaultdict
from urllib.parse import urlencode

from _common import (
    DEFAULT_DATABASE_URL,
    DIRECTOR_EMAIL,
    DIRECTOR_PASSWORD,
    Answers,
    children,
    cpu_seconds,
    insert_invitations,
    machine_busy_seconds,
    machine_facts,
    make_app,
    median,
    postgres_pids,
    reset_schema,
    seed_organisation,
    top_cumulative,
    top_own,
    wait_until_quiet,
)

#: (name, values, is_service): five attributes of 2 to 8 values, one of them the services.
SEGMENTS = (
    ("Klantcontact", ["Dagelijks", "Zelden"], False),
    ("Rol", ["Uitvoerend", "Coordinerend", "Leidinggevend"], False),
    ("Locatie", ["Noord", "Oost", "Zuid", "West"], False),
    ("Dienst", ["Reparaties", "Verhuur", "Wijkbeheer", "Incasso", "Projecten", "Klantcontactcentrum"], True),
    ("Dienstjaren", ["0-1", "1-2", "2-3", "3-5", "5-10", "10-15", "15-25", "25+"], False),
)


def skewed(values: list, rng: random.Random):
    weights = [1 / (i + 1) for i in range(len(values))]
    return rng.choices(values, weights)[0]


# --- timers around the segment code of the close -------------------------------------------

class Timers:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list = []

    def wrap(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name, None)
        if original is None:  # the app's code moved on: that part is not timed apart
            print(f"  (not timed apart: {getattr(owner, '__name__', owner)}.{name} does not exist)", file=sys.stderr)
            return
        seconds, calls = self.seconds, self.calls

        @functools.wraps(original)
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - start
                calls[label] += 1

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def install(self) -> None:
        from maturity.results import segment_tally

        builder = segment_tally.SegmentTallyBuilder
        self.wrap(builder, "__init__", "builder: load segments")
        self.wrap(builder, "employee_cell", "feed: employee_cell")
        self.wrap(builder, "employee", "feed: employee")
        self.wrap(builder, "customer", "feed: customer")
        self.wrap(builder, "store", "store")
        self.wrap(segment_tally, "_decide", "store: _decide (the rule)")
        self.wrap(segment_tally, "_comment_groups", "store: _comment_groups")
        self.wrap(segment_tally._Adder, "__init__", "store: _Adder set-up (numpy matrix)")
        self.wrap(segment_tally._Adder, "total", "store: _Adder.total (shown groups)")
        self.wrap(segment_tally, "_rows", "store: _rows")

    def remove(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


# --- seeding ---------------------------------------------------------------------------------

def seed(app, n: int, args, rng: random.Random, *, profile_close: bool) -> tuple[dict, dict]:
    import sqlalchemy as sa

    from maturity.extensions import db
    from maturity.rounds import customer_responses
    from maturity.results import publication
    from maturity.rounds.models import Ballot, Round
    from maturity.segments import services as segment_services
    from maturity.segments.models import MemberSegment, SegmentGroup, SegmentTally
    from maturity.tenancy.models import Organisation, OrganisationMembership, OrgRole

    answers = Answers(rng)
    invited = n + n // 10
    t: dict[str, float] = {}
    info: dict = {}
    with app.test_request_context():
        start = time.perf_counter()
        seeded = seed_organisation(f"seg-{n}", invited, departments=args.departments, rng=rng)
        t["users, memberships, round"] = time.perf_counter() - start

        start = time.perf_counter()
        org = db.session.get(Organisation, seeded.org_id)
        segments = []  # (segment id, [value ids], is_service), in segment id order
        for name, names, is_service in SEGMENTS:
            segment = segment_services.create_segment(org, name, is_service=is_service)
            segments.append((segment.id, [segment_services.add_value(segment, v).id for v in names], is_service))
        segments.sort()
        members = db.session.execute(
            sa.select(OrganisationMembership.id, OrganisationMembership.user_id)
            .where(OrganisationMembership.organisation_id == org.id, OrganisationMembership.role == OrgRole.EMPLOYEE)
        ).all()
        by_user: dict[int, list[int]] = {}
        rows = []
        for membership_id, user_id in members:
            chosen = [skewed(values, rng) for _sid, values, _s in segments]
            by_user[user_id] = chosen
            rows += [{"membership_id": membership_id, "segment_id": sid, "value_id": v}
                     for (sid, _values, _s), v in zip(segments, chosen)]
        for i in range(0, len(rows), 20_000):
            db.session.execute(sa.insert(MemberSegment), rows[i:i + 20_000])
        db.session.commit()
        t["segments and people's values"] = time.perf_counter() - start

        start = time.perf_counter()
        insert_invitations(seeded, submitted=n, answers=answers, segments=by_user)
        t["invitations + sealed ballots"] = time.perf_counter() - start

        start = time.perf_counter()
        round_ = db.session.get(Round, seeded.round_id)
        service_values = next(values for _sid, values, is_service in segments if is_service)
        if args.customers > round_.customer_cap:
            round_.customer_cap = args.customers
        for i in range(args.customers):
            service = None if rng.random() < 0.1 else skewed(service_values, rng)
            customer_responses.submit_customer_response(round_, answers.customer(), rng.choice(["", "", "Prima", "Traag"]),
                                              "nl" if i % 3 else "en", service_id=service)
        db.session.commit()
        t["customer responses"] = time.perf_counter() - start
        ballots = db.session.scalar(sa.select(sa.func.count()).where(Ballot.round_id == round_.id))

        timers = Timers()
        timers.install()
        profiler = cProfile.Profile() if profile_close else None
        try:
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            round_ = db.session.get(Round, seeded.round_id)
            publication.close(round_)
            db.session.commit()
            if profiler:
                profiler.disable()
            t["close + commit"] = time.perf_counter() - start
        finally:
            timers.remove()
        t["total"] = sum(t.values())
        groups = db.session.execute(sa.select(SegmentGroup.grp, SegmentGroup.n, SegmentGroup.label)
                                    .where(SegmentGroup.round_id == round_.id)).all()
        info.update(
            slug=seeded.slug, round_id=seeded.round_id, ballots=ballots, invited=invited,
            segments=segments, timers=dict(timers.seconds), calls=dict(timers.calls), groups=groups,
            tally_rows=db.session.scalar(sa.select(sa.func.count()).where(SegmentTally.round_id == round_.id)),
            peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        if profiler:
            info["close_profile"] = top_cumulative(profiler, 25)
            info["close_profile_own"] = top_own(profiler, 20)
    return t, info


def pick_groups(info: dict) -> dict[str, tuple[str, str]]:
    """Which shown groups to filter by: label -> (group key, its description)."""
    segments = info["segments"]
    service_values = {f"s{v}" for _sid, values, s in segments if s for v in values}
    eight = {f"s{v}" for _sid, values, _s in segments if len(values) == 8 for v in values}
    shown = {grp: (n, label) for grp, n, label in info["groups"] if grp and not grp.startswith("c")}
    singles = {g: v for g, v in shown.items() if "+" not in g}
    pairs = {g: v for g, v in shown.items() if "+" in g}

    def describe(grp: str) -> str:
        n, label = shown[grp]
        return " + ".join(f"{s or 'afdeling'}={v}" for s, v in label) + f" (n={n:,})"

    picked = {}
    for title, candidates in (("one filter: largest service", service_values),
                              ("one filter: largest value of the 8-value segment", eight)):
        found = [g for g in singles if g in candidates]
        if found:
            grp = max(found, key=lambda g: singles[g][0])
            picked[title] = (grp, describe(grp))
    if pairs:
        grp = max(pairs, key=lambda g: pairs[g][0])
        picked["two filters: largest pair"] = (grp, describe(grp))
        grp = min(pairs, key=lambda g: pairs[g][0])
        picked["two filters: smallest pair"] = (grp, describe(grp))
    return picked


def family_summary(info: dict) -> str:
    shown = [(grp, n) for grp, n, _label in info["groups"] if grp]
    employees = [g for g, _ in shown if not g.startswith("c")]
    return (f"{sum('+' not in g and g.startswith('s') for g in employees)} values, "
            f"{sum('+' not in g and g.startswith('d') for g in employees)} departments, "
            f"{sum('+' in g for g in employees)} pairs, "
            f"{sum(g.startswith('c') and g != 'c' for g, _ in shown)} services' customers")


def print_seeding(sizes: list[int], seeding: dict[int, dict], infos: dict[int, dict]) -> None:
    print()
    print("| seeding and closing (s) | " + " | ".join(f"{n:,} responses" for n in sizes) + " |")
    print("|" + "---|" * (len(sizes) + 1))
    for phase in seeding[sizes[0]]:
        print(f"| {phase} | " + " | ".join(f"{seeding[n][phase]:.2f}" for n in sizes) + " |")
    parts = ["store: _decide (the rule)", "store: _comment_groups", "store: _Adder set-up (numpy matrix)",
             "store: _Adder.total (shown groups)", "store: _rows"]
    for label in ["builder: load segments", "feed: employee_cell", "feed: employee", "feed: customer", "store"] + parts:
        print(f"| close: segments {label} | " + " | ".join(
            f"{infos[n]['timers'].get(label, 0):.2f}" for n in sizes) + " |")
    print("| close: segments store: the rest (deletes, inserts; store minus the above) | " + " | ".join(
        f"{infos[n]['timers'].get('store', 0) - sum(infos[n]['timers'].get(p, 0) for p in parts):.2f}"
        for n in sizes) + " |")
    print("| ballots released (employees + customers) / employees invited | " + " | ".join(
        f"{infos[n]['ballots']:,} / {infos[n]['invited']:,}" for n in sizes) + " |")
    print("| shown groups | " + " | ".join(family_summary(infos[n]) for n in sizes) + " |")
    print("| segment_tally rows | " + " | ".join(f"{infos[n]['tally_rows']:,}" for n in sizes) + " |")
    print("| (other processes' CPU while seeding, cores; should be ~0) | " + " | ".join(
        f"{infos[n]['other']:.2f}" for n in sizes) + " |")
    print("| peak RSS of this process after closing (MiB) | " + " | ".join(
        f"{infos[n]['peak_rss_mib']:.0f}" for n in sizes) + " |")
    for n in sizes:
        if "close_profile" in infos[n]:
            print(f"\ncProfile, close + commit at {n:,} (top 25 cumulative):\n```\n{infos[n]['close_profile']}\n```")
            print(f"\nSame, top 20 by own time:\n```\n{infos[n]['close_profile_own']}\n```")


def seeded_before(app, n: int) -> dict:
    """What the timing needs of an organisation ``seg-<n>`` seeded by an earlier run (``--reuse``)."""
    import sqlalchemy as sa

    from maturity.extensions import db
    from maturity.rounds.models import Round
    from maturity.segments.models import Segment, SegmentGroup
    from maturity.tenancy.models import Organisation

    with app.app_context():
        org = db.session.scalar(sa.select(Organisation).where(Organisation.slug == f"seg-{n}"))
        if org is None:
            sys.exit(f"--reuse: no organisation seg-{n} in the database; run without --reuse first")
        round_id = db.session.scalar(sa.select(Round.id).where(Round.organisation_id == org.id))
        segments = sorted((s.id, [v.id for v in s.values], s.is_service) for s in
                          db.session.scalars(sa.select(Segment).where(Segment.organisation_id == org.id)))
        groups = db.session.execute(sa.select(SegmentGroup.grp, SegmentGroup.n, SegmentGroup.label)
                                    .where(SegmentGroup.round_id == round_id)).all()
        return {"slug": org.slug, "round_id": round_id, "segments": segments, "groups": groups}


# --- the database ----------------------------------------------------------------------------

def fresh_database(app, url: str) -> None:
    if url.startswith("sqlite"):
        from flask_migrate import upgrade

        from maturity.extensions import db

        path = url.split(":///", 1)[1]
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        with app.app_context():
            db.engine.dispose()
            upgrade()
    else:
        reset_schema(app)


class QueryCounter:
    def __init__(self, app) -> None:
        import sqlalchemy as sa

        from maturity.extensions import db

        self.count = 0
        with app.app_context():
            self.engine = db.engine
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args, **_kwargs) -> None:
        self.count += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--departments", type=int, default=20)
    parser.add_argument("--max-wait", type=float, default=180.0,
                        help="seconds to wait at most for other processes to be quiet before each measurement")
    parser.add_argument("--reuse", action="store_true",
                        help="no seeding: time the organisations seg-<n> a previous run left in the database")
    parser.add_argument("--profile", action="store_true", help="cProfile one request per page at the largest size")
    parser.add_argument("--profile-close", action="store_true", help="cProfile the close at the largest size")
    args = parser.parse_args()
    sizes = sorted(args.responses)

    import logging

    app = make_app(args.database_url, WTF_CSRF_ENABLED=False)
    logging.getLogger().setLevel(logging.WARNING)  # the app logs every submission and request at INFO
    if not args.reuse:
        print(f"Emptying {args.database_url.rsplit('@', 1)[-1]} ...", file=sys.stderr)
        fresh_database(app, args.database_url)

    rng = random.Random(26)
    seeding: dict[int, dict] = {}
    infos: dict[int, dict] = {}
    mine = lambda: time.process_time() + cpu_seconds(children(os.getpid())) + cpu_seconds(postgres_pids())
    for n in sizes:
        if args.reuse:
            infos[n] = seeded_before(app, n)
            continue
        print(f"Seeding {n} responses ...", file=sys.stderr)
        wait_until_quiet(give_up=args.max_wait)
        busy0, mine0, wall0 = machine_busy_seconds(), mine(), time.perf_counter()
        seeding[n], infos[n] = seed(app, n, args, rng, profile_close=args.profile_close and n == sizes[-1])
        infos[n]["other"] = max(0.0, (machine_busy_seconds() - busy0) - (mine() - mine0)) / (time.perf_counter() - wall0)
        print(f"  {seeding[n]['total']:.1f} s (close {seeding[n]['close + commit']:.1f} s, "
              f"segment store {infos[n]['timers'].get('store', 0):.2f} s)", file=sys.stderr)

    counter = QueryCounter(app)
    client = app.test_client()
    response = client.post("/login", data={"email": DIRECTOR_EMAIL, "password": DIRECTOR_PASSWORD})
    assert response.status_code == 302, response.status_code

    times: dict[str, dict[int, str]] = defaultdict(dict)
    queries: dict[str, dict[int, str]] = defaultdict(dict)
    chosen: dict[int, dict[str, str]] = {}
    profiles: dict[str, str] = {}
    others: dict[int, str] = {}
    labels = ["results page, unfiltered (with the overview)"]
    for n in sizes:
        slug, rid = infos[n]["slug"], infos[n]["round_id"]
        base = f"/o/{slug}/rounds/{rid}/results"
        urls = {labels[0]: base}
        chosen[n] = {}
        for title, (grp, described) in pick_groups(infos[n]).items():
            urls[title] = base + "?" + urlencode([("f", a) for a in grp.split("+")])
            chosen[n][title] = described
            if title not in labels:
                labels.append(title)
        print(f"Timing {n} ...", file=sys.stderr)
        wait_until_quiet(give_up=args.max_wait)
        busy0, mine0, wall0 = machine_busy_seconds(), mine(), time.perf_counter()
        for label, url in urls.items():
            response = client.get(url)  # warm-up, untimed
            assert response.status_code == 200, (url, response.status_code)
            if "?" in url:
                html = response.get_data(as_text=True)
                assert "segment-banner" in html, f"{url}: the group is not shown"
            runs, counts = [], []
            for _ in range(args.runs):
                before = counter.count
                start = time.perf_counter()
                response = client.get(url)
                runs.append(time.perf_counter() - start)
                counts.append(counter.count - before)
                assert response.status_code == 200, (url, response.status_code)
            times[label][n] = f"{median(runs) * 1000:.0f} ({min(runs) * 1000:.0f}–{max(runs) * 1000:.0f})"
            queries[label][n] = str(counts[0]) if len(set(counts)) == 1 else f"{min(counts)}–{max(counts)}"
        others[n] = f"{max(0.0, (machine_busy_seconds() - busy0) - (mine() - mine0)) / (time.perf_counter() - wall0):.2f}"
        if args.profile and n == sizes[-1]:
            for label, url in urls.items():
                profiler = cProfile.Profile()
                profiler.enable()
                client.get(url)
                profiler.disable()
                profiles[label] = top_cumulative(profiler, 25) + "\n\n" + top_own(profiler, 15)

    print()
    print("| results page (median ms of %d, min–max; in-process test client) | " % args.runs
          + " | ".join(f"{n:,} responses" for n in sizes) + " |")
    print("|" + "---|" * (len(sizes) + 1))
    for label in labels:
        print(f"| {label} | " + " | ".join(times[label].get(n, "–") for n in sizes) + " |")
    print("| (other processes' CPU while timing, cores; should be ~0) | " + " | ".join(others[n] for n in sizes) + " |")
    print()
    print("| SQL statements per request | " + " | ".join(f"{n:,}" for n in sizes) + " |")
    print("|" + "---|" * (len(sizes) + 1))
    for label in labels:
        print(f"| {label} | " + " | ".join(queries[label].get(n, "–") for n in sizes) + " |")
    print()
    for n in sizes:
        print(f"Groups filtered by at {n:,}: " + "; ".join(f"{k}: {v}" for k, v in chosen[n].items()))

    if seeding:
        print_seeding(sizes, seeding, infos)
    for label, text in profiles.items():
        print(f"\ncProfile, {label} at {sizes[-1]:,}:\n```\n{text}\n```")
    print()
    for fact in machine_facts(args.database_url if args.database_url.startswith("postgresql") else None):
        print(f"- {fact}")


if __name__ == "__main__":
    main()
