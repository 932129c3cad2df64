from __future__ import annotations

import getpass

import click
import sqlalchemy as sa
from flask import Flask

from .extensions import db


def register(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.option("--password", envvar="ADMIN_PASSWORD", default=None,
                  help="Read from ADMIN_PASSWORD, else asked for (not echoed).")
    def create_admin(email: str, name: str, password: str | None) -> None:
        """Create a platform administrator (or make an existing user one)."""
        from .accounts.passwords import password_problem
        from .accounts.services import get_or_create_user, set_password

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
        """Send due reminders for every open round (run daily from cron). Links in the mails
        use BASE_URL (e.g. https://klantspiegel.example.nl)."""
        from flask import current_app

        from .rounds.models import Round, RoundStatus
        from .rounds.services import send_reminders

        base_url = current_app.config["BASE_URL"] or "http://127.0.0.1:5000"
        total = 0
        with current_app.test_request_context("/", base_url=base_url):
            for round_ in db.session.scalars(sa.select(Round).where(Round.status == RoundStatus.OPEN)):
                total += send_reminders(round_)
            db.session.commit()
        click.echo(f"{total} reminders sent.")

    @app.cli.command("close-rounds")
    def close_rounds() -> None:
        """Close (and so publish) every open round whose end date has passed (run daily from cron)."""
        from .rounds.models import Round, RoundStatus
        from .rounds.services import BallotUnreadable, close_round, today

        due = db.session.scalars(
            sa.select(Round).where(Round.status == RoundStatus.OPEN, Round.closes_on < today())).all()
        closed = 0
        for round_ in due:
            try:
                close_round(round_)
            except BallotUnreadable:
                db.session.rollback()
                click.echo(f"Round {round_.id} not closed: its ballots need an earlier SECRET_KEY "
                           "(set SECRET_KEY_FALLBACKS).", err=True)
                continue
            db.session.commit()
            closed += 1
        click.echo(f"{closed} rounds closed.")

    @app.cli.command("rescore")
    @click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
    def rescore_command(dry_run: bool) -> None:
        """Recompute every response's stored scores from its raw answers (after a scoring fix)."""
        from .rounds.rescore import rescore

        report = rescore(dry_run=dry_run)
        if not dry_run:  # a dry run changed nothing, so there is nothing to commit
            db.session.commit()
        verb = "would change" if dry_run else "changed"
        details = ", ".join(f"{name} {n}" for name, n in sorted(report.changed.items())) or "nothing"
        click.echo(f"{report.responses} responses and {report.customer_responses} customer responses checked; "
                   f"{report.total_changed} values {verb} ({details}).")

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only load when the database has no users yet.")
    def demo(if_empty: bool) -> None:
        """Load demo data: a consultancy, two client organisations and about 40 employees."""
        from .accounts.models import User
        from .demo import load_demo, print_logins

        if if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
            click.echo("Database already has data; demo not loaded.")
            print_logins(click.echo)
            return
        load_demo()
        print_logins(click.echo)
