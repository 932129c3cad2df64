"""Benchmark (issue #16): the results surfaces of one round with 1,000 / 10,000 / 100,000
employee responses, on PostgreSQL, seeded through the app's own code.

Run:
    .venv/bin/python bench/results_scale.py --responses 1000 10000 100000
        [--database-url postgresql+psycopg://klantspiegel_ci:klantspiegel_ci@127.0.0.1:5432/klantspiegel_bench]
        [--runs 5] [--customers 200] [--departments 20] [--profile] [--profile-close]

THE DATABASE'S SCHEMA IS DROPPED AND RECREATED (``DROP SCHEMA public CASCADE`` + the
migrations); use a database of its own (``createdb -O klantspiegel_ci klantspiegel_bench``).

Per size, one organisation (``bench-<n>``) with 20 departments, n employees plus 10% who do
not answer, and one director. Seeding, through the app's code:

1. users and memberships: bulk ``sa.insert`` of the models; the round through
   ``services.create_round`` / ``services.open_round``;
2. invitations (bulk insert of the rows ``inviting.invite_employees`` makes, without the
   mails) and, for the n who answer, what ``submission.submit_response`` stores: a ballot
   sealed with ``links.seal_ballot`` (random, valid answers, 10% "weet ik niet"), the
   respondent's own sealed result and ``submitted_at``;
3. customer responses through ``customer_responses.submit_customer_response`` (200 by default);
4. ``publication.close`` + commit: releases (opens) every ballot into anonymous responses
   and builds the round's tally (``results/tally.py``).

Then, logged in as the director through the Flask test client (in-process, no HTTP server;
the PDF is rendered by the task queue with ``TASK_QUEUE_URL=immediate``, i.e. inline in the
app's PDF child process, whose start-up is taken out by one warm-up render), the median of
``--runs`` requests (after one untimed warm-up) of: the results page, results.csv, results.xlsx, the progress page, and
the board report PDF (first download after clearing the report cache: once; repeat
download: median). Prints markdown tables (ms) and the seeding time per size, then the
machine facts. ``--profile`` adds cProfile's top 15 cumulative functions of one request of
each surface at the largest size; ``--profile-close`` profiles the largest close.
"""

from __future__ import annotations

import argparse
import cProfile
import random
import resource
import sys
import time

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


def seed(app, n: int, args, rng: random.Random, *, profile_close: bool) -> tuple[dict, dict]:
    import sqlalchemy as sa

    from maturity.extensions import db
    from maturity.rounds import customer_responses
    from maturity.results import publication
    from maturity.rounds.models import Ballot, Round, RoundTally

    answers = Answers(rng)
    invited = n + n // 10
    t: dict[str, float] = {}
    info: dict = {}
    with app.test_request_context():
        start = time.perf_counter()
        seeded = seed_organisation(f"bench-{n}", invited, departments=args.departments, rng=rng)
        t["users, memberships, round"] = time.perf_counter() - start

        start = time.perf_counter()
        insert_invitations(seeded, submitted=n, answers=answers)
        t["invitations + sealed ballots"] = time.perf_counter() - start

        start = time.perf_counter()
        round_ = db.session.get(Round, seeded.round_id)
        for i in range(args.customers):
            customer_responses.submit_customer_response(round_, answers.customer(), rng.choice(["", "", "Prima", "Traag"]),
                                              "nl" if i % 3 else "en")
        db.session.commit()
        t["customer responses"] = time.perf_counter() - start
        ballots = db.session.scalar(sa.select(sa.func.count()).where(Ballot.round_id == round_.id))

        profiler = cProfile.Profile() if profile_close else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        round_ = db.session.get(Round, seeded.round_id)
        publication.close(round_)
        db.session.commit()
        if profiler:
            profiler.disable()
        t["close + commit (release, tally)"] = time.perf_counter() - start
        t["total"] = sum(t.values())
        info.update(slug=seeded.slug, round_id=seeded.round_id, ballots=ballots, invited=invited,
                    tally_rows=db.session.scalar(sa.select(sa.func.count()).where(RoundTally.round_id == round_.id)),
                    peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        if profiler:
            info["close_profile"] = _top(profiler)
            info["close_profile_own"] = top_own(profiler, 15)
    return t, info


def _top(profiler: cProfile.Profile, limit: int = 15) -> str:
    return top_cumulative(profiler, limit)


def clear_report_cache(app, round_id: int) -> None:
    import sqlalchemy as sa

    from maturity.extensions import db
    from maturity.reports.models import ReportCache

    with app.app_context():
        db.session.execute(sa.delete(ReportCache).where(ReportCache.round_id == round_id))
        db.session.commit()


def get_pdf(client, url: str) -> tuple[float, int, int]:
    """Time until the PDF is served as the button gets it: a POST asks for it (made at once by the
    immediate queue), then its address serves it; a 202 (the waiting page) is polled, as the page does."""
    start = time.perf_counter()
    polls = 0
    assert client.post(url).status_code == 303
    while True:
        response = client.get(url)
        if response.status_code == 200:
            assert response.mimetype == "application/pdf", response.mimetype
            return time.perf_counter() - start, polls, len(response.data)
        assert response.status_code == 202, (url, response.status_code)
        polls += 1
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--departments", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="cProfile one request per surface at the largest size")
    parser.add_argument("--profile-close", action="store_true", help="cProfile the close at the largest size")
    args = parser.parse_args()
    sizes = sorted(args.responses)

    import logging

    app = make_app(args.database_url, WTF_CSRF_ENABLED=False)
    logging.getLogger().setLevel(logging.WARNING)  # the app logs every submission and request at INFO
    print(f"Resetting the schema of {args.database_url.rsplit('@', 1)[-1]} ...", file=sys.stderr)
    reset_schema(app)

    rng = random.Random(16)
    seeding: dict[int, dict] = {}
    infos: dict[int, dict] = {}
    import os

    mine = lambda: time.process_time() + cpu_seconds(children(os.getpid())) + cpu_seconds(postgres_pids())
    for n in sizes:
        print(f"Seeding {n} responses ...", file=sys.stderr)
        wait_until_quiet()
        busy0, mine0, wall0 = machine_busy_seconds(), mine(), time.perf_counter()
        seeding[n], infos[n] = seed(app, n, args, rng, profile_close=args.profile_close and n == sizes[-1])
        infos[n]["other"] = max(0.0, (machine_busy_seconds() - busy0) - (mine() - mine0)) / (time.perf_counter() - wall0)
        print(f"  {seeding[n]['total']:.1f} s", file=sys.stderr)

    client = app.test_client()
    response = client.post("/login", data={"email": DIRECTOR_EMAIL, "password": DIRECTOR_PASSWORD})
    assert response.status_code == 302, response.status_code

    # Start the PDF child process once, so that the first download measures the render only.
    from maturity.pdf.render import render_pdf

    start = time.perf_counter()
    render_pdf("<p>warm-up</p>")
    pdf_child_start = time.perf_counter() - start

    surfaces = ["results page", "results.csv", "results.xlsx", "progress page", "report PDF, first download",
                "report PDF, repeat download"]
    times: dict[str, dict[int, str]] = {s: {} for s in surfaces}
    sizes_out: dict[int, dict] = {}
    profiles: dict[str, str] = {}
    others: dict[int, str] = {}
    for n in sizes:
        slug, rid = infos[n]["slug"], infos[n]["round_id"]
        urls = {"results page": f"/o/{slug}/rounds/{rid}/results", "results.csv": f"/o/{slug}/rounds/{rid}/results.csv",
                "results.xlsx": f"/o/{slug}/rounds/{rid}/results.xlsx", "progress page": f"/o/{slug}/progress/"}
        print(f"Timing {n} ...", file=sys.stderr)
        wait_until_quiet()
        busy0, mine0, wall0 = machine_busy_seconds(), mine(), time.perf_counter()
        for label, url in urls.items():
            client.get(url)  # warm-up, untimed (templates compiled, connection pool filled)
            runs = []
            for _ in range(args.runs):
                start = time.perf_counter()
                response = client.get(url)
                runs.append(time.perf_counter() - start)
                assert response.status_code == 200, (url, response.status_code)
            sizes_out.setdefault(n, {})[label] = len(response.data)
            times[label][n] = f"{median(runs) * 1000:.0f}"
        pdf_url = f"/o/{slug}/rounds/{rid}/report.pdf"
        clear_report_cache(app, rid)
        first, polls, size = get_pdf(client, pdf_url)
        times["report PDF, first download"][n] = f"{first * 1000:.0f}" + (f" ({polls} polls)" if polls else "")
        sizes_out[n]["report PDF"] = size
        repeat = [get_pdf(client, pdf_url)[0] for _ in range(args.runs)]
        times["report PDF, repeat download"][n] = f"{median(repeat) * 1000:.0f}"
        other = max(0.0, (machine_busy_seconds() - busy0) - (mine() - mine0)) / (time.perf_counter() - wall0)
        others[n] = f"{other:.2f}"
        if args.profile and n == sizes[-1]:
            for label, url in {**urls, "report PDF, repeat download": pdf_url}.items():
                profiler = cProfile.Profile()
                profiler.enable()
                client.get(url)
                profiler.disable()
                profiles[label] = _top(profiler)
            clear_report_cache(app, rid)
            profiler = cProfile.Profile()
            profiler.enable()
            get_pdf(client, pdf_url)
            profiler.disable()
            profiles["report PDF, first download (this process only; the render runs in the child)"] = _top(profiler)

    header = "| surface (median ms, in-process test client) | " + " | ".join(f"{n:,} responses" for n in sizes) + " |"
    print()
    print(header)
    print("|" + "---|" * (len(sizes) + 1))
    for label in surfaces:
        print(f"| {label} | " + " | ".join(times[label][n] for n in sizes) + " |")
    print("| (other processes' CPU while timing, cores; should be ~0) | " + " | ".join(others[n] for n in sizes) + " |")
    print(f"\nMedian of {args.runs} runs; the first PDF download is a single run after clearing the report cache "
          f"(PDF child process started beforehand: {pdf_child_start * 1000:.0f} ms).")
    print("Response sizes: " + "; ".join(
        f"{n:,}: " + ", ".join(f"{k} {v / 1024:.0f} KB" for k, v in sizes_out[n].items()) for n in sizes))

    print()
    print("| seeding (s) | " + " | ".join(f"{n:,} responses" for n in sizes) + " |")
    print("|" + "---|" * (len(sizes) + 1))
    for phase in seeding[sizes[0]]:
        print(f"| {phase} | " + " | ".join(f"{seeding[n][phase]:.1f}" for n in sizes) + " |")
    print("| ballots released / invited / tally rows | " + " | ".join(
        f"{infos[n]['ballots']:,} / {infos[n]['invited']:,} / {infos[n]['tally_rows']:,}" for n in sizes) + " |")
    print("| (other processes' CPU while seeding, cores; should be ~0) | " + " | ".join(
        f"{infos[n]['other']:.2f}" for n in sizes) + " |")
    print("| peak RSS of this process after closing (MiB) | " + " | ".join(
        f"{infos[n]['peak_rss_mib']:.0f}" for n in sizes) + " |")
    for n in sizes:
        if "close_profile" in infos[n]:
            print(f"\ncProfile, close + commit at {n:,} (top 15 cumulative):\n```\n{infos[n]['close_profile']}\n```")
            print(f"\nSame, top 15 by own time:\n```\n{infos[n]['close_profile_own']}\n```")
    for label, text in profiles.items():
        print(f"\ncProfile, {label} at {sizes[-1]:,} (top 15 cumulative):\n```\n{text}\n```")
    print()
    for fact in machine_facts(args.database_url):
        print(f"- {fact}")


if __name__ == "__main__":
    main()
