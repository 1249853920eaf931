"""Uploaded CSV files waiting for the user's confirmation, and the plan read from the mapping
form. The parsing, matching and importing itself is ``app.imports.engine``.

An upload is kept as ``<folder>/<id>.csv`` with ``<id>.json`` beside it (campaign, role, file
name) until it is imported or cancelled; uploads older than a day are removed. The folder is
config ``ANKETA_IMPORT_DIR`` if set, else ``<instance>/imports``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import Flask
from flask_babel import gettext as _

from app.errors import AnketaError, NotFound
from app.imports.engine import CsvImportError, ImportPlan, check_header
from app.models import Campaign, RespondentLink
from app.private_files import open_private, private_folder, write_private

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
KEEP_SECONDS = 24 * 3600
UPLOAD_ID_LENGTH = 22


@dataclass(frozen=True)
class Upload:
    """A stored upload: where it is and what it is for."""

    id: str
    path: Path
    campaign_id: int
    role: str
    filename: str


def upload_folder(app: Flask) -> Path:
    """Return the folder for uploads waiting for confirmation (config ``ANKETA_IMPORT_DIR``)."""
    return Path(app.config.get("ANKETA_IMPORT_DIR") or Path(app.instance_path) / "imports")


def _folder(folder: Path) -> Path:
    return private_folder(folder)  # 0700, and the files in it 0600: they hold answers


def _clean_old(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        if path.suffix in (".csv", ".json") and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def save_upload(
    folder: Path, campaign: Campaign, role: str, stream: IO[bytes], filename: str
) -> Upload:
    """Store an uploaded file for the confirmation step; return the :class:`Upload`.

    Raises :class:`AnketaError` for a role without a questionnaire in the campaign, an empty
    file, one over 50 MB or one whose header passes the caps of ``app.imports.engine``
    (:class:`CsvImportError`: too many columns, too long a header cell); nothing is kept.
    """
    if campaign.link_for(role) is None:
        raise AnketaError(_("У кампанії немає анкети для цієї ролі."))
    folder = _folder(folder)
    _clean_old(folder)
    upload_id = secrets.token_urlsafe(16)
    path = folder / f"{upload_id}.csv"
    size = 0
    with open_private(path) as target:
        while chunk := stream.read(64 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                target.close()
                path.unlink(missing_ok=True)
                raise AnketaError(_("Файл завеликий: найбільший допустимий розмір — 50 МБ."))
            target.write(chunk)
    if size == 0:
        path.unlink(missing_ok=True)
        raise AnketaError(_("Файл порожній."))
    try:
        check_header(path)  # a header past the caps is refused now, not on every visit
    except CsvImportError:
        path.unlink(missing_ok=True)
        raise
    name = Path(filename or "answers.csv").name[:200]
    meta = {"campaign_id": campaign.id, "role": role, "filename": name}
    write_private(folder / f"{upload_id}.json", json.dumps(meta))
    return Upload(upload_id, path, campaign.id, role, name)


def get_upload(folder: Path, campaign: Campaign, upload_id: str) -> Upload:
    """Return the campaign's stored upload. Raises :class:`NotFound` if there is none."""
    if len(upload_id) != UPLOAD_ID_LENGTH or not all(
        char.isalnum() or char in "-_" for char in upload_id
    ):
        raise NotFound(_("Файл не знайдено: завантажте його ще раз."))
    folder = _folder(folder)
    meta_path = folder / f"{upload_id}.json"
    path = folder / f"{upload_id}.csv"
    if not meta_path.is_file() or not path.is_file():
        raise NotFound(_("Файл не знайдено: завантажте його ще раз."))
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta["campaign_id"] != campaign.id:
        raise NotFound(_("Файл не знайдено: завантажте його ще раз."))
    return Upload(upload_id, path, campaign.id, meta["role"], meta["filename"])


def discard_upload(upload: Upload) -> None:
    """Remove a stored upload (after the import, or when the user stops)."""
    upload.path.unlink(missing_ok=True)
    upload.path.with_suffix(".json").unlink(missing_ok=True)


def link_of(campaign: Campaign, upload: Upload) -> RespondentLink:
    """Return the campaign's link for the upload's role. Raises :class:`NotFound`."""
    link = campaign.link_for(upload.role)
    if link is None:
        raise NotFound(_("У кампанії немає анкети для цієї ролі."))
    return link


def plan_from_form(form: Mapping[str, str], columns: int) -> ImportPlan:
    """Read the mapping form: ``column-<i>`` (question key, "" to ignore) for every column and
    ``answer-<n>`` (option key) with ``answer-<n>-question`` and ``answer-<n>-value``."""
    plan = ImportPlan()
    for index in range(columns):
        name = f"column-{index}"
        if name in form:
            plan.columns[index] = form[name] or None
    number = 0
    while f"answer-{number}-question" in form:
        option = form.get(f"answer-{number}", "")
        if option:
            key = (form[f"answer-{number}-question"], form.get(f"answer-{number}-value", ""))
            plan.answers[key] = option
        number += 1
    return plan
