"""What a job's run tells the store: the check it made, each stage as it starts and
ends (the progress every server replica streams), and a stop between stages once the
job is cancelled."""

from __future__ import annotations

from factdesk.errors import CheckCancelled
from factdesk.jobs.ledger import CANCELLED
from factdesk.protocols import JobStore
from factdesk.published import StageEvent


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
