"""Browser journeys: Playwright drives Debian's Chromium (never a downloaded browser) against
the app served on a free local port, with a database of its own where requests commit for real:
PostgreSQL when TEST_CONCURRENCY_DATABASE_URL is set (CI), otherwise an SQLite file.

Every page a journey visits is checked with axe-core for WCAG 2.1 A/AA violations."""

from __future__ import annotations

import os
import re
import shutil
import threading
from dataclasses import dataclass

import pytest

from ..helpers import mail_text

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(config, items):
    if not os.path.exists(CHROMIUM):
        skip = pytest.mark.skip(reason="no Chromium (apt-get install chromium); CI installs it")
        for item in items:
            if "tests/browser" in str(item.fspath) and not os.environ.get("REQUIRE_BROWSER"):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-component-update",
                     "--disable-background-networking", "--disable-sync"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "nl-NL", "viewport": {"width": 1280, "height": 900}}


@dataclass
class Live:
    url: str
    app: object
    mailbox: object

    def second_step_code(self, email: str) -> str:
        """The current code of this person's authenticator app (each code works once, so the
        record of the last step used is cleared first, as if the next step had come)."""
        import pyotp
        import sqlalchemy as sa

        from maturity.accounts.models import User
        from maturity.accounts.second_factor import secret_of
        from maturity.extensions import db

        with self.app.app_context():
            user = db.session.scalar(sa.select(User).where(User.email == email))
            user.totp_last_step = None
            db.session.commit()
            return pyotp.TOTP(secret_of(user)).now()

    def outbox_link(self, recipient: str, pattern: str) -> str:
        """The link in the latest mail delivered to ``recipient`` (by the real SMTP server)."""
        import time

        for _ in range(50):
            bodies = [mail_text(m) for m in self.mailbox.messages if m["To"] == recipient]
            match = re.search(r"https?://\S*" + pattern + r"\S*", bodies[-1]) if bodies else None
            if match:
                return match.group(0)
            time.sleep(0.1)
        raise AssertionError(f"no {pattern} link in a mail to {recipient}")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from maturity import create_app
    from maturity.extensions import db

    from ..conftest import _reset_schema

    from aiosmtpd.controller import Controller

    from ..helpers import Collect, free_port

    mailbox = Collect()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    url = os.environ.get("TEST_CONCURRENCY_DATABASE_URL") or "sqlite:///" + str(tmp_path_factory.mktemp("live") / "live.sqlite3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "browser-test-secret-key-0123456789abcdef",
                      "TASK_QUEUE_URL": "immediate", "RATELIMIT_ENABLED": False,
                      "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_USE_TLS": False})
    with app.app_context():
        _reset_schema()
        upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{server.server_port}", app, mailbox)
    server.shutdown()
    smtp.stop()
    with app.app_context():
        db.session.remove()
        _reset_schema()
        db.engine.dispose()


@pytest.fixture
def check_a11y():
    """Run axe-core on the page as it is now; fail on any WCAG 2.1 A/AA violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]})
        violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
        assert violations == [], f"{page.url}: {violations}"

    return check
