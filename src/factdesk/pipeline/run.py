"""The thin wiring of the stages: one run record, ten steps, stored after each.

`run_check` stores a record as soon as a check starts (and tells the observer its id)
and saves it after every stage, so a crash or Ctrl-C leaves a failed record with
everything done so far; `resume_check` continues such a record after its last
finished stage. A finished check archives its cited passages before it is published,
and its question is remembered so that later checks of the same claim find it.
`research_only` runs the stages up to the verdict without storing anything, for
evaluation; `check_unstored` runs them all without storing, for the claims of a whole
text.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Protocol

from factdesk import i18n
from factdesk.errors import CheckInterrupted, FactdeskError
from factdesk.pipeline.archive import archive_sources
from factdesk.pipeline.desk import Desk
from factdesk.pipeline.earlier import remember
from factdesk.pipeline.ground import check_contract
from factdesk.pipeline.metering import MeteredLLM
from factdesk.pipeline.steps import RESEARCH_STAGES, STAGES, STEPS, StepContext
from factdesk.pipeline.understand import clean_question
from factdesk.records import (
    CheckRecord,
    Report,
    SourcePolicy,
    StageUsage,
    Trail,
    new_id,
    utcnow,
)


class Observer(Protocol):
    def check_created(self, check_id: str) -> None: ...

    def stage_started(self, stage: str) -> None: ...

    def stage_finished(self, stage: str, seconds: float, note: str) -> None: ...


class SilentObserver:
    def check_created(self, check_id: str) -> None:
        pass

    def stage_started(self, stage: str) -> None:
        pass

    def stage_finished(self, stage: str, seconds: float, note: str) -> None:
        pass


def _advance(
    desk: Desk,
    trail: Trail,
    observer: Observer,
    record: CheckRecord | None = None,
    stages: tuple[str, ...] | None = None,
) -> None:
    """Run the steps the trail has not done yet (of `stages`, or all), in order."""
    for name, step in STEPS:
        if name in trail.stages_done or (stages is not None and name not in stages):
            continue
        observer.stage_started(name)
        usage = trail.usage.setdefault(name, StageUsage())
        context = StepContext(
            desk, trail, MeteredLLM(desk.judge_llm, usage), MeteredLLM(desk.writer_llm, usage)
        )
        started = time.perf_counter()
        note = step(context)
        seconds = round(time.perf_counter() - started, 3)
        trail.timings[name] = seconds
        trail.stages_done.append(name)
        observer.stage_finished(name, seconds, note)
        if record is not None:
            desk.store.checks.save(record)


def new_trail(desk: Desk, question: str, policy: SourcePolicy | None = None) -> Trail:
    """A fresh run record; the source policy is the desk's with the check's own on top."""
    desks = SourcePolicy.model_validate(desk.settings.sources.model_dump())
    return Trail(
        question=question,
        model=desk.model_name,
        settings_hash=desk.settings_hash,
        preset=desk.settings.preset,
        policy=desks.merged(policy),
    )


def research_only(desk: Desk, question: str, observer: Observer | None = None) -> Trail:
    """Stages 1-7 (understand to verdict) without storing anything: what evaluation runs."""
    cleaned = clean_question(question, desk.settings.pipeline.max_question_chars)
    trail = new_trail(desk, cleaned)
    _advance(desk, trail, observer or SilentObserver(), stages=RESEARCH_STAGES)
    return trail


def _new_record(
    desk: Desk,
    question: str,
    page_id: str | None = None,
    check_id: str | None = None,
    policy: SourcePolicy | None = None,
) -> CheckRecord:
    """A running check of the cleaned question, its trail not yet begun."""
    cleaned = clean_question(question, desk.settings.pipeline.max_question_chars)
    started = utcnow()
    return CheckRecord(
        id=check_id or new_id(),
        question=cleaned,
        status="running",
        created_at=started,
        updated_at=started,
        settings_hash=desk.settings_hash,
        page_id=page_id,
        trail=new_trail(desk, cleaned, policy),
    )


def check_unstored(
    desk: Desk, question: str, observer: Observer | None = None, *, followups: bool = True
) -> CheckRecord:
    """Every stage (the follow-up questions only when asked for) without storing: one
    claim of a whole text, whose overview is what gets stored (the passages it cites are
    archived, as a published check's are). The record holds the trail and the report."""
    record = _new_record(desk, question)
    stages = STAGES if followups else tuple(s for s in STAGES if s != "followup")
    _advance(desk, record.trail, observer or SilentObserver(), stages=stages)
    desk.store.archive.keep(archive_sources(record.trail, utcnow()))
    record.report = report_of(record)
    record.status, record.verdict = "done", record.report.verdict.label
    record.category = record.report.category
    return record


def report_of(record: CheckRecord) -> Report:
    """The report a finished trail makes; the method is the trail's own view."""
    trail = record.trail
    understanding, verdict, draft = trail.understanding, trail.verdict, trail.draft
    if understanding is None or verdict is None or draft is None or trail.grounding is None:
        raise FactdeskError(f"Check {record.id} has not finished its stages.")
    report = Report(
        id=record.id,
        question=understanding.question,
        title=understanding.normalized,
        language=understanding.language,
        category=understanding.category,
        checked_on=date.today(),
        disclaimer=i18n.text(understanding.language, "disclaimer"),
        claims=understanding.claims,
        verdict=verdict,
        executive_summary=draft.executive_summary,
        sections=draft.sections,
        bottom_line=draft.bottom_line,
        sources=trail.sources,
        followups=trail.followups,
        method=trail.method(),
        grounding=trail.grounding,
    )
    check_contract(report)
    return report


def run_check(
    desk: Desk,
    question: str,
    observer: Observer | None = None,
    *,
    page_id: str | None = None,
    check_id: str | None = None,
    policy: SourcePolicy | None = None,
) -> CheckRecord:
    """Run the whole pipeline and store the outcome, whatever it is. `page_id` makes the
    check the next version of that report page (a refresh); `check_id` names the check
    in advance (a job records it before the check starts, so a retry finds it); `policy`
    adds the check's own source policy to the desk's."""
    record = _new_record(desk, question, page_id, check_id, policy)
    desk.store.checks.save(record)
    observer = observer or SilentObserver()
    observer.check_created(record.id)
    return _finish(desk, record, observer)


def resume_check(desk: Desk, check_id: str, observer: Observer | None = None) -> CheckRecord:
    """Continue a failed or interrupted check after its last finished stage.

    A check made with other settings starts over: its stages would not agree with
    what these settings would have done.
    """
    record = desk.store.checks.load(check_id)
    if record.status == "done":
        return record
    if record.settings_hash != desk.settings_hash:
        record.trail = new_trail(desk, record.question, record.trail.policy)
        record.settings_hash = desk.settings_hash
    record.status, record.error = "running", None
    desk.store.checks.save(record)
    observer = observer or SilentObserver()
    observer.check_created(record.id)
    return _finish(desk, record, observer)


def _finish(desk: Desk, record: CheckRecord, observer: Observer) -> CheckRecord:
    try:
        _advance(desk, record.trail, observer, record)
        desk.store.archive.keep(archive_sources(record.trail, utcnow()))
        report = report_of(record)
        record.status, record.report = "done", report
        record.category, record.verdict = report.category, report.verdict.label
        desk.store.checks.save(record)  # publishes it
        remember(desk, record)
    except KeyboardInterrupt as exc:
        _fail(desk, record, "interrupted before the check finished")
        raise CheckInterrupted(
            f"The check was interrupted; its partial trail is stored as {record.id}."
        ) from exc
    except FactdeskError as exc:
        _fail(desk, record, str(exc))
        raise
    except Exception as exc:
        _fail(desk, record, f"{type(exc).__name__}: {exc}")
        raise
    return record


def _fail(desk: Desk, record: CheckRecord, error: str) -> None:
    record.status, record.error = "failed", error
    desk.store.checks.save(record)
