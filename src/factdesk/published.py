"""Records of what the desk publishes and runs: report pages, their versions, and jobs.

The store keeps them and the web app and API show them (they are part of the OpenAPI
schema, so a client can be generated from `/api/openapi.json`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from factdesk.records import Category, VerdictLabel

JobStatus = Literal["queued", "running", "done", "failed", "interrupted"]
JobKind = Literal["check", "refresh", "text", "text_claim"]
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
    check_id: str | None = Field(
        default=None, description="The stored check (or whole-text check) this job ran."
    )
    claim: int | None = Field(
        default=None, description="The claim of a whole text that this job checks again."
    )
    error: str | None = None
    events: list[StageEvent] = Field(default_factory=list)
    attempts: int = 1
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    client: str = Field(
        default="",
        exclude=True,
        description="The address the job was asked for from: it caps a client's open jobs "
        "and is never published.",
    )

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
