"""The small interfaces every backend kind implements, and the messages an LLM exchanges.

At run time this module imports nothing else of factdesk, so a plugin can implement a
backend by importing only this file, and no import cycle can run through it. The
records that search, fetch and store backends exchange are named for type checkers
only (`factdesk.records`, `factdesk.published`).

Each backend kind has one Protocol: `LLM`, `Embedder`, `SearchBackend`, `PageFetcher`,
`Store` (with its parts `CheckStore`, `ReportCatalog`, `JobStore`, `TextCheckStore`) and `JobQueue`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from factdesk.published import CheckPage, Job, JobStatus, ReportSummary, StageEvent, VersionInfo
    from factdesk.records import CheckRecord, CheckStatus, Fetched, Hit, Report, TextCheckRecord


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class LLMRequest(BaseModel):
    """One call to a model. `kind` names the prompt (for tracing and scripted fakes)."""

    kind: str
    messages: list[ChatMessage]
    max_tokens: int = 256
    temperature: float = 0.0
    json_schema: dict[str, Any] | None = None
    stop: list[str] = Field(default_factory=list)
    variables: dict[str, str] = Field(default_factory=dict)
    # The start of the answer, written for the model (backends that cannot prefill skip
    # it); the response text includes it.
    prefill: str = ""


class LLMResponse(BaseModel):
    """What a model answered, and what it cost. `probs` is filled by `classify` only."""

    text: str
    probs: dict[str, float] = Field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


@runtime_checkable
class LLM(Protocol):
    """A language model: free or schema-constrained text, and choice probabilities."""

    name: str

    def complete(self, request: LLMRequest) -> LLMResponse: ...

    def classify(self, request: LLMRequest, choices: Sequence[str]) -> LLMResponse:
        """`probs`: probability of each choice as the answer's first word (sums to 1)."""
        ...


@runtime_checkable
class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """L2-normalised vectors, one row per text."""
        ...


@runtime_checkable
class SearchBackend(Protocol):
    """Finds passages for a query. `is_web` backends return search snippets, whose pages
    the fetch stage then reads."""

    name: str
    is_web: bool

    def search(self, query: str, limit: int) -> list[Hit]: ...


@runtime_checkable
class VectorLookup(Protocol):
    """A search backend that already holds passage embeddings and can hand them over."""

    def vectors(self, passage_ids: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]: ...


@runtime_checkable
class PageFetcher(Protocol):
    """Reads web pages; the fetch stage depends on this, not on how it is done."""

    def fetch_all(self, urls: Sequence[str]) -> list[Fetched]: ...


class CheckStore(Protocol):
    """Checks: running, done with a report, or failed with error and trail.

    Saving a done check publishes it in the catalogue in the same transaction (as a new
    page, or as the next version of `record.page_id`).
    """

    def save(self, record: CheckRecord) -> None: ...

    def load(self, check_id: str) -> CheckRecord: ...

    def recent(self, limit: int = 20, status: CheckStatus | None = None) -> list[CheckRecord]: ...

    def mark_running_failed(self, check_id: str, error: str) -> bool:
        """Fail a check only if it is still running; True when it was."""
        ...


class ReportCatalog(Protocol):
    """Published report pages, every version kept, and search over them."""

    def summary(self, report_id: str) -> ReportSummary: ...

    def versions(self, report_id: str) -> list[VersionInfo]: ...

    def version_of(self, check_id: str) -> tuple[str, int] | None: ...

    def report(self, report_id: str, version: int | None = None) -> tuple[VersionInfo, Report]:
        """A version of a page (the latest by default) and its stored report."""
        ...

    def search(
        self, q: str = "", category: str | None = None, page: int = 1, per_page: int = 20
    ) -> CheckPage: ...

    def categories(self) -> dict[str, int]: ...


class JobStore(Protocol):
    """Jobs asked for over the web or the API, and their link to the check they run."""

    def add(self, job: Job) -> None: ...

    def get(self, job_id: str) -> Job | None: ...

    def claim(self, job_id: str) -> bool:
        """Queued to running; False when another worker got it first."""
        ...

    def update(self, job_id: str, **values: Any) -> None: ...

    def finish(self, job_id: str, status: JobStatus, **values: Any) -> bool:
        """Give a running job its terminal status (and values); False, with nothing
        written, when the job is no longer running (a job already done never becomes
        interrupted)."""
        ...

    def open_jobs(self, client: str) -> int:
        """How many of a client's jobs are queued or running."""
        ...

    def set_events(self, job_id: str, events: Sequence[StageEvent]) -> None: ...

    def requeue(self, job_id: str) -> bool:
        """Failed or interrupted back to queued; False when it was neither."""
        ...

    def add_refresh(self, job: Job) -> Job:
        """Add a refresh job unless one for the same page is queued or running; return
        whichever job will do the refresh."""
        ...

    def with_status(self, status: JobStatus) -> list[Job]: ...


class TextCheckStore(Protocol):
    """Whole texts checked (from the command line or the web), each with its overview
    once done."""

    def save(self, record: TextCheckRecord) -> None: ...

    def load(self, text_id: str) -> TextCheckRecord: ...

    def recent(self, limit: int = 20) -> list[TextCheckRecord]: ...

    def mark_running_failed(self, text_id: str, error: str) -> bool:
        """Running to failed with `error`, its progress kept; False when it was not
        running (or does not exist)."""
        ...


@runtime_checkable
class Store(Protocol):
    """Where checks, report pages, jobs and whole-text checks live; one database."""

    checks: CheckStore
    reports: ReportCatalog
    jobs: JobStore
    texts: TextCheckStore

    def close(self) -> None: ...


JobHandler = Callable[[str], None]


@runtime_checkable
class JobQueue(Protocol):
    """Runs jobs by id: `handler(job_id)` does the work; the queue decides where and when."""

    def enqueue(self, job_id: str) -> None: ...

    def start(self, handler: JobHandler) -> None: ...

    def stop(self) -> None: ...
