"""The modules keep to their layer (README «What is where»): the analysis is pure statistics,
and the modules that build the довідка work on what they are given, never on the database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
# The database, the web framework and the rest of the app (app.analysis may use itself and the
# shared vocabulary only, which imports nothing of the app).
FORBIDDEN_IN_ANALYSIS = ("flask", "flask_", "sqlalchemy", "werkzeug", "app.")
ALLOWED_IN_ANALYSIS = ("app.analysis", "app.vocabulary")
# The document side of the report: given an analysis and texts, it writes bytes.
DOCUMENT_MODULES = ("document.py", "charts.py", "language.py", "styles.py")
FORBIDDEN_IN_DOCUMENT = ("sqlalchemy", "app.extensions", "app.models", "app.results")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, at the top or inside a function, with its line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _matches(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p.rstrip(".") or module.startswith(p) for p in prefixes)


def analysis_violations(root: Path) -> list[str]:
    return [
        f"{path.name}:{line} imports {module}"
        for path in sorted((root / "analysis").glob("*.py"))
        for line, module in imported_modules(path)
        if _matches(module, FORBIDDEN_IN_ANALYSIS) and not _matches(module, ALLOWED_IN_ANALYSIS)
    ]


def document_violations(root: Path) -> list[str]:
    return [
        f"{name}:{line} imports {module}"
        for name in DOCUMENT_MODULES
        for line, module in imported_modules(root / "reports" / name)
        if _matches(module, FORBIDDEN_IN_DOCUMENT)
    ]


def test_the_analysis_imports_neither_flask_nor_the_orm():
    assert analysis_violations(APP) == []


def test_the_vocabulary_imports_nothing_of_flask_the_orm_or_the_app():
    assert [
        f"vocabulary.py:{line} imports {module}"
        for line, module in imported_modules(APP / "vocabulary.py")
        if _matches(module, FORBIDDEN_IN_ANALYSIS)
    ] == []


def test_the_document_modules_never_reach_the_database():
    assert document_violations(APP) == []


@pytest.mark.parametrize(
    "target, check",
    [
        ("analysis/stats.py", analysis_violations),
        ("reports/document.py", document_violations),
    ],
)
def test_an_added_database_import_is_caught(tmp_path, target, check):
    for folder in ("analysis", "reports"):
        (tmp_path / folder).mkdir()
        for source in (APP / folder).glob("*.py"):
            (tmp_path / folder / source.name).write_text(source.read_text(encoding="utf-8"))
    path = tmp_path / target
    path.write_text(
        path.read_text(encoding="utf-8") + "\n\ndef f():\n    from app.extensions import db\n"
    )
    assert any("app.extensions" in item for item in check(tmp_path))


def test_the_readme_table_names_every_folder_of_the_app_and_nothing_that_is_gone():
    readme = (APP.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## What is where", 1)[1].split("\n## ", 1)[0]
    named = {
        path.rstrip("/")
        for cell in (line.split("|")[1] for line in table.splitlines() if line.startswith("| `"))
        for path in (part.strip(" `") for part in cell.split(","))
    }
    folders = {
        f"app/{path.relative_to(APP).as_posix()}"
        for path in APP.rglob("*")
        if path.is_dir() and "__pycache__" not in path.parts and (path / "__init__.py").exists()
    }
    assert folders <= named | {"app"}, folders - named
    assert all((APP.parent / path).exists() for path in named), [
        path for path in named if not (APP.parent / path).exists()
    ]
