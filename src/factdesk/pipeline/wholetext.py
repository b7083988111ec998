"""Checking a whole text: its statements extracted, its best claims checked one by one
on one desk, and the overview report put together.

All claims share the desk: one search index and web cache, one page cache, one loaded
model whose prompt cache keeps the fixed prompt prefixes warm from claim to claim. A
claim's report is written shorter than a single check's (`texts.sections_per_claim`
evidence sections) and only the best ranked claim asks for follow-up questions, which
become the overview's. A claim whose check fails keeps its error and the others go on.
The observer hears one stage per step: `extract`, then `claim N` for each checked claim.
"""

from __future__ import annotations

import time
from dataclasses import replace

from factdesk.errors import ConflictError, FactdeskError, NotFoundError
from factdesk.pipeline.claims import extract_claims
from factdesk.pipeline.desk import Desk
from factdesk.pipeline.metering import MeteredLLM
from factdesk.pipeline.overview import compose_overview, usage
from factdesk.pipeline.run import Observer, SilentObserver, check_unstored
from factdesk.pipeline.understand import detect_language
from factdesk.records import Overview, OverviewMethod, SourceText, StageUsage, TextClaim, new_id


def claim_desk(desk: Desk) -> Desk:
    """The desk with each claim's report cut to `texts.sections_per_claim` sections and
    the limits section (a paragraph per claim, not a full report)."""
    pipeline = desk.settings.pipeline
    most = desk.settings.texts.sections_per_claim + 1
    shorter = pipeline.model_copy(
        update={"sections_max": most, "sections_min": min(pipeline.sections_min, most)}
    )
    settings = desk.settings.model_copy(update={"pipeline": shorter})
    return replace(desk, settings=settings, settings_hash="")


def check_claim(desk: Desk, claim: TextClaim, *, followups: bool) -> TextClaim:
    """The claim with its check's verdict and report, or with the check's error."""
    started = time.perf_counter()
    try:
        record = check_unstored(desk, claim.text, followups=followups)
    except FactdeskError as exc:
        seconds = round(time.perf_counter() - started, 3)
        return claim.model_copy(
            update={"error": str(exc), "label": None, "report": None, "seconds": seconds}
        )
    report = record.report
    assert report is not None  # check_unstored returns finished records only
    return claim.model_copy(
        update={
            "label": report.verdict.label,
            "confidence": report.verdict.confidence,
            "report": report,
            "error": "",
            "seconds": round(time.perf_counter() - started, 3),
        }
    )


def claim_note(claim: TextClaim) -> str:
    """A checked claim as a progress line: its verdict and text, or its error."""
    if claim.label is None:
        return f"failed: {claim.error}"
    return f"{claim.label} ({claim.confidence or 0:.2f}): {claim.text}"


def check_text(
    desk: Desk,
    source: SourceText,
    observer: Observer | None = None,
    *,
    overview_id: str | None = None,
) -> Overview:
    """The overview report of a text (not stored: the caller keeps or prints it)."""
    observer = observer or SilentObserver()
    extraction_usage = StageUsage()
    timings: dict[str, float] = {}
    observer.stage_started("extract")
    started = time.perf_counter()
    found = extract_claims(
        MeteredLLM(desk.judge_llm, extraction_usage), source, desk.settings.texts
    )
    timings["extract"] = round(time.perf_counter() - started, 3)
    to_check = [c for c in found.claims if c.checked]
    observer.stage_finished(
        "extract",
        timings["extract"],
        f"{len(found.claims)} statements, {len(to_check)} to check",
    )
    checking = claim_desk(desk)
    best = max(to_check, key=lambda c: c.worth, default=None)
    claims: list[TextClaim] = []
    for claim in found.claims:
        if claim.checked:
            stage = f"claim {claim.n}"
            observer.stage_started(stage)
            claim = check_claim(checking, claim, followups=claim is best)
            timings[stage] = claim.seconds
            observer.stage_finished(stage, claim.seconds, claim_note(claim))
        claims.append(claim)
    method = OverviewMethod(
        extraction=desk.settings.texts.extraction,
        sentences=found.sentences,
        statements=len(claims),
        check_worthy=sum(c.category == "factual" for c in claims),
        checked=len(to_check),
        model=desk.model_name,
        settings_hash=desk.settings_hash,
        preset=desk.settings.preset,
        timings=timings,
        usage=usage(extraction_usage, claims),
    )
    language = detect_language(source.text[:2000])
    return compose_overview(overview_id or new_id(), source, claims, language, method)


def recheck_claim(desk: Desk, overview: Overview, n: int) -> Overview:
    """The overview with claim `n` checked again (a refresh of that claim alone) and
    its sources numbered anew."""
    claim = next((c for c in overview.claims if c.n == n), None)
    if claim is None:
        raise NotFoundError(f"This text has no claim {n}.")
    if not claim.checked:
        raise ConflictError(f"Claim {n} of this text was not checked, so it cannot be refreshed.")
    followups = claim.report is not None and bool(claim.report.followups)
    refreshed = check_claim(claim_desk(desk), claim, followups=followups)
    claims = [refreshed if c.n == n else c for c in overview.claims]
    method = overview.method.model_copy(
        update={"timings": {**overview.method.timings, f"claim {n}": refreshed.seconds}}
    )
    return compose_overview(overview.id, overview.source, claims, overview.language, method)
