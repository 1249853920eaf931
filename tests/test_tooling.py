"""The checks around the code: `make test` and `make lint` run ruff and mypy (so CI, which runs
`make test`, fails on them), mypy is strict for the analysis, pre-commit runs the same three."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ["ruff check .", "ruff format --check .", "mypy app"]
#: mypy's --strict, as flags (per-module sections cannot say `strict`)
STRICT_FLAGS = {
    "disallow_any_generics",
    "disallow_subclassing_any",
    "disallow_untyped_calls",
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "check_untyped_defs",
    "disallow_untyped_decorators",
    "warn_unused_ignores",
    "warn_return_any",
    "no_implicit_reexport",
    "strict_equality",
    "extra_checks",
}


def _planned(target: str) -> list[str]:
    """Return the commands ``make <target>`` would run, without running them (``make -n``;
    -o keeps the venv step out; --no-print-directory, since under ``make test`` this make is a
    nested one, which would print «Entering directory» lines)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "-o", ".venv/.installed", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line.removeprefix(".venv/bin/") for line in result.stdout.splitlines()]


def _position(commands: list[str], command: str) -> int:
    return next(i for i, line in enumerate(commands) if line.startswith(command))


def test_make_test_runs_ruff_format_and_mypy_before_pytest():
    commands = _planned("test")
    positions = [_position(commands, check) for check in CHECKS]
    assert positions == sorted(positions)
    assert commands[positions[-1] + 1] == "pytest"


def test_make_lint_runs_the_same_three_checks_and_nothing_else():
    assert _planned("lint") == CHECKS


def test_mypy_is_strict_for_the_analysis_and_ignores_only_untyped_packages():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["files"] == ["app"]
    assert "strict" not in config  # the rest of app/ has the default settings
    overrides = config["overrides"]
    strict = [o for o in overrides if "app.analysis.*" in o["module"]]
    assert len(strict) == 1
    assert {flag for flag, value in strict[0].items() if value is True} == STRICT_FLAGS
    ignored = {
        module
        for override in overrides
        if override.get("ignore_missing_imports")
        for module in override["module"]
    }
    assert not {m for m in ignored if m.startswith("app")}
    # these have stub packages in the dev extra: mypy reads them, nothing is ignored
    assert not ignored & {"yaml.*", "wtforms.*", "openpyxl.*", "flask_migrate.*"}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev = " ".join(project["optional-dependencies"]["dev"])
    for package in ("mypy", "types-PyYAML", "types-WTForms", "types-openpyxl", "pre-commit"):
        assert package in dev


def test_pre_commit_runs_ruff_lint_and_format_and_mypy_from_the_venv():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert set(hooks) == {"ruff-check", "ruff-format", "mypy"}
    assert hooks["ruff-check"]["entry"].startswith(".venv/bin/ruff check")
    assert hooks["ruff-format"]["entry"].startswith(".venv/bin/ruff format")
    assert hooks["mypy"]["entry"] == ".venv/bin/mypy app"
    assert hooks["mypy"]["pass_filenames"] is False  # the whole package, like make test
    assert all(hook["language"] == "system" for hook in hooks.values())
