"""JSON API for staff: /api/v1/…

``GET /api/v1/campaigns/<id>/results`` returns the same document as ``anketa analyze --json``
(docs/results-schema.json) to logged-in staff of the campaign's school (and admins); anybody
else gets 404, so the existence of another school's campaign is not revealed.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response
from flask_babel import gettext as _
from flask_login import current_user

from app.models import Campaign

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _json(document: Any, status: int = 200) -> Response:
    body = json.dumps(document, ensure_ascii=False)
    return Response(body, status=status, mimetype="application/json")


@bp.get("/campaigns/<int:campaign_id>/results")
def campaign_results(campaign_id: int) -> Response:
    """The campaign's results document; 401 when not logged in, 404 for other schools."""
    if not current_user.is_authenticated:
        return _json({"error": _("Потрібно увійти.")}, 401)
    campaign = Campaign.visible_to(current_user, campaign_id)
    if campaign is None:
        return _json({"error": _("Кампанію не знайдено.")}, 404)
    # Imported on use: scipy stays out of the workers that only serve respondents.
    from app.results.service import analyze_campaign

    response = _json(analyze_campaign(campaign).to_json())
    response.headers["Cache-Control"] = "private, no-store"
    return response
