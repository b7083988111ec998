"""What a job does with a whole text: run its check, check one of its claims again, and
settle it when the process running it stopped.

A text's job names its text check (`check_id`) from the start, and `run_text` stores the
text's progress claim by claim, so any later attempt (a retry, or a redelivery after a
worker died) continues after the last claim checked. A `text_claim` job checks claim
`job.claim` of a finished text again and stores the updated overview.
"""

from __future__ import annotations

from factdesk.errors import NotFoundError
from factdesk.pipeline import Desk
from factdesk.pipeline.run import Observer
from factdesk.pipeline.wholetext import claim_note, recheck_claim, run_text
from factdesk.published import Job

TEXT_KINDS = frozenset({"text", "text_claim"})
TITLE_CHARS = 150


def run_text_job(desk: Desk, job: Job, observer: Observer) -> None:
    """Check the job's text (continuing after its last finished claim), or one of its
    claims again; a failed text check is stored failed with its progress, a failed claim
    refresh leaves the overview as it was."""
    if job.check_id is None:
        raise NotFoundError(f"Job {job.id} names no text to check.")
    texts = desk.store.texts
    if job.kind == "text":
        run_text(desk, texts.load(job.check_id), observer)
        return
    record = texts.load(job.check_id)
    if record.overview is not None and job.claim is not None:
        stage = f"claim {job.claim}"
        observer.stage_started(stage)
        record.overview = recheck_claim(desk, record.overview, job.claim)
        claim = next(c for c in record.overview.claims if c.n == job.claim)
        observer.stage_finished(stage, claim.seconds, claim_note(claim))
    record.status, record.error = "done", None
    texts.save(record)


def settle_text(desk: Desk, job: Job, error: str) -> bool:
    """A text job a stopped process was running: True when its text had finished (a
    claim refresh only ever leaves a finished text); else its text check is marked failed
    with `error`, its progress kept, and False."""
    if job.check_id is None:
        return False
    texts = desk.store.texts
    try:
        finished = job.kind == "text" and texts.load(job.check_id).status == "done"
    except NotFoundError:
        return False
    if not finished and job.kind == "text":
        texts.mark_running_failed(job.check_id, error)
    return finished
