"""Batches: many questions at once (JSON, JSONL or CSV), each run as a job of its own.

A batch and all its jobs are stored in one transaction, then queued; progress and
results are read from the jobs, so a batch survives restarts and resumes where it
stopped (`resume` queues again the jobs that failed, were interrupted or cancelled).
When its last job finishes, the batch is marked finished once and its webhook, if
any, is sent (see `JobService`).
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from typing import Any, Literal

from pydantic import BaseModel, Field

from factdesk.errors import ConflictError, InputError, NotFoundError
from factdesk.jobs.ledger import check_webhook_url
from factdesk.jobs.service import JobService
from factdesk.published import Batch, Job, JobStatus
from factdesk.records import utcnow

InputFormat = Literal["json", "jsonl", "csv"]
QUESTION_KEYS = ("question", "claim")
SUFFIXES: dict[str, InputFormat] = {".json": "json", ".jsonl": "jsonl", ".csv": "csv"}


class BatchProgress(BaseModel):
    """How far a batch has come: its jobs counted by status."""

    id: str
    total: int
    counts: dict[str, int] = Field(description="Jobs by status: queued, running, done, ...")
    finished: bool
    created_at: Any
    finished_at: Any = None
    results_url: str
    deliveries_url: str | None = Field(
        default=None,
        description="Where the batch's webhook deliveries are listed (to the API token that "
        "created it), when it has a webhook. The webhook's URL itself is not shown.",
    )


class BatchResult(BaseModel):
    """One question's outcome, as the JSONL and CSV results list it (input order)."""

    index: int
    question: str
    job_id: str
    status: JobStatus
    verdict: str | None = None
    confidence: float | None = None
    report_id: str | None = None
    version: int | None = None
    url: str | None = None
    error: str | None = None


RESULT_COLUMNS = list(BatchResult.model_fields)


def _question_of(item: Any, where: str) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        for key in QUESTION_KEYS:
            if isinstance(item.get(key), str):
                return str(item[key])
    raise InputError(f"{where}: expected a question string or an object with a 'question'.")


def read_questions(data: bytes | str, fmt: InputFormat) -> list[str]:
    """The questions of an upload: a JSON list (or `{"questions": [...]}`), JSON lines,
    or CSV with a `question` or `claim` column (else the first column)."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    try:
        if fmt == "json":
            parsed = json.loads(text)
            items = parsed.get("questions") if isinstance(parsed, dict) else parsed
            if not isinstance(items, list):
                raise InputError('A JSON batch is a list of questions or {"questions": [...]}.')
            return [_question_of(item, f"item {n + 1}") for n, item in enumerate(items)]
        if fmt == "jsonl":
            lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
            return [_question_of(json.loads(line), f"line {n}") for n, line in lines]
    except json.JSONDecodeError as exc:
        raise InputError(
            f"The {fmt.upper()} upload is not valid JSON: {exc.msg} (line {exc.lineno})."
        ) from exc
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((header.index(k) for k in QUESTION_KEYS if k in header), None)
    body = rows[1:] if column is not None else rows
    return [row[column or 0] if len(row) > (column or 0) else "" for row in body]


def results_jsonl(results: list[BatchResult]) -> str:
    return "".join(result.model_dump_json() + "\n" for result in results)


def results_csv(results: list[BatchResult]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RESULT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for result in results:
        writer.writerow(result.model_dump())
    return out.getvalue()


class Batches:
    """Submitting batches and reading their progress and results, over the job service."""

    def __init__(self, service: JobService, max_questions: int) -> None:
        self.service = service
        self.store = service.store
        self.max_questions = max_questions

    def submit(
        self,
        questions: list[str],
        webhook_url: str | None = None,
        token_id: str | None = None,
        batch_id: str | None = None,
        client: str = "",
    ) -> Batch:
        """Store and queue a batch; a question that cannot be checked refuses it whole, and
        so does a `client` whose share of open jobs it would overrun."""
        return self.queue(*self.prepare(questions, webhook_url, token_id, batch_id, client))

    def prepare(
        self,
        questions: list[str],
        webhook_url: str | None = None,
        token_id: str | None = None,
        batch_id: str | None = None,
        client: str = "",
    ) -> tuple[Batch, list[Job]]:
        """The batch and its jobs, checked but not stored (InputError names the question
        that cannot be checked); `client` is the address whose share of open jobs they
        count against (see `JobService.admitted`)."""
        if not questions:
            raise InputError("The batch has no questions.")
        if len(questions) > self.max_questions:
            raise InputError(
                f"A batch holds at most {self.max_questions} questions; this one has "
                f"{len(questions)}."
            )
        batch_id = batch_id or f"b{secrets.token_hex(6)}"
        jobs: list[Job] = []
        for index, question in enumerate(questions):
            try:
                jobs.append(
                    self.service.new_job(
                        question,
                        client=client,
                        token_id=token_id,
                        batch_id=batch_id,
                        batch_index=index,
                    )
                )
            except InputError as exc:
                raise InputError(f"Question {index + 1} of the batch: {exc}") from exc
        batch = Batch(
            id=batch_id,
            total=len(jobs),
            webhook_url=check_webhook_url(webhook_url, self.service.desk.settings.webhooks),
            token_id=token_id,
            created_at=utcnow(),
        )
        return batch, jobs

    def queue(self, batch: Batch, jobs: list[Job]) -> Batch:
        """Store a prepared batch with its jobs in one transaction, then queue them; a
        client over its share of open jobs is refused with RateLimitedError."""
        with self.service.admitted(jobs[0].client if jobs else "", len(jobs)):
            self.store.batches.add(batch, jobs)
        for job in jobs:
            self.service.queue.enqueue(job.id)
        return batch

    def get(self, batch_id: str) -> Batch:
        batch = self.store.batches.get(batch_id)
        if batch is None:
            raise NotFoundError(f"No batch has the id {batch_id!r}.")
        return batch

    def progress(self, batch_id: str) -> BatchProgress:
        batch = self.get(batch_id)
        counts: dict[str, int] = {}
        for job in self.store.jobs.in_batch(batch_id):
            counts[job.status] = counts.get(job.status, 0) + 1
        return BatchProgress(
            id=batch.id,
            total=batch.total,
            counts=counts,
            finished=not (counts.get("queued") or counts.get("running")),
            created_at=batch.created_at,
            finished_at=batch.finished_at,
            results_url=f"/api/batches/{batch.id}/results.jsonl",
            deliveries_url=f"/api/checks/{batch.id}/deliveries" if batch.webhook_url else None,
        )

    def results(self, batch_id: str) -> list[BatchResult]:
        self.get(batch_id)
        return [self._result(job) for job in self.store.jobs.in_batch(batch_id)]

    def _result(self, job: Job) -> BatchResult:
        result = BatchResult(
            index=job.batch_index or 0,
            question=job.question,
            job_id=job.id,
            status=job.status,
            error=job.error if job.status != "done" else None,
        )
        placed = self.store.reports.version_of(job.check_id) if job.check_id else None
        if job.status == "done" and placed is not None:
            info, report = self.store.reports.report(*placed)
            summary = self.store.reports.summary(placed[0])
            result.verdict, result.confidence = report.verdict.label, report.verdict.confidence
            result.report_id, result.version = placed[0], info.version
            result.url = summary.url
        return result

    def resume(self, batch_id: str, client: str = "", settle: bool = False) -> int:
        """Queue again the batch's jobs that failed, were interrupted or were cancelled
        (each counts against `client`'s share of open jobs), and hand the queue those
        still waiting. With `settle` (only for a process that holds the home, as `factdesk
        batch` does under an embedded queue), first settle the ones a stopped process left
        running; a live server never does, since its own running jobs are not stopped.
        Returns how many were queued again."""
        self.get(batch_id)
        again = 0
        for job in self.store.jobs.in_batch(batch_id):
            if job.status == "running" and settle:
                self.service.settle(job)
                job = self.service.get(job.id)
            if job.status == "queued":
                self.service.queue.enqueue(job.id)
            elif job.status in ("failed", "interrupted", "cancelled"):
                try:
                    self.service.retry(job.id, client)
                    again += 1
                except ConflictError:  # another process retried it first
                    continue
        return again
