"""One check's run: the record every stage adds to, and the stored check around it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from factdesk.records.report import (
    Category,
    ClaimAssessment,
    Draft,
    Evidence,
    Grounding,
    Method,
    PassageRef,
    PointCheck,
    Report,
    SearchQuery,
    Source,
    StageUsage,
    Understanding,
    Verdict,
    VerdictLabel,
)
from factdesk.records.sources import Hit, PageRecord, SourcePolicy

CheckStatus = Literal["running", "done", "failed"]


class Trail(BaseModel):
    """The one record of a check's run: every stage adds its output here.

    It is saved after each stage, so a failed check keeps what was done and a retried
    one resumes after the last finished stage. `candidates` is the pool of hits between
    search and evidence selection; it is emptied once the evidence is chosen.
    """

    question: str = ""
    stages_done: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    usage: dict[str, StageUsage] = Field(default_factory=dict)
    model: str = ""
    settings_hash: str = ""
    preset: str = ""
    understanding: Understanding | None = None
    queries: list[SearchQuery] = Field(default_factory=list)
    backends: list[str] = Field(default_factory=list)
    backend_errors: list[str] = Field(default_factory=list)
    policy: SourcePolicy = Field(default_factory=SourcePolicy)
    excluded_domains: list[str] = Field(default_factory=list)
    hit_count: int = 0
    candidates: list[Hit] = Field(default_factory=list)
    pages: list[PageRecord] = Field(default_factory=list)
    considered: list[PassageRef] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    assessments: list[ClaimAssessment] = Field(default_factory=list)
    point: PointCheck | None = None
    verdict: Verdict | None = None
    draft: Draft | None = None
    grounding: Grounding | None = None
    sources: list[Source] = Field(default_factory=list)
    followups: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_first_release(cls, data: Any) -> Any:
        """Trails stored by factdesk 0.1 kept a hit count in `hits` and only references
        in `evidence`: keep both under today's names."""
        if isinstance(data, dict) and isinstance(data.get("hits"), int):
            data = dict(data)
            data["hit_count"] = data.pop("hits")
            if any("key" not in item for item in data.get("evidence", [])):
                data["considered"] = data.pop("evidence")
        return data

    def method(self) -> Method:
        used = {pid for source in self.sources for pid in source.passage_ids}
        return Method(
            queries=self.queries,
            backends=self.backends,
            backend_errors=self.backend_errors,
            source_policy=self.policy,
            excluded_domains=self.excluded_domains,
            pages=self.pages,
            passages_considered=self.considered,
            passages_used=[e.ref() for e in self.evidence if e.passage.id in used],
            model=self.model,
            settings_hash=self.settings_hash,
            preset=self.preset,
            timings=dict(self.timings),
            usage=dict(self.usage),
        )


class CheckRecord(BaseModel):
    """A stored check: running, done with its report, or failed with its error.

    `page_id` names the report page a refresh adds a version to; a first check
    becomes its own page.
    """

    id: str
    question: str
    status: CheckStatus
    created_at: datetime
    updated_at: datetime
    category: Category | None = None
    verdict: VerdictLabel | None = None
    settings_hash: str = ""
    page_id: str | None = None
    report: Report | None = None
    error: str | None = None
    trail: Trail = Field(default_factory=Trail)


def new_id() -> str:
    """Short, URL-safe and unguessable enough to share."""
    return secrets.token_hex(5)


def utcnow() -> datetime:
    return datetime.now(UTC)
