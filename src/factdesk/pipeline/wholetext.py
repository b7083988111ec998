"""Checking a whole text: its statements extracted, its best claims checked one by one
on one desk, and the overview report put together.

All claims share the desk: one search index and web cache, one page cache, one loaded
model whose prompt cache keeps the fixed prompt prefixes warm from claim to claim. A
claim's report is written shorter than a single check's (`texts.sections_per_claim`
evidence sections) and only the best ranked claim asks for follow-up questions, which
become the overview's. A claim whose check fails keeps its error and the others go on.
The observer hears one stage per step: `extract`, then `claim N` for each checked claim.
`run_text` stores a text's check as it goes, so a stopped one can be continued.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from factdesk.errors import CheckInterrupted, ConflictError, FactdeskError, NotFoundError, redact
from factdesk.pipeline.claims import extract_claims
from factdesk.pipeline.desk import Desk
from factdesk.pipeline.metering import MeteredLLM
from factdesk.pipeline.overview import compose_overview, usage
from factdesk.pipeline.run import Observer, SilentObserver, check_unstored
from factdesk.pipeline.understand import detect_language
from factdesk.records import (
    Overview,
    OverviewMethod,
    SourceText,
    StageUsage,
    TextCheckRecord,
    TextClaim,
    TextProgress,
    new_id,
)


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


def _extract(desk: Desk, source: SourceText, observer: Observer) -> TextProgress:
    """The text's statements, none checked yet, with what extracting them took."""
    extraction = StageUsage()
    observer.stage_started("extract")
    started = time.perf_counter()
    found = extract_claims(MeteredLLM(desk.judge_llm, extraction), source, desk.settings.texts)
    seconds = round(time.perf_counter() - started, 3)
    checked = sum(c.checked for c in found.claims)
    observer.stage_finished(
        "extract", seconds, f"{len(found.claims)} statements, {checked} to check"
    )
    return TextProgress(
        settings_hash=desk.settings_hash,
        sentences=found.sentences,
        claims=found.claims,
        extraction=extraction,
        timings={"extract": seconds},
    )


def check_text(
    desk: Desk,
    source: SourceText,
    observer: Observer | None = None,
    *,
    overview_id: str | None = None,
    progress: TextProgress | None = None,
    saved: Callable[[TextProgress], None] | None = None,
) -> Overview:
    """The overview report of a text (not stored: the caller keeps or prints it).

    `progress` is where an earlier run stopped: made with the same settings, its
    statements are not extracted again and its claims with a verdict are not checked
    again (a claim whose check failed is). `saved` is told the progress after the
    extraction and after each claim, so a caller can store it as it grows."""
    observer = observer or SilentObserver()
    if progress is None or progress.settings_hash != desk.settings_hash:
        progress = _extract(desk, source, observer)
    else:
        progress = progress.model_copy(deep=True)
    if saved is not None:
        saved(progress)
    to_check = [c for c in progress.claims if c.checked]
    checking = claim_desk(desk)
    best = max(to_check, key=lambda c: c.worth, default=None)
    for index, claim in enumerate(progress.claims):
        if not claim.checked or claim.label is not None:
            continue
        stage = f"claim {claim.n}"
        observer.stage_started(stage)
        claim = check_claim(checking, claim, followups=best is not None and claim.n == best.n)
        progress.claims[index] = claim
        progress.timings[stage] = claim.seconds
        if saved is not None:
            saved(progress)
        observer.stage_finished(stage, claim.seconds, claim_note(claim))
    claims = progress.claims
    method = OverviewMethod(
        extraction=desk.settings.texts.extraction,
        sentences=progress.sentences,
        statements=len(claims),
        check_worthy=sum(c.category == "factual" for c in claims),
        checked=len(to_check),
        model=desk.model_name,
        settings_hash=desk.settings_hash,
        preset=desk.settings.preset,
        timings=progress.timings,
        usage=usage(progress.extraction, claims),
    )
    language = detect_language(source.text[:2000])
    return compose_overview(overview_id or new_id(), source, claims, language, method)


def run_text(
    desk: Desk, record: TextCheckRecord, observer: Observer | None = None
) -> TextCheckRecord:
    """Check a stored text and store it as it goes, as `run_check` stores a question:
    running from the start, its progress after the extraction and after each claim,
    then done with its overview; or failed with the error and the progress made (Ctrl-C
    included), so that running it again continues after its last finished claim. The
    error is redacted: the web shows it to anyone."""
    texts = desk.store.texts
    record.status, record.error = "running", None
    texts.save(record)

    def keep(progress: TextProgress) -> None:
        record.progress = progress
        texts.save(record)

    try:
        record.overview = check_text(
            desk,
            record.source,
            observer,
            overview_id=record.id,
            progress=record.progress,
            saved=keep,
        )
    except KeyboardInterrupt as exc:
        _fail(desk, record, "interrupted before the check finished")
        raise CheckInterrupted(
            f"The check was interrupted; what it did is stored as {record.id}."
        ) from exc
    except FactdeskError as exc:
        _fail(desk, record, redact(str(exc)))
        raise
    except Exception as exc:
        _fail(desk, record, f"The check stopped on an unexpected error ({type(exc).__name__}).")
        raise
    record.status, record.progress = "done", None
    texts.save(record)
    return record


def resume_text(desk: Desk, text_id: str, observer: Observer | None = None) -> TextCheckRecord:
    """A stored text check continued where it stopped (a done one as it is)."""
    record = desk.store.texts.load(text_id)
    if record.status == "done" and record.overview is not None:
        return record
    return run_text(desk, record, observer)


def _fail(desk: Desk, record: TextCheckRecord, error: str) -> None:
    record.status, record.error = "failed", error
    desk.store.texts.save(record)


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
