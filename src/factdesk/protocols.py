"""The small interfaces every backend kind implements, and the messages an LLM exchanges.

At run time this module imports nothing else of factdesk, so a plugin can implement a
backend by importing only this file, and no import cycle can run through it. The
records that search, fetch and store backends exchange are named for type checkers
only (`factdesk.records`, `factdesk.published`).

Each backend kind has one Protocol: `LLM`, `Embedder`, `SearchBackend`, `PageFetcher`,
`Store` (with its parts `CheckStore`, `ReportCatalog`, `JobStore`, `TextCheckStore`,
`BatchStore`, `DeliveryStore`, `TokenStore`, `ArchiveStore`, `CorrectionLog`, `Inbox` and
`EarlierChecks`), `JobQueue` and `WorkerQueue`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from datetime import datetime

    from factdesk.published import (
        ApiToken,
        Batch,
        CheckPage,
        Correction,
        CorrectionPage,
        Job,
        JobStatus,
        ReportSummary,
        StageEvent,
        Suggestion,
        SuggestionKind,
        VersionInfo,
        WebhookDelivery,
    )
    from factdesk.records import (
        ArchivedCopy,
        CheckRecord,
        CheckStatus,
        Fetched,
        Hit,
        Report,
        TextCheckRecord,
    )


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

    def admitting(self, client: str) -> AbstractContextManager[int]:
        """Hold while deciding whether to add a client's jobs, and adding them: one
        transaction, holding a lock on the client that every process's `admitting` for
        it waits for, that yields `open_jobs(client)` and commits what is added inside
        (or nothing, when the block raises). Counting and adding is then atomic across
        servers and workers, not only within one process."""
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

    def take_over(self, job_id: str) -> bool:
        """Running to running again, one more attempt, when the queue has found that its
        worker died; False when the job is not running."""
        ...

    def cancel(self, job_id: str) -> bool:
        """Queued to cancelled at once; running: ask its worker to stop after the current
        stage. False when the job had already finished."""
        ...

    def in_batch(self, batch_id: str) -> list[Job]:
        """A batch's jobs in the order they were submitted."""
        ...

    def subscribe(self, listener: Callable[[str], None]) -> Callable[[], None] | None:
        """Call `listener(job_id)` whenever a job changes, in any process; return the
        function that stops it, or None when this store cannot push (then poll)."""
        ...


class BatchStore(Protocol):
    """Batches of questions, each question a job."""

    def add(self, batch: Batch, jobs: Sequence[Job]) -> None:
        """The batch and all its jobs, in one transaction."""
        ...

    def get(self, batch_id: str) -> Batch | None: ...

    def finish(self, batch_id: str) -> bool:
        """Mark the batch finished if every job has; True only for the one call that did."""
        ...


class DeliveryStore(Protocol):
    """The webhook outbox: events to deliver, and what became of each delivery."""

    def add(self, delivery: WebhookDelivery) -> None: ...

    def due(self, now: datetime, lease_s: float, limit: int) -> list[WebhookDelivery]:
        """Pending deliveries whose time has come, each leased to the caller for `lease_s`
        seconds so that no other sender takes it meanwhile."""
        ...

    def update(self, delivery_id: str, **values: Any) -> None: ...

    def for_target(self, target_id: str) -> list[WebhookDelivery]: ...


class TokenStore(Protocol):
    """API tokens, and the shared counters that rate limits and quotas spend."""

    def add(self, token: ApiToken) -> None: ...

    def get(self, token_id: str) -> ApiToken | None: ...

    def all(self) -> list[ApiToken]: ...

    def revoke(self, token_id: str) -> bool:
        """False when there is no such token or it was already revoked."""
        ...

    def count(self, key: str, period: str, amount: int = 1) -> int:
        """Add `amount` to the counter of `key` in `period`; return its new value."""
        ...


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


class ArchiveStore(Protocol):
    """Copies of cited passages, content-addressed: each text is kept once, by its SHA-256."""

    def keep(self, copies: Sequence[ArchivedCopy]) -> None:
        """Store copies not stored yet; a copy already kept stays as first kept."""
        ...

    def get(self, sha256: str) -> ArchivedCopy:
        """The copy with this hash, or NotFoundError."""
        ...


class CorrectionLog(Protocol):
    """Dated notes the catalogue writes when a new version changes the verdict or drops a
    cited source (in the transaction that publishes the version)."""

    def for_report(self, report_id: str) -> list[Correction]: ...

    def recent(self, page: int = 1, per_page: int = 20) -> CorrectionPage: ...


class Inbox(Protocol):
    """Readers' suggested corrections and claims to check."""

    def add(self, suggestion: Suggestion) -> None: ...

    def recent(self, limit: int = 50, kind: SuggestionKind | None = None) -> list[Suggestion]: ...


class EarlierChecks(Protocol):
    """Embeddings of the questions of published checks, to find earlier checks of a claim.

    Vectors are compared only with vectors of the same embedder and language."""

    def remember(
        self, check_id: str, language: str, embedder: str, vector: npt.NDArray[np.float32]
    ) -> None: ...

    def nearest(
        self, vector: npt.NDArray[np.float32], language: str | None, embedder: str, limit: int = 5
    ) -> list[tuple[str, float]]:
        """(report id, cosine similarity) of the closest remembered questions in `language`
        (None: any), best first, one entry per report page."""
        ...

    def unremembered(self, embedder: str, limit: int = 500) -> list[tuple[str, str, str]]:
        """(check id, question, language) of published checks with no vector from
        `embedder` yet, oldest first: made before this feature or with another embedder."""
        ...


@runtime_checkable
class Store(Protocol):
    """Where checks, report pages, jobs, whole-text checks, batches, webhook deliveries,
    tokens and what is published around reports live; one database behind all of them."""

    checks: CheckStore
    reports: ReportCatalog
    jobs: JobStore
    texts: TextCheckStore
    batches: BatchStore
    deliveries: DeliveryStore
    tokens: TokenStore
    archive: ArchiveStore
    corrections: CorrectionLog
    inbox: Inbox
    earlier: EarlierChecks

    def close(self) -> None: ...


@dataclass(frozen=True)
class JobAttempt:
    """Which delivery of a job this is: `number` 2 and up are retries (after an error or
    after the queue found the job's worker dead); `final` says no retry will follow."""

    number: int = 1
    final: bool = True


JobHandler = Callable[[str, JobAttempt], None]


@runtime_checkable
class JobQueue(Protocol):
    """Runs jobs by id: `handler(job_id, attempt)` does the work; the queue decides where
    and when. `embedded` queues run jobs inside this process, so a job left running at
    start belongs to a process that stopped."""

    embedded: bool

    def enqueue(self, job_id: str) -> None: ...

    def start(self, handler: JobHandler) -> None: ...

    def stop(self) -> None: ...


@runtime_checkable
class WorkerQueue(JobQueue, Protocol):
    """A queue whose jobs run in worker processes anywhere (`factdesk worker`)."""

    def work(self, handler: JobHandler, concurrency: int, queues: Sequence[str]) -> None:
        """Run jobs until stopped (SIGINT or SIGTERM)."""
        ...
