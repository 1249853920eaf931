"""From counts to a ``CampaignAnalysis``: distributions, positive shares, gaps, scores, level.

Input is the questionnaire structure (``QuestionDef``) and counts (``CampaignCounts``), never
individual answers; the database does the counting (app/results/aggregate.py). Every rule here
is documented in docs/methodology.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from itertools import combinations
from typing import Any

from app.analysis.results import (
    CampaignAnalysis,
    CampaignInfo,
    Dynamics,
    Gap,
    Level,
    OptionChange,
    OptionGap,
    OptionResult,
    QuestionChange,
    QuestionResult,
    Requirement,
    RequirementScore,
    SegmentBreakdown,
    SegmentCell,
    Thresholds,
    Topic,
)
from app.analysis.rules import positive_values, round_half_up, subtract_printed
from app.analysis.stats import (
    TestResult,
    homogeneity_test,
    percent,
    rounded,
    share,
)
from app.vocabulary import (
    DEFAULT_KEY_GAP,
    DEFAULT_LEVELS,
    DEFAULT_MIN_GROUP_SIZE,
    LEVEL_LABELS,
    MIN_GROUP_SIZE_FLOOR,
    N_,
    ROLES,
)

#: The lowest privacy threshold anyone may configure.
#: The segment key of respondents who did not answer the segment question.
UNSTATED_SEGMENT = ""


@dataclass(frozen=True)
class OptionDef:
    """An option as defined in the questionnaire (``value`` None: «не знаю» or nominal)."""

    key: str
    text: str
    value: int | None = None


@dataclass(frozen=True)
class QuestionDef:
    """A question as defined in the questionnaire, identified by (role, key)."""

    role: str
    key: str
    number: int
    text: str
    type: str = "single"
    options: tuple[OptionDef, ...] = ()
    instruction: str | None = None
    topic: str | None = None
    measures: str | None = None
    segment: bool = False
    scale: str | None = None
    #: Set directly when the question has no topic (a requirement-only question).
    requirement: str | None = None
    report_phrases: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def ordinal(self) -> bool:
        """Single choice with at least two distinct option values."""
        values = {o.value for o in self.options if o.value is not None}
        return self.type == "single" and len(values) >= 2


@dataclass(frozen=True)
class QuestionCounts:
    """Counts of one question: ``answered`` respondents, respondents per option key."""

    answered: int
    options: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CampaignCounts:
    """Everything counted for a campaign.

    ``questions`` maps (role, question key) to its counts; ``segments`` maps (role, question
    key) to the counts per segment option key (UNSTATED_SEGMENT for respondents who did not
    answer the segment question), for questions broken down by their role's segment question.
    """

    respondents: Mapping[str, int]
    questions: Mapping[tuple[str, str], QuestionCounts]
    segments: Mapping[tuple[str, str], Mapping[str, QuestionCounts]] = field(default_factory=dict)
    #: The same counts restricted to the responses that did not come through the form
    #: (imports), or None when there are none: the privacy rule counts each source apart.
    imported: CampaignCounts | None = None

    def imported_part(self) -> CampaignCounts:
        """Return the imported part of these counts (empty counts when there is none)."""
        return self.imported or CampaignCounts(respondents={}, questions={})


def thresholds_from(
    definition: Mapping[str, Any], min_group_size: int = DEFAULT_MIN_GROUP_SIZE
) -> Thresholds:
    """Return the thresholds of a direction definition, falling back to the defaults.

    The privacy threshold is the stricter of ``min_group_size`` (configuration) and the
    direction's own ``min_group_size``, never below 3. Raises ValueError for thresholds that
    are not numbers.
    """
    key_gap = definition.get("key_gap") or {}
    levels = {**DEFAULT_LEVELS, **(definition.get("levels") or {})}
    group = max(MIN_GROUP_SIZE_FLOOR, int(min_group_size), int(definition.get("min_group_size", 0)))
    return Thresholds(
        key_gap_min_difference_pp=float(
            key_gap.get("min_difference_pp", DEFAULT_KEY_GAP["min_difference_pp"])
        ),
        key_gap_max_p_value=float(key_gap.get("max_p_value", DEFAULT_KEY_GAP["max_p_value"])),
        min_group_size=group,
        level_high=float(levels["high"]),
        level_sufficient=float(levels["sufficient"]),
        level_needs_improvement=float(levels["needs_improvement"]),
    )


def requirements_from(definition: Mapping[str, Any]) -> tuple[Requirement, ...]:
    """Return the requirements and their topics declared in a direction definition."""
    requirements = []
    for item in definition.get("requirements") or ():
        topics = tuple(
            Topic(id=str(t["id"]), title=str(t.get("title", t["id"])))
            for t in item.get("topics") or ()
        )
        code = str(item.get("id", item.get("code", "")))
        requirements.append(Requirement(code=code, title=str(item.get("title", "")), topics=topics))
    return tuple(requirements)


# Questions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Distribution:
    """The exact figures of one question (or one segment cell) before rounding."""

    answered: int
    options: tuple[OptionResult, ...]
    positive: Fraction | None
    positive_count: int | None
    valued_answered: int | None  # None for a hidden question: not published, not zero
    unknown_count: int | None


def positive_keys(question: QuestionDef, definition: Mapping[str, Any]) -> frozenset[str]:
    """Return the option keys of a question's positive share.

    The ``positive`` list of the question's scale in the direction definition when it names
    one; otherwise the options whose value is among the scale's top levels (``positive_values``).
    Empty for questions that are not ordinal.
    """
    if not question.ordinal:
        return frozenset()
    scale = (definition.get("scales") or {}).get(question.scale or "") or {}
    keys = {o.key for o in question.options}
    if scale.get("positive") and keys.issuperset(scale["positive"]):
        return frozenset(scale["positive"])
    good = positive_values([o.value for o in question.options if o.value is not None])
    return frozenset(o.key for o in question.options if o.value in good)


def _distribution(
    question: QuestionDef, counts: QuestionCounts, good: frozenset[str] = frozenset()
) -> _Distribution:
    answered = counts.answered
    if question.type == "text":
        return _Distribution(answered, (), None, None, 0, 0)
    ordinal = question.ordinal
    options = tuple(
        OptionResult(
            key=o.key,
            text=o.text,
            count=counts.options.get(o.key, 0),
            percent=percent(counts.options.get(o.key, 0), answered),
            value=o.value,
            positive=ordinal and o.key in good,
        )
        for o in question.options
    )
    if not ordinal:
        return _Distribution(answered, options, None, None, 0, 0)
    valued = sum(o.count for o in options if o.value is not None)
    positive_count = sum(o.count for o in options if o.positive)
    unknown = sum(o.count for o in options if o.value is None)
    return _Distribution(
        answered, options, share(positive_count, valued), positive_count, valued, unknown
    )


def segment_questions(questions: Iterable[QuestionDef]) -> dict[str, QuestionDef]:
    """Return {role: its segment question}: the first single-choice question of the role (in
    the order given) marked ``segment``, e.g. the students' grade. Raises nothing."""
    found: dict[str, QuestionDef] = {}
    for q in questions:
        if q.segment and q.type == "single":
            found.setdefault(q.role, q)
    return found


def source_parts(total: int, imported: int = 0) -> tuple[int, int]:
    """Return a group's respondents per source: (from the form, imported). Raises nothing."""
    return (total - imported, imported)


def privacy_reason(parts: int | Sequence[int], min_group_size: int) -> str | None:
    """Return why a group with these respondents (in all, or per source) may not be published,
    or None when it may (or is empty).

    ``small_group``: fewer than ``min_group_size`` respondents in all; ``mixed_sources``: enough
    in all, but one source (form or import) holds between 1 and ``min_group_size`` − 1 of them,
    and whoever knows the other source's answers (e.g. the member who imported them) could
    subtract them. Raises nothing.
    """
    sizes = (parts,) if isinstance(parts, int) else tuple(parts)
    total = sum(sizes)
    if total == 0:
        return None
    if total < min_group_size:
        return "small_group"
    if any(0 < n < min_group_size for n in sizes):
        return "mixed_sources"
    return None


def _part(parts: tuple[int, ...], source: int) -> int:
    return parts[source] if source < len(parts) else 0


def hidden_groups(sizes: Mapping[str, int | Sequence[int]], min_group_size: int) -> dict[str, str]:
    """Return the groups to hide among ``sizes`` ({group: respondents, or respondents per source
    as from :func:`source_parts`}, in display order; empty groups are ignored), each with its
    reason.

    A group is hidden for :func:`privacy_reason` (``small_group`` / ``mixed_sources``). Then,
    as long as the hidden groups of some source together hold between 1 and
    ``min_group_size`` − 1 respondents (they are the published total minus the shown groups),
    the smallest shown group with respondents of that source (the first such in order) is
    hidden too, ``complementary``. So the hidden groups hold, per source, 0 or at least
    ``min_group_size`` respondents whenever that source's total does. Raises nothing.
    """
    parts = {k: (v,) if isinstance(v, int) else tuple(v) for k, v in sizes.items()}
    keys = [k for k, p in parts.items() if sum(p) > 0]
    hidden: dict[str, str] = {}
    for k in keys:
        if (reason := privacy_reason(parts[k], min_group_size)) is not None:
            hidden[k] = reason
    width = max((len(parts[k]) for k in keys), default=0)
    while True:
        short = [
            s for s in range(width) if 0 < sum(_part(parts[k], s) for k in hidden) < min_group_size
        ]
        candidates = next(
            (
                found
                for s in short
                if (found := [k for k in keys if k not in hidden and _part(parts[k], s) > 0])
            ),
            [],
        )
        if not candidates:
            return hidden
        smallest = min(candidates, key=lambda k: (sum(parts[k]), keys.index(k)))
        hidden[smallest] = "complementary"


def _breakdown(
    question: QuestionDef,
    segment_question: QuestionDef,
    cells: Mapping[str, QuestionCounts],
    min_group_size: int,
    good: frozenset[str],
    imported: Mapping[str, QuestionCounts] | None = None,
) -> SegmentBreakdown:
    """Break a question down by segment, hiding the groups :func:`hidden_groups` names (every
    group below the threshold in all or in one source, and complementary ones until the hidden
    groups cannot be recovered from the total); ``imported`` holds the imported part of each
    cell."""
    labels = {o.key: o.text for o in segment_question.options}
    order = [o.key for o in segment_question.options]
    keys = [k for k in order if k in cells] + [k for k in cells if k not in labels]
    keys = [k for k in keys if cells[k].answered > 0]
    imported = imported or {}
    sizes = {
        k: source_parts(cells[k].answered, imported.get(k, QuestionCounts(0)).answered)
        for k in keys
    }
    hidden = hidden_groups(sizes, min_group_size)
    result = []
    for k in keys:
        label = labels.get(k, N_("Не вказано") if k == UNSTATED_SEGMENT else k)
        if k in hidden:
            result.append(
                SegmentCell(segment_key=k, segment_text=label, suppressed=True, reason=hidden[k])
            )
            continue
        dist = _distribution(question, cells[k], good)
        result.append(
            SegmentCell(
                segment_key=k,
                segment_text=label,
                suppressed=False,
                respondents=cells[k].answered,
                answered=cells[k].answered,
                options=dist.options,
                positive_share=rounded(dist.positive),
            )
        )
    return SegmentBreakdown(
        segment_question=segment_question.key,
        segment_question_text=segment_question.text,
        min_group_size=min_group_size,
        cells=tuple(result),
    )


# Gaps ----------------------------------------------------------------------------------------


def _compared(
    share_a: Fraction | None,
    share_b: Fraction | None,
    rows: tuple[Sequence[int], Sequence[int]],
    thresholds: Thresholds,
) -> tuple[float | None, TestResult, bool]:
    """Return a − b rounded from the unrounded shares, the test on ``rows`` and whether the gap
    is key: the comparison an ordinal gap and each option of a multiple-choice gap share."""
    test = homogeneity_test(*rows)
    difference = (
        round_half_up(share_a - share_b) if share_a is not None and share_b is not None else None
    )
    return difference, test, thresholds.is_key(difference, test.p_value)


def _gap(
    construct: str,
    kind: str,
    questions: tuple[QuestionDef, QuestionDef],
    n: tuple[int, int],
    key: bool,
    shares: tuple[Fraction | None, Fraction | None] = (None, None),
    difference: float | None = None,
    test: TestResult | None = None,
    option_gaps: tuple[OptionGap, ...] = (),
) -> Gap:
    (qa, qb), (share_a, share_b) = questions, shares
    return Gap(
        construct=construct,
        kind=kind,
        role_a=qa.role,
        role_b=qb.role,
        question_a=qa.key,
        question_b=qb.key,
        n_a=n[0],
        n_b=n[1],
        share_a=rounded(share_a),
        share_b=rounded(share_b),
        difference_pp=difference,
        statistic=test.statistic if test else None,
        p_value=test.p_value if test else None,
        effect_size=test.effect_size if test else None,
        test=test.test if test else None,
        key=key,
        option_gaps=option_gaps,
    )


def _ordinal_gap(
    construct: str,
    a: tuple[QuestionDef, _Distribution],
    b: tuple[QuestionDef, _Distribution],
    thresholds: Thresholds,
) -> Gap:
    (qa, da), (qb, db) = a, b
    values_a = {o.value for o in da.options if o.value is not None}
    values_b = {o.value for o in db.options if o.value is not None}
    if values_a == values_b:
        # Columns are the scale's values, so two roles' wordings of one scale line up.
        values = sorted(values_a, reverse=True)
        row_a, row_b = (
            [sum(o.count for o in dist.options if o.value == v) for v in values]
            for dist in (da, db)
        )
    else:
        # Different scales (e.g. «Так / Ні» against a four-level frequency) cannot be lined
        # up level by level: the test is on positive / not positive (2×2).
        row_a, row_b = (
            [dist.positive_count or 0, (dist.valued_answered or 0) - (dist.positive_count or 0)]
            for dist in (da, db)
        )
    difference, test, key = _compared(da.positive, db.positive, (row_a, row_b), thresholds)
    return _gap(
        construct,
        "ordinal",
        (qa, qb),
        # (None only for a hidden question, which has no gap)
        (da.valued_answered or 0, db.valued_answered or 0),
        key,
        shares=(da.positive, db.positive),
        difference=difference,
        test=test,
    )


def _multiple_gap(
    construct: str,
    a: tuple[QuestionDef, _Distribution],
    b: tuple[QuestionDef, _Distribution],
    thresholds: Thresholds,
) -> Gap:
    (qa, da), (qb, db) = a, b
    counts_b = {o.key: o.count for o in db.options}
    option_gaps = []
    for option in da.options:
        if option.key not in counts_b:
            continue
        ticked_a, ticked_b = option.count, counts_b[option.key]
        share_a, share_b = share(ticked_a, da.answered), share(ticked_b, db.answered)
        rows = ([ticked_a, da.answered - ticked_a], [ticked_b, db.answered - ticked_b])
        difference, test, key = _compared(share_a, share_b, rows, thresholds)
        option_gaps.append(
            OptionGap(
                option_key=option.key,
                option_text=option.text,
                percent_a=rounded(share_a),
                percent_b=rounded(share_b),
                difference_pp=difference,
                p_value=test.p_value,
                test=test.test,
                key=key,
            )
        )
    return _gap(
        construct,
        "multiple",
        (qa, qb),
        (da.answered, db.answered),
        any(g.key for g in option_gaps),
        option_gaps=tuple(option_gaps),
    )


def perception_gaps(
    questions: Sequence[tuple[QuestionDef, _Distribution]], thresholds: Thresholds
) -> tuple[Gap, ...]:
    """Return a gap for every construct answered by two or more roles, for every pair of roles.

    Pairs follow the role order of app.vocabulary.ROLES; a role's first question measuring
    the construct represents it. Single-choice ordinal constructs get a test on the full
    distribution; multiple-choice constructs get per-option gaps; others are skipped.
    """
    by_construct: dict[str, dict[str, tuple[QuestionDef, _Distribution]]] = {}
    for question, dist in questions:
        if question.measures:
            by_construct.setdefault(question.measures, {}).setdefault(
                question.role, (question, dist)
            )
    gaps: list[Gap] = []
    for construct, by_role in by_construct.items():
        roles = [r for r in ROLES if r in by_role] + sorted(set(by_role) - set(ROLES))
        for role_a, role_b in combinations(roles, 2):
            a, b = by_role[role_a], by_role[role_b]
            if a[0].ordinal and b[0].ordinal:
                gaps.append(_ordinal_gap(construct, a, b, thresholds))
            elif a[0].type == "multiple" and b[0].type == "multiple":
                gaps.append(_multiple_gap(construct, a, b, thresholds))
    return tuple(gaps)


# Scores and level --------------------------------------------------------------------------


def requirement_of(question: QuestionDef, requirements: Sequence[Requirement]) -> str | None:
    """Return the requirement a question reports under: via its topic, else set directly."""
    if question.topic:
        for requirement in requirements:
            if any(topic.id == question.topic for topic in requirement.topics):
                return requirement.code
        return None
    return question.requirement


def _mean(values: Iterable[Fraction]) -> Fraction | None:
    items = list(values)
    return sum(items, Fraction(0)) / len(items) if items else None


def requirement_scores(
    requirements: Sequence[Requirement],
    questions: Sequence[tuple[QuestionDef, _Distribution]],
) -> tuple[tuple[RequirementScore, ...], Fraction | None]:
    """Return each requirement's score and the direction's score (exact).

    A requirement's score is the mean over roles of each role's mean positive share over its
    ordinal questions under the requirement's topics (every role weighs the same, however many
    questions it has); the direction's score is the mean of the requirements that have a score.
    """
    scores = []
    exact_scores = []
    for requirement in requirements:
        per_role: dict[str, list[Fraction]] = {}
        used = []
        for question, dist in questions:
            if requirement_of(question, requirements) != requirement.code:
                continue
            if dist.positive is None:
                continue
            per_role.setdefault(question.role, []).append(dist.positive)
            used.append(f"{question.role}:{question.key}")
        role_means = {role: _mean(per_role[role]) for role in ROLES if role in per_role}
        exact = _mean(m for m in role_means.values() if m is not None)
        if exact is not None:
            exact_scores.append(exact)
        scores.append(
            RequirementScore(
                code=requirement.code,
                title=requirement.title,
                score=rounded(exact),
                role_scores={role: rounded(role_means.get(role)) for role in ROLES},
                questions_used=tuple(used),
            )
        )
    return tuple(scores), _mean(exact_scores)


def level_for(score: float | None, thresholds: Thresholds) -> Level | None:
    """Return the level of a (printed, one-decimal) score; None when there is no score."""
    if score is None:
        return None
    if score >= thresholds.level_high:
        return Level.of("high")
    if score >= thresholds.level_sufficient:
        return Level.of("sufficient")
    if score >= thresholds.level_needs_improvement:
        return Level.of("needs_improvement")
    return Level.of("low")


# Dynamics ----------------------------------------------------------------------------------


def compare(current: CampaignAnalysis, previous: CampaignAnalysis) -> Dynamics:
    """Return the changes from ``previous`` to ``current`` (changes of the printed figures).

    A current question is matched with the previous campaign's question of the same role and
    key, else with the one of the same role measuring the same construct; options by key.
    Text questions are not compared.
    """
    by_key = {(q.role, q.key): q for q in previous.questions if q.type != "text"}
    by_construct: dict[tuple[str, str], QuestionResult] = {}
    for q in previous.questions:
        if q.measures and q.type != "text":
            by_construct.setdefault((q.role, q.measures), q)
    changes = []
    for q in current.questions:
        if q.type == "text" or q.hidden:
            continue
        before = by_key.get((q.role, q.key))
        matched_by = "key"
        if before is None and q.measures:
            before = by_construct.get((q.role, q.measures))
            matched_by = "construct"
        if before is None:
            continue
        previous_options = {o.key: o for o in before.options}
        options = tuple(
            OptionChange(
                key=o.key,
                text=o.text,
                percent=o.percent,
                previous_percent=(
                    previous_options[o.key].percent if o.key in previous_options else None
                ),
                change_pp=subtract_printed(
                    o.percent,
                    previous_options[o.key].percent if o.key in previous_options else None,
                ),
            )
            for o in q.options
        )
        changes.append(
            QuestionChange(
                role=q.role,
                key=q.key,
                previous_key=before.key,
                matched_by=matched_by,
                answered=q.answered,
                previous_answered=before.answered,
                positive_share=q.positive_share,
                previous_positive_share=before.positive_share,
                positive_share_change_pp=subtract_printed(q.positive_share, before.positive_share),
                options=options,
            )
        )
    previous_scores = {r.code: r.score for r in previous.requirement_scores}
    return Dynamics(
        previous_campaign=previous.campaign,
        questions=tuple(changes),
        score=current.score,
        previous_score=previous.score,
        score_change_pp=subtract_printed(current.score, previous.score),
        previous_final_level=previous.final_level,
        requirement_changes={
            r.code: subtract_printed(r.score, previous_scores.get(r.code))
            for r in current.requirement_scores
        },
    )


# The whole campaign ------------------------------------------------------------------------


def hidden_roles_of(counts: CampaignCounts, min_group_size: int) -> dict[str, str]:
    """Return {role: reason} of the roles whose answers may not be published at all: fewer
    respondents than ``min_group_size``, or a source (form, import) with 1 to
    ``min_group_size`` − 1 of them (:func:`privacy_reason`). Their count is still published."""
    imported = counts.imported_part().respondents
    hidden = {}
    for role, n in counts.respondents.items():
        reason = privacy_reason(source_parts(n, imported.get(role, 0)), min_group_size)
        if reason is not None:
            hidden[role] = reason
    return hidden


def _hidden_question(
    question: QuestionDef,
    counts: QuestionCounts,
    imported: QuestionCounts | None,
    thresholds: Thresholds,
) -> str | None:
    """Return why a question's distribution may not be published (fewer answers than the
    threshold, in all or in one source), or None. Text questions publish only a count."""
    if question.type == "text":
        return None
    parts = source_parts(counts.answered, imported.answered if imported else 0)
    return privacy_reason(parts, thresholds.min_group_size)


def analyze(
    campaign: CampaignInfo,
    definition: Mapping[str, Any],
    questions: Sequence[QuestionDef],
    counts: CampaignCounts,
    *,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    override_level: str | None = None,
    override_justification: str | None = None,
    previous: CampaignAnalysis | None = None,
) -> CampaignAnalysis:
    """Return the analysis of a campaign from its questionnaire structure and its counts.

    ``questions`` are in questionnaire order per role; ``definition`` is the direction file
    (requirements, topics, levels, key_gap, min_group_size); ``previous`` is the previous
    campaign's analysis for the dynamics. Raises ValueError for an unknown override level.
    """
    thresholds = thresholds_from(definition, min_group_size)
    requirements = requirements_from(definition)
    ordered = sorted(
        questions,
        key=lambda q: ROLES.index(q.role) if q.role in ROLES else len(ROLES),
    )
    segment_of_role = segment_questions(ordered)
    imported = counts.imported_part()
    hidden_roles = hidden_roles_of(counts, thresholds.min_group_size)

    computed: list[tuple[QuestionDef, _Distribution]] = []
    results: list[QuestionResult] = []
    for q in ordered:
        good = positive_keys(q, definition)
        question_counts = counts.questions.get((q.role, q.key), QuestionCounts(0))
        hidden = hidden_roles.get(q.role) or _hidden_question(
            q, question_counts, imported.questions.get((q.role, q.key)), thresholds
        )
        if hidden:  # only the count is published; every other figure is None, not 0
            dist = _Distribution(question_counts.answered, (), None, None, None, None)
        else:
            dist = _distribution(q, question_counts, good)
            computed.append((q, dist))
        breakdown = None
        segment_question = segment_of_role.get(q.role)
        cells = counts.segments.get((q.role, q.key))
        if not hidden and segment_question is not None and segment_question.key != q.key and cells:
            breakdown = _breakdown(
                q,
                segment_question,
                cells,
                thresholds.min_group_size,
                good,
                imported.segments.get((q.role, q.key)),
            )
        results.append(
            QuestionResult(
                key=q.key,
                number=q.number,
                text=q.text,
                instruction=q.instruction,
                role=q.role,
                type=q.type,
                topic=q.topic,
                requirement=requirement_of(q, requirements),
                measures=q.measures,
                answered=dist.answered,
                options=dist.options,
                ordinal=q.ordinal,
                positive_share=rounded(dist.positive),
                positive_count=dist.positive_count,
                valued_answered=dist.valued_answered,
                unknown_count=dist.unknown_count,
                unknown_share=(
                    percent(dist.unknown_count or 0, dist.answered)  # (None only when hidden)
                    if q.ordinal and not hidden
                    else None
                ),
                text_answers_count=dist.answered if q.type == "text" else 0,
                segment=q.segment,
                segment_breakdown=breakdown,
                respondents=counts.respondents.get(q.role, 0),
                hidden=hidden,
                report_phrases=q.report_phrases,
            )
        )
    scores, exact_score = requirement_scores(requirements, computed)
    score = rounded(exact_score)
    computed_level = level_for(score, thresholds)
    if override_level is not None and override_level not in LEVEL_LABELS:
        raise ValueError(f"unknown level {override_level!r}")
    override = Level.of(override_level) if override_level else None
    analysis = CampaignAnalysis(
        campaign=campaign,
        respondents={role: counts.respondents.get(role, 0) for role in ROLES},
        questions=tuple(results),
        gaps=perception_gaps(computed, thresholds),
        requirements=requirements,
        requirement_scores=scores,
        score=score,
        computed_level=computed_level,
        override_level=override,
        override_justification=override_justification if override else None,
        final_level=override or computed_level,
        dynamics=None,
        thresholds=thresholds,
        min_group_size=thresholds.min_group_size,
        hidden_roles=hidden_roles,
        construct_names={
            str(key): str(name) for key, name in (definition.get("constructs") or {}).items()
        },
    )
    if previous is None:
        return analysis
    return replace(analysis, dynamics=compare(analysis, previous))
