"""Typed shapes of the web layer: stored jobs, API bodies and API responses.

They are the OpenAPI schema too, so a client can be generated from `/api/openapi.json`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from factdesk.diff import ReportDiff
from factdesk.models import Category, Report, VerdictLabel

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
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


class CheckRequest(BaseModel):
    """Body of `POST /api/checks`."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        description="The question or claim to check (the server's length limit applies).",
        examples=["Was the Eiffel Tower built for the 1889 World's Fair?"],
    )


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


class CheckView(BaseModel):
    """What `GET /api/checks/{id}` answers for a job id or a report id."""

    id: str
    status: JobStatus
    question: str
    job_id: str | None = None
    report_id: str | None = None
    version: int | None = None
    url: str | None = Field(default=None, description="The report page, once there is one.")
    events_url: str | None = None
    stages: list[StageEvent] = Field(default_factory=list)
    error: str | None = None
    report: Report | None = None


class CheckPage(BaseModel):
    """One page of stored reports, newest first or best match first when searching."""

    items: list[ReportSummary]
    total: int
    page: int
    per_page: int
    pages: int


class VersionsView(BaseModel):
    report_id: str
    versions: list[VersionInfo]
    changes: ReportDiff | None = Field(
        default=None, description="What the latest version changed, when there are two or more."
    )


class ErrorDetail(BaseModel):
    code: str = Field(examples=["invalid_input"])
    message: str = Field(description="One sentence a person can act on.")


class ErrorBody(BaseModel):
    """Every 4xx and 5xx answer of the API has this shape."""

    error: ErrorDetail
