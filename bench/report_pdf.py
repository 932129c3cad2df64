"""Benchmark: rendering the demo organisation's board report (first render and cached).

Run: .venv/bin/python bench/report_pdf.py
Loads the demo into a throw-away SQLite database and times the report download in-process.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    from flask_migrate import upgrade

    from maturity import create_app
    from maturity.demo import DEMO_PASSWORD, load_demo
    from maturity.extensions import db
    from maturity.reports.models import ReportCache, ReportVersion

    tmp = Path(tempfile.mkdtemp())
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}", "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
                      # The render happens in the worker; here in-process, to time it.
                      "TASK_QUEUE_URL": "immediate"})
    with app.app_context():
        upgrade()
        load_demo()
    client = app.test_client()
    client.post("/login", data={"email": "directeur@delinde.example", "password": DEMO_PASSWORD})
    url = "/o/woonstichting-de-linde/rounds/2/report.pdf"
    fresh, cached = [], []
    for _ in range(5):
        with app.app_context():
            db.session.query(ReportCache).delete()
            # The demo's plan is published: its report is an issued version, whose PDF is kept too.
            db.session.query(ReportVersion).update({"pdf": None, "pdf_digest": None, "status": "pending"})
            db.session.commit()
        start = time.perf_counter()
        response = client.post(url, follow_redirects=True)  # the button: ask, then the file's address
        fresh.append(time.perf_counter() - start)
        start = time.perf_counter()
        client.post(url, follow_redirects=True)
        cached.append(time.perf_counter() - start)
    print(f"report PDF {len(response.data) // 1024} KB")
    print(f"  rendered  median {statistics.median(fresh) * 1000:7.0f} ms (first, incl. child start: {fresh[0] * 1000:.0f} ms)")
    print(f"  cached    median {statistics.median(cached) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
