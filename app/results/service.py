"""Campaign results: the analysis of a stored campaign, its predecessor and the level override."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import vocabulary
from app.analysis.engine import analyze
from app.analysis.results import CampaignAnalysis, CampaignInfo
from app.errors import AnketaError
from app.extensions import db
from app.models import Campaign, Direction, User
from app.results.aggregate import load_campaign

#: The shortest justification accepted for overriding the computed level.
MIN_JUSTIFICATION_LENGTH = 10


def campaign_info(campaign: Campaign) -> CampaignInfo:
    """Return what the results document says about the campaign itself."""
    return CampaignInfo(
        id=campaign.id,
        school=campaign.school.name,
        school_slug=campaign.school.slug,
        direction_code=campaign.direction.code,
        direction_title=campaign.direction.title,
        academic_year=campaign.academic_year,
        title=campaign.title,
        opens_on=campaign.opens_on,
        closes_on=campaign.closes_on,
    )


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """Return the campaign of the latest earlier academic year of the same school and direction.

    The direction is matched by its code, so a school's own copy of a direction and the bundled
    one compare. Within one year the most recently created campaign counts. None if there is none.
    """
    return db.session.scalar(
        select(Campaign)
        .join(Direction, Campaign.direction_id == Direction.id)
        .where(
            Campaign.school_id == campaign.school_id,
            Direction.code == campaign.direction.code,
            Campaign.academic_year < campaign.academic_year,
            Campaign.id != campaign.id,
        )
        .order_by(Campaign.academic_year.desc(), Campaign.created_at.desc(), Campaign.id.desc())
        .limit(1)
    )


def analyze_campaign(
    campaign: Campaign, with_dynamics: bool = True, with_segments: bool = True
) -> CampaignAnalysis:
    """Return the full analysis of a campaign (with dynamics when a previous campaign exists).

    Counts come from one pass over the campaign's answers (app/results/aggregate.py);
    everything else is the pure analysis (app/analysis/engine.py). ``with_segments=False``
    leaves out the segment breakdowns (``segment_breakdown`` is then None; the query is the
    same, only their cells are not built). Raises nothing for a campaign without responses.
    """
    structure, counts = load_campaign(campaign, segments=with_segments)
    previous = None
    if with_dynamics and (before := previous_campaign(campaign)) is not None:
        previous = analyze_campaign(before, with_dynamics=False, with_segments=False)
    override = campaign.level_override if campaign.level_override in vocabulary.LEVELS else None
    return analyze(
        campaign_info(campaign),
        campaign.direction.definition or {},
        structure.questions,
        counts,
        min_group_size=int(current_app.config["ANKETA_MIN_GROUP_SIZE"]),
        override_level=override,
        override_justification=campaign.level_justification if override else None,
        previous=previous,
    )


def level_or_error(level: str) -> str:
    """Return the level code for a code or its Ukrainian label («достатній»).

    Raises AnketaError for anything else.
    """
    code = vocabulary.parse_level(level)
    if code is not None:
        return code
    names = ", ".join(f"{code} ({label})" for code, label in vocabulary.LEVEL_LABELS.items())
    raise AnketaError(_("Невідомий рівень «%(level)s». Допустимі: %(names)s.", level=level,
                        names=names))  # fmt: skip


def set_level_override(
    campaign: Campaign, level: str | None, justification: str | None, user: User | None
) -> Campaign:
    """Store the working group's level for the campaign (or clear it when ``level`` is None).

    ``user`` None means the server operator (the CLI). Raises AnketaError when the user may not
    edit this school's campaign, the level is unknown, or the justification is missing or
    shorter than MIN_JUSTIFICATION_LENGTH characters.
    """
    if user is not None and not (user.can_edit and user.can_see_school(campaign.school_id)):
        raise AnketaError(_("Змінювати рівень може лише робоча група цього закладу."))
    if level is None or not level.strip():
        campaign.level_override = None
        campaign.level_justification = None
        db.session.commit()
        return campaign
    code = level_or_error(level)
    text = (justification or "").strip()
    if len(text) < MIN_JUSTIFICATION_LENGTH:
        raise AnketaError(
            _(
                "Обґрунтуйте зміну рівня (щонайменше %(n)s символів).",
                n=MIN_JUSTIFICATION_LENGTH,
            )
        )
    campaign.level_override = code
    campaign.level_justification = text
    db.session.commit()
    return campaign
