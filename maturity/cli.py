from __future__ import annotations

import getpass

import click
import pyotp
import sqlalchemy as sa
from flask import Flask
from huey.consumer_options import ConsumerConfig
from huey.storage import SqliteStorage

from .accounts.models import User
from .accounts.passwords import password_problem
from .accounts.second_factor import secret_of
from .accounts.services import find_user_by_email, get_or_create_user, set_password
from .demo import load_demo, print_logins
from .extensions import db
from .results import tally
from .results.jobs import close_due
from .results.tally import rebuild_all
from .rounds.jobs import send_due_reminders
from .rounds.models import Round, RoundStatus
from .rounds.rescore import rescore
from .tasks import huey, worker_heartbeat_age


def register(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.option("--password", envvar="ADMIN_PASSWORD", default=None,
                  help="Read from ADMIN_PASSWORD, else asked for (not echoed).")
    def create_admin(email: str, name: str, password: str | None) -> None:
        """Create a platform administrator (or make an existing user one)."""
        if password is None:
            password = getpass.getpass("Password: ")
            if getpass.getpass("Repeat password: ") != password:
                raise click.ClickException("The passwords are not the same.")
        problem = password_problem(password, email=email, name=name)
        if problem:
            raise click.ClickException(f"Password refused ({problem}): use at least 10 characters, not a common one.")
        user, created = get_or_create_user(email, name)
        user.is_platform_admin = True
        set_password(user, password)
        db.session.commit()
        click.echo(f"{'Created' if created else 'Updated'} platform admin {user.email}.")

    @app.cli.command("remind")
    def remind() -> None:
        """Send due reminders for every open round now (the worker does this daily). Links in
        the mails use BASE_URL (e.g. https://klantspiegel.example.nl)."""
        click.echo(f"{send_due_reminders()} reminders recorded; the worker delivers them.")

    @app.cli.command("close-rounds")
    def close_rounds() -> None:
        """Close (and so publish) every open round whose end date has passed (the worker does
        this every ten minutes)."""
        closed, unreadable = close_due()
        for round_id in unreadable:
            click.echo(f"Round {round_id} not closed: its ballots need an earlier SECRET_KEY "
                       "(set SECRET_KEY_FALLBACKS).", err=True)
        click.echo(f"{closed} rounds closed.")

    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="Threads that run tasks.")
    def worker(workers: int) -> None:
        """Run the task queue's worker: mail, reports and the schedule (TASK_QUEUE_URL)."""
        if huey.immediate:
            raise click.ClickException("TASK_QUEUE_URL is 'immediate': tasks run where they are enqueued.")


        # On one machine (SQLite) a lock left by a killed worker is stale at start; with Redis,
        # other hosts' workers may hold locks, which expire by themselves instead.
        config = ConsumerConfig(workers=workers, worker_type="thread", periodic=True,
                                flush_locks=huey.storage_class is SqliteStorage, check_worker_health=True,
                                backoff=1.15, max_delay=2.0, graceful_signal="TERM", shutdown_timeout=30)
        config.validate()
        huey.create_consumer(**config.values).run()

    @app.cli.command("worker-health")
    @click.option("--max-age", default=180, show_default=True, help="Seconds since the schedule last ran.")
    def worker_health(max_age: int) -> None:
        """Exit 0 when a worker ran its schedule recently (for a container health check)."""
        age = worker_heartbeat_age()
        if age is None or age > max_age:
            raise click.ClickException(f"no worker heartbeat in the last {max_age} s")
        click.echo(f"worker alive ({age:.0f} s ago)")

    @app.cli.command("rescore")
    @click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
    def rescore_command(dry_run: bool) -> None:
        """Recompute every response's stored scores from its raw answers (after a scoring fix)."""
        report = rescore(dry_run=dry_run)
        if not dry_run:  # a dry run changed nothing, so there is nothing to commit
            db.session.flush()
            # The published aggregates rest on the stored scores: bring them in line too.

            rebuilt = [r.round_id for r in rebuild_all() if r.changed]
            db.session.commit()
            if rebuilt:
                click.echo(f"Tallies rebuilt for rounds {', '.join(map(str, rebuilt))}.")
        verb = "would change" if dry_run else "changed"
        details = ", ".join(f"{name} {n}" for name, n in sorted(report.changed.items())) or "nothing"
        click.echo(f"{report.responses} responses and {report.customer_responses} customer responses checked; "
                   f"{report.total_changed} values {verb} ({details}).")

    @app.cli.command("rebuild-tallies")
    @click.option("--check", is_flag=True, help="Only report rounds whose tally differs from their answers.")
    def rebuild_tallies(check: bool) -> None:
        """Recompute every published round's aggregates from its raw answers; store those that
        differ (or are missing). Exits 1 with --check when any differs."""
        if check:
            rounds = db.session.scalars(sa.select(Round).where(
                Round.status == RoundStatus.CLOSED, Round.answers_purged_at.is_(None)).order_by(Round.id))
            differ = [r.id for r in list(rounds)
                      if tally.computed_from_answers(r) != tally.stored([r.id]).get(r.id, {})]
            click.echo(f"{len(differ)} round(s) differ" + (f": {', '.join(map(str, differ))}" if differ else "."))
            if differ:
                raise SystemExit(1)
            return
        reports = tally.rebuild_all()
        db.session.commit()
        changed = [r.round_id for r in reports if r.changed]
        click.echo(f"{len(reports)} published round(s) checked; {len(changed)} rebuilt"
                   + (f": {', '.join(map(str, changed))}." if changed else "."))

    @app.cli.command("two-step-code")
    @click.argument("email")
    def two_step_code(email: str) -> None:
        """Print the current two-step sign-in code and key of an account (demo and development
        only: refused in production)."""

        if app.config["ENV_NAME"] == "production":
            raise click.ClickException("not available in production")
        user = find_user_by_email(email)
        if user is None or not user.has_second_factor:
            raise click.ClickException(f"{email} has no two-step sign-in")
        secret = secret_of(user)
        click.echo(f"code now: {pyotp.TOTP(secret).now()}   (key for an authenticator app: {secret})")

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only load when the database has no users yet.")
    def demo(if_empty: bool) -> None:
        """Load demo data: a consultancy, two client organisations and about 40 employees."""
        if if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
            click.echo("Database already has data; demo not loaded.")
            print_logins(click.echo)
            return
        load_demo()
        print_logins(click.echo)
