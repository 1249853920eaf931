"""``anketa analyze CAMPAIGN --json`` (validated against docs/results-schema.json) and
``anketa level set|clear``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.extensions import db
from tests.seed_campaign import make_seed_campaign

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "results-schema.json"
_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def schema_errors(value: Any, schema: dict, root: dict, path: str = "$") -> list[str]:
    """Validate ``value`` against the subset of JSON Schema 2020-12 that the document uses.

    Supports $ref (to #/$defs/…), type (one or a list), enum, required, properties,
    additionalProperties (false or a schema), items, minItems, maxItems, minimum, maximum,
    pattern and oneOf. Returns the list of errors (empty when valid).
    """
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return schema_errors(value, target, root, path)
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not schema_errors(value, s, root, path)]
        if len(matching) != 1:
            return [f"{path}: matches {len(matching)} of oneOf"]
    errors: list[str] = []
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, t) for t in types):
            return [f"{path}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} > {schema['maximum']}")
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing {key!r}")
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(item, properties[key], root, f"{path}.{key}")
            elif extra is False:
                errors.append(f"{path}: unexpected {key!r}")
            elif isinstance(extra, dict):
                errors += schema_errors(item, extra, root, f"{path}.{key}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for index, item in enumerate(value):
                errors += schema_errors(item, schema["items"], root, f"{path}[{index}]")
    return errors


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(document: Any, schema: dict) -> list[str]:
    return schema_errors(document, schema, schema)


def analyze_json(runner, campaign_id: int) -> dict:
    result = runner.invoke(args=["analyze", str(campaign_id), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_analyze_json_validates_against_the_documented_schema(runner, school, schema):
    make_seed_campaign(school, year="2023-2024", respondents={"teachers": 20, "parents": 10})
    campaign = make_seed_campaign(school)
    document = analyze_json(runner, campaign.id)
    assert validate(document, schema) == []
    assert document["dynamics"] is not None  # the schema's dynamics branch is exercised too
    assert document["campaign"]["academic_year"] == "2024-2025"
    assert document["campaign"]["school"] == {"name": "Гімназія №1", "slug": "school-a"}
    assert document["respondents"] == {"teachers": 31, "students": 71, "parents": 80}
    s2 = next(q for q in document["questions"] if (q["role"], q["id"]) == ("students", "s2"))
    assert [o["percent"] for o in s2["options"]] == [25.4, 33.8, 18.3, 22.5]
    assert [o["count"] for o in s2["options"]] == [18, 24, 13, 16]
    gap = next(
        g
        for g in document["gaps"]
        if g["construct"] == "criteria_understanding" and g["roles"] == ["teachers", "students"]
    )
    assert (gap["difference_pp"], gap["key"], gap["test"]) == (40.8, True, "permutation")
    assert gap["positive_shares"] == [100.0, 59.2]
    assert document["level"]["final"] == document["level"]["computed"]


def test_no_open_text_in_the_document(runner, school):
    campaign = make_seed_campaign(school)
    result = runner.invoke(args=["analyze", str(campaign.id), "--json"])
    assert "Пропозиція №1" not in result.output
    t9 = next(q for q in json.loads(result.output)["questions"] if q["id"] == "t9")
    assert t9["text_answers_count"] == 9


def test_a_hidden_role_publishes_no_false_zeros(runner, school, schema):
    """3 teachers: their questions publish the respondents and the count who answered, and
    every other figure null (not 0, which would be false), and the document stays valid."""
    campaign = make_seed_campaign(school, respondents={"teachers": 3, "students": 20})
    document = analyze_json(runner, campaign.id)
    assert validate(document, schema) == []
    assert document["hidden_roles"]["teachers"]["reason"] == "small_group"
    teachers = [q for q in document["questions"] if q["role"] == "teachers"]
    assert teachers and {q["hidden"] for q in teachers} == {"small_group"}
    assert any(q["ordinal"] for q in teachers)  # the ordinal branch is exercised
    for q in teachers:
        figures = (q["valued_answered"], q["unknown_count"], q["positive_count"])
        assert figures == (None, None, None), q["id"]
        assert q["respondents"] == 3 and 0 < q["answered"] <= 3
    shown = [q for q in document["questions"] if q["role"] == "students" and q["ordinal"]]
    assert shown and all(q["valued_answered"] > 0 for q in shown)  # a shown role: numbers
    broken = json.loads(json.dumps(document))
    broken["questions"][0]["valued_answered"] = -1
    assert validate(broken, schema) == ["$.questions[0].valued_answered: -1 < 0"]


def test_the_validator_rejects_broken_documents(runner, school, schema):
    campaign = make_seed_campaign(school, respondents={"teachers": 5})
    document = analyze_json(runner, campaign.id)
    assert validate(document, schema) == []
    broken = json.loads(json.dumps(document))
    broken["questions"][0]["options"][0]["percent"] = 180.0
    del broken["gaps"]
    broken["level"]["final"] = {"code": "excellent", "label": "чудовий"}
    errors = validate(broken, schema)
    assert any("missing 'gaps'" in e for e in errors)
    assert any("180.0 > 100" in e for e in errors)
    assert any("$.level.final" in e for e in errors)


def test_analyze_summary_without_json(runner, school):
    campaign = make_seed_campaign(school)
    result = runner.invoke(args=["analyze", str(campaign.id)])
    assert result.exit_code == 0, result.output
    assert "вчителі 31, учні 71, батьки 80" in result.output
    assert (
        "Ключова розбіжність «criteria_understanding»: вчителі — учні, 40,8 в.п." in result.output
    )


def test_level_set_and_clear(runner, school):
    campaign = make_seed_campaign(school, respondents={"students": 10})
    result = runner.invoke(
        args=["level", "set", str(campaign.id), "low", "--justification", "Учні не розуміють."]
    )
    assert result.exit_code == 0, result.output
    assert "Рівень: низький" in result.output
    db.session.expire_all()
    assert (campaign.level_override, campaign.level_justification) == ("low", "Учні не розуміють.")
    assert analyze_json(runner, campaign.id)["level"]["justification"] == "Учні не розуміють."
    result = runner.invoke(args=["level", "clear", str(campaign.id)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert campaign.level_override is None


def _anketa(args: list[str], database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test"}
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_user_errors_are_one_line_without_traceback(app, school):
    campaign = make_seed_campaign(school, respondents={"teachers": 3})
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    cases = [
        (["analyze", "999999", "--json"], "Кампанію 999999 не знайдено."),
        (["analyze", "abc"], "abc"),
        (["level", "set", str(campaign.id), "excellent", "--justification", "Бо так треба."],
         "Невідомий рівень «excellent»"),
        (["level", "set", str(campaign.id), "high", "--justification", "x"], "Обґрунтуйте"),
    ]  # fmt: skip
    for args, message in cases:
        result = _anketa(args, url)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("Помилка: ")
        assert message in lines[0]
    ok = _anketa(["analyze", str(campaign.id), "--json"], url)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["respondents"]["teachers"] == 3
