"""Benchmark (issue #16): the employee respondent flow over HTTP, under gunicorn, on PostgreSQL,
next to a bare Flask app served the same way (the ceiling).

Run:
    .venv/bin/python bench/respondent_flow.py [--concurrency 1 8 32] [--duration 30]
        [--database-url postgresql+psycopg://klantspiegel_ci:klantspiegel_ci@127.0.0.1:5432/klantspiegel_bench]
        [--workers 2] [--threads 4] [--bare-duration 10] [--invitations 4000] [--profile]

THE DATABASE'S SCHEMA IS DROPPED AND RECREATED (``DROP SCHEMA public CASCADE`` + the
migrations); use a database of its own.

Seeds one organisation with enough employees and an open round, and inserts their
invitations in bulk (the rows ``services.invite_employees`` makes, without the mails). Starts

- the app: ``gunicorn -c gunicorn.conf.py --workers 2 --threads 4 --worker-class gthread
  wsgi:app`` from the project directory, configured by environment variables only:
  ``DATABASE_URL`` (this PostgreSQL), ``SECRET_KEY`` (the one the links were signed with),
  ``TASK_QUEUE_URL=immediate`` (nothing is enqueued by this flow), ``RATELIMIT_ENABLED=false``
  (the respondent pages have no limit, but login etc. would), ``MAIL_SERVER=`` and no
  ``MATURITY_ENV`` (development: cookies without ``Secure``, as this is plain HTTP);
- the bare app (``bench/bare_app.py``: one GET, one POST answering with a redirect) with the
  same gunicorn command line and configuration file.

Client: ``--concurrency`` threads in this process, each a simulated respondent after another
with its own ``requests.Session`` (cookies kept, like a browser) and its own invitations.
One assessment, as a browser goes through it (redirects followed by hand, each timed apart):
GET the personal link ``/r/<token>/`` (302), GET ``/respond/`` (welcome), GET the first section,
then per section (quiz, leadership, culture, mirror) read the CSRF token from the page's form and
POST random valid answers, which answers with the next page (200; the last with the review
page), POST ``/respond/submit`` (302) and GET ``/respond/result``. 9 requests, 5 of them POSTs. New assessments start until ``--duration``
seconds have passed; started ones finish.

Measured per concurrency level: completed assessments per second; p50/p95 latency per request
type; server CPU per completed assessment (utime+stime from /proc/<pid>/stat of the gunicorn
master and workers, and of all PostgreSQL processes, before and after the level); the app's
POST rate as a share of the bare app's: both as a loop of POSTs only, at the same concurrency
for ``--bare-duration`` seconds (the app's loop posts one section's answers again and again,
each saving the draft and answering with the next page; this is issue 16's "POST rate as a
share of a bare Flask endpoint"); also the POSTs per second during the flow, where they share
the server with its GETs, against the same bare rate, and all requests against the bare
GET-only rate; RSS of each gunicorn worker after the level. Client, server and database share
the machine's cores: the client's own CPU is printed too, and a level is repeated (new
invitations, up to ``--retries`` times) when other processes used more than ``--quiet-limit``
cores meanwhile. ``--profile`` then runs respondent flows in-process through the Flask test
client: median ms per request type, and cProfile's top 15 functions (cumulative and own time)
per assessment. Prints markdown tables, then the machine facts.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests
from _common import (
    DEFAULT_DATABASE_URL,
    SECRET_KEY,
    Answers,
    children,
    cpu_seconds,
    insert_invitations,
    machine_busy_seconds,
    machine_facts,
    make_app,
    percentile,
    postgres_pids,
    reset_schema,
    seed_organisation,
    top_cumulative,
    top_own,
    wait_until_quiet,
)

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECTIONS = ("quiz", "leadership", "culture", "mirror")
REQUEST_TYPES = (["GET /r/<token>/", "GET /respond/", f"GET section/{SECTIONS[0]}"] + [f"POST section/{s}" for s in SECTIONS]
                  + ["POST submit", "GET result"])


# --- the servers -------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, app_spec: str, args, env: dict, log_path: Path, extra: list[str] = ()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "--workers", str(args.workers),
               "--threads", str(args.threads), "--worker-class", "gthread", "--bind", f"127.0.0.1:{self.port}",
               *extra, app_spec]
        self.cmd = " ".join(cmd[1:])
        self.log = open(log_path, "w")  # noqa: SIM115  (closed in stop())
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {log_path}")
            try:
                requests.get(self.base + "/", timeout=2)
                if len(self.workers()) == args.workers:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not start; see {log_path}")

    def workers(self) -> list[int]:
        return children(self.proc.pid)

    def pids(self) -> list[int]:
        return [self.proc.pid] + self.workers()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# --- the clients -------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.completed = 0
        self.posts = 0
        self.requests = 0
        self.errors: list[str] = []
        self.last_done = 0.0

    def add(self, label: str, seconds: float, is_post: bool) -> None:
        with self.lock:
            self.latency[label].append(seconds)
            self.requests += 1
            self.posts += is_post


def timed(stats: Stats, session: requests.Session, label: str, method: str, url: str, expect: int, **kwargs):
    start = time.perf_counter()
    response = session.request(method, url, allow_redirects=False, timeout=120, **kwargs)
    stats.add(label, time.perf_counter() - start, method == "POST")
    if response.status_code != expect:
        raise RuntimeError(f"{label}: {response.status_code} (expected {expect}) {response.text[:200]!r}")
    return response


def one_assessment(base: str, token: str, answers: Answers, rng_lock: threading.Lock, stats: Stats) -> None:
    with requests.Session() as s:
        r = timed(stats, s, "GET /r/<token>/", "GET", f"{base}/r/{token}/", 302)
        assert r.headers["Location"].endswith("/respond/"), r.headers["Location"]
        timed(stats, s, "GET /respond/", "GET", f"{base}/respond/", 200)
        with rng_lock:
            given = answers.employee()
        # The first section is asked for; each section's POST answers with the next page (and
        # the last one with the review page), as a browser follows them.
        page = timed(stats, s, f"GET section/{SECTIONS[0]}", "GET", f"{base}/respond/section/{SECTIONS[0]}", 200)
        for section in SECTIONS:
            token_match = CSRF.search(page.text)
            assert token_match, f"no CSRF token on section {section}"
            form = {key: given[key] for key in answers.sections[section]}
            form.update(csrf_token=token_match.group(1), go="next")
            page = timed(stats, s, f"POST section/{section}", "POST", f"{base}/respond/section/{section}", 200, data=form)
        assert 'content="/respond/review"' in page.text, "the last section did not answer with the review page"
        review = page
        r = timed(stats, s, "POST submit", "POST", f"{base}/respond/submit", 302,
                  data={"csrf_token": CSRF.search(review.text).group(1)})
        assert r.headers["Location"].endswith("/respond/result"), r.headers["Location"]
        result = timed(stats, s, "GET result", "GET", f"{base}/respond/result", 200)
        assert "score-card" in result.text, "no personal result after submitting"
    with stats.lock:
        stats.completed += 1
        stats.last_done = time.perf_counter()


def run_flow(base: str, tokens: list[str], concurrency: int, duration: float, answers: Answers,
             *, warmup: bool = False) -> tuple[Stats, float]:
    stats = Stats()
    rng_lock = threading.Lock()
    slices = [tokens[i::concurrency] for i in range(concurrency)]
    barrier = threading.Barrier(concurrency + 1)
    ran_out = []

    def worker(mine: list[str]) -> None:
        barrier.wait()
        deadline = start + duration
        for token in mine:
            if time.perf_counter() >= deadline:
                return
            try:
                one_assessment(base, token, answers, rng_lock, stats)
            except Exception as exc:  # noqa: BLE001  (reported, the run goes on)
                with stats.lock:
                    stats.errors.append(f"{type(exc).__name__}: {exc}"[:300])
        ran_out.append(1)

    threads = [threading.Thread(target=worker, args=(mine,), daemon=True) for mine in slices]
    for t in threads:
        t.start()
    start = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if ran_out and not warmup:
        stats.errors.append(f"{len(ran_out)} client thread(s) ran out of invitations: use more --invitations")
    return stats, elapsed


def run_bare(base: str, concurrency: int, duration: float, method: str) -> tuple[int, float, list[float]]:
    count = [0]
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency + 1)

    def worker():
        with requests.Session() as s:
            barrier.wait()
            mine, times = 0, []
            while time.perf_counter() < start + duration:
                t0 = time.perf_counter()
                if method == "POST":
                    r = s.post(f"{base}/submit", data={"csrf_token": "x", "quiz.q1": "a"}, allow_redirects=False)
                    assert r.status_code == 302
                else:
                    r = s.get(f"{base}/")
                    assert r.status_code == 200
                times.append(time.perf_counter() - t0)
                mine += 1
            with lock:
                count[0] += mine
                latencies.extend(times)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    return count[0], time.perf_counter() - start, latencies


def run_app_posts(base: str, tokens: list[str], duration: float, answers: Answers) -> tuple[int, float, list[float]]:
    """The app's section POST alone, like the bare POST loop: each client thread opens one
    invitation, then posts one section's answers over and over (each saves the draft and
    answers with the next page), for ``duration`` seconds."""
    count = [0]
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(tokens) + 1)
    section = SECTIONS[1]

    def worker(token: str):
        with requests.Session() as s:
            assert s.get(f"{base}/r/{token}/", allow_redirects=False).status_code == 302
            page = s.get(f"{base}/respond/section/{SECTIONS[0]}")
            with lock:
                given = answers.employee()
            form = {key: given[key] for key in answers.sections[section]}
            form.update(csrf_token=CSRF.search(page.text).group(1), go="next")
            barrier.wait()
            mine, times = 0, []
            while time.perf_counter() < start + duration:
                t0 = time.perf_counter()
                r = s.post(f"{base}/respond/section/{section}", data=form, allow_redirects=False)
                assert r.status_code == 200, r.status_code
                times.append(time.perf_counter() - t0)
                mine += 1
            with lock:
                count[0] += mine
                latencies.extend(times)

    threads = [threading.Thread(target=worker, args=(token,), daemon=True) for token in tokens]
    for t in threads:
        t.start()
    start = time.perf_counter()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return count[0], time.perf_counter() - start, latencies


# --- profile -----------------------------------------------------------------------------

def flow_in_process(client, token: str, answers: Answers, timings: dict | None = None) -> None:
    """One respondent flow through the Flask test client (as the HTTP client does)."""
    def call(label, method, url, expect, **kw):
        start = time.perf_counter()
        response = client.open(url, method=method, **kw)
        if timings is not None:
            timings.setdefault(label, []).append(time.perf_counter() - start)
        assert response.status_code == expect, (label, response.status_code)
        return response

    call("GET /r/<token>/", "GET", f"/r/{token}/", 302)
    call("GET /respond/", "GET", "/respond/", 200)
    given = answers.employee()
    page = call(f"GET section/{SECTIONS[0]}", "GET", f"/respond/section/{SECTIONS[0]}", 200)
    for section in SECTIONS:
        csrf = CSRF.search(page.get_data(as_text=True)).group(1)
        form = {key: given[key] for key in answers.sections[section]}
        page = call(f"POST section/{section}", "POST", f"/respond/section/{section}", 200,
                    data={**form, "csrf_token": csrf, "go": "next"})
    review = page
    call("POST submit", "POST", "/respond/submit", 302,
         data={"csrf_token": CSRF.search(review.get_data(as_text=True)).group(1)})
    call("GET result", "GET", "/respond/result", 200)


def profile_flows(app, tokens: list[str], answers: Answers) -> tuple[dict, str, str, float]:
    """Respondent flows in-process: a few unprofiled (warm-up), then the rest under one
    cProfile. Returns the median ms per request type without profiler, the top 15 functions
    by cumulative and by own time, and the profiled seconds per flow."""
    import cProfile

    warm, timed_tokens, profiled = tokens[:3], tokens[3:13], tokens[13:]
    for token in warm:
        flow_in_process(app.test_client(), token, answers)
    timings: dict[str, list[float]] = {}
    for token in timed_tokens:
        flow_in_process(app.test_client(), token, answers, timings)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for token in profiled:
        flow_in_process(app.test_client(), token, answers)
    profiler.disable()
    per_flow = (time.perf_counter() - start) / len(profiled)
    own = top_own(profiler, 15, per=len(profiled))
    medians = {label: percentile(values, 50) for label, values in timings.items()}
    return medians, top_cumulative(profiler, 15, per=len(profiled)), own, per_flow


# --- main --------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of new assessments per level")
    parser.add_argument("--bare-duration", type=float, default=10.0, help="seconds per bare GET and POST loop")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--invitations", type=int, default=4000, help="invitations per concurrency level")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--retries", type=int, default=2,
                        help="repeat a level (with new invitations) when other processes used the CPU meanwhile")
    parser.add_argument("--quiet-limit", type=float, default=0.15,
                        help="cores other processes may use during a level before it is repeated")
    parser.add_argument("--keep-logs", default="/tmp", help="directory for the gunicorn logs")
    args = parser.parse_args()

    import logging

    app = make_app(args.database_url)
    logging.getLogger().setLevel(logging.WARNING)
    print(f"Resetting the schema of {args.database_url.rsplit('@', 1)[-1]} ...", file=sys.stderr)
    reset_schema(app)
    levels = args.concurrency
    warmup = 2 * args.workers * args.threads
    profile_flows_n = 40
    people = ((args.invitations * (1 + args.retries) + max(levels)) * len(levels) + warmup
              + (profile_flows_n if args.profile else 0))
    rng = random.Random(16)
    answers = Answers(rng)
    start = time.perf_counter()
    with app.test_request_context():
        import sqlalchemy as sa

        from maturity.extensions import db
        from maturity.rounds import links
        from maturity.rounds.models import Invitation

        seeded = seed_organisation("bench-flow", people, rng=rng)
        insert_invitations(seeded, submitted=0, answers=answers)
        tokens = [links.invitation_token(i, nonce) for i, nonce in db.session.execute(
            sa.select(Invitation.id, Invitation.nonce).where(Invitation.round_id == seeded.round_id).order_by(Invitation.id))]
    print(f"Seeded {len(tokens)} invitations in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    profile_tokens = tokens[-profile_flows_n:] if args.profile else []
    fresh = iter(tokens[warmup:len(tokens) - len(profile_tokens)])  # every attempt takes new invitations

    env = {k: v for k, v in os.environ.items() if k not in ("MATURITY_ENV", "SECRET_KEY_FALLBACKS", "TRUSTED_PROXIES")}
    env.update(DATABASE_URL=args.database_url, SECRET_KEY=SECRET_KEY, TASK_QUEUE_URL="immediate",
               RATELIMIT_ENABLED="false", MAIL_SERVER="", PYTHONUNBUFFERED="1")
    logs = Path(args.keep_logs)

    # The bare ceiling first (no database activity), then the app.
    bare = Gunicorn("bare_app:app", args, env, logs / "bench-bare-gunicorn.log", ["--pythonpath", "bench"])
    bare_results = {}
    try:
        run_bare(bare.base, 4, 2, "GET")  # warm-up
        for c in levels:
            for attempt in range(1 + args.retries):
                print(f"Bare app, concurrency {c} ...", file=sys.stderr)
                wait_until_quiet()
                cpu0, busy0, client0 = cpu_seconds(bare.pids()), machine_busy_seconds(), time.process_time()
                gets, get_elapsed, get_lat = run_bare(bare.base, c, args.bare_duration, "GET")
                posts, post_elapsed, post_lat = run_bare(bare.base, c, args.bare_duration, "POST")
                cpu1 = cpu_seconds(bare.pids())
                other = max(0.0, machine_busy_seconds() - busy0 - (cpu1 - cpu0) - (time.process_time() - client0)) / (
                    get_elapsed + post_elapsed)
                bare_results[c] = dict(get_rate=gets / get_elapsed, post_rate=posts / post_elapsed,
                                       get_p50=percentile(get_lat, 50), post_p50=percentile(post_lat, 50),
                                       post_p95=percentile(post_lat, 95),
                                       cpu_ms=(cpu1 - cpu0) / (gets + posts) * 1000, other=other, attempts=attempt + 1)
                if other < args.quiet_limit:
                    break
                print(f"  other processes used {other:.2f} cores meanwhile: repeating", file=sys.stderr)
        bare_rss = [rss_mib(p) for p in bare.workers()]
    finally:
        bare.stop()

    server = Gunicorn("wsgi:app", args, env, logs / "bench-app-gunicorn.log")
    print(f"App: {server.cmd}", file=sys.stderr)
    results = {}
    try:
        stats, _ = run_flow(server.base, tokens[:warmup], args.workers * args.threads, 60, answers, warmup=True)
        if stats.errors:
            print("warm-up errors:", stats.errors[:3], file=sys.stderr)
        for c in levels:
            for attempt in range(1 + args.retries):
                print(f"Respondent flow, concurrency {c}, {args.duration:.0f} s ...", file=sys.stderr)
                wait_until_quiet()
                batch = [next(fresh) for _ in range(args.invitations)]
                pg = postgres_pids()
                server_cpu0, pg_cpu0, client_cpu0 = cpu_seconds(server.pids()), cpu_seconds(pg), time.process_time()
                busy0 = machine_busy_seconds()
                stats, elapsed = run_flow(server.base, batch, c, args.duration, answers)
                busy = machine_busy_seconds() - busy0
                server_cpu = cpu_seconds(server.pids()) - server_cpu0
                pg_cpu = cpu_seconds(postgres_pids()) - pg_cpu0  # backends started during the run count from 0
                client_cpu = time.process_time() - client_cpu0
                other = max(0.0, busy - server_cpu - pg_cpu - client_cpu) / elapsed
                results[c] = dict(stats=stats, elapsed=elapsed, server_cpu=server_cpu, pg_cpu=pg_cpu,
                                  client_cpu=client_cpu, rss=[rss_mib(p) for p in server.workers()], other=other,
                                  attempts=attempt + 1)
                print(f"  {stats.completed} completed, {len(stats.errors)} errors", file=sys.stderr)
                if other < args.quiet_limit:
                    break
                print(f"  other processes used {other:.2f} cores meanwhile: repeating", file=sys.stderr)
            print(f"App section POST loop, concurrency {c}, {args.bare_duration:.0f} s ...", file=sys.stderr)
            wait_until_quiet()
            cpu0 = cpu_seconds(server.pids())
            posts, post_elapsed, post_lat = run_app_posts(server.base, [next(fresh) for _ in range(c)],
                                                          args.bare_duration, answers)
            results[c].update(post_loop_rate=posts / post_elapsed, post_loop_p95=percentile(post_lat, 95),
                              post_loop_cpu_ms=(cpu_seconds(server.pids()) - cpu0) / posts * 1000)
    finally:
        server.stop()

    # --- report ---
    print()
    print(f"Respondent flow over HTTP: gunicorn {args.workers} workers x {args.threads} threads (gthread), "
          f"{args.duration:.0f} s of new assessments per level; 9 requests (5 POSTs) per assessment.")
    print()
    print("| | " + " | ".join(f"concurrency {c}" for c in levels) + " |")
    print("|" + "---|" * (len(levels) + 1))
    row = lambda label, f: print(f"| {label} | " + " | ".join(f(c) for c in levels) + " |")
    row("completed assessments", lambda c: f"{results[c]['stats'].completed}")
    row("**assessments / s**", lambda c: f"**{results[c]['stats'].completed / results[c]['elapsed']:.1f}**")
    row("requests / s (all)", lambda c: f"{results[c]['stats'].requests / results[c]['elapsed']:.0f}")
    row("errors", lambda c: f"{len(results[c]['stats'].errors)}")
    row("attempts (repeated when the machine was not quiet)", lambda c: f"{results[c]['attempts']}")
    for label in REQUEST_TYPES:
        row(f"{label} p50 / p95 ms", lambda c, label=label: "{:.0f} / {:.0f}".format(
            percentile(results[c]["stats"].latency[label], 50) * 1000,
            percentile(results[c]["stats"].latency[label], 95) * 1000))
    row("**gunicorn CPU per assessment (ms)**",
        lambda c: f"**{results[c]['server_cpu'] / max(1, results[c]['stats'].completed) * 1000:.0f}**")
    row("PostgreSQL CPU per assessment (ms)",
        lambda c: f"{results[c]['pg_cpu'] / max(1, results[c]['stats'].completed) * 1000:.0f}")
    row("client CPU per assessment (ms)",
        lambda c: f"{results[c]['client_cpu'] / max(1, results[c]['stats'].completed) * 1000:.0f}")
    row("server CPU use (gunicorn + PostgreSQL, cores)",
        lambda c: f"{(results[c]['server_cpu'] + results[c]['pg_cpu']) / results[c]['elapsed']:.2f}")
    row("other processes on the machine (cores, should be ~0)", lambda c: f"{results[c]['other']:.2f}")
    row("bare POSTs / s (POST-only loop)", lambda c: f"{bare_results[c]['post_rate']:.0f}")
    row("app section POSTs / s (POST-only loop)", lambda c: f"{results[c]['post_loop_rate']:.0f}")
    row("**app POST rate / bare POST rate** (the two POST-only loops)",
        lambda c: f"**{results[c]['post_loop_rate'] / bare_results[c]['post_rate'] * 100:.1f}%**")
    row("app section POST p95 ms; gunicorn CPU per POST (ms) (POST-only loop)",
        lambda c: f"{results[c]['post_loop_p95'] * 1000:.0f}; {results[c]['post_loop_cpu_ms']:.2f}")
    row("app POSTs / s during the flow (5 of its 9 requests)", lambda c: f"{results[c]['stats'].posts / results[c]['elapsed']:.1f}")
    row("the flow's POSTs / s / bare POSTs / s",
        lambda c: f"{results[c]['stats'].posts / results[c]['elapsed'] / bare_results[c]['post_rate'] * 100:.1f}%")
    row("bare GETs / s (GET-only loop)", lambda c: f"{bare_results[c]['get_rate']:.0f}")
    row("app requests / s / bare GETs / s",
        lambda c: f"{results[c]['stats'].requests / results[c]['elapsed'] / bare_results[c]['get_rate'] * 100:.1f}%")
    row("bare POST p50 / p95 ms", lambda c: f"{bare_results[c]['post_p50'] * 1000:.1f} / {bare_results[c]['post_p95'] * 1000:.1f}")
    row("other processes during the bare loops (cores); attempts",
        lambda c: f"{bare_results[c]['other']:.2f}; {bare_results[c]['attempts']}")
    row("bare gunicorn CPU per request (ms)", lambda c: f"{bare_results[c]['cpu_ms']:.2f}")
    row("RSS per app worker after the level (MiB)", lambda c: ", ".join(f"{r:.0f}" for r in results[c]["rss"]))
    print(f"\nRSS per bare worker after its runs (MiB): {', '.join(f'{r:.0f}' for r in bare_rss)}")
    for c in levels:
        errors = results[c]["stats"].errors
        if errors:
            print(f"\nErrors at concurrency {c} ({len(errors)}): " + "; ".join(sorted(set(errors))[:5]))
    print(f"\nApp command (cwd {ROOT}): {server.cmd}")
    print("App environment: DATABASE_URL=<the database above> SECRET_KEY=<bench key> TASK_QUEUE_URL=immediate "
          "RATELIMIT_ENABLED=false MAIL_SERVER= (MATURITY_ENV unset)")
    print(f"Bare command: {bare.cmd}")

    if profile_tokens:
        medians, cumulative, own, per_flow = profile_flows(app, profile_tokens, answers)
        print("\nIn-process (Flask test client, one thread, after 3 warm-up flows), median ms per request of 10 flows: "
              + ", ".join(f"{k} {v * 1000:.1f}" for k, v in medians.items())
              + f"; sum {sum(medians.values()) * 1000:.0f} ms per assessment.")
        print(f"\ncProfile over {len(profile_tokens) - 13} whole flows ({per_flow * 1000:.0f} ms per flow with the profiler), "
              f"top 15 by cumulative time, per flow:\n```\n{cumulative}\n```")
        print(f"\nTop 15 by own time, per flow:\n```\n{own}\n```")
    print()
    for fact in machine_facts(args.database_url):
        print(f"- {fact}")


if __name__ == "__main__":
    main()
