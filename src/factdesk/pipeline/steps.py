"""The ten stages as steps over the run record: each reads what earlier stages added to
the trail, calls its stage function, adds its own output, and returns a one-line note
for progress displays. Steps hold no logic of their own beyond that plumbing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from factdesk.pipeline import compose as compose_stage
from factdesk.pipeline import evidence as evidence_stage
from factdesk.pipeline import fetch as fetch_stage
from factdesk.pipeline import followup as followup_stage
from factdesk.pipeline import ground as ground_stage
from factdesk.pipeline import plan as plan_stage
from factdesk.pipeline import point as point_stage
from factdesk.pipeline import policy as policy_stage
from factdesk.pipeline import search as search_stage
from factdesk.pipeline import sources as sources_stage
from factdesk.pipeline import stance as stance_stage
from factdesk.pipeline import understand as understand_stage
from factdesk.pipeline import verdict as verdict_stage
from factdesk.pipeline import write as write_stage
from factdesk.pipeline.desk import Desk
from factdesk.protocols import LLM
from factdesk.records import Draft, Hit, Trail, Understanding, Verdict


@dataclass
class StepContext:
    """What a step works with: the desk, the run record, and the stage's metered models."""

    desk: Desk
    trail: Trail
    judge: LLM
    writer: LLM

    @property
    def understanding(self) -> Understanding:
        if self.trail.understanding is None:
            raise RuntimeError("the understand stage has not run")
        return self.trail.understanding

    @property
    def verdict(self) -> Verdict:
        if self.trail.verdict is None:
            raise RuntimeError("the verdict stage has not run")
        return self.trail.verdict

    @property
    def draft(self) -> Draft:
        if self.trail.draft is None:
            raise RuntimeError("the write stage has not run")
        return self.trail.draft


Step = Callable[[StepContext], str]


def understand(run: StepContext) -> str:
    found = understand_stage.understand(run.judge, run.trail.question)
    run.trail.understanding = found
    point = f"; point: {found.point.question}" if found.point else ""
    return f"{found.category}; {found.claims[0].text}{point}"


def plan(run: StepContext) -> str:
    cfg = run.desk.settings.pipeline
    web = any(searcher.is_web for searcher in run.desk.searchers)
    run.trail.queries = plan_stage.plan(run.judge, run.understanding, cfg.max_queries, angles=web)
    return f"{len(run.trail.queries)} queries"


def search(run: StepContext) -> str:
    settings = run.desk.settings
    found = search_stage.search(
        run.desk.searchers,
        run.trail.queries,
        settings.search.per_query,
        concurrency=settings.websearch.concurrency,
    )
    kept = _admit(run, found.hits)
    run.trail.candidates, run.trail.hit_count = kept, len(kept)
    run.trail.backends, run.trail.backend_errors = found.backends, found.errors
    left_out = len(found.hits) - len(kept)
    policy_note = f" ({left_out} left out by the source policy)" if left_out else ""
    return f"{len(kept)} hits{policy_note}"


def _admit(run: StepContext, hits: list[Hit]) -> list[Hit]:
    """The hits the check's source policy admits; note the domains it left out."""
    filtered = policy_stage.apply_policy(run.trail.policy, hits)
    for domain in filtered.excluded_domains:
        if domain not in run.trail.excluded_domains:
            run.trail.excluded_domains.append(domain)
    return filtered.hits


def fetch(run: StepContext) -> str:
    settings = run.desk.settings
    read = fetch_stage.fetch(
        run.desk.fetcher,
        run.trail.candidates,
        max_pages=settings.fetch.max_pages if settings.fetch.enabled else 0,
        passages_per_page=settings.fetch.passages_per_page,
        chunk_words=settings.index.chunk_words,
        overlap_words=settings.index.chunk_overlap_words,
        rrf_k=settings.search.rrf_k,
    )
    run.trail.candidates, run.trail.pages = _admit(run, read.hits), read.pages
    if not read.pages:
        return "no web results to read"
    unread = len(read.pages) - read.count("fetched", "cached")
    return (
        f"{read.count('fetched')} pages read, {read.count('cached')} from cache, {unread} not read"
    )


def evidence(run: StepContext) -> str:
    settings = run.desk.settings
    cfg = settings.pipeline
    chosen = evidence_stage.select_evidence(
        run.desk.embedder,
        run.understanding.claims,
        run.trail.candidates,
        k=cfg.evidence_k,
        max_per_document=cfg.max_per_document,
        min_relevance=cfg.min_relevance,
        mmr_lambda=cfg.mmr_lambda,
        rrf_k=settings.search.rrf_k,
        known_vectors=evidence_stage.stored_vectors(run.desk.searchers, run.trail.candidates),
        subjects=run.understanding.subjects,
        close=cfg.topic_close,
        preferred=_preferred(run),
    )
    run.trail.evidence, run.trail.considered = chosen.evidence, chosen.considered
    run.trail.candidates = []  # chosen: the pool is no longer needed
    return f"{len(chosen.evidence)} of {len(chosen.considered)} passages"


def _preferred(run: StepContext) -> set[str]:
    """Passages ranked first: the policy's priority domains and published fact-checks."""
    passages = [h.passage for h in run.trail.candidates]
    checks = {p.id for p in passages if p.source_type == "fact_checker"}
    return policy_stage.preferred(run.trail.policy, passages) | checks


def stance(run: StepContext) -> str:
    cfg = run.desk.settings.pipeline
    claims = run.understanding.claims
    judged = stance_stage.judge(
        run.judge,
        claims,
        run.trail.evidence,
        threshold=cfg.stance_threshold,
        min_relevance=cfg.min_relevance,
        log_bias=cfg.stance_log_bias,
    )
    run.trail.evidence = judged
    run.trail.assessments = stance_stage.assess(
        run.judge, claims, judged, min_relevance=cfg.min_relevance
    )
    return ", ".join(f"[{e.key}] {e.stance()}" for e in judged)


def point(run: StepContext) -> str:
    cfg = run.desk.settings.pipeline
    asked = run.understanding.point
    if asked is None:
        run.trail.point = None
        return "no point to check"
    checked = point_stage.check_point(
        run.judge,
        run.desk.embedder,
        asked,
        run.trail.evidence,
        agree_at=cfg.point_agree,
        differ_at=cfg.point_differ,
    )
    run.trail.point = checked
    return f"{checked.outcome}: {checked.answer or 'no answer'} ({checked.claimed} claimed)"


def verdict(run: StepContext) -> str:
    cfg = run.desk.settings.pipeline
    decided = verdict_stage.decide(
        run.understanding.claims,
        run.trail.evidence,
        run.trail.assessments,
        log_bias=cfg.verdict_log_bias,
        passage_weight=cfg.verdict_passage_weight,
        min_top_relevance=cfg.verdict_min_top_relevance,
        language=run.understanding.language,
        point=run.trail.point,
        point_confidence=cfg.point_confidence,
        clear_refutation=cfg.clear_refutation,
    )
    run.trail.verdict = decided
    return f"{decided.label} ({decided.confidence:.2f})"


def write(run: StepContext) -> str:
    cfg = run.desk.settings.pipeline
    run.trail.draft = write_stage.write(
        run.writer,
        run.understanding,
        run.trail.evidence,
        run.trail.point,
        per_section=cfg.passages_per_section,
        min_sections=cfg.sections_min - 1,  # the last section is the limits
        max_sections=cfg.sections_max - 1,
        section_max_tokens=cfg.section_max_tokens,
    )
    return f"{len(run.draft.sections)} sections, {len(run.draft.facts)} deciding facts"


def ground(run: StepContext) -> str:
    cfg = run.desk.settings.pipeline
    policy = ground_stage.GroundingPolicy(
        with_llm=cfg.ground_with_llm,
        lexical_pass=cfg.ground_lexical_pass,
        lexical_fail=cfg.ground_lexical_fail,
        llm_pass=cfg.ground_llm_pass,
    )
    grounded, grounding = ground_stage.ground(
        run.judge,
        run.draft,
        [e for e in run.trail.evidence if e.on_topic],
        run.verdict,
        "en",  # written in the evidence's language; compose translates
        policy,
        claim=run.understanding.claims[0].text,
        subjects=run.understanding.subjects,
    )
    grounded.sections = write_stage.answer_the_point(
        grounded.sections, grounded.facts, run.trail.point
    )
    grounded.facts = write_stage.deciding_facts(
        grounded.facts,
        grounded.sections,
        run.understanding.claims[0].text,
        run.understanding.subjects[0] if run.understanding.subjects else "",
    )
    run.trail.draft, run.trail.sources = sources_stage.number_sources(
        grounded, run.trail.evidence, run.trail.point, run.understanding.subjects
    )
    run.trail.grounding = grounding
    return (
        f"{grounding.verified} verified, {grounding.recited} re-cited, "
        f"{grounding.removed} removed of {grounding.sentences}"
    )


def followup(run: StepContext) -> str:
    run.trail.followups = followup_stage.followups(
        run.writer, run.understanding, run.verdict, run.draft.facts
    )
    return f"{len(run.trail.followups)} questions"


def compose(run: StepContext) -> str:
    run.trail.draft, run.trail.followups, run.trail.verdict = compose_stage.compose(
        run.writer,
        run.understanding,
        run.verdict,
        run.draft,
        run.trail.followups,
        run.trail.point,
        considered=len(run.trail.considered),
        used=len(run.trail.evidence),
    )
    return f"written in {run.understanding.language}"


STEPS: tuple[tuple[str, Step], ...] = (
    ("understand", understand),
    ("plan", plan),
    ("search", search),
    ("fetch", fetch),
    ("evidence", evidence),
    ("stance", stance),
    ("point", point),
    ("verdict", verdict),
    ("write", write),
    ("ground", ground),
    ("followup", followup),
    ("compose", compose),
)
STAGES: tuple[str, ...] = tuple(name for name, _ in STEPS)
RESEARCH_STAGES = STAGES[: STAGES.index("verdict") + 1]
