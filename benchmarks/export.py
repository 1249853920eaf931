"""Benchmark of the response exports (CSV and XLSX) at 10,000 and 100,000 respondents.

Fills a throw-away database with the analysis benchmark's synthetic campaigns (benchmarks/
analysis.py: every question of the three bundled questionnaires answered, ~30 % of multiple
choice options ticked, every open question answered), then exports each campaign's responses,
every role, in a fresh process per (size, format), twice: once timed, once under tracemalloc
for the peak of the Python memory that the export itself allocates.

Target: the export's peak memory at 100,000 respondents is at most 1.2 × the peak at 10,000
(constant memory: rows stream from the database to the file).

    .venv/bin/python benchmarks/export.py                  # SQLite
    .venv/bin/python benchmarks/export.py --postgres URL   # PostgreSQL server (throw-away db)
    .venv/bin/python benchmarks/export.py --sizes 1000     # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "benchmark")

from benchmarks.analysis import _app, postgres_database, prepare  # noqa: E402

SIZES = (10_000, 100_000)
FORMATS = ("csv", "xlsx")
ROLES = ("teachers", "students", "parents")


def export(database_url: str, campaign_id: int, kind: str, traced: bool) -> dict:
    """Export every role's responses of a campaign to a temporary file; return the figures."""
    from app.exports.writers import csv_chunks, write_responses_xlsx
    from app.extensions import db
    from app.models import Campaign

    app = _app(database_url)
    with app.app_context(), tempfile.TemporaryDirectory() as folder:
        campaign = db.session.get(Campaign, campaign_id)
        campaign.links  # noqa: B018 (loaded before measuring)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        if kind == "csv":
            for role in ROLES:
                with open(Path(folder) / f"{role}.csv", "w", encoding="utf-8") as target:
                    for chunk in csv_chunks(campaign, role):
                        target.write(chunk)
        else:
            with open(Path(folder) / "responses.xlsx", "wb") as target:
                write_responses_xlsx(campaign, target)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
        if traced:
            tracemalloc.stop()
        size = sum(path.stat().st_size for path in Path(folder).iterdir()) / 2**20
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        db.engine.dispose()
    return {"seconds": seconds, "peak_mb": peak, "file_mb": size,
            "rss_growth_mb": rss_after - rss_before}  # fmt: skip


def run_export_process(database_url: str, campaign_id: int, kind: str, traced: bool) -> dict:
    """Run ``export`` in a fresh process (its memory is then the export's own)."""
    args = [sys.executable, __file__, "--export", database_url, str(campaign_id), kind]
    result = subprocess.run([*args, "--traced"] if traced else args, capture_output=True,
                            text=True)  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"export of campaign {campaign_id} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench(label: str, database_url: str, sizes: tuple[int, ...]) -> list[dict]:
    print(f"{label}: filling…", flush=True)
    rows = []
    for item in prepare(database_url, sizes):
        for kind in FORMATS:
            timed = run_export_process(database_url, item["campaign"], kind, traced=False)
            traced = run_export_process(database_url, item["campaign"], kind, traced=True)
            row = {"database": label, "size": item["size"], "answers": item["answers"],
                   "format": kind, **timed, "peak_mb": traced["peak_mb"]}  # fmt: skip
            rows.append(row)
            print(f"  {item['size']:>7,} {kind:<4} {timed['seconds']:7.1f} s, "
                  f"peak {traced['peak_mb']:6.2f} MB", flush=True)  # fmt: skip
    return rows


def report(rows: list[dict]) -> bool:
    """Print the table and the memory verdict per format; return whether every one is met."""
    print()
    header = (f"{'database':<11}{'format':<7}{'respondents':>12}{'answers':>11}{'seconds':>9}"
              f"{'rows/s':>9}{'file MB':>9}{'peak MB':>9}{'RSS +MB':>9}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row['database']:<11}{row['format']:<7}{row['size']:>12,}{row['answers']:>11,}"
              f"{row['seconds']:>9.1f}{row['size'] / row['seconds']:>9,.0f}"
              f"{row['file_mb']:>9.1f}{row['peak_mb']:>9.2f}"
              f"{row['rss_growth_mb']:>9.1f}")  # fmt: skip
    all_met = True
    for database in dict.fromkeys(row["database"] for row in rows):
        for kind in FORMATS:
            mine = sorted((r for r in rows if r["database"] == database and r["format"] == kind),
                          key=lambda r: r["size"])  # fmt: skip
            if len(mine) < 2:
                continue
            small, large = mine[0], mine[-1]
            growth = large["peak_mb"] / small["peak_mb"] - 1
            met = growth <= 0.20
            all_met &= met
            print(f"{database} {kind}: peak {small['peak_mb']:.2f} MB at {small['size']:,} → "
                  f"{large['peak_mb']:.2f} MB at {large['size']:,} ({growth:+.0%}; target ≤ +20 %)"
                  f" — {'met' if met else 'MISSED'}")  # fmt: skip
    print("\npeak MB: tracemalloc peak of the export call (Python allocations) in its own "
          "process; RSS +MB: growth of the process's peak RSS during the export (includes the "
          "database driver's buffers).")  # fmt: skip
    return all_met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--postgres", metavar="SERVER_URL",
                        help="also on a PostgreSQL server, e.g. "
                             "postgresql+psycopg://postgres@127.0.0.1:5432/test")  # fmt: skip
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--export", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export:
        url, campaign, kind = args.export
        print(json.dumps(export(url, int(campaign), kind, args.traced)))
        return
    sizes = tuple(args.sizes)
    rows: list[dict] = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            rows += bench("sqlite", f"sqlite:///{folder}/bench.db", sizes)
    if args.postgres:
        with postgres_database(args.postgres) as url:
            rows += bench("postgresql", url, sizes)
    sys.exit(0 if report(rows) else 1)


if __name__ == "__main__":
    main()
