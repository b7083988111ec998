"""Submitting, running, retrying and recovering jobs, over the store and a queue.

The store's `jobs` table is the truth; the queue only decides where and when a job
runs. A worker claims a job with a conditional update, so no job runs twice, and a
job accepted before a crash is still there at the next start. A job that was running
when its server stopped is marked interrupted (its check too) and can be retried; a
retry continues the job's check after its last finished stage.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from factdesk.errors import ConflictError, FactdeskError, NotFoundError
from factdesk.pipeline import Desk, resume_check, run_check
from factdesk.pipeline.earlier import find_earlier
from factdesk.pipeline.understand import clean_question
from factdesk.protocols import JobQueue, JobStore
from factdesk.published import EarlierMatch, Job, JobKind, StageEvent
from factdesk.records import CheckRecord, SourcePolicy, utcnow

log = logging.getLogger(__name__)
INTERRUPTED = "The server stopped while this check was running; retry it to run it again."


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


@dataclass(frozen=True)
class Submission:
    """What asking a question led to: a queued job, or an earlier check shown as it is
    (`job` is None), with the earlier check that was found, if any."""

    job: Job | None
    earlier: EarlierMatch | None


class JobService:
    """What the web app and the API do with jobs; `start` and `stop` own the queue."""

    def __init__(self, desk: Desk, queue: JobQueue) -> None:
        self.desk, self.queue = desk, queue
        self.jobs = desk.store.jobs

    def _new(
        self, question: str, kind: JobKind, report_id: str | None, policy: SourcePolicy | None
    ) -> Job:
        return Job(
            id=secrets.token_hex(6),
            kind=kind,
            question=clean_question(question, self.desk.settings.pipeline.max_question_chars),
            status="queued",
            report_id=report_id,
            policy=policy if policy is not None and not policy.empty else None,
            created_at=utcnow(),
        )

    def submit(
        self, question: str, policy: SourcePolicy | None = None, *, fresh: bool = False
    ) -> Submission:
        """Queue a check, unless the claim was checked before (earlier checks first): a
        recent earlier check is shown as it is, an older one is refreshed. A check with
        its own source policy, or a `fresh` one, always runs. An invalid question raises
        InputError."""
        cleaned = clean_question(question, self.desk.settings.pipeline.max_question_chars)
        own_policy = policy is not None and not policy.empty
        match = None if fresh or own_policy else find_earlier(self.desk, cleaned)
        if match is not None:
            return Submission(None if match.reuse else self.refresh(match.report_id), match)
        job = self._new(cleaned, "check", None, policy)
        self.jobs.add(job)
        self.queue.enqueue(job.id)
        return Submission(job, None)

    def refresh(self, report_id: str) -> Job:
        """A refresh of a report page, or the one already queued or running for it; it
        keeps the source policy its latest version was checked with."""
        question = self.desk.store.reports.summary(report_id).question
        policy = self.desk.store.reports.report(report_id)[1].method.source_policy
        job = self.jobs.add_refresh(self._new(question, "refresh", report_id, policy))
        if job.status == "queued":
            self.queue.enqueue(job.id)
        return job

    def retry(self, job_id: str) -> Job:
        """Queue a failed or interrupted job again under the same id."""
        job = self.get(job_id)
        if job.status not in ("failed", "interrupted"):
            raise ConflictError(
                f"Job {job_id} is {job.status}; only failed or interrupted jobs can be retried."
            )
        if self.jobs.requeue(job_id):
            self.queue.enqueue(job_id)
        return self.get(job_id)

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"No job has the id {job_id!r}.")
        return job

    def find(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def recover(self) -> int:
        """Settle jobs left running by a previous server and queue the ones still waiting."""
        settled = 0
        for job in self.jobs.with_status("running"):
            record = self._check(job.check_id)
            if record is not None and record.status == "done":
                self._done(job, record)
            else:
                if record is not None:
                    self.desk.store.checks.mark_running_failed(record.id, INTERRUPTED)
                self.jobs.update(
                    job.id, status="interrupted", error=INTERRUPTED, finished_at=utcnow()
                )
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
            if job.check_id is not None:  # a retry continues the check it started
                record = resume_check(self.desk, job.check_id, observer)
            else:
                page = job.report_id if job.kind == "refresh" else None
                record = run_check(
                    self.desk, job.question, observer, page_id=page, policy=job.policy
                )
            self._done(job, record)
        except FactdeskError as exc:
            self.jobs.update(job.id, status="failed", error=str(exc), finished_at=utcnow())
        except Exception as exc:  # a bug must fail one job, not kill the worker
            log.exception("job %s failed", job.id)
            error = f"{type(exc).__name__}: {exc}"
            self.jobs.update(job.id, status="failed", error=error, finished_at=utcnow())

    def _done(self, job: Job, record: CheckRecord) -> None:
        placed = self.desk.store.reports.version_of(record.id)
        self.jobs.update(
            job.id,
            status="done",
            report_id=placed[0] if placed else job.report_id,
            check_id=record.id,
            finished_at=utcnow(),
        )

    def _check(self, check_id: str | None) -> CheckRecord | None:
        if check_id is None:
            return None
        try:
            return self.desk.store.checks.load(check_id)
        except NotFoundError:
            return None
