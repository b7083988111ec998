"""The overview report of a whole text, put together by code from its claims' checks.

Each checked claim has its own full report; the overview numbers their sources once
across the whole text (a page two claims cite is one source), gives every checked
claim a section with its verdict and its cited paragraph, and writes the summary,
limits and bottom line from fixed sentences in the text's language, so they can never
say more than the claims' verdicts do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from factdesk import citations, i18n
from factdesk.records import (
    VERDICT_LABELS,
    Grounding,
    Overview,
    OverviewMethod,
    Section,
    Source,
    SourceText,
    StageUsage,
    TextClaim,
)


def _paragraph(claim: TextClaim) -> str:
    """The claim's cited paragraph in its own report's numbering: what its evidence
    sections say, or the verdict's sentence when no source spoke to it."""
    report = claim.report
    if report is None:
        return ""
    bodies = [s.body for s in report.sections if s.kind == "evidence" and s.body.strip()]
    return " ".join(bodies) or report.verdict.summary


def number_sources(claims: Sequence[TextClaim]) -> tuple[list[TextClaim], list[Source]]:
    """Claims with paragraphs citing one numbering across the text, and its sources:
    numbered by first citation in reading order, one number per URL (or title). A source
    keeps its stance only when every claim citing it took it the same way."""
    numbered: list[TextClaim] = []
    sources: list[Source] = []
    number_of: dict[str, int] = {}
    stances: dict[int, set[str]] = {}
    for claim in claims:
        report = claim.report
        if report is None:
            numbered.append(claim)
            continue
        local = _paragraph(claim)
        mapping: dict[int, int] = {}
        for source in report.sources:
            if source.n not in citations.parse_keys(local):
                continue
            key = source.url or source.title
            if key not in number_of:
                number_of[key] = len(sources) + 1
                sources.append(source.model_copy(update={"n": number_of[key]}))
            mapping[source.n] = number_of[key]
            stances.setdefault(number_of[key], set()).add(source.stance)
        paragraph = citations.renumber_text(local, mapping)
        cited = sorted(set(citations.parse_keys(paragraph)))
        numbered.append(claim.model_copy(update={"paragraph": paragraph, "sources": cited}))
    for source in sources:
        if len(stances[source.n]) > 1:
            source.stance = "context"
    return numbered, sources


def _counts(language: str, claims: Sequence[TextClaim]) -> str:
    found = Counter(c.label for c in claims if c.label is not None)
    return ", ".join(
        f"{found[label]} {i18n.text(language, f'label_{label}').lower()}"
        for label in VERDICT_LABELS
        if found[label]
    )


def summary(language: str, claims: Sequence[TextClaim]) -> str:
    checked = [c for c in claims if c.checked]
    worthy = sum(c.category == "factual" for c in claims)
    said = i18n.text(language, "text_statements", statements=len(claims), worthy=worthy)
    if not checked:
        return f"{said} {i18n.text(language, 'text_none_checked')}"
    counts = _counts(language, checked) or i18n.text(language, "text_no_verdicts")
    return f"{said} {i18n.text(language, 'text_checked', checked=len(checked), counts=counts)}"


def bottom_line(language: str, claims: Sequence[TextClaim]) -> str:
    checked = [c for c in claims if c.checked and c.label is not None]
    if not checked:
        return i18n.text(language, "text_bottom_none")
    refuted = [c for c in checked if c.label == "refuted"]
    if refuted:
        listed = "; ".join(f"“{c.text}”" for c in refuted)
        return i18n.text(
            language, "text_bottom_refuted", count=len(refuted), checked=len(checked), claims=listed
        )
    if all(c.label == "supported" for c in checked):
        return i18n.text(language, "text_bottom_supported", checked=len(checked))
    supported = sum(c.label == "supported" for c in checked)
    return i18n.text(language, "text_bottom_mixed", supported=supported, checked=len(checked))


def sections(language: str, claims: Sequence[TextClaim]) -> list[Section]:
    """One section per checked claim, then what the check leaves open."""
    written = [
        Section(heading=c.text, body=c.paragraph or c.error or i18n.text(language, "text_failed"))
        for c in claims
        if c.checked
    ]
    unsettled = [c for c in claims if c.checked and c.label in (None, "not_enough_evidence")]
    skipped = sum(1 for c in claims if c.category == "factual" and not c.checked)
    limits = [i18n.text(language, "text_limits_scope")]
    if unsettled:
        numbers = ", ".join(str(c.n) for c in unsettled)
        limits.insert(0, i18n.text(language, "text_limits_unsettled", claims=numbers))
    if skipped:
        limits.insert(0, i18n.text(language, "text_limits_skipped", count=skipped))
    heading = i18n.text(language, "limits_heading")
    return [*written, Section(heading=heading, body=" ".join(limits), kind="limits")]


def grounding(claims: Sequence[TextClaim]) -> Grounding:
    """The sentence checks of every claim's report, counted together."""
    total = Grounding()
    for claim in claims:
        if claim.report is None:
            continue
        found = claim.report.grounding
        total.sentences += found.sentences
        total.cited += found.cited
        total.verified += found.verified
        total.removed += found.removed
        total.recited += found.recited
    return total


def usage(extraction: StageUsage, claims: Sequence[TextClaim]) -> dict[str, StageUsage]:
    """Model calls of the extraction, and of every claim's stages added up per stage."""
    stages: dict[str, StageUsage] = {"extract": extraction}
    for claim in claims:
        if claim.report is None:
            continue
        for stage, used in claim.report.method.usage.items():
            sum_ = stages.setdefault(stage, StageUsage())
            sum_.calls += used.calls
            sum_.prompt_tokens += used.prompt_tokens
            sum_.completion_tokens += used.completion_tokens
    return stages


def compose_overview(
    overview_id: str,
    source: SourceText,
    claims: Sequence[TextClaim],
    language: str,
    method: OverviewMethod,
) -> Overview:
    numbered, sources = number_sources(claims)
    # Follow-ups are asked of the best ranked claim only, which need not come first.
    asked = next((c.report.followups for c in numbered if c.report and c.report.followups), [])
    title = source.title or source.text.strip().split("\n", 1)[0]
    return Overview(
        id=overview_id,
        title=title if len(title) <= 120 else title[:119].rsplit(" ", 1)[0] + "…",
        language=language,
        checked_on=date.today(),
        disclaimer=i18n.text(language, "disclaimer"),
        source=source,
        claims=numbered,
        executive_summary=summary(language, numbered),
        sections=sections(language, numbered),
        bottom_line=bottom_line(language, numbered),
        sources=sources,
        followups=list(asked),
        method=method,
        grounding=grounding(numbered),
    )
