"""Submitting, running, retrying, cancelling and recovering jobs, over the store and a queue.

The store's `jobs` table is the truth; the queue only decides where and when a job
runs. A worker claims a job with a conditional update, so no job runs twice at once,
and a job accepted before a crash is still there at the next start. A job names its
check before the check starts, so any later attempt (a retry, or a redelivery after
its worker died) continues that check after its last finished stage, and a check is
published once, whatever number of attempts finish it. When a job finishes, its
webhook notice (and its batch's, when it was the batch's last job) is written to the
store's outbox (`ledger`); `factdesk.webhooks` delivers it.

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
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
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
from factdesk.jobs.ledger import JobLedger, check_webhook_url
from factdesk.jobs.observer import JobObserver
from factdesk.jobs.textjobs import TEXT_KINDS, TITLE_CHARS, run_text_job, settle_text
from factdesk.pipeline import Desk, resume_check, run_check
from factdesk.pipeline.earlier import find_earlier
from factdesk.pipeline.understand import clean_question, detect_language
from factdesk.plugins import BuildContext, build_fetcher
from factdesk.protocols import JobAttempt, JobQueue, PageFetcher
from factdesk.published import EarlierMatch, Job, JobKind, JobStatus
from factdesk.records import CheckRecord, SourcePolicy, TextCheckRecord, new_id, utcnow
from factdesk.texts import read_pasted, read_url

log = logging.getLogger(__name__)
INTERRUPTED = "The server stopped while this check was running; retry it to run it again."
UNEXPECTED = "The check stopped on an unexpected error; it is logged on the server."


@dataclass(frozen=True)
class Submission:
    """What asking a question led to: a queued job, or an earlier check shown as it is
    (`job` is None), with the earlier check that was found, if any."""

    job: Job | None
    earlier: EarlierMatch | None


class JobService:
    """What the web app, the API, the CLI and the workers do with jobs; `start` and
    `stop` own the queue."""

    def __init__(self, desk: Desk, queue: JobQueue) -> None:
        self.desk, self.queue = desk, queue
        self.store = desk.store
        self.jobs = desk.store.jobs
        self.ledger = JobLedger(desk.store, desk.settings)
        self._pages: PageFetcher | None = None  # reads the pages of texts sent as a URL

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
        token_id: str | None = None,
        policy: SourcePolicy | None = None,
        **batch: Any,
    ) -> Job:
        """A queued job, not yet stored; an invalid question raises InputError. `token_id`
        is the API token that asks for it, the only one that may read its deliveries;
        `policy` is the check's own source policy."""
        return Job(
            id=secrets.token_hex(6),
            kind=kind,
            question=clean_question(question, self.desk.settings.pipeline.max_question_chars),
            status="queued",
            report_id=report_id,
            policy=policy if policy is not None and not policy.empty else None,
            created_at=utcnow(),
            webhook_url=check_webhook_url(webhook_url, self.desk.settings.webhooks),
            client=client,
            token_id=token_id,
            **batch,
        )

    @contextmanager
    def admitted(self, client: str, adding: int = 1) -> Iterator[None]:
        """Hold while adding `adding` jobs for `client`; a client whose queued and running
        jobs would go over `server.jobs_per_client` is refused with RateLimitedError. The
        count and the jobs added inside are one transaction under the client's lock in
        the database (`JobStore.admitting`), so two servers or workers admitting for the
        same client at once cannot both take its last slot."""
        cap = self.desk.settings.server.jobs_per_client
        if not (client and cap):
            yield
            return
        with self.jobs.admitting(client) as held:
            if held + adding > cap:
                message = (
                    f"This address already has {held} checks queued or running; wait for one "
                    "to finish."
                    if adding == 1
                    else f"This address has {held} checks queued or running and may have {cap}; "
                    f"{adding} more are too many (send fewer, or use an API token)."
                )
                raise RateLimitedError(message, retry_after=30)
            yield

    def submit(
        self,
        question: str,
        client: str = "",
        *,
        webhook_url: str | None = None,
        token_id: str | None = None,
        policy: SourcePolicy | None = None,
    ) -> Job:
        """Queue a check; an invalid question or webhook URL raises InputError, a client
        over its share of open jobs RateLimitedError."""
        job = self.new_job(
            question, webhook_url=webhook_url, client=client, token_id=token_id, policy=policy
        )
        with self.admitted(client):
            self.jobs.add(job)
        self.queue.enqueue(job.id)
        return job

    def ask(
        self,
        question: str,
        client: str = "",
        *,
        webhook_url: str | None = None,
        token_id: str | None = None,
        policy: SourcePolicy | None = None,
        fresh: bool = False,
    ) -> Submission:
        """A reader's question: queued as a check unless the claim was checked before
        (earlier checks first): a recent earlier check is shown as it is, an older one
        is refreshed. A check with its own source policy, or a `fresh` one, always runs."""
        cleaned = clean_question(question, self.desk.settings.pipeline.max_question_chars)
        own_policy = policy is not None and not policy.empty
        match = None if fresh or own_policy else find_earlier(self.desk, cleaned)
        if match is not None:
            return Submission(None if match.reuse else self.refresh(match.report_id, client), match)
        job = self.submit(
            cleaned, client, webhook_url=webhook_url, token_id=token_id, policy=policy
        )
        return Submission(job, None)

    def refresh(self, report_id: str, client: str = "") -> Job:
        """A refresh of a report page, or the one already queued or running for it; it
        keeps the source policy its latest version was checked with."""
        question = self.store.reports.summary(report_id).question
        policy = self.store.reports.report(report_id)[1].method.source_policy
        job = self.new_job(question, "refresh", report_id, client=client, policy=policy)
        with self.admitted(client):
            job = self.jobs.add_refresh(job)
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
        with self.admitted(client):
            requeued = self.jobs.requeue(job_id)
        if requeued:
            self.queue.enqueue(job_id)
        return self.get(job_id)

    def submit_text(
        self,
        *,
        text: str | None,
        url: str | None,
        client: str = "",
        webhook_url: str | None = None,
        token_id: str | None = None,
    ) -> Job:
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
        job = self.new_job(
            title, "text", webhook_url=webhook_url, client=client, token_id=token_id
        ).model_copy(update={"check_id": record.id})
        with self.admitted(client):
            self.store.texts.save(record)
            self.jobs.add(job)
        self.queue.enqueue(job.id)
        return job

    def refresh_claim(self, text_id: str, n: int, client: str = "") -> Job:
        """Queue a new check of claim `n` of a checked text."""
        overview = self.store.texts.load(text_id).overview
        if overview is None:
            raise ConflictError(f"Text {text_id} has not been checked yet.")
        claim = next((c for c in overview.claims if c.n == n), None)
        if claim is None:
            raise NotFoundError(f"Text {text_id} has no claim {n}.")
        if not claim.checked:
            raise ConflictError(f"Claim {n} was not checked ({claim.reason}).")
        job = self.new_job(claim.text[:TITLE_CHARS], "text_claim", client=client)
        job = job.model_copy(update={"check_id": text_id, "claim": n})
        with self.admitted(client):
            self.jobs.add(job)
        self.queue.enqueue(job.id)
        return job

    def _fetcher(self) -> PageFetcher:
        if self._pages is None:
            self._pages = self.desk.fetcher or build_fetcher(BuildContext(self.desk.settings))
        return self._pages

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued job at once, or a running one after its current stage."""
        return self.ledger.cancel(job_id)

    def get(self, job_id: str) -> Job:
        return self.ledger.get(job_id)

    def find(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def recover(self) -> int:
        """For an embedded queue: settle jobs left running by a previous server. For any
        queue: hand the queue the jobs still waiting (a queue ignores one it already
        has). Returns how many running jobs were settled."""
        running = self.jobs.with_status("running") if self.queue.embedded else []
        for job in running:
            self.settle(job)
        for job in self.jobs.with_status("queued"):
            self.queue.enqueue(job.id)
        return len(running)

    def settle(self, job: Job) -> None:
        """A job left running by a process that stopped: done if its check finished,
        else interrupted (its check too, with its partial trail kept; a text's check is
        continued after its last finished claim by a retry)."""
        if job.kind in TEXT_KINDS:
            if settle_text(self.desk, job, INTERRUPTED):
                self._end(job, "done", None)
            else:
                self._end(job, "interrupted", INTERRUPTED)
            return
        record = self._check(job.check_id)
        if record is not None and record.status == "done":
            self._done(job, record)
            return
        if record is not None:
            self.store.checks.mark_running_failed(record.id, INTERRUPTED)
        self._end(job, "interrupted", INTERRUPTED)

    def prepare(self) -> None:
        """Load now what a first check would load while holding the interpreter lock (the
        language detector's models: seconds on a small CPU). A worker does this before it
        starts its heartbeat, so that its queue never takes a busy worker for a dead one."""
        detect_language("Was the Eiffel Tower built for the 1889 World's Fair?")

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
            if job.kind in TEXT_KINDS:
                run_text_job(self.desk, job, JobObserver(self.jobs, job.id))
                self._end(job, "done", None)
            else:
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
            return run_check(
                self.desk,
                job.question,
                observer,
                page_id=page,
                check_id=check_id,
                policy=job.policy,
            )
        try:
            return resume_check(self.desk, job.check_id, observer)
        except NotFoundError:  # the attempt that named it stopped before storing it
            return run_check(
                self.desk,
                job.question,
                observer,
                page_id=page,
                check_id=job.check_id,
                policy=job.policy,
            )

    def _done(self, job: Job, record: CheckRecord) -> None:
        placed = self.store.reports.version_of(record.id)
        report_id = placed[0] if placed else job.report_id
        self.ledger.end(job, "done", None, report_id=report_id, check_id=record.id)

    def _end(self, job: Job, status: JobStatus, error: str | None) -> None:
        self.ledger.end(job, status, error)

    def _check(self, check_id: str | None) -> CheckRecord | None:
        if check_id is None:
            return None
        try:
            return self.store.checks.load(check_id)
        except NotFoundError:
            return None
