"""Glue between the database and the builder: a campaign in, the довідка's bytes out."""

from __future__ import annotations

import os
import re

from flask import current_app

from app.imports.log import import_log
from app.models import Campaign
from app.reports.document import ReportStats, build_report
from app.reports.texts import load_texts
from app.results.service import analyze_campaign

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def campaign_report(campaign: Campaign, stats: ReportStats | None = None) -> bytes:
    """Return the довідка of a campaign as .docx bytes (analysis + the working group's texts
    + the import log, which its introduction names).

    Raises ReportError if the document cannot be built or the stored texts are malformed.
    """
    return build_report(
        analyze_campaign(campaign),
        load_texts(campaign),
        stats,
        chart_workers=chart_workers(),
        imports=import_log(campaign.id),
    )


def chart_workers() -> int:
    """Return how many processes draw the charts: ``ANKETA_REPORT_CHART_WORKERS`` (config or
    environment), by default 2 on a machine with several cores, else 1."""
    configured = current_app.config.get("ANKETA_REPORT_CHART_WORKERS") or os.environ.get(
        "ANKETA_REPORT_CHART_WORKERS"
    )
    if configured not in (None, ""):
        try:
            return max(1, int(configured))
        except ValueError:
            return 1
    return 2 if (os.cpu_count() or 1) > 1 else 1


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def report_filename(campaign: Campaign) -> str:
    """Return the download name: ``dovidka-<school slug>-<direction code>-<year>.docx``."""
    return (
        f"dovidka-{_slug(campaign.school.slug)}-{_slug(campaign.direction.code)}-"
        f"{_slug(campaign.academic_year)}.docx"
    )
