"""Records of what the desk publishes and runs: report pages, their versions, jobs,
corrections, readers' suggestions and earlier checks of a question.

The store keeps them and the web app and API show them (they are part of the OpenAPI
schema, so a client can be generated from `/api/openapi.json`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from factdesk.records import Category, SourcePolicy, VerdictLabel

JobStatus = Literal["queued", "running", "done", "failed", "interrupted"]
JobKind = Literal["check", "refresh"]
TERMINAL: frozenset[str] = frozenset({"done", "failed", "interrupted"})


class StageEvent(BaseModel):
    """One pipeline stage starting or finishing, as the progress stream reports it."""

    stage: str
    state: Literal["started", "finished"]
    seconds: float | None = None
    note: str = ""


class Job(BaseModel):
    """A check asked for over the web: queued, running, or finished one way or another."""

    id: str
    kind: JobKind
    question: str
    status: JobStatus
    report_id: str | None = Field(
        default=None, description="The report page this job refreshes, or the one it created."
    )
    check_id: str | None = Field(default=None, description="The stored check this job ran.")
    error: str | None = None
    events: list[StageEvent] = Field(default_factory=list)
    attempts: int = 1
    policy: SourcePolicy | None = Field(
        default=None, description="The check's own source policy, on top of the desk's."
    )
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


class ReportSummary(BaseModel):
    """A report page as listed: its latest version's title, verdict and date."""

    id: str
    title: str
    question: str
    category: Category
    verdict: VerdictLabel
    confidence: float
    created_at: datetime
    checked_at: datetime = Field(description="When the latest version was published.")
    url: str


class VersionInfo(BaseModel):
    version: int
    check_id: str
    created_at: datetime


class CheckPage(BaseModel):
    """One page of stored reports, newest first or best match first when searching."""

    items: list[ReportSummary]
    total: int
    page: int
    per_page: int
    pages: int


class Correction(BaseModel):
    """A dated note on a report page: a refresh changed the verdict or dropped a source."""

    report_id: str
    version: int = Field(description="The version that made the change.")
    created_at: datetime
    title: str
    url: str
    verdict_before: VerdictLabel
    verdict_after: VerdictLabel
    dropped_sources: list[str] = Field(default_factory=list)
    new_sources: list[str] = Field(default_factory=list)
    note: str = Field(description="What changed and why, in one or two sentences.")


class CorrectionPage(BaseModel):
    items: list[Correction]
    total: int
    page: int
    per_page: int


SuggestionKind = Literal["correction", "claim"]


class Suggestion(BaseModel):
    """A reader's suggested correction to a report, or a claim they ask the desk to check."""

    id: str
    kind: SuggestionKind
    report_id: str | None = None
    text: str
    source_url: str = ""
    contact: str = ""
    created_at: datetime


class EarlierMatch(BaseModel):
    """An earlier check of the same claim, found before researching it again."""

    report_id: str
    url: str
    question: str
    verdict: VerdictLabel
    checked_at: datetime
    similarity: float
    age_days: float
    reuse: bool = Field(description="Young enough to be shown instead of checking again.")
