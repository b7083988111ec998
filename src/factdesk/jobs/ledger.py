"""What happens when a job ends, whoever ends it: its status, its webhook notice, and its
batch's completion. Cancelling lives here too, so that `factdesk cancel` needs only the
store, not a desk with its models loaded.

Notices are written to the store's webhook outbox; `factdesk.webhooks` delivers them.
A batch is marked finished by exactly one of the jobs that finish it, which then
writes the batch's notice.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from factdesk.errors import ConflictError, InputError, NotFoundError
from factdesk.protocols import Store
from factdesk.published import Job, JobStatus, WebhookDelivery
from factdesk.records import utcnow
from factdesk.settings import Settings, WebhookSettings
from factdesk.sourcemeta import is_web_url

log = logging.getLogger(__name__)
CANCELLED = "Cancelled on request."


def check_webhook_url(url: str | None, webhooks: WebhookSettings) -> str | None:
    """An http(s) URL, accepted only when the server can sign what it sends there."""
    if not url:
        return None
    if not is_web_url(url) or len(url) > 2000:
        raise InputError("webhook_url must be an http(s) URL of at most 2,000 characters.")
    if not webhooks.secret.get_secret_value():
        raise InputError(
            "This server has no webhook secret to sign deliveries with; its operator sets "
            "FACTDESK_WEBHOOKS__SECRET."
        )
    return url


class JobLedger:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings

    def get(self, job_id: str) -> Job:
        job = self.store.jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"No job has the id {job_id!r}.")
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued job at once, or a running one after its current stage."""
        job = self.get(job_id)
        if job.finished or not self.store.jobs.cancel(job_id):
            raise ConflictError(
                f"Job {job_id} is {self.get(job_id).status}; it cannot be cancelled."
            )
        job = self.get(job_id)
        if job.status == "cancelled":
            self.after(job)
        return job

    def end(self, job: Job, status: JobStatus, error: str | None, **values: Any) -> Job:
        """Give a running job its terminal status and write its notices. A job that is no
        longer running (another process ended it) is left as it was, without notices."""
        if not self.store.jobs.finish(job.id, status, error=error, finished_at=utcnow(), **values):
            log.warning("job %s was no longer running; left as it was, not %s", job.id, status)
            return self.get(job.id)
        ended = self.get(job.id)
        self.after(ended)
        return ended

    def after(self, job: Job) -> None:
        """A finished job's webhook notice, and its batch's when it was the last one."""
        if job.webhook_url:
            self._notice(job.id, "check.finished", job.webhook_url, self.job_notice(job))
        if job.batch_id and self.store.batches.finish(job.batch_id):
            batch = self.store.batches.get(job.batch_id)
            if batch is not None and batch.webhook_url:
                jobs = self.store.jobs.in_batch(batch.id)
                counts = {s: sum(j.status == s for j in jobs) for s in {j.status for j in jobs}}
                body = {"batch_id": batch.id, "total": batch.total, "counts": counts}
                self._notice(batch.id, "batch.finished", batch.webhook_url, body)

    def job_notice(self, job: Job) -> dict[str, Any]:
        """What a finished job's webhook says: its outcome and, when done, its report (a
        whole text's: the page of its overview)."""
        body: dict[str, Any] = {
            "job_id": job.id,
            "status": job.status,
            "question": job.question,
            "error": job.error,
            "batch_id": job.batch_id,
        }
        if job.kind in ("text", "text_claim"):
            if job.status == "done" and job.check_id:
                body.update(text_id=job.check_id, url=f"/texts/{job.check_id}")
            return body
        placed = self.store.reports.version_of(job.check_id) if job.check_id else None
        if job.status == "done" and placed is not None:
            summary = self.store.reports.summary(placed[0])
            body.update(report_id=placed[0], version=placed[1], url=summary.url)
            body.update(verdict=summary.verdict, confidence=summary.confidence)
        return body

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
