"""Bodies and answers of the JSON API that only the web layer uses.

They are the OpenAPI schema too, so a client can be generated from `/api/openapi.json`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from factdesk.published import EarlierMatch, JobStatus, StageEvent, VersionInfo
from factdesk.records import Overview, Report, SourcePolicy
from factdesk.store.diff import ReportDiff


class CheckRequest(BaseModel):
    """Body of `POST /api/checks`: a question, or a whole text, or a web page's URL."""

    model_config = ConfigDict(extra="forbid")

    question: str | None = Field(
        default=None,
        description="The question or claim to check (the server's length limit applies).",
        examples=["Was the Eiffel Tower built for the 1889 World's Fair?"],
    )
    sources: SourcePolicy | None = Field(
        default=None,
        description="This check's own source policy, on top of the desk's (domains to allow, "
        "deny, rank first). A check with its own policy never reuses an earlier check.",
    )
    fresh: bool = Field(
        default=False, description="Check again even if the same claim was checked before."
    )
    webhook_url: str | None = Field(
        default=None,
        description="Where to POST a signed notice when the check has finished (the server "
        "needs FACTDESK_WEBHOOKS__SECRET).",
    )
    text: str | None = Field(
        default=None,
        description="A whole text whose claims to extract and check (`texts.max_chars`).",
    )
    url: str | None = Field(
        default=None, description="An http(s) page whose text's claims to check."
    )

    @model_validator(mode="after")
    def _one_input(self) -> CheckRequest:
        if sum(value is not None for value in (self.question, self.text, self.url)) != 1:
            raise ValueError("send exactly one of question, text or url")
        return self


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
    attempts: int | None = Field(default=None, description="Tries so far, retries included.")
    cancel_requested: bool = False
    batch_id: str | None = None
    report: Report | None = None
    claim_review: dict[str, Any] | None = Field(
        default=None, description="The report's schema.org ClaimReview (JSON-LD)."
    )
    earlier: EarlierMatch | None = Field(
        default=None,
        description="An earlier check of the same claim: shown as it is (200) when recent, "
        "or being refreshed by this job.",
    )
    overview: Overview | None = Field(
        default=None, description="A checked text's overview, once done."
    )


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
