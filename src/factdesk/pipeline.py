"""The thin wiring of the stages: research (stages 1-6), then publish (stages 7-9).

`run_check` stores a record as soon as a check starts and saves its trail after every
stage, so a crash or Ctrl-C leaves a failed record with everything done so far.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Protocol

from pydantic import BaseModel

from factdesk import evidence as evidence_stage
from factdesk import fetch as fetch_stage
from factdesk import followup as followup_stage
from factdesk import ground as ground_stage
from factdesk import i18n
from factdesk import plan as plan_stage
from factdesk import search as search_stage
from factdesk import stance as stance_stage
from factdesk import understand as understand_stage
from factdesk import verdict as verdict_stage
from factdesk import write as write_stage
from factdesk.desk import Desk
from factdesk.errors import CheckInterrupted, FactdeskError
from factdesk.models import (
    CheckRecord,
    Evidence,
    Method,
    PageRecord,
    PassageRef,
    Report,
    SearchQuery,
    Understanding,
    Verdict,
)
from factdesk.store import new_check_id, now

STAGES = (
    "understand",
    "plan",
    "search",
    "fetch",
    "evidence",
    "stance",
    "verdict",
    "write",
    "ground",
    "followup",
)


class Observer(Protocol):
    def stage_started(self, stage: str) -> None: ...

    def stage_finished(self, stage: str, seconds: float, note: str) -> None: ...


class SilentObserver:
    def stage_started(self, stage: str) -> None:
        pass

    def stage_finished(self, stage: str, seconds: float, note: str) -> None:
        pass


class Research(BaseModel):
    """Everything stages 1-6 found: enough for a verdict, not yet a report."""

    understanding: Understanding
    queries: list[SearchQuery]
    backends: list[str]
    backend_errors: list[str]
    pages: list[PageRecord]
    considered: list[PassageRef]
    evidence: list[Evidence]
    verdict: Verdict


class _Run:
    """Times stages, tells the observer, and saves the trail after each stage."""

    def __init__(self, desk: Desk, record: CheckRecord | None, observer: Observer) -> None:
        self.desk, self.record, self.observer = desk, record, observer
        self.timings: dict[str, float] = {}
        self.note = ""

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.observer.stage_started(name)
        self.note = ""
        started = time.perf_counter()
        yield
        seconds = round(time.perf_counter() - started, 3)
        self.timings[name] = seconds
        self.observer.stage_finished(name, seconds, self.note)
        if self.record is not None:
            self.record.trail.stages_done.append(name)
            self.record.trail.timings = dict(self.timings)
            self.desk.store.save(self.record)


def research(desk: Desk, question: str, run: _Run) -> Research:
    cfg = desk.settings.pipeline
    trail = run.record.trail if run.record else None
    with run.stage("understand"):
        understanding = understand_stage.understand(
            desk.llm, question, cfg.max_question_chars, cfg.max_claims
        )
        run.note = f"{understanding.category}; {len(understanding.claims)} claim(s)"
        if trail:
            trail.understanding = understanding
    with run.stage("plan"):
        queries = plan_stage.plan(desk.llm, understanding, cfg.max_queries)
        run.note = f"{len(queries)} queries"
        if trail:
            trail.queries = queries
    with run.stage("search"):
        found = search_stage.search(
            desk.searchers,
            queries,
            desk.settings.search.per_query,
            concurrency=desk.settings.web.concurrency,
        )
        run.note = f"{len(found.hits)} hits"
        if trail:
            trail.hits, trail.backend_errors = len(found.hits), found.errors
    with run.stage("fetch"):
        read = fetch_stage.fetch(
            desk.fetcher,
            found.hits,
            max_pages=desk.settings.fetch.max_pages if desk.settings.fetch.enabled else 0,
            passages_per_page=desk.settings.fetch.passages_per_page,
            chunk_words=desk.settings.index.chunk_words,
            overlap_words=desk.settings.index.chunk_overlap_words,
            rrf_k=desk.settings.search.rrf_k,
        )
        run.note = (
            f"{read.count('fetched')} pages read, {read.count('cached')} from cache, "
            f"{len(read.pages) - read.count('fetched', 'cached')} not read"
            if read.pages
            else "no web results to read"
        )
        if trail:
            trail.pages = read.pages
    with run.stage("evidence"):
        chosen = evidence_stage.select_evidence(
            desk.embedder,
            understanding.claims,
            read.hits,
            k=cfg.evidence_k,
            max_per_document=cfg.max_per_document,
            min_relevance=cfg.min_relevance,
            mmr_lambda=cfg.mmr_lambda,
            rrf_k=desk.settings.search.rrf_k,
            known_vectors=evidence_stage.stored_vectors(desk.searchers, found.hits),
        )
        run.note = f"{len(chosen.evidence)} of {len(chosen.considered)} passages"
    with run.stage("stance"):
        judged = stance_stage.judge(
            desk.llm,
            understanding.claims,
            chosen.evidence,
            threshold=cfg.stance_threshold,
            min_relevance=cfg.min_relevance,
            log_bias=cfg.stance_log_bias,
        )
        assessments = stance_stage.assess(
            desk.llm, understanding.claims, judged, min_relevance=cfg.min_relevance
        )
        run.note = ", ".join(f"[{e.key}] {e.stance()}" for e in judged)
        if trail:
            trail.evidence = [_ref(e) for e in judged]
    with run.stage("verdict"):
        verdict = verdict_stage.decide(
            understanding.claims,
            judged,
            assessments,
            log_bias=cfg.verdict_log_bias,
            passage_weight=cfg.verdict_passage_weight,
            min_top_relevance=cfg.verdict_min_top_relevance,
            language=understanding.language,
        )
        run.note = f"{verdict.label} ({verdict.confidence:.2f})"
        if trail:
            trail.verdict = verdict
    return Research(
        understanding=understanding,
        queries=queries,
        backends=found.backends,
        backend_errors=found.errors,
        pages=read.pages,
        considered=chosen.considered,
        evidence=judged,
        verdict=verdict,
    )


def _ref(item: Evidence) -> PassageRef:
    return PassageRef(
        passage_id=item.passage.id,
        title=item.passage.title,
        url=item.passage.url,
        score=item.relevance,
        stance=item.stance(),
    )


def publish(desk: Desk, found: Research, run: _Run, check_id: str) -> Report:
    cfg = desk.settings.pipeline
    understanding = found.understanding
    with run.stage("write"):
        draft = write_stage.write(
            desk.llm,
            understanding,
            found.evidence,
            found.verdict,
            per_section=cfg.passages_per_section,
            min_sections=cfg.sections_min,
            max_sections=cfg.sections_max,
            section_max_tokens=cfg.section_max_tokens,
            considered=len(found.considered),
            min_relevance=cfg.write_min_relevance,
        )
        run.note = f"{len(draft.sections)} sections"
    with run.stage("ground"):
        policy = ground_stage.GroundingPolicy(
            with_llm=cfg.ground_with_llm,
            lexical_pass=cfg.ground_lexical_pass,
            lexical_fail=cfg.ground_lexical_fail,
            llm_pass=cfg.ground_llm_pass,
        )
        grounded, grounding = ground_stage.ground(
            desk.llm, draft, found.evidence, found.verdict, understanding.language, policy
        )
        numbered, sources = ground_stage.number_sources(grounded, found.evidence)
        run.note = (
            f"{grounding.verified} verified, {grounding.recited} re-cited, "
            f"{grounding.removed} removed of {grounding.sentences}"
        )
    with run.stage("followup"):
        questions = followup_stage.followups(
            desk.llm, understanding, found.verdict, numbered.sections
        )
    used = {pid for s in sources for pid in s.passage_ids}
    report = Report(
        id=check_id,
        question=understanding.question,
        title=understanding.normalized,
        language=understanding.language,
        category=understanding.category,
        checked_on=date.today(),
        disclaimer=i18n.text(understanding.language, "disclaimer"),
        claims=understanding.claims,
        verdict=found.verdict,
        executive_summary=numbered.executive_summary,
        sections=numbered.sections,
        bottom_line=numbered.bottom_line,
        sources=sources,
        followups=questions,
        method=Method(
            queries=found.queries,
            backends=found.backends,
            backend_errors=found.backend_errors,
            pages=found.pages,
            passages_considered=found.considered,
            passages_used=[_ref(e) for e in found.evidence if e.passage.id in used],
            model=desk.llm.name,
            settings_hash=desk.settings_hash,
            preset=desk.settings.preset,
            timings=dict(run.timings),
        ),
        grounding=grounding,
    )
    ground_stage.check_contract(report)
    return report


def research_only(desk: Desk, question: str, observer: Observer | None = None) -> Research:
    """Stages 1-6 without storing anything: what evaluation runs use."""
    return research(desk, question, _Run(desk, None, observer or SilentObserver()))


def run_check(desk: Desk, question: str, observer: Observer | None = None) -> CheckRecord:
    """Run the whole pipeline and store the outcome, whatever it is."""
    cfg = desk.settings.pipeline
    cleaned = understand_stage.clean_question(question, cfg.max_question_chars)
    started = now()
    record = CheckRecord(
        id=new_check_id(),
        question=cleaned,
        status="running",
        created_at=started,
        updated_at=started,
        settings_hash=desk.settings_hash,
    )
    desk.store.save(record)
    run = _Run(desk, record, observer or SilentObserver())
    try:
        found = research(desk, cleaned, run)
        report = publish(desk, found, run, record.id)
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
    record.status, record.report = "done", report
    record.category, record.verdict = report.category, report.verdict.label
    desk.store.save(record)
    return record


def _fail(desk: Desk, record: CheckRecord, error: str) -> None:
    record.status, record.error = "failed", error
    desk.store.save(record)
