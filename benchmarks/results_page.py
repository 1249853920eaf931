"""Server time of the results page (``GET /campaigns/<id>/results``) for a 10,000-respondent
campaign, as a member of the working group sees it (open answers included).

Fills a throw-away database with the analysis benchmark's synthetic campaign (benchmarks/
analysis.py), adds a previous year's campaign of the same school (so the page also shows the
dynamics), logs a member in with the test client and times the request in-process: the
server's own time, no network. Prints the median of 5 requests after a warm-up.

Target: ≤ 1 s.

    .venv/bin/python benchmarks/results_page.py
    .venv/bin/python benchmarks/results_page.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "benchmark")

from benchmarks.analysis import _app, postgres_database, prepare  # noqa: E402

SIZE = 10_000
PREVIOUS_SIZE = 1_000
REPEATS = 5
PASSWORD = "benchmark-password"


def measure(database_url: str, size: int) -> dict:
    """Fill, then time the results page; return the timings in seconds."""
    from app.extensions import db
    from app.models import Campaign, User

    current = prepare(database_url, (size,))[0]["campaign"]
    previous = prepare(database_url, (PREVIOUS_SIZE,))[0]["campaign"]
    app = _app(database_url)
    with app.app_context():
        campaign = db.session.get(Campaign, current)
        older = db.session.get(Campaign, previous)
        older.school_id = campaign.school_id  # the same school's previous year
        older.academic_year = "2023-2024"
        user = User(email="bench@anketa.ua", role="member", school_id=campaign.school_id)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        app.config.update(WTF_CSRF_ENABLED=False, SERVER_NAME="localhost")
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        url = f"/campaigns/{current}/results"
        first_started = time.perf_counter()
        page = client.get(url)
        first = time.perf_counter() - first_started
        assert page.status_code == 200, page.status_code
        html = page.get_data(as_text=True)
        assert "Де погляди розходяться найбільше" in html and "порівняно з 2023-2024" in html
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            response = client.get(url)
            response.get_data()
            times.append(time.perf_counter() - started)
        db.engine.dispose()
    return {"first_s": first, "median_s": statistics.median(times), "max_s": max(times),
            "html_kb": len(html.encode()) / 1024}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--postgres", metavar="SERVER_URL", help="also on a PostgreSQL server")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    results = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            results.append(("sqlite", measure(f"sqlite:///{folder}/bench.db", args.size)))
    if args.postgres:
        with postgres_database(args.postgres) as url:
            results.append(("postgresql", measure(url, args.size)))
    met = True
    print(f"\nresults page, {args.size:,} respondents (+ a previous campaign of "
          f"{PREVIOUS_SIZE:,}), member of the working group:")  # fmt: skip
    for database, row in results:
        ok = row["median_s"] <= 1.0
        met &= ok
        print(f"  {database:<11} first {row['first_s']:.3f} s, median of {REPEATS} "
              f"{row['median_s']:.3f} s (max {row['max_s']:.3f} s), page {row['html_kb']:.0f} KB"
              f" — target ≤ 1 s {'met' if ok else 'MISSED'}")  # fmt: skip
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
