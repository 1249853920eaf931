"""Benchmark of importing a Google Forms CSV export (``app.imports.engine.import_csv``).

Writes synthetic exports of the bundled students' questionnaire (24 questions: the grade, scales,
checkboxes joined with ", " — including options whose text has a comma —, open answers) with
5,000 and 50,000 rows, then imports each into a fresh campaign in a fresh process and prints the
seconds, the peak RSS of that process and how much the RSS grew during the import (after the
app, the database and the questionnaires were set up). Streaming means the growth does not
follow the number of rows: it is bounded by one batch of responses (1,000) per transaction step.

    .venv/bin/python benchmarks/import.py                 # 5k and 50k rows, SQLite
    .venv/bin/python benchmarks/import.py --rows 50000    # one size
    .venv/bin/python benchmarks/import.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.throwaway_postgres import throwaway_database  # noqa: E402

os.environ.setdefault("SECRET_KEY", "benchmark")

LIBRARY = ROOT / "questionnaires" / "assessment-system"
SIZES = (5_000, 50_000)


def write_export(path: Path, rows: int, seed: int = 6) -> None:
    """Write a Google Forms-like export of the students' questionnaire, row by row."""
    from app.surveys.definitions.library import parse_role_file

    questionnaire = parse_role_file(LIBRARY / "students.yaml")
    questions = questionnaire["questions"]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["Позначка часу", *(q["text"] for q in questions)])
        for number in range(rows):
            row = [f"2025/03/{1 + number % 28:02d} 10:{number % 60:02d}:00 AM EET"]
            for question in questions:
                options = [option["text"] for option in question["options"]]
                if question["type"] == "text":
                    row.append(rng.choice(["", "", "Більше прикладів на уроках", "Усе добре"]))
                elif question["type"] == "multiple":
                    row.append(", ".join(rng.sample(options, rng.randint(1, min(3, len(options))))))
                else:
                    row.append(rng.choice(options))
            writer.writerow(row)


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _current_rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def worker(database_url: str, csv_path: str) -> dict:
    """Set up a campaign on ``database_url`` and import the file; return the measurements."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.imports.engine import import_csv
    from app.models import School
    from app.staff.services import create_campaign
    from app.surveys.definitions.library import load_questionnaires

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        upgrade()
        load_questionnaires()
        school = School(slug="bench", name="Гімназія")
        db.session.add(school)
        db.session.commit()
        campaign = create_campaign(school, "assessment-system", "2024-2025")
        link = campaign.link_for("students")
        before = _current_rss_kib()
        started = time.perf_counter()
        result = import_csv(Path(csv_path), link)
        seconds = time.perf_counter() - started
        peak = _rss_kib()
        return {
            "rows": result.rows,
            "imported": result.imported,
            "seconds": round(seconds, 2),
            "peak_rss_mib": round(peak / 1024, 1),
            "rss_growth_mib": round(max(0, peak - before) / 1024, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="rows (repeatable)")
    parser.add_argument("--postgres", help="also on this PostgreSQL server URL")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    sizes = args.rows or list(SIZES)
    print(
        f"{'database':<10} {'rows':>7} {'seconds':>8} {'rows/s':>8} {'peak RSS':>10} {'growth':>8}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            path = Path(folder) / f"export-{rows}.csv"
            write_export(path, rows)
            targets = [("sqlite", nullcontext(f"sqlite:///{Path(folder) / f'bench-{rows}.db'}"))]
            if args.postgres:
                targets.append(("postgresql", throwaway_database(args.postgres, "anketa_bench")))
            for name, database in targets:
                with database as url:
                    output = subprocess.run(
                        [sys.executable, __file__, "--worker", url, str(path)],
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout
                result = json.loads(output.strip().splitlines()[-1])
                assert result["imported"] == rows, result
                print(
                    f"{name:<10} {rows:>7} {result['seconds']:>8.2f} "
                    f"{rows / result['seconds']:>8.0f} {result['peak_rss_mib']:>7.1f} MiB "
                    f"{result['rss_growth_mib']:>4.1f} MiB"
                )


if __name__ == "__main__":
    main()
