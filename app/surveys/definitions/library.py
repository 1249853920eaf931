"""Questionnaire definitions: read and validate the YAML library, load it into the database,
and write a stored questionnaire back as YAML.

A direction folder holds ``direction.yaml`` and one file per respondent role (``teachers.yaml``,
``students.yaml``, ``parents.yaml``); the format is documented in docs/questionnaires.md.

Loading is all or nothing: every file is validated first; one error and nothing is written.
It is idempotent (a content hash per file: loading the same files again changes no row), and it
respects the versioning rule: a questionnaire whose latest version has responses is never
changed in place; the edit becomes version + 1. Respondent links that point at the superseded
version and have no responses yet move to the new version; links with responses keep the
version they were answered on, so one campaign never mixes two versions in one role.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.errors import AnketaError
from app.extensions import db
from app.models import (
    Direction,
    Option,
    Question,
    Questionnaire,
    RespondentLink,
    Response,
    School,
)
from app.surveys.definitions.schema import (
    DEFAULT_INSTRUCTIONS,
    DEFAULT_REQUIRED,
    ValidationError,
    check_constructs,
    check_direction,
    check_role_file,
)
from app.surveys.definitions.yaml_format import (
    YamlProblem,
    parse_marked_yaml,
    plain,
    read_marked_yaml,
)

__all__ = [
    "DIRECTION_FILE",
    "DefinitionError",
    "DirectionBundle",
    "FileOutcome",
    "LoadSummary",
    "ValidationError",
    "check_files",
    "content_hash",
    "dump_questionnaire",
    "dump_direction",
    "load_questionnaires",
    "parse_direction",
    "parse_direction_text",
    "parse_role_file",
    "parse_role_text",
    "store_direction_definition",
    "store_questionnaire",
    "validate_paths",
]

DIRECTION_FILE = "direction.yaml"
_YAML_SUFFIXES = (".yaml", ".yml")


class DefinitionError(AnketaError):
    """Questionnaire files with errors; ``errors`` lists every one of them."""

    def __init__(self, errors: Sequence[ValidationError]) -> None:
        self.errors = list(errors)
        more = _(" (і ще %(value)s)", value=len(self.errors) - 1) if len(self.errors) > 1 else ""
        super().__init__(f"{self.errors[0]}{more}" if self.errors else _("помилка у файлах анкет"))


@dataclass
class DirectionBundle:
    """One direction folder: its definition and the role files asked for (all validated)."""

    folder: Path
    direction_file: Path
    direction: dict[str, Any] | None = None
    role_files: list[Path] = field(default_factory=list)
    questionnaires: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class FileOutcome:
    """What loading did with one file.

    ``outcome`` is ``created``, ``updated`` (in place), ``new_version`` or ``unchanged``;
    ``role`` is None for a direction file.
    """

    path: str
    role: str | None
    outcome: str
    version: int | None = None
    moved_links: int = 0

    def describe(self) -> str:
        """Return a one-line Ukrainian description for the CLI."""
        labels = {
            "created": _("створено"),
            "updated": _("оновлено"),
            "new_version": _("нова версія"),
            "unchanged": _("без змін"),
        }
        text = f"{labels[self.outcome]}: {self.path}"
        if self.version is not None:
            text += _(" (версія %(version)s)", version=self.version)
        if self.moved_links:
            text += _(
                "; посилань переведено на нову версію: %(moved_links)s",
                moved_links=self.moved_links,
            )
        return text


@dataclass
class LoadSummary:
    """The outcome of :func:`load_questionnaires`, one :class:`FileOutcome` per file."""

    files: list[FileOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        """Return how many files ended with ``outcome`` (created/updated/new_version/unchanged)."""
        return sum(1 for item in self.files if item.outcome == outcome)

    @property
    def changed(self) -> bool:
        return any(item.outcome != "unchanged" for item in self.files)

    def lines(self) -> list[str]:
        """Return the summary as printable lines: one per file, then the totals."""
        totals = _(
            "Разом файлів: %(n)s; створено: %(created)s, оновлено: %(updated)s, нових "
            "версій: %(new_version)s, без змін: %(unchanged)s.",
            n=len(self.files),
            created=self.count("created"),
            updated=self.count("updated"),
            new_version=self.count("new_version"),
            unchanged=self.count("unchanged"),
        )
        return [item.describe() for item in self.files] + [totals]


# --- reading and validating ---------------------------------------------------------------------


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read(path: Path, errors: list[ValidationError]) -> Any:
    try:
        return read_marked_yaml(path)
    except YamlProblem as problem:
        errors.append(ValidationError(_display(path), problem.line, "file", problem.message))
    except OSError as error:
        errors.append(
            ValidationError(
                _display(path),
                0,
                "file",
                _("не вдалося прочитати (%(strerror)s)", strerror=error.strerror),
            )
        )
    return None


def _bundles(paths: Iterable[Path], errors: list[ValidationError]) -> list[DirectionBundle]:
    """Group the given files and folders into direction folders (role files in name order)."""
    bundles: dict[Path, DirectionBundle] = {}

    def bundle_for(folder: Path) -> DirectionBundle:
        folder = folder.resolve()
        if folder not in bundles:
            bundles[folder] = DirectionBundle(folder, folder / DIRECTION_FILE)
        return bundles[folder]

    def add_direction_folder(folder: Path) -> None:
        bundle = bundle_for(folder)
        for child in sorted(folder.iterdir()):
            if (
                child.suffix in _YAML_SUFFIXES
                and child.name != DIRECTION_FILE
                and child.is_file()
                and child.resolve() not in bundle.role_files
            ):
                bundle.role_files.append(child.resolve())

    for path in paths:
        path = Path(path)
        if not path.exists():
            errors.append(
                ValidationError(_display(path), 0, "path", _("файл або теку не знайдено"))
            )
        elif path.is_dir():
            if (path / DIRECTION_FILE).is_file():
                add_direction_folder(path)
                continue
            folders = sorted(found.parent for found in path.rglob(DIRECTION_FILE))
            if not folders:
                errors.append(
                    ValidationError(
                        _display(path),
                        0,
                        "path",
                        _("у теці немає %(DIRECTION_FILE)s", DIRECTION_FILE=DIRECTION_FILE),
                    )
                )
            for folder in folders:
                add_direction_folder(folder)
        elif path.suffix not in _YAML_SUFFIXES:
            errors.append(
                ValidationError(_display(path), 0, "path", _("очікується файл .yaml або .yml"))
            )
        else:
            bundle = bundle_for(path.parent)
            if path.name != DIRECTION_FILE and path.resolve() not in bundle.role_files:
                bundle.role_files.append(path.resolve())
    return list(bundles.values())


def _validate_bundle(bundle: DirectionBundle, errors: list[ValidationError]) -> None:
    file = _display(bundle.direction_file)
    if not bundle.direction_file.is_file():
        errors.append(
            ValidationError(
                file,
                0,
                "path",
                _("поруч із файлами анкет немає %(DIRECTION_FILE)s", DIRECTION_FILE=DIRECTION_FILE),
            )
        )
    else:
        raw = _read(bundle.direction_file, errors)
        if raw is not None:
            bundle.direction, found = check_direction(raw, file)
            errors.extend(found)
    roles: dict[str, str] = {}
    for path in bundle.role_files:
        role_file = _display(path)
        raw = _read(path, errors)
        if raw is None:
            continue
        questionnaire, found = check_role_file(raw, role_file, bundle.direction)
        errors.extend(found)
        if questionnaire is None:
            continue
        role = questionnaire["role"]
        if role in roles:
            errors.append(
                ValidationError(
                    role_file,
                    raw.line_of("role"),
                    "role",
                    _(
                        "анкета для ролі «%(role)s» уже є у файлі %(roles)s",
                        role=role,
                        roles=roles[role],
                    ),
                )
            )
            continue
        roles[role] = role_file
        bundle.questionnaires.append((path, questionnaire))
    errors.extend(check_constructs((_display(path), q) for path, q in bundle.questionnaires))
    for _path, questionnaire in bundle.questionnaires:
        for question in questionnaire["questions"]:
            question.pop("_line", None)


def _validate(paths: Iterable[Path]) -> tuple[list[DirectionBundle], list[ValidationError], int]:
    errors: list[ValidationError] = []
    bundles = _bundles(paths, errors)
    for bundle in bundles:
        _validate_bundle(bundle, errors)
    files = sum(1 + len(bundle.role_files) for bundle in bundles)
    return bundles, errors, files


def validate_paths(paths: Sequence[Path]) -> list[ValidationError]:
    """Validate questionnaire files and folders (a folder: every direction folder inside it).

    Returns every error found (empty when all is well); never raises for bad content. A role
    file is always checked against the ``direction.yaml`` next to it.
    """
    return _validate(paths)[1]


def check_files(paths: Sequence[Path]) -> tuple[int, list[ValidationError]]:
    """Return (number of files checked, errors) for the ``questionnaires check`` command."""
    _bundles_found, errors, files = _validate(paths)
    return files, errors


def parse_direction(path: Path) -> dict[str, Any]:
    """Return the normalised definition of a ``direction.yaml`` (defaults filled in).

    Raises :class:`DefinitionError` with every error of the file.
    """
    errors: list[ValidationError] = []
    raw = _read(Path(path), errors)
    if raw is None:
        raise DefinitionError(errors)
    definition, errors = check_direction(raw, _display(Path(path)))
    if definition is None:
        raise DefinitionError(errors)
    return definition


def parse_role_file(path: Path, direction: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the normalised questionnaire of a role file (scale options resolved).

    ``direction`` is the normalised direction definition; by default the ``direction.yaml``
    next to the file is read. Raises :class:`DefinitionError` with every error found.
    """
    path = Path(path)
    if direction is None:
        direction = parse_direction(path.parent / DIRECTION_FILE)
    errors: list[ValidationError] = []
    raw = _read(path, errors)
    if raw is None:
        raise DefinitionError(errors)
    questionnaire, errors = check_role_file(raw, _display(path), direction)
    if questionnaire is not None:
        errors = check_constructs([(_display(path), questionnaire)])
    if questionnaire is None or errors:
        raise DefinitionError(errors)
    for question in questionnaire["questions"]:
        question.pop("_line", None)
    return questionnaire


def _parse_text(text: str, file: str) -> Any:
    try:
        return parse_marked_yaml(text)
    except YamlProblem as problem:
        raise DefinitionError(
            [ValidationError(file, problem.line, "file", problem.message)]
        ) from None


def parse_direction_text(text: str, file: str = DIRECTION_FILE) -> dict[str, Any]:
    """Return the normalised definition of direction YAML given as text (e.g. a web form).

    ``file`` names the text in error messages. Raises :class:`DefinitionError` with every error,
    in the same words as ``anketa questionnaires check``.
    """
    definition, errors = check_direction(_parse_text(text, file), file)
    if definition is None:
        raise DefinitionError(errors)
    return definition


def parse_role_text(
    text: str,
    file: str,
    direction: Mapping[str, Any],
    others: Iterable[tuple[str, Mapping[str, Any]]] = (),
) -> dict[str, Any]:
    """Return the normalised questionnaire of role-file YAML given as text (an upload, an edit).

    It is checked against the normalised ``direction`` definition and, for ``measures`` links,
    against ``others`` ((file, normalised questionnaire) of the direction's other roles).
    Raises :class:`DefinitionError` with every error, in the same words as
    ``anketa questionnaires check``.
    """
    questionnaire, errors = check_role_file(_parse_text(text, file), file, direction)
    if questionnaire is not None:
        others = [(name, other) for name, other in others if other["role"] != questionnaire["role"]]
        # Only the problems this questionnaire brings count (in whichever file they show).
        known = set(check_constructs(others))
        errors = [
            error
            for error in check_constructs([(file, questionnaire), *others])
            if error not in known
        ]
    if questionnaire is None or errors:
        raise DefinitionError(errors)
    for question in questionnaire["questions"]:
        question.pop("_line", None)
    return questionnaire


# --- loading ------------------------------------------------------------------------------------


def store_direction_definition(direction: Direction, definition: Mapping[str, Any]) -> bool:
    """Write a normalised definition into a direction row (no commit); return True if changed."""
    digest = content_hash(definition)
    if direction.content_hash == digest:
        return False
    direction.title = definition["title"]
    direction.language = definition["language"]
    direction.definition = dict(definition)
    direction.content_hash = digest
    db.session.flush()
    return True


def store_questionnaire(
    direction: Direction, questionnaire: dict[str, Any], source: str
) -> FileOutcome:
    """Store a normalised questionnaire as the direction's latest version of its role.

    The same rules as :func:`load_questionnaires` (no commit here): unchanged content changes
    nothing; a latest version with responses is never edited in place but gets version + 1,
    and links without responses move to it. Returns the :class:`FileOutcome`.
    """
    return _store_questionnaire(direction, source, questionnaire)


def content_hash(data: Any) -> str:
    """Return the SHA-256 of a normalised definition (canonical JSON), as 64 hex digits."""
    canonical = json.dumps(plain(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_questionnaires(
    paths: Sequence[Path] | None = None, *, school: School | None = None
) -> LoadSummary:
    """Validate and load questionnaire files into the database in one transaction.

    ``paths`` are files or folders; None loads the library in config
    ``ANKETA_QUESTIONNAIRES_DIR``. Directions are the library's (``school_id`` None) unless
    ``school`` is given. Returns a :class:`LoadSummary`; raises :class:`DefinitionError` (and
    writes nothing) if any file has an error.
    """
    if paths is None:
        paths = [Path(current_app.config["ANKETA_QUESTIONNAIRES_DIR"])]
    bundles, errors, _files = _validate([Path(path) for path in paths])
    if errors:
        raise DefinitionError(errors)
    summary = LoadSummary()
    try:
        for bundle in bundles:
            assert bundle.direction is not None
            direction, outcome = _store_direction(bundle, school)
            summary.files.append(outcome)
            for path, questionnaire in bundle.questionnaires:
                summary.files.append(_store_questionnaire(direction, path, questionnaire))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary


def _store_direction(
    bundle: DirectionBundle, school: School | None
) -> tuple[Direction, FileOutcome]:
    definition = bundle.direction
    assert definition is not None
    digest = content_hash(definition)
    school_id = school.id if school else None
    direction = db.session.scalar(
        select(Direction).where(
            Direction.code == definition["id"],
            Direction.school_id.is_(None)
            if school_id is None
            else Direction.school_id == school_id,
        )
    )
    shown = _display(bundle.direction_file)
    if direction is None:
        direction = Direction(code=definition["id"], school_id=school_id)
        db.session.add(direction)
        outcome = "created"
    elif direction.content_hash == digest:
        return direction, FileOutcome(shown, None, "unchanged")
    else:
        outcome = "updated"
    direction.title = definition["title"]
    direction.language = definition["language"]
    direction.definition = definition
    direction.content_hash = digest
    db.session.flush()
    return direction, FileOutcome(shown, None, outcome)


def _store_questionnaire(
    direction: Direction, path: Path | str, questionnaire: dict[str, Any]
) -> FileOutcome:
    role = questionnaire["role"]
    digest = content_hash(questionnaire)
    shown = _display(path) if isinstance(path, Path) else path
    latest = Questionnaire.latest(direction.id, role) if direction.id else None
    if latest is not None and latest.content_hash == digest:
        return FileOutcome(shown, role, "unchanged", latest.version)
    if latest is None:
        target = Questionnaire(direction=direction, role=role, version=1)
        db.session.add(target)
        outcome = "created"
    elif latest.has_responses():
        target = Questionnaire(direction=direction, role=role, version=latest.version + 1)
        db.session.add(target)
        outcome = "new_version"
    else:
        target = latest
        outcome = "updated"
    _fill_questionnaire(target, questionnaire, digest, shown)
    db.session.flush()
    moved = _move_unanswered_links(latest, target) if outcome == "new_version" else 0
    return FileOutcome(shown, role, outcome, target.version, moved)


def _fill_questionnaire(
    target: Questionnaire, questionnaire: Mapping[str, Any], digest: str, source: str
) -> None:
    target.title = questionnaire["title"]
    target.intro = questionnaire["intro"]
    target.language = questionnaire["language"]
    target.content_hash = digest
    target.source_path = source[-512:]
    if target.questions:
        # Old rows must be gone before the new ones reuse their (questionnaire, key) pairs.
        target.questions.clear()
        db.session.flush()
    for position, spec in enumerate(questionnaire["questions"], start=1):
        report = dict(spec["report"] or {})
        # Kept in ``report`` too for readers written before the ``requirement`` column.
        if spec["requirement"] and not spec["topic"]:
            report["requirement"] = spec["requirement"]
        question = Question(
            key=spec["id"],
            number=spec["number"],
            position=position,
            text=spec["text"],
            instruction=spec["instruction"],
            type=spec["type"],
            required=spec["required"],
            topic=spec["topic"],
            requirement=spec["requirement"],
            measures=spec["measures"],
            segment=spec["segment"],
            scale=spec["scale"],
            report=report or None,
            translations=spec["translations"],
        )
        for option_position, option in enumerate(spec["options"], start=1):
            question.options.append(
                Option(
                    key=option["id"],
                    position=option_position,
                    text=option["text"],
                    value=option["value"],
                    translations=_option_translations(spec, option),
                )
            )
        target.questions.append(question)


def _option_translations(
    spec: Mapping[str, Any], option: Mapping[str, Any]
) -> dict[str, str] | None:
    """Merge an option's own translations with the question's ``translations.<lang>.options``."""
    merged = dict(option.get("translations") or {})
    for language, entry in (spec.get("translations") or {}).items():
        if option["id"] in entry.get("options", {}):
            merged[language] = entry["options"][option["id"]]
    return merged or None


def _move_unanswered_links(old: Questionnaire | None, new: Questionnaire) -> int:
    if old is None:
        return 0
    answered = (
        select(func.count(Response.id))
        .where(
            Response.campaign_id == RespondentLink.campaign_id, Response.role == RespondentLink.role
        )
        .scalar_subquery()
    )
    links = db.session.scalars(
        select(RespondentLink).where(RespondentLink.questionnaire_id == old.id, answered == 0)
    ).all()
    for link in links:
        link.questionnaire = new
    return len(links)


# --- helpers for the analysis and the reports ---------------------------------------------------


# --- writing YAML -------------------------------------------------------------------------------


def _question_yaml(question: Question, scales: Mapping[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": question.key, "number": question.number, "text": question.text}
    if question.type != "single":
        entry["type"] = question.type
    if question.instruction != DEFAULT_INSTRUCTIONS[question.type]:
        entry["instruction"] = question.instruction
    if question.required != DEFAULT_REQUIRED[question.type]:
        entry["required"] = question.required
    report = dict(question.report or {})
    requirement = report.pop("requirement", None) or question.requirement
    if question.topic:
        entry["topic"] = question.topic
    elif requirement:
        entry["requirement"] = requirement
    if question.measures:
        entry["measures"] = question.measures
    if question.segment:
        entry["segment"] = True
    translations = question.translations
    if question.scale and question.scale in scales:
        entry["scale"] = question.scale
    elif question.type != "text":
        options = []
        for option in question.options:
            item: dict[str, Any] = {"id": option.key, "text": option.text}
            if option.value is not None:
                item["value"] = option.value
            options.append(item)
        entry["options"] = options
    if report:
        entry["report"] = report
    if translations:
        entry["translations"] = translations
    return entry


def dump_direction(direction: Direction) -> str:
    """Return a direction's definition as ``direction.yaml`` text (parses back to the same)."""
    return yaml.safe_dump(
        plain(direction.definition), allow_unicode=True, sort_keys=False, width=100
    )


def dump_questionnaire(questionnaire: Questionnaire) -> str:
    """Return a questionnaire version as role-file YAML (same format, round-trippable).

    Parsing the text with :func:`parse_role_file` against the same direction gives back the
    same normalised questionnaire (and so the same content hash).
    """
    direction = questionnaire.direction
    scales = direction.definition.get("scales", {})
    document: dict[str, Any] = {
        "direction": direction.code,
        "role": questionnaire.role,
        "title": questionnaire.title,
    }
    if questionnaire.intro:
        document["intro"] = questionnaire.intro
    if questionnaire.language != direction.definition.get("language", "uk"):
        document["language"] = questionnaire.language
    document["questions"] = [
        _question_yaml(question, scales) for question in questionnaire.questions
    ]
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
