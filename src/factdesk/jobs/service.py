"""Submitting, running, retrying and recovering jobs, over the store and a queue.

The store's `jobs` table is the truth; the queue only decides where and when a job
runs. A worker claims a job with a conditional update, so no job runs twice, and a
job accepted before a crash is still there at the next start. A job that was running
when its server stopped is marked interrupted (its check too) and can be retried; a
retry continues the job's check after its last finished stage.

Terminal states are written only over `running`, so a job one server finished is never
marked interrupted by another; with the embedded queue, `serving` holds the home's
lock so a second server on the same home refuses to start at all. Each client may have
`server.jobs_per_client` jobs queued or running. A job's error is shown to anyone who
follows it, so it is redacted, and an unexpected exception is told only to the log.

A whole text (a `text` job) is read when it is submitted, so input that cannot be read
is refused before anything is stored; its job runs `run_text`, which stores the text's
progress claim by claim and then its overview (a retry continues after the last claim
checked), and a `text_claim` job checks one of its claims again.
"""

from __future__ import annotations

import logging
import secrets
import threading
from contextlib import AbstractContextManager, nullcontext

from factdesk.errors import (
    ConflictError,
    FactdeskError,
    InputError,
    NotFoundError,
    RateLimitedError,
    redact,
)
from factdesk.jobs.homelock import HomeLock
from factdesk.jobs.inprocess import InProcessQueue
from factdesk.pipeline import Desk, resume_check, run_check
from factdesk.pipeline.understand import clean_question
from factdesk.pipeline.wholetext import claim_note, recheck_claim, run_text
from factdesk.plugins import BuildContext, build_fetcher
from factdesk.protocols import JobQueue, JobStore, PageFetcher
from factdesk.published import Job, JobKind, JobStatus, StageEvent
from factdesk.records import CheckRecord, TextCheckRecord, new_id, utcnow
from factdesk.texts import read_pasted, read_url

log = logging.getLogger(__name__)
INTERRUPTED = "The server stopped while this check was running; retry it to run it again."
UNEXPECTED = "The check stopped on an unexpected error; it is logged on the server."
TEXT_KINDS = frozenset({"text", "text_claim"})
TITLE_CHARS = 150


class JobObserver:
    """Links the job to its check as soon as the check exists, and records each stage
    of the run in the job's row, for the progress stream."""

    def __init__(self, jobs: JobStore, job_id: str) -> None:
        self._jobs, self._id = jobs, job_id
        self._events: list[StageEvent] = []

    def check_created(self, check_id: str) -> None:
        self._jobs.update(self._id, check_id=check_id)

    def stage_started(self, stage: str) -> None:
        self._add(StageEvent(stage=stage, state="started"))

    def stage_finished(self, stage: str, seconds: float, note: str) -> None:
        self._add(StageEvent(stage=stage, state="finished", seconds=seconds, note=note))

    def _add(self, event: StageEvent) -> None:
        self._events.append(event)
        self._jobs.set_events(self._id, self._events)


class JobService:
    """What the web app and the API do with jobs; `start` and `stop` own the queue."""

    def __init__(self, desk: Desk, queue: JobQueue) -> None:
        self.desk, self.queue = desk, queue
        self.jobs = desk.store.jobs
        self._pages: PageFetcher | None = None  # reads the pages of texts sent as a URL
        self._admitting = threading.Lock()  # counting a client's jobs and adding one is atomic

    def serving(self) -> AbstractContextManager[object]:
        """Hold for a server's life: the home's lock when the queue's workers live in this
        process (a second such server on the home raises ConflictError); else nothing."""
        if isinstance(self.queue, InProcessQueue):
            return HomeLock(self.desk.settings.home)
        return nullcontext()

    def _new(self, question: str, kind: JobKind, report_id: str | None, client: str) -> Job:
        return Job(
            id=secrets.token_hex(6),
            kind=kind,
            question=clean_question(question, self.desk.settings.pipeline.max_question_chars),
            status="queued",
            report_id=report_id,
            created_at=utcnow(),
            client=client,
        )

    def _admit(self, client: str) -> None:
        """Refuse a client that already has its share of queued and running jobs."""
        cap = self.desk.settings.server.jobs_per_client
        if cap and client and self.jobs.open_jobs(client) >= cap:
            raise RateLimitedError(
                f"This address already has {cap} checks queued or running; wait for one to finish.",
                retry_after=30,
            )

    def submit(self, question: str, client: str = "") -> Job:
        """Queue a check; an invalid question raises InputError, a client over its share
        of open jobs RateLimitedError."""
        job = self._new(question, "check", None, client)
        with self._admitting:
            self._admit(client)
            self.jobs.add(job)
        self.queue.enqueue(job.id)
        return job

    def refresh(self, report_id: str, client: str = "") -> Job:
        """A refresh of a report page, or the one already queued or running for it."""
        question = self.desk.store.reports.summary(report_id).question
        with self._admitting:
            self._admit(client)
            job = self.jobs.add_refresh(self._new(question, "refresh", report_id, client))
        if job.status == "queued":
            self.queue.enqueue(job.id)
        return job

    def retry(self, job_id: str, client: str = "") -> Job:
        """Queue a failed or interrupted job again under the same id."""
        job = self.get(job_id)
        if job.status not in ("failed", "interrupted"):
            raise ConflictError(
                f"Job {job_id} is {job.status}; only failed or interrupted jobs can be retried."
            )
        with self._admitting:
            self._admit(client)
            requeued = self.jobs.requeue(job_id)
        if requeued:
            self.queue.enqueue(job_id)
        return self.get(job_id)

    def submit_text(self, *, text: str | None, url: str | None, client: str = "") -> Job:
        """Read a pasted text or a web page and queue the check of its claims; input that
        cannot be read raises InputError before anything is stored."""
        cfg = self.desk.settings.texts
        if text is not None:
            source = read_pasted(text, cfg)
        elif url is not None:
            source = read_url(self._fetcher(), url, cfg)
        else:
            raise InputError("Send a text or a url to check.")
        now = utcnow()
        record = TextCheckRecord(
            id=new_id(), status="running", created_at=now, updated_at=now, source=source
        )
        title = (source.title or source.text.strip().split("\n", 1)[0])[:TITLE_CHARS]
        job = self._new(title, "text", None, client).model_copy(update={"check_id": record.id})
        with self._admitting:
            self._admit(client)
            self.desk.store.texts.save(record)
            self.jobs.add(job)
        self.queue.enqueue(job.id)
        return job

    def refresh_claim(self, text_id: str, n: int, client: str = "") -> Job:
        """Queue a new check of claim `n` of a checked text."""
        overview = self.desk.store.texts.load(text_id).overview
        if overview is None:
            raise ConflictError(f"Text {text_id} has not been checked yet.")
        claim = next((c for c in overview.claims if c.n == n), None)
        if claim is None:
            raise NotFoundError(f"Text {text_id} has no claim {n}.")
        if not claim.checked:
            raise ConflictError(f"Claim {n} was not checked ({claim.reason}).")
        job = self._new(claim.text[:TITLE_CHARS], "text_claim", None, client)
        job = job.model_copy(update={"check_id": text_id, "claim": n})
        with self._admitting:
            self._admit(client)
            self.jobs.add(job)
        self.queue.enqueue(job.id)
        return job

    def _fetcher(self) -> PageFetcher:
        if self._pages is None:
            self._pages = self.desk.fetcher or build_fetcher(BuildContext(self.desk.settings))
        return self._pages

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"No job has the id {job_id!r}.")
        return job

    def find(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def recover(self) -> int:
        """Settle jobs left running by a previous server and queue the ones still waiting.
        A text's check is settled as a question's is: failed with its progress kept, the
        job interrupted, and a retry continues after its last finished claim."""
        settled = 0
        for job in self.jobs.with_status("running"):
            if job.kind in TEXT_KINDS:
                self._recover_text(job)
                settled += 1
                continue
            record = self._check(job.check_id)
            if record is not None and record.status == "done":
                self._done(job, record)
            else:
                if record is not None:
                    self.desk.store.checks.mark_running_failed(record.id, INTERRUPTED)
                self._finish(job.id, "interrupted", error=INTERRUPTED)
            settled += 1
        for job in self.jobs.with_status("queued"):
            self.queue.enqueue(job.id)
        return settled

    def start(self) -> None:
        self.queue.start(self.run)

    def stop(self) -> None:
        self.queue.stop()

    def run(self, job_id: str) -> None:
        """Run one job, if it is still queued; what a queue's worker calls."""
        if not self.jobs.claim(job_id):
            return
        job = self.get(job_id)
        observer = JobObserver(self.jobs, job.id)
        try:
            if job.kind in TEXT_KINDS:
                self._run_text(job, observer)
                self._finish(job.id, "done")
                return
            if job.check_id is not None:  # a retry continues the check it started
                record = resume_check(self.desk, job.check_id, observer)
            else:
                page = job.report_id if job.kind == "refresh" else None
                record = run_check(self.desk, job.question, observer, page_id=page)
            self._done(job, record)
        except FactdeskError as exc:
            self._finish(job.id, "failed", error=redact(str(exc)))
        except Exception:  # a bug must fail one job, not kill the worker
            log.exception("job %s failed", job.id)
            self._finish(job.id, "failed", error=UNEXPECTED)

    def _run_text(self, job: Job, observer: JobObserver) -> None:
        """Check a whole text (a retry continues after its last finished claim), or one
        of its claims again, and store its overview; a failed text check is stored
        failed with its progress (a failed claim refresh leaves the overview)."""
        assert job.check_id is not None  # text jobs are made with their text's id
        if job.kind == "text":
            run_text(self.desk, self.desk.store.texts.load(job.check_id), observer)
            return
        texts = self.desk.store.texts
        record = texts.load(job.check_id)
        if record.overview is not None and job.claim is not None:
            stage = f"claim {job.claim}"
            observer.stage_started(stage)
            record.overview = recheck_claim(self.desk, record.overview, job.claim)
            claim = next(c for c in record.overview.claims if c.n == job.claim)
            observer.stage_finished(stage, claim.seconds, claim_note(claim))
        record.status, record.error = "done", None
        texts.save(record)

    def _recover_text(self, job: Job) -> None:
        """A text job a stopped server was running: done if its text was finished (a
        claim refresh only ever leaves a finished text), else interrupted."""
        assert job.check_id is not None  # text jobs are made with their text's id
        texts = self.desk.store.texts
        try:
            finished = job.kind == "text" and texts.load(job.check_id).status == "done"
        except NotFoundError:
            finished = False
        if finished:
            self._finish(job.id, "done")
            return
        if job.kind == "text":
            texts.mark_running_failed(job.check_id, INTERRUPTED)
        self._finish(job.id, "interrupted", error=INTERRUPTED)

    def _done(self, job: Job, record: CheckRecord) -> None:
        placed = self.desk.store.reports.version_of(record.id)
        self._finish(
            job.id,
            "done",
            report_id=placed[0] if placed else job.report_id,
            check_id=record.id,
        )

    def _finish(self, job_id: str, status: JobStatus, **values: object) -> None:
        if not self.jobs.finish(job_id, status, finished_at=utcnow(), **values):
            log.warning("job %s was no longer running; left as it was, not %s", job_id, status)

    def _check(self, check_id: str | None) -> CheckRecord | None:
        if check_id is None:
            return None
        try:
            return self.desk.store.checks.load(check_id)
        except NotFoundError:
            return None
