"""Benchmark of the campaign analysis on SQLite and PostgreSQL.

Fills a throw-away database with synthetic campaigns of 1,000, 10,000 and 100,000 respondents
on the three bundled questionnaires (every question answered, multiple choice ~2 ticks, every
open question answered), then times, for each campaign, a full ``analyze_campaign`` and one bare
``SELECT question_id, option_id, count(*) … GROUP BY`` over the same answers, and prints a table
with the peak RSS of the process that ran the analysis (a fresh process per measurement, so the
figure is the analysis's own, not the filling's).

Targets: the full analysis of 100,000 respondents ≤ 2 s and ≤ 1.5 × the bare GROUP BY, on both
databases; memory that does not grow with the number of respondents.

    .venv/bin/python benchmarks/analysis.py            # 1k, 10k, 100k on SQLite and PostgreSQL
    .venv/bin/python benchmarks/analysis.py --quick    # 1k only (smoke run)
    .venv/bin/python benchmarks/analysis.py --no-postgres

PostgreSQL: a database ``anketa_bench_<random>`` is created on the server of ``--postgres``
(default postgresql+psycopg://postgres@127.0.0.1:5432/test) and dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "benchmark")

import numpy as np  # noqa: E402
from sqlalchemy import text  # noqa: E402

from scripts.throwaway_postgres import throwaway_database  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SIZES = (1_000, 10_000, 100_000)
ROLE_SHARES = {"teachers": 0.1, "students": 0.5, "parents": 0.4}
CHUNK = 5_000  # respondents generated and inserted at a time (bounded memory while filling)
REPEATS = 5
BARE_SQL = (
    "SELECT question_id, option_id, count(*) FROM answer "
    "WHERE campaign_id = :campaign GROUP BY question_id, option_id"
)


def _app(database_url: str):
    from app import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "benchmark"}
    )


def postgres_database(server_url: str) -> AbstractContextManager[str]:
    """A throw-away database on the server, dropped afterwards (scripts/throwaway_postgres.py)."""
    return throwaway_database(server_url, prefix="anketa_bench")


class Filler:
    """Writes synthetic responses straight into the tables (executemany / COPY)."""

    def __init__(self, connection, dialect: str) -> None:
        self.connection = connection  # a DB-API connection
        self.dialect = dialect
        cursor = connection.cursor()
        cursor.execute("SELECT coalesce(max(id), 0) FROM response")
        self.next_response = cursor.fetchone()[0] + 1
        cursor.execute("SELECT coalesce(max(id), 0) FROM answer")
        self.next_answer = cursor.fetchone()[0] + 1
        cursor.close()
        self.rng = np.random.default_rng(12345)

    def _write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        cursor = self.connection.cursor()
        if self.dialect == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        cursor.close()

    def fill(self, campaign_id: int, role: str, questionnaire, n: int) -> int:
        """Insert ``n`` responses of a role; return the number of answer rows written."""
        from app.models import new_shuffle_key
        from app.surveys.respondent.answer_rows import answer_rows, segment_question_id

        written = 0
        segment = segment_question_id(questionnaire)
        questions = [
            (q.id, q.type, np.array([o.id for o in q.options], dtype=np.int64))
            for q in questionnaire.questions
        ]
        for start in range(0, n, CHUNK):
            m = min(CHUNK, n - start)
            ids = np.arange(self.next_response, self.next_response + m, dtype=np.int64)
            self.next_response += m
            submitted = "2025-03-01"
            self._write(
                "response",
                ("id", "campaign_id", "questionnaire_id", "role", "submission_id", "source",
                 "submitted_on", "shuffle_key"),
                [(int(i), campaign_id, questionnaire.id, role, f"bench-{i}", "bench", submitted,
                  new_shuffle_key()) for i in ids],
            )  # fmt: skip
            # Each respondent's (question, option, text) triples, in questionnaire order.
            given: list[list[tuple[int, int | None, str | None]]] = [[] for _ in range(m)]
            for qid, qtype, options in questions:
                if qtype == "single":
                    weights = np.linspace(2.0, 1.0, len(options))
                    chosen = self.rng.choice(options, size=m, p=weights / weights.sum())
                    for respondent, option in zip(given, chosen.tolist(), strict=True):
                        respondent.append((qid, option, None))
                elif qtype == "multiple":
                    ticked = self.rng.random((m, len(options))) < 0.3
                    none = ~ticked.any(axis=1)
                    ticked[none, self.rng.integers(0, len(options), none.sum())] = True
                    rows, cols = np.nonzero(ticked)
                    for k, option in zip(rows.tolist(), options[cols].tolist(), strict=True):
                        given[k].append((qid, option, None))
                else:
                    for respondent in given:
                        respondent.append((qid, None, "Синтетична відповідь"))
            first = self.next_answer
            stored = [
                (response_id, campaign_id, row["question_id"], row["option_id"], row["text"],
                 row["tally"])
                for response_id, respondent in zip(ids.tolist(), given, strict=True)
                for row in answer_rows(respondent, segment)
            ]  # fmt: skip
            self.next_answer += len(stored)
            self._write(
                "answer",
                ("id", "response_id", "campaign_id", "question_id", "option_id", "text", "tally"),
                [(first + k, *row) for k, row in enumerate(stored)],
            )  # fmt: skip
            written += len(stored)
            self.connection.commit()
        return written


def prepare(database_url: str, sizes: tuple[int, ...]) -> list[dict]:
    """Migrate, load the library and fill one campaign per size; return their descriptions."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.models import Campaign, Direction, Questionnaire, RespondentLink, School
    from app.surveys.definitions.library import load_questionnaires

    app = _app(database_url)
    campaigns = []
    with app.app_context():
        upgrade()
        load_questionnaires()
        direction = Direction.library("assessment-system")
        assert direction is not None
        questionnaires = {role: Questionnaire.latest(direction.id, role) for role in ROLE_SHARES}
        for size in sizes:
            school = School(slug=f"bench-{size}", name=f"Школа {size}")
            campaign = Campaign(
                school=school, direction=direction, academic_year="2024-2025",
                title=f"Бенчмарк {size}",
            )  # fmt: skip
            for role, questionnaire in questionnaires.items():
                campaign.links.append(RespondentLink(role=role, questionnaire=questionnaire))
            db.session.add(campaign)
            db.session.commit()
            raw = db.engine.raw_connection()
            try:
                filler = Filler(raw.driver_connection, db.engine.dialect.name)
                started = time.perf_counter()
                answers = sum(
                    filler.fill(campaign.id, role, questionnaires[role], round(size * share))
                    for role, share in ROLE_SHARES.items()
                )
                filled = time.perf_counter() - started
            finally:
                raw.close()
            campaigns.append(
                {"size": size, "campaign": campaign.id, "answers": answers, "fill_s": filled}
            )
            print(f"  filled {size:>7,} respondents, {answers:>9,} answers in {filled:5.1f} s",
                  flush=True)  # fmt: skip
        with db.engine.connect() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
            else:
                conn.execute(text("ANALYZE"))
                conn.commit()
        db.engine.dispose()
    return campaigns


def _median_times(functions: dict, repeats: int = REPEATS) -> dict[str, float]:
    """Return the median seconds of each function, run in turn within each repeat.

    Interleaved, so that a slow spell of this shared 2-core machine falls on the analysis and on
    the bare GROUP BY alike instead of skewing their ratio.
    """
    from app.extensions import db

    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            db.session.expire_all()
            started = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - started)
            db.session.rollback()
    return {name: statistics.median(values) for name, values in times.items()}


def answer_query_plan(campaign_id: int) -> str:
    """Return the database's plan of the analysis's answer query, one line (PostgreSQL: with
    ANALYZE, so an index-only scan shows its heap fetches)."""
    from app.extensions import db
    from app.results import aggregate

    connection = db.session.connection()
    statement = aggregate.ANSWER_COUNTS
    compiled = statement.compile(dialect=connection.dialect)
    params: dict | tuple = {"campaign": campaign_id}
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF) {compiled}", params)
        lines = [row[0].strip() for row in rows]
    else:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
        lines = [row[-1] for row in rows]
    db.session.rollback()
    return " | ".join(lines)


def measure(database_url: str, campaign_id: int) -> dict:
    """Time the full analysis, its parts and the bare GROUP BY (medians, after a warm-up)."""
    from app.extensions import db
    from app.models import Campaign
    from app.results import aggregate
    from app.results.service import analyze_campaign

    app = _app(database_url)
    with app.app_context():

        def campaign() -> Campaign:
            return db.session.get(Campaign, campaign_id)

        analysis = analyze_campaign(campaign())  # warm-up: caches, imports
        db.session.rollback()
        result = {
            "respondents": sum(analysis.respondents.values()),
            **_median_times(
                {
                    "full_s": lambda: analyze_campaign(campaign()),
                    "core_s": lambda: analyze_campaign(campaign(), with_segments=False),
                    "bare_s": lambda: db.session.execute(
                        text(BARE_SQL), {"campaign": campaign_id}
                    ).all(),
                    # The parts as the analysis runs them: in a transaction tuned by
                    # _tune_connection.
                    "counts_s": lambda: (
                        aggregate._tune_connection(),
                        aggregate.answer_counts(campaign_id),
                    ),
                    "responses_s": lambda: aggregate.responses_by_source(campaign()),
                }
            ),
            "plan": answer_query_plan(campaign_id),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        db.engine.dispose()
    return result


def run_measure_process(database_url: str, campaign_id: int) -> dict:
    """Measure in a fresh process, so its peak RSS is the analysis's own."""
    result = subprocess.run(
        [sys.executable, __file__, "--measure", database_url, str(campaign_id)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"measuring campaign {campaign_id} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench(label: str, database_url: str, sizes: tuple[int, ...]) -> list[dict]:
    print(f"{label}: filling…", flush=True)
    rows = []
    for item in prepare(database_url, sizes):
        result = run_measure_process(database_url, item["campaign"])
        rows.append({"database": label, **item, **result})
        print(f"  measured {item['size']:>7,}: {json.dumps(result)}", flush=True)
    return rows


def report(rows: list[dict]) -> bool:
    """Print the table and the answer query's plans; return whether the 100,000-respondent
    targets are met everywhere."""
    print()
    header = (
        f"{'database':<11}{'respondents':>12}{'answers':>11}{'full s':>8}{'ratio':>7}"
        f"{'no-seg s':>9}{'ratio':>7}{'GROUP BY s':>11}{'answers q':>10}{'responses q':>12}"
        f"{'RSS MB':>8}  target (full ≤ 2 s and ≤ 1.5 × GROUP BY)"
    )
    print(header)
    print("-" * len(header))
    all_met = True
    for row in rows:
        ratio = row["full_s"] / row["bare_s"]
        core_ratio = row["core_s"] / row["bare_s"]
        target = ""
        if row["size"] >= 100_000:
            met = row["full_s"] <= 2.0 and ratio <= 1.5
            all_met &= met
            target = "met" if met else "MISSED"
        print(
            f"{row['database']:<11}{row['respondents']:>12,}{row['answers']:>11,}"
            f"{row['full_s']:>8.3f}{ratio:>7.2f}{row['core_s']:>9.3f}{core_ratio:>7.2f}"
            f"{row['bare_s']:>11.3f}{row['counts_s']:>10.3f}{row['responses_s']:>12.3f}"
            f"{row['peak_rss_mb']:>8.1f}  {target}"
        )
    print(
        "\nfull: analyze_campaign (counts, respondents per question, segment breakdowns, "
        "statistics); no-seg: without segment breakdowns; answers q: the one GROUP BY over the "
        "answers alone; responses q: the responses per role alone; ratio: to the bare GROUP BY; "
        "RSS: peak of the measuring process."
    )
    largest = {}
    for row in rows:
        if row["size"] >= largest.get(row["database"], {}).get("size", 0):
            largest[row["database"]] = row
    for database, row in largest.items():
        print(f"\nplan of the answer query, {database}, {row['size']:,} respondents:")
        print("  " + row["plan"].replace(" | ", "\n  "))
    return all_met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 respondents only")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server URL")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--measure", nargs=2, metavar=("DATABASE_URL", "CAMPAIGN"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]))))
        return
    sizes = SIZES[:1] if args.quick else SIZES
    rows: list[dict] = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            rows += bench("SQLite", f"sqlite:///{folder}/bench.db", sizes)
    if not args.no_postgres:
        with postgres_database(args.postgres) as url:
            rows += bench("PostgreSQL", url, sizes)
    met = report(rows)
    if any(row["size"] >= 100_000 for row in rows):
        print("\nTargets met." if met else "\nTarget missed: see the table.")


if __name__ == "__main__":
    main()
