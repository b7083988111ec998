"""Records of what the desk publishes and runs: report pages, their versions, jobs,
corrections, readers' suggestions, earlier checks of a question, batches of jobs, webhook
deliveries and API tokens.

The store keeps them and the web app and API show them (they are part of the OpenAPI
schema, so a client can be generated from `/api/openapi.json`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from factdesk.records import Category, SourcePolicy, VerdictLabel

JobStatus = Literal["queued", "running", "done", "failed", "interrupted", "cancelled"]
JobKind = Literal["check", "refresh", "text", "text_claim"]
TERMINAL: frozenset[str] = frozenset({"done", "failed", "interrupted", "cancelled"})
DeliveryStatus = Literal["pending", "delivered", "failed"]


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
    policy: SourcePolicy | None = Field(
        default=None, description="The check's own source policy, on top of the desk's."
    )
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    client: str = Field(
        default="",
        exclude=True,
        description="The address the job was asked for from: it caps a client's open jobs "
        "and is never published.",
    )
    token_id: str | None = Field(
        default=None,
        exclude=True,
        description="The API token (from `factdesk tokens create`) the job was asked for "
        "with: only it may read the job's webhook deliveries. Never published.",
    )
    batch_id: str | None = Field(default=None, description="The batch this job belongs to.")
    batch_index: int | None = Field(default=None, description="Its place in the batch, from 0.")
    webhook_url: str | None = Field(
        default=None, description="Where a signed notice goes when the job has finished."
    )
    cancel_requested: bool = Field(
        default=False, description="Cancelling was asked while the job was running."
    )

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


class Batch(BaseModel):
    """Many questions submitted at once; each is a job of its own."""

    id: str
    total: int
    webhook_url: str | None = None
    token_id: str | None = None
    created_at: datetime
    finished_at: datetime | None = Field(
        default=None, description="When its last job finished (done, failed or cancelled)."
    )


class WebhookDelivery(BaseModel):
    """One signed POST of an event to a webhook URL, retried with backoff until delivered."""

    id: str
    target_id: str = Field(description="The job or batch the event is about.")
    event: str = Field(examples=["check.finished", "batch.finished"])
    url: str
    payload: str = Field(description="The JSON body, exactly as signed and sent.")
    status: DeliveryStatus
    attempts: int = 0
    next_attempt_at: datetime
    last_status: int | None = Field(default=None, description="The receiver's last HTTP status.")
    last_error: str | None = None
    created_at: datetime
    delivered_at: datetime | None = None


class ApiToken(BaseModel):
    """An API token as stored: its secret only as a SHA-256 digest."""

    id: str
    name: str
    secret_sha256: str
    rate_per_minute: int = Field(description="Writes a minute (0: no limit).")
    daily_quota: int = Field(description="Checks a day, a batch counting each question (0: none).")
    created_at: datetime
    revoked_at: datetime | None = None


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
    same_claim: float | None = Field(
        default=None,
        description="The model's probability that both questions make the same claim "
        "(none when the model was not asked).",
    )
    age_days: float
    reuse: bool = Field(description="Young enough to be shown instead of checking again.")
