"""Downloads of a campaign's data (docs/exports.md): the responses as CSV (one role) or XLSX
(a sheet per role), and the aggregated tables as XLSX.

Every download 404s for a campaign of another school. The responses hold open-text answers, so
only members and admins download them (403 for a director); the tables are for every reader.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from flask import Blueprint, Response, abort, request, stream_with_context
from flask_login import login_required

from app.auth import editor_required, visible_campaign_or_404
from app.vocabulary import ROLES

bp = Blueprint("exports", __name__)


def _download(body: Any, mimetype: str, name: str) -> Response:
    """Return an attachment response that no cache keeps."""
    response = Response(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _file_chunks(target: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """Yield a temporary file's bytes and close (so delete) it once sent."""
    try:
        target.seek(0)
        while chunk := target.read(size):
            yield chunk
    finally:
        target.close()


def _xlsx_download(write: Callable[[IO[bytes]], None], name: str) -> Response:
    """Build an XLSX in a temporary file with ``write`` and send it; the file is closed (so
    deleted) once sent, or at once when building fails."""
    from app.exports.writers import XLSX_MIMETYPE

    target = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _file_chunks once sent)
    try:
        write(target)
    except BaseException:
        target.close()
        raise
    return _download(_file_chunks(target), XLSX_MIMETYPE, name)


@bp.route("/campaigns/<int:campaign_id>/export/responses.csv")
@login_required
@editor_required
def export_responses_csv(campaign_id: int) -> Any:
    """Stream one role's responses as CSV (``?role=teachers|students|parents``); formula-like
    texts get a ``'`` before them unless ``?raw=1`` (docs/exports.md)."""
    from app.exports.writers import csv_chunks, export_filename

    campaign = visible_campaign_or_404(campaign_id)
    role = request.args.get("role", "")
    if role not in ROLES or campaign.link_for(role) is None:
        abort(404)
    # csv_chunks reads every ORM value now; the chunks are sent after this view has returned,
    # when the request's session (and so ``campaign``) is gone.
    return _download(
        stream_with_context(csv_chunks(campaign, role, raw=request.args.get("raw") == "1")),
        "text/csv; charset=utf-8",
        export_filename(campaign, "responses", "csv", role),
    )


@bp.route("/campaigns/<int:campaign_id>/export/responses.xlsx")
@login_required
@editor_required
def export_responses_xlsx(campaign_id: int) -> Any:
    """Send the responses as XLSX, one sheet per role (built in a temporary file)."""
    from app.exports.writers import export_filename, write_responses_xlsx

    campaign = visible_campaign_or_404(campaign_id)
    return _xlsx_download(
        lambda target: write_responses_xlsx(campaign, target),
        export_filename(campaign, "responses", "xlsx"),
    )


@bp.route("/campaigns/<int:campaign_id>/export/tables.xlsx")
@login_required
def export_tables_xlsx(campaign_id: int) -> Any:
    """Send the aggregated tables (per role, gaps, requirement scores) as XLSX."""
    from app.exports.writers import export_filename, write_tables_xlsx
    from app.results.service import analyze_campaign

    campaign = visible_campaign_or_404(campaign_id)
    analysis = analyze_campaign(campaign, with_dynamics=False)
    return _xlsx_download(
        lambda target: write_tables_xlsx(analysis, target),
        export_filename(campaign, "tables", "xlsx"),
    )
