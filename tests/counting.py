"""What a campaign's answers count to, before the privacy rules: for tests of the import and the
builder with a handful of responses, which the analysis (rightly) publishes only as a count.

``counted(campaign).question(role, key)`` has the fields of a ``QuestionResult`` those tests
read — ``text``, ``answered``, ``unknown_count``, ``options`` (key, text, count, percent),
``option(key)``, ``positive_share`` — computed by the engine's own distribution from
``load_campaign``'s counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.analysis.engine import QuestionCounts, _distribution, positive_keys
from app.analysis.results import OptionResult
from app.analysis.stats import rounded
from app.models import Campaign
from app.results.aggregate import load_campaign


@dataclass(frozen=True)
class CountedQuestion:
    text: str
    answered: int
    options: tuple[OptionResult, ...]
    positive_share: float | None
    unknown_count: int

    def option(self, key: str) -> OptionResult:
        """Return the option with this key; raises KeyError if there is none."""
        return next(o for o in self.options if o.key == key)


@dataclass(frozen=True)
class Counted:
    questions: dict[tuple[str, str], CountedQuestion]

    def question(self, role: str, key: str) -> CountedQuestion:
        """Return a role's question; raises KeyError if there is none."""
        return self.questions[(role, key)]


def counted(campaign: Campaign) -> Counted:
    """Return every question's distribution from the campaign's counts, privacy aside."""
    structure, counts = load_campaign(campaign)
    definition = campaign.direction.definition or {}
    questions = {}
    for q in structure.questions:
        dist = _distribution(
            q,
            counts.questions.get((q.role, q.key), QuestionCounts(0)),
            positive_keys(q, definition),
        )
        questions[(q.role, q.key)] = CountedQuestion(
            q.text, dist.answered, dist.options, rounded(dist.positive), dist.unknown_count
        )
    return Counted(questions)
