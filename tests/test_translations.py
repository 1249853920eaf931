"""Every user-facing string of the app reaches ``pybabel extract``, and messages.pot is current.

Ukrainian is the source language, so a Cyrillic string literal in ``app/`` is either text a user
reads (wrapped in ``_``/``_l``/``gettext``/``lazy_gettext``/``ngettext``/``N_``, so the catalog
has it) or data the code matches against (aliases, file headers, patterns), marked with a
trailing ``# i18n: data`` comment on its line or on the first line of its statement. Docstrings
need nothing; comments are not literals.
"""

from __future__ import annotations

import ast
import io
import re
import shlex
import shutil
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
POT = APP / "translations" / "messages.pot"

#: The calls ``pybabel extract`` reads (the keywords of ``make translations``).
TRANSLATION_CALLS = frozenset({"_", "_l", "gettext", "lazy_gettext", "ngettext", "N_"})

DATA_MARKER = "# i18n: data"

#: Files (or folders, ending in "/") not scanned yet: others are changing them; the integrator
#: empties this set once they are wrapped.
EXEMPT: set[str] = set()

#: Module-level tables left as they are because they move to app/vocabulary.py (which has them
#: marked with N_); the integrator empties this set when they have moved.
EXEMPT_TABLES: set[tuple[str, str]] = set()

CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class Finding:
    """One Cyrillic literal that ``pybabel extract`` would not find or could not use."""

    path: str
    line: int
    text: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}: {self.text!r}"


def _marked_lines(source: str) -> set[int]:
    """Return the numbers of the lines whose comment is the data marker."""
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and DATA_MARKER[2:] in token.string:
            lines.add(token.start[0])
    return lines


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name):
            return node.func.id
        if isinstance(node.func, ast.Attribute):
            return node.func.attr
    return None


def _is_docstring(node: ast.Constant, parents: dict[ast.AST, ast.AST]) -> bool:
    expr = parents.get(node)
    if not isinstance(expr, ast.Expr):
        return False
    owner = parents.get(expr)
    body = getattr(owner, "body", None)
    return (
        bool(body)
        and body[0] is expr
        and isinstance(owner, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    )


def _exempt_table_nodes(tree: ast.Module, names: set[str]) -> set[ast.AST]:
    """Return the module-level assignments to ``names`` (tables that are moving elsewhere)."""
    nodes: set[ast.AST] = set()
    for statement in tree.body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        if any(isinstance(t, ast.Name) and t.id in names for t in targets):
            nodes.add(statement)
    return nodes


def _problem(node: ast.Constant, parents: dict, marked: set[int], skipped: set) -> str | None:
    """Return what is wrong with the Cyrillic literal ``node``, or None when nothing is."""
    if _is_docstring(node, parents):
        return None
    literal: ast.AST = node  # the whole f-string when the constant is part of one
    while isinstance(parents.get(literal), ast.JoinedStr | ast.FormattedValue):
        literal = parents[literal]
    call = parents.get(literal)
    if _call_name(call) in TRANSLATION_CALLS and literal in call.args:
        return "f-string in a gettext call" if isinstance(literal, ast.JoinedStr) else None
    statement = literal
    while not isinstance(statement, ast.stmt):
        statement = parents[statement]
    if statement in skipped or {literal.lineno, statement.lineno} & marked:
        return None
    return "not wrapped for translation"


def scan_source(source: str, path: str, exempt_tables: frozenset[str] = frozenset()) -> list:
    """Return the Cyrillic literals of ``source`` that are neither wrapped, data nor docstrings.

    ``exempt_tables`` names module-level assignments to skip (:data:`EXEMPT_TABLES`).
    """
    tree = ast.parse(source, filename=path)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    marked = _marked_lines(source)
    skipped = _exempt_table_nodes(tree, set(exempt_tables))
    findings = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            problem = CYRILLIC.search(node.value) and _problem(node, parents, marked, skipped)
            if problem:
                findings.append(Finding(path, node.lineno, node.value, problem))
    return sorted(findings, key=lambda f: f.line)


def _is_exempt(relative: str) -> bool:
    return any(relative == e or (e.endswith("/") and relative.startswith(e)) for e in EXEMPT)


def scan_app(root: Path = ROOT) -> list[Finding]:
    """Return every finding of :func:`scan_source` in ``app/**/*.py`` outside :data:`EXEMPT`."""
    findings = []
    for file in sorted((root / "app").rglob("*.py")):
        relative = file.relative_to(root).as_posix()
        if _is_exempt(relative):
            continue
        tables = frozenset(name for path, name in EXEMPT_TABLES if path == relative)
        findings += scan_source(file.read_text(encoding="utf-8"), relative, tables)
    return findings


def test_every_cyrillic_literal_is_wrapped_or_marked_as_data():
    findings = scan_app()
    assert not findings, "\n".join(map(str, findings))


def test_the_exemptions_name_what_exists():
    """An exemption outlives its reason unnoticed: each names a file and a table that exist."""
    for entry in EXEMPT:
        assert (ROOT / entry).exists(), entry
    for path, name in EXEMPT_TABLES:
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        assert _exempt_table_nodes(tree, {name}), (path, name)


def test_scanner_catches_an_unwrapped_literal():
    source = 'from flask_babel import gettext as _\n\nMESSAGE = "Немає доступу."\nOK = _("Так")\n'
    (findings,) = scan_source(source, "app/x.py")
    assert (findings.line, findings.problem) == (3, "not wrapped for translation")


def test_scanner_catches_an_fstring_inside_gettext():
    source = 'def f(n):\n    return _(f"Рядок {n}")\n'
    (finding,) = scan_source(source, "app/x.py")
    assert (finding.line, finding.problem) == (2, "f-string in a gettext call")


def test_scanner_catches_a_cyrillic_part_of_an_fstring():
    source = 'def f(n):\n    return f"Рядок {n}"\n'
    (finding,) = scan_source(source, "app/x.py")
    assert finding.text == "Рядок "


@pytest.mark.parametrize(
    "source",
    [
        'ALIASES = {"так": True}  # i18n: data\n',
        'ALIASES = {  # i18n: data\n    "так": True,\n    "ні": False,\n}\n',
        'def f():\n    """Повертає рядок."""\n    return _("Так %(n)s", n=1)\n',
        'def f(n):\n    return ngettext("%(num)d рядок", "%(num)d рядки", n)\n',
        'def f():\n    return N_("Так") + _l("Ні") + gettext("Можливо")\n',
        "# Коментар українською\nX = 1\n",
    ],
)
def test_scanner_accepts_wrapped_text_data_docstrings_and_comments(source):
    assert scan_source(source, "app/x.py") == []


def test_scanner_marker_covers_only_its_statement():
    source = 'A = "так"  # i18n: data\nB = "ні"\n'
    (finding,) = scan_source(source, "app/x.py")
    assert finding.line == 2


def test_scanner_skips_exempt_tables():
    source = 'LABELS = {"a": "Учні"}\nOTHER = "Учні"\n'
    (finding,) = scan_source(source, "app/x.py", {"LABELS"})
    assert finding.line == 2


def test_scan_app_finds_a_new_unwrapped_literal(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "new.py").write_text('X = "Новий текст"\n', encoding="utf-8")
    (finding,) = scan_app(tmp_path)
    assert (finding.path, finding.line) == ("app/new.py", 1)


def _pybabel() -> str:
    candidate = Path(sys.executable).with_name("pybabel")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("pybabel")
    if found is None:
        pytest.skip("pybabel is not installed")
    return found


def _read(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as file:
        return read_po(file)


def _msgids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def _strings(string: str | tuple[str, ...]) -> tuple[str, ...]:
    return (string,) if isinstance(string, str) else string


def _extract_options() -> list[str]:
    """Return the ``pybabel extract`` options of the Makefile's ``translations`` target."""
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        if line.startswith("EXTRACT_OPTIONS :="):
            return shlex.split(line.split(":=", 1)[1])
    raise AssertionError("the Makefile defines no EXTRACT_OPTIONS")


def test_messages_pot_is_up_to_date(tmp_path):
    fresh = tmp_path / "messages.pot"
    command = [_pybabel(), "-q", "extract", *_extract_options(), "-o", str(fresh), "."]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    missing = _msgids(_read(fresh)) - _msgids(_read(POT))
    stale = _msgids(_read(POT)) - _msgids(_read(fresh))
    assert not missing and not stale, (
        f"messages.pot is out of date (run `make translations`): "
        f"{len(missing)} new, {len(stale)} gone, e.g. {sorted(missing | stale)[:5]}"
    )


def test_the_ukrainian_catalog_has_every_message_and_translates_none():
    """Ukrainian is the source language: its catalog lists the messages with empty msgstr."""
    catalog = _read(APP / "translations" / "uk" / "LC_MESSAGES" / "messages.po")
    assert _msgids(catalog) == _msgids(_read(POT))
    translated = [m.id for m in catalog if m.id and any(_strings(m.string))]
    assert translated == []
