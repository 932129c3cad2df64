"""docs/api.md as an analyst uses it: its Python scripts, copied out of the document, run
against a live server (a real HTTP port, the `requests` library) with a key made as the API page
makes it: one pulls every published round of every client into a CSV, the other adds people and
creates, opens and invites a round."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from maturity import create_app
from maturity.accounts.models import User
from maturity.api import keys
from maturity.extensions import db
from maturity.rounds.models import Invitation, Round
from maturity.tenancy.models import OrganisationMembership
from tests import factories
from tests.conftest import _reset_schema
from tests.helpers import filled_round

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def script(name: str) -> str:
    """The Python block of docs/api.md that starts with ``# <name>``."""
    for block in re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        if block.startswith(f"# {name}"):
            return block
    raise AssertionError(f"docs/api.md has no script {name}")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from flask_migrate import upgrade

    url = os.environ.get("TEST_CONCURRENCY_DATABASE_URL") or "sqlite:///" + str(tmp_path_factory.mktemp("api") / "api.sqlite3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "api-docs-test-secret-key-0123456789abcdef",
                      "TASK_QUEUE_URL": "immediate", "RATELIMIT_STORAGE_URI": "memory://", "MAIL_SERVER": ""})
    with app.app_context():
        _reset_schema()
        upgrade()
        world = factories.build_world()
        published = filled_round(app, world, {"Verkoop": 6, "Service": 5}, customers=6)
        _key, plain = keys.create_key(world.ours.consultancy, "Power BI", ["results:read", "people:manage",
                                      "rounds:manage"], 90, by=world.ours.consultant)
        db.session.commit()
        ids = {"org": world.ours.org.id, "org_name": world.ours.org.name, "sibling": world.sibling_org.id,
               "round": published.id, "round_title": published.title, "theirs": world.theirs.org.name}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", plain, ids
    server.shutdown()
    with app.app_context():
        db.session.remove()
        _reset_schema()
        db.engine.dispose()


def run(code: str, tmp_path: Path, env: dict, *args: str) -> str:
    path = tmp_path / "script.py"
    path.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(path), *args], cwd=tmp_path, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_documented_script_pulls_every_published_round_into_a_spreadsheet(served, tmp_path):
    app, base, key, ids = served
    run(script("pull_rounds.py"), tmp_path, {"KLANTSPIEGEL_URL": base, "KLANTSPIEGEL_KEY": key}, "out.csv")
    with open(tmp_path / "out.csv", encoding="utf-8-sig") as written:
        rows = list(csv.DictReader(written))
    assert rows, "no figures written"
    assert {r["organisation"] for r in rows} == {ids["org_name"]}  # the only published round; never theirs
    assert {r["round"] for r in rows} == {ids["round_title"]}
    assert rows[0]["phase"] in {"onwetend", "klantgericht", "klantbewust", "klantbekwaam"}
    sections = {r["section"] for r in rows}
    assert {"dimension", "statement", "mirror"} <= sections
    assert {r["round_id"] for r in rows} == {str(ids["round"])}
    # A hidden figure has no number; a shown number has its unit.
    for r in rows:
        if r["hidden"] == "True":
            assert r["value"] == "" and r["text"], r
        elif r["section"] in ("dimension", "statement", "mirror"):
            assert r["value"] != "" and r["unit"], r


def test_the_documented_script_adds_people_and_runs_a_round(served, tmp_path):
    app, base, key, ids = served
    out = run(script("new_round.py"), tmp_path,
              {"KLANTSPIEGEL_URL": base, "KLANTSPIEGEL_KEY": key, "KLANTSPIEGEL_ORG": str(ids["sibling"])})
    assert re.search(r"round \d+ is open; \d+ people invited", out), out
    with app.app_context():
        emails = set(db.session.scalars(sa.select(User.email).join(
            OrganisationMembership, OrganisationMembership.user_id == User.id)
            .where(OrganisationMembership.organisation_id == ids["sibling"])))
        assert {"anna@client.example", "bram@client.example"} <= emails
        round_id = int(re.search(r"round (\d+)", out).group(1))
        assert db.session.get(Round, round_id).is_open
        assert db.session.scalar(sa.select(sa.func.count()).where(Invitation.round_id == round_id)) >= 2
    # Run twice: the people are there already (409, skipped), a second round is made.
    again = run(script("new_round.py"), tmp_path,
                {"KLANTSPIEGEL_URL": base, "KLANTSPIEGEL_KEY": key, "KLANTSPIEGEL_ORG": str(ids["sibling"])})
    assert re.search(r"round \d+ is open; \d+ people invited", again), again


def test_the_documented_script_stops_with_the_problems_own_words(served, tmp_path):
    """Next to a published round of the same period, the few people added make the new round's
    invitees comparable: opening is refused (409) and the script says why."""
    app, base, key, ids = served
    path = tmp_path / "script.py"
    path.write_text(script("new_round.py"), encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "KLANTSPIEGEL_URL": base, "KLANTSPIEGEL_KEY": key,
                               "KLANTSPIEGEL_ORG": str(ids["org"])})
    assert done.returncode != 0
    assert "409" in done.stderr and "differ" in done.stderr, done.stderr
