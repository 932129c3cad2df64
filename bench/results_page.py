"""Benchmark: the results page, exports and a personal PDF on a round with many responses.

Run: .venv/bin/python bench/results_page.py [responses]   (default 2000)
Builds a throw-away SQLite database, fills one round's ballot box in bulk and closes the round
(which releases the ballots and builds the tally the results read), and reports the median time
of each request in-process. Numbers go to docs/performance.md by hand; tests never assert
times.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def main(n: int) -> None:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from maturity import create_app
    from maturity.accounts.passwords import hash_password
    from maturity.extensions import db
    from maturity.instrument import load_instrument
    from maturity.rounds import services
    from maturity.results import publication
    from maturity.rounds import links
    from maturity.rounds.models import Ballot, CustomerAnswer, CustomerResponse
    from maturity.rounds.questionnaire import SECTIONS, section_keys
    from maturity.tenancy.models import Consultancy, Department, Organisation, OrganisationMembership, OrgRole
    from maturity.accounts.models import User

    tmp = Path(tempfile.mkdtemp())
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}", "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench-secret-key-0123456789abcdef0123"})
    rng = random.Random(1)
    instrument = load_instrument()
    keys = [k for s in SECTIONS for k in section_keys(instrument, s)]
    with app.app_context():
        upgrade()
        consultancy = Consultancy(name="Bench", slug="bench")
        db.session.add(consultancy)
        db.session.flush()
        org = Organisation(consultancy_id=consultancy.id, name="Bench BV", slug="bench-bv")
        director = User(email="d@bench.example", name="D", password_hash=hash_password("bench password 1"))
        db.session.add_all([org, director])
        db.session.flush()
        db.session.add(OrganisationMembership(organisation_id=org.id, user_id=director.id, role=OrgRole.DIRECTOR))
        departments = [Department(organisation_id=org.id, name=f"Afdeling {i}") for i in range(12)]
        db.session.add_all(departments)
        db.session.flush()
        round_ = services.create_round(org, services.RoundSettings("Bench", date.today(), date.today() + timedelta(days=5)))
        services.open_round(round_)
        db.session.flush()
        # Responses are published only when the round closes: put sealed ballots in the box, as
        # submission.submit_response does, then close the round (releases them and builds the tally).
        ballots = []
        for i in range(n):
            answers = {}
            for key in keys:
                if key.startswith("quiz."):
                    answers[key] = rng.choice("abc")
                else:
                    answers[key] = str(rng.randint(1, 10 if key.startswith("mirror.") else 5))
            ballots.append(dict(id=f"{i:032d}", round_id=round_.id, sealed=links.seal_ballot(
                {"department_id": rng.choice(departments).id, "answers": answers})))
        db.session.execute(sa.insert(Ballot), ballots)
        customers = [dict(id=f"c{i:031d}", round_id=round_.id, organisation_id=org.id,
                          language="nl", mirror_customer=rng.uniform(0, 100), comment=None) for i in range(n // 4)]
        db.session.execute(sa.insert(CustomerResponse), customers)
        db.session.execute(sa.insert(CustomerAnswer), [
            dict(customer_response_id=c["id"], item_key=f"mirror.m{j}.customer", value=rng.randint(1, 10))
            for c in customers for j in range(1, 6)])
        with app.test_request_context():
            publication.close(round_)
        from maturity.api import keys as api_keys

        _key, api_key = api_keys.create_key(org, "bench", ["results:read"], 30, by=director)
        db.session.commit()
        round_id = round_.id

    client = app.test_client()
    client.post("/login", data={"email": "d@bench.example", "password": "bench password 1"})
    print(f"{n} responses, {n // 4} customer responses")
    for label, url in [("results page", f"/o/bench-bv/rounds/{round_id}/results"),
                       ("CSV export", f"/o/bench-bv/rounds/{round_id}/results.csv"),
                       ("XLSX export", f"/o/bench-bv/rounds/{round_id}/results.xlsx"),
                       ("live count", f"/o/bench-bv/rounds/{round_id}/results/live.json")]:
        times = []
        for _ in range(7):
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append(time.perf_counter() - start)
        print(f"  {label:<14} median {statistics.median(times) * 1000:7.1f} ms   (min {min(times) * 1000:.1f})")
    # The JSON API (docs/api.md): the same figures, and a scheduled refresh that sends the ETag back.
    api = app.test_client()
    headers = {"Authorization": f"Bearer {api_key}"}
    etag = api.get(f"/api/v1/rounds/{round_id}/results", headers=headers).headers["ETag"]
    for label, extra, status in [("API results", {}, 200), ("API, unchanged", {"If-None-Match": etag}, 304)]:
        times = []
        for _ in range(7):
            start = time.perf_counter()
            assert api.get(f"/api/v1/rounds/{round_id}/results", headers={**headers, **extra}).status_code == status
            times.append(time.perf_counter() - start)
        print(f"  {label:<14} median {statistics.median(times) * 1000:7.1f} ms   (min {min(times) * 1000:.1f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
