"""Submitting, running, retrying, cancelling and recovering jobs, over the store and a queue.

The store's `jobs` table is the truth; the queue only decides where and when a job
runs. A worker claims a job with a conditional update, so no job runs twice at once,
and a job accepted before a crash is still there at the next start. A job names its
check before the check starts, so any later attempt (a retry, or a redelivery after
its worker died) continues that check after its last finished stage, and a check is
published once, whatever number of attempts finish it. When a job finishes, its
webhook notice (and its batch's, when it was the batch's last job) is written to the
store's outbox in the same breath; `factdesk.webhooks` delivers it.

Terminal states are written only over `running`, so a job one server finished is never
marked interrupted by another; with the embedded queue, `serving` holds the home's
lock so a second server on the same home refuses to start at all. Each client may have
`server.jobs_per_client` jobs queued or running. A job's error is shown to anyone who
follows it, so it is redacted, and an unexpected exception is told only to the log.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from factdesk.errors import (
    BackendError,
    CheckCancelled,
    ConflictError,
    FactdeskError,
    InputError,
    NotFoundError,
    RateLimitedError,
    RetryLaterError,
    redact,
)
from factdesk.jobs.homelock import HomeLock
from factdesk.pipeline import Desk, resume_check, run_check
from factdesk.pipeline.understand import clean_question
from factdesk.protocols import JobAttempt, JobQueue, JobStore
from factdesk.published import Job, JobKind, JobStatus, StageEvent, WebhookDelivery
from factdesk.records import CheckRecord, new_id, utcnow

log = logging.getLogger(__name__)
INTERRUPTED = "The server stopped while this check was running; retry it to run it again."
UNEXPECTED = "The check stopped on an unexpected error; it is logged on the server."
CANCELLED = "Cancelled on request."


class JobObserver:
    """Links the job to its check, records each stage of the run in the job's row (for
    the progress stream), and stops the check between stages when it is cancelled."""

    def __init__(self, jobs: JobStore, job_id: str) -> None:
        self._jobs, self._id = jobs, job_id
        self._events: list[StageEvent] = []

    def check_created(self, check_id: str) -> None:
        self._jobs.update(self._id, check_id=check_id)

    def stage_started(self, stage: str) -> None:
        job = self._jobs.get(self._id)
        if job is not None and job.cancel_requested:
            raise CheckCancelled(f"{CANCELLED} The check stopped before its {stage} stage.")
        self._add(StageEvent(stage=stage, state="started"))

    def stage_finished(self, stage: str, seconds: float, note: str) -> None:
        self._add(StageEvent(stage=stage, state="finished", seconds=seconds, note=note))

    def _add(self, event: StageEvent) -> None:
        self._events.append(event)
        self._jobs.set_events(self._id, self._events)


def check_webhook_url(url: str | None, secret: str) -> str | None:
    """An http(s) URL, accepted only when the server can sign what it sends there."""
    if not url:
        return None
    if not url.startswith(("http://", "https://")) or len(url) > 2000:
        raise InputError("webhook_url must be an http(s) URL of at most 2,000 characters.")
    if not secret:
        raise InputError(
            "This server has no webhook secret to sign deliveries with; its operator sets "
            "FACTDESK_WEBHOOKS__SECRET."
        )
    return url


class JobService:
    """What the web app, the API, the CLI and the workers do with jobs; `start` and
    `stop` own the queue."""

    def __init__(self, desk: Desk, queue: JobQueue) -> None:
        self.desk, self.queue = desk, queue
        self.store = desk.store
        self.jobs = desk.store.jobs
        self._admitting = threading.Lock()  # counting a client's jobs and adding one is atomic

    def serving(self) -> AbstractContextManager[object]:
        """Hold for a server's life: the home's lock when the queue's workers live in this
        process (a second such server on the home raises ConflictError); else nothing."""
        if self.queue.embedded:
            return HomeLock(self.desk.settings.home)
        return nullcontext()

    def new_job(
        self,
        question: str,
        kind: JobKind = "check",
        report_id: str | None = None,
        webhook_url: str | None = None,
        client: str = "",
        **batch: Any,
    ) -> Job:
        """A queued job, not yet stored; an invalid question raises InputError."""
        return Job(
            id=secrets.token_hex(6),
            kind=kind,
            question=clean_question(question, self.desk.settings.pipeline.max_question_chars),
            status="queued",
            report_id=report_id,
            created_at=utcnow(),
            webhook_url=check_webhook_url(webhook_url, self._secret()),
            client=client,
            **batch,
        )

    def _secret(self) -> str:
        return self.desk.settings.webhooks.secret.get_secret_value()

    def _admit(self, client: str) -> None:
        """Refuse a client that already has its share of queued and running jobs."""
        cap = self.desk.settings.server.jobs_per_client
        if cap and client and self.jobs.open_jobs(client) >= cap:
            raise RateLimitedError(
                f"This address already has {cap} checks queued or running; wait for one to finish.",
                retry_after=30,
            )

    def submit(self, question: str, client: str = "", *, webhook_url: str | None = None) -> Job:
        """Queue a check; an invalid question or webhook URL raises InputError, a client
        over its share of open jobs RateLimitedError."""
        job = self.new_job(question, webhook_url=webhook_url, client=client)
        with self._admitting:
            self._admit(client)
            self.jobs.add(job)
        self.queue.enqueue(job.id)
        return job

    def refresh(self, report_id: str, client: str = "") -> Job:
        """A refresh of a report page, or the one already queued or running for it."""
        question = self.store.reports.summary(report_id).question
        with self._admitting:
            self._admit(client)
            job = self.jobs.add_refresh(self.new_job(question, "refresh", report_id, client=client))
        if job.status == "queued":
            self.queue.enqueue(job.id)
        return job

    def retry(self, job_id: str, client: str = "") -> Job:
        """Queue a failed, interrupted or cancelled job again under the same id."""
        job = self.get(job_id)
        if job.status not in ("failed", "interrupted", "cancelled"):
            raise ConflictError(
                f"Job {job_id} is {job.status}; only failed, interrupted or cancelled jobs "
                "can be retried."
            )
        with self._admitting:
            self._admit(client)
            requeued = self.jobs.requeue(job_id)
        if requeued:
            self.queue.enqueue(job_id)
        return self.get(job_id)

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued job at once, or a running one after its current stage."""
        job = self.get(job_id)
        if job.finished or not self.jobs.cancel(job_id):
            raise ConflictError(
                f"Job {job_id} is {self.get(job_id).status}; it cannot be cancelled."
            )
        job = self.get(job_id)
        if job.status == "cancelled":
            self._after(job)
        return job

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"No job has the id {job_id!r}.")
        return job

    def find(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def recover(self) -> int:
        """For an embedded queue: settle jobs left running by a previous server. For any
        queue: hand the queue the jobs still waiting (a queue ignores one it already
        has). Returns how many running jobs were settled."""
        settled = 0
        for job in self.jobs.with_status("running") if self.queue.embedded else []:
            record = self._check(job.check_id)
            if record is not None and record.status == "done":
                self._done(job, record)
            else:
                if record is not None:
                    self.store.checks.mark_running_failed(record.id, INTERRUPTED)
                self._end(job, "interrupted", INTERRUPTED)
            settled += 1
        for job in self.jobs.with_status("queued"):
            self.queue.enqueue(job.id)
        return settled

    def start(self) -> None:
        self.queue.start(self.run)

    def stop(self) -> None:
        self.queue.stop()

    def run(self, job_id: str, attempt: JobAttempt | None = None) -> None:
        """Run one job, if it is still queued (or, on a later attempt, still running after
        its worker died); what a queue's worker calls. A backend error on an attempt that
        is not the last puts the job back in the queue and raises RetryLaterError."""
        attempt = attempt or JobAttempt()
        if not self.jobs.claim(job_id) and not (attempt.number > 1 and self.jobs.take_over(job_id)):
            return
        job = self.get(job_id)
        try:
            self._done(job, self._run_check(job, JobObserver(self.jobs, job.id)))
        except CheckCancelled as exc:
            self._end(job, "cancelled", str(exc))
        except BackendError as exc:
            if attempt.final:
                self._end(job, "failed", redact(str(exc)))
                return
            note = redact(f"Attempt {attempt.number} failed and will be retried: {exc}")
            self.jobs.update(job.id, status="queued", error=note)
            raise RetryLaterError(note) from exc
        except FactdeskError as exc:
            self._end(job, "failed", redact(str(exc)))
        except Exception:  # a bug must fail one job, not kill the worker
            log.exception("job %s failed", job.id)
            self._end(job, "failed", UNEXPECTED)

    def _run_check(self, job: Job, observer: JobObserver) -> CheckRecord:
        """The job's check: continued when an earlier attempt began it, else started under
        an id the job records first."""
        page = job.report_id if job.kind == "refresh" else None
        if job.check_id is None:
            check_id = new_id()
            self.jobs.update(job.id, check_id=check_id)
            return run_check(self.desk, job.question, observer, page_id=page, check_id=check_id)
        try:
            return resume_check(self.desk, job.check_id, observer)
        except NotFoundError:  # the attempt that named it stopped before storing it
            return run_check(self.desk, job.question, observer, page_id=page, check_id=job.check_id)

    def _done(self, job: Job, record: CheckRecord) -> None:
        placed = self.store.reports.version_of(record.id)
        report_id = placed[0] if placed else job.report_id
        self._end(job, "done", None, report_id=report_id, check_id=record.id)

    def _end(self, job: Job, status: JobStatus, error: str | None, **values: Any) -> None:
        """Give a running job its terminal status and send its notices; a job that is no
        longer running (another process ended it) is left as it was."""
        if not self.jobs.finish(job.id, status, error=error, finished_at=utcnow(), **values):
            log.warning("job %s was no longer running; left as it was, not %s", job.id, status)
            return
        self._after(self.get(job.id))

    def _after(self, job: Job) -> None:
        """A finished job's webhook notice, and its batch's when it was the last one."""
        if job.webhook_url:
            self._notice(job.id, "check.finished", job.webhook_url, job_notice(self, job))
        if job.batch_id and self.store.batches.finish(job.batch_id):
            batch = self.store.batches.get(job.batch_id)
            if batch is not None and batch.webhook_url:
                jobs = self.jobs.in_batch(batch.id)
                counts = {s: sum(j.status == s for j in jobs) for s in {j.status for j in jobs}}
                body = {"batch_id": batch.id, "total": batch.total, "counts": counts}
                self._notice(batch.id, "batch.finished", batch.webhook_url, body)

    def _notice(self, target_id: str, event: str, url: str, body: dict[str, Any]) -> None:
        now = utcnow()
        payload = json.dumps({"event": event, "sent_for": target_id, **body}, sort_keys=True)
        self.store.deliveries.add(
            WebhookDelivery(
                id=secrets.token_hex(8),
                target_id=target_id,
                event=event,
                url=url,
                payload=payload,
                status="pending",
                next_attempt_at=now,
                created_at=now,
            )
        )

    def _check(self, check_id: str | None) -> CheckRecord | None:
        if check_id is None:
            return None
        try:
            return self.store.checks.load(check_id)
        except NotFoundError:
            return None


def job_notice(service: JobService, job: Job) -> dict[str, Any]:
    """What a finished job's webhook says: its outcome and, when done, its report."""
    body: dict[str, Any] = {
        "job_id": job.id,
        "status": job.status,
        "question": job.question,
        "error": job.error,
        "batch_id": job.batch_id,
    }
    placed = service.store.reports.version_of(job.check_id) if job.check_id else None
    if job.status == "done" and placed is not None:
        summary = service.store.reports.summary(placed[0])
        body.update(report_id=placed[0], version=placed[1], url=summary.url)
        body.update(verdict=summary.verdict, confidence=summary.confidence)
    return body
