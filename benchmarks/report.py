"""How long the full довідка takes, and how much memory: the demo campaign and 10,000 respondents.

    .venv/bin/python benchmarks/report.py [--respondents 10000] [--database-url URL]

Builds a throw-away SQLite database (or uses ``--database-url``, e.g. a PostgreSQL test server),
loads the bundled questionnaires, creates the demo campaign (``app.staff.demo.create_demo``) and
a synthetic campaign with 10,000 respondents (bulk-inserted answers), then measures each
довідка in a fresh child process, so the peak memory (``ru_maxrss``) is that of one build:

- ``analysis``: ``analyze_campaign`` (the GROUP BY counts and the statistics);
- ``build``: ``build_report`` with a cold chart cache, of which ``charts`` is the time spent
  rendering charts alone; ``warm build``: the same document again (charts cached);
- ``total`` = analysis + build, against the targets ≤ 3 s and ≤ 300 MB.

Prints one line per campaign and PASS/FAIL; exit status 1 on FAIL.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "benchmark")

TARGET_SECONDS = 3.0
TARGET_MB = 300.0
ROLE_SHARES = {"teachers": 0.04, "students": 0.66, "parents": 0.30}


def _app(database_url: str) -> Any:
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})


def _synthetic_campaign(respondents: int, seed: int = 7) -> int:
    """Create a school and a campaign with ``respondents`` bulk-inserted responses."""
    from sqlalchemy import insert, select

    from app.extensions import db
    from app.models import Answer, Response, School
    from app.staff.services import create_campaign
    from app.surveys.respondent.answer_rows import answer_rows, segment_question_id

    rng = random.Random(seed)
    school = School(slug="bench-10k", name="Бенчмарк: 10 000 респондентів")
    db.session.add(school)
    db.session.commit()
    campaign = create_campaign(school, "assessment-system", "2024-2025")
    for link in campaign.links:
        n = round(respondents * ROLE_SHARES[link.role])
        questions = link.questionnaire.questions
        segment = segment_question_id(link.questionnaire)
        first_id = (db.session.scalar(select(Response.id).order_by(Response.id.desc())) or 0) + 1
        responses = [
            {
                "id": first_id + i,
                "campaign_id": campaign.id,
                "questionnaire_id": link.questionnaire_id,
                "role": link.role,
                "submission_id": f"bench-{campaign.id}-{link.role}-{i}",
                "source": "import",
            }
            for i in range(n)
        ]
        db.session.execute(insert(Response), responses)
        answers: list[dict[str, Any]] = []
        for i in range(n):
            base = {"response_id": first_id + i, "campaign_id": campaign.id}
            given: list[tuple[int, int | None, str | None]] = []
            for question in questions:
                if not question.required and rng.random() < 0.3:
                    continue
                if question.type == "text":
                    given.append((question.id, None, "Пропозиція"))
                    continue
                options = question.options
                if question.type == "multiple":
                    chosen = [o for o in options if rng.random() < 0.45] or [options[0]]
                else:
                    weights = [len(options) - k + 1.5 for k in range(len(options))]
                    chosen = rng.choices(options, weights=weights)
                given += [(question.id, option.id, None) for option in chosen]
            answers += [{**base, **row} for row in answer_rows(given, segment)]
            if len(answers) > 50_000:
                db.session.execute(insert(Answer), answers)
                answers = []
        if answers:
            db.session.execute(insert(Answer), answers)
        db.session.commit()
    return campaign.id


def prepare(database_url: str, respondents: int) -> list[tuple[str, int]]:
    """Create the two campaigns; return (label, campaign id) pairs."""
    from flask_migrate import upgrade

    from app.staff.demo import create_demo
    from app.surveys.definitions.library import load_questionnaires

    app = _app(database_url)
    with app.app_context():
        upgrade()
        load_questionnaires()
        demo = create_demo()
        started = time.perf_counter()
        synthetic = _synthetic_campaign(respondents)
        print(
            f"(prepared {respondents} synthetic respondents in "
            f"{time.perf_counter() - started:.1f} s)",
            file=sys.stderr,
        )
        return [("demo", demo.campaigns[-1].id), (f"{respondents} respondents", synthetic)]


def measure(database_url: str, campaign_id: int) -> dict[str, Any]:
    """Build one довідка (in this process) and return the measured figures."""
    from app.extensions import db
    from app.models import Campaign
    from app.reports import charts
    from app.reports.document import ReportStats, build_report
    from app.reports.service import chart_workers
    from app.reports.texts import load_texts
    from app.results.service import analyze_campaign

    app = _app(database_url)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        charts.clear_cache()
        # Import-time and first-use costs (fonts) are paid once per server process.
        charts.pie_chart(["Так", "Ні"], [50.0, 50.0])
        charts.clear_cache()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        children_cpu = children.ru_utime + children.ru_stime
        started, cpu = time.perf_counter(), time.process_time()
        analysis = analyze_campaign(campaign)
        analysed, analysed_cpu = time.perf_counter(), time.process_time()
        stats = ReportStats()
        workers = chart_workers()
        data = build_report(analysis, load_texts(campaign), stats, chart_workers=workers)
        built, cpu_used = time.perf_counter(), time.process_time() - cpu
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_used += children.ru_utime + children.ru_stime - children_cpu
        build_cpu = cpu_used - (analysed_cpu - cpu)
        warm_started = time.perf_counter()
        build_report(analysis, load_texts(campaign), chart_workers=workers)
        warm = time.perf_counter() - warm_started
        respondents = sum(analysis.respondents.values())
    return {
        "respondents": respondents,
        "analysis": analysed - started,
        "build": built - analysed,
        "charts": stats.chart_seconds,
        "pictures": stats.pictures,
        "workers": workers,
        "total": built - started,
        "cpu": cpu_used,
        "build_cpu": build_cpu,
        "warm": warm,
        "bytes": len(data),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure is not None:
        print(json.dumps(measure(args.database_url, args.measure)))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        database_url = args.database_url or f"sqlite:///{tmp}/bench.db"
        campaigns = prepare(database_url, args.respondents)
        failed = False
        for label, campaign_id in campaigns:
            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--database-url",
                    database_url,
                    "--measure",
                    str(campaign_id),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode != 0:
                print(child.stderr, file=sys.stderr)
                return 2
            m = json.loads(child.stdout.strip().splitlines()[-1])
            memory_ok = m["peak_mb"] <= TARGET_MB
            build_ok = m["build"] <= TARGET_SECONDS and memory_ok
            total_ok = m["total"] <= TARGET_SECONDS and memory_ok
            failed |= not total_ok
            print(
                f"{label} ({m['respondents']} respondents), load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n"
                f"  analysis             {m['analysis']:6.2f} s\n"
                f"  build, cold charts   {m['build']:6.2f} s  ({m['build_cpu']:.2f} s CPU); "
                f"charts alone {m['charts']:.2f} s ({m['pictures']} charts, "
                f"{m['workers']} worker processes)\n"
                f"  build, warm charts   {m['warm']:6.2f} s\n"
                f"  total                {m['total']:6.2f} s  ({m['cpu']:.2f} s CPU with workers)\n"
                f"  document             {m['bytes'] / 1024:6.0f} KB\n"
                f"  peak memory          {m['peak_mb']:6.0f} MB  "
                f"(a chart worker: {m['children_peak_mb']:.0f} MB)\n"
                f"  document build: {'PASS' if build_ok else 'FAIL'}; with analysis: "
                f"{'PASS' if total_ok else 'FAIL'}  "
                f"(targets ≤ {TARGET_SECONDS:.0f} s, ≤ {TARGET_MB:.0f} MB)"
            )
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
