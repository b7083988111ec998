"""The embedded job queue: worker threads inside the server process.

The in-memory queue only wakes workers; the store's jobs table stays the truth, so a
job queued before a restart is queued again by `JobService.recover`. Workers share
one desk: the local model serialises its own calls, so extra workers overlap only the
stages that do not use it (they pay off with hosted models).
"""

from __future__ import annotations

import queue
import threading

from pydantic import BaseModel

from factdesk.plugins import Backend, Registry
from factdesk.protocols import JobAttempt, JobHandler


class InProcessQueue:
    embedded = True

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._wake: queue.Queue[str | None] = queue.Queue()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def enqueue(self, job_id: str) -> None:
        self._wake.put(job_id)

    def start(self, handler: JobHandler) -> None:
        self._stopping.clear()
        for n in range(self.workers):
            thread = threading.Thread(
                target=self._work, args=(handler,), name=f"factdesk-job-{n}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Let workers finish their current job; what is still running is settled on restart."""
        self._stopping.set()
        for _ in self._threads:
            self._wake.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _work(self, handler: JobHandler) -> None:
        while (job_id := self._wake.get()) is not None and not self._stopping.is_set():
            handler(job_id, JobAttempt())


class InProcessSettings(BaseModel):
    """Workers come from `server.workers` (`FACTDESK_SERVER__WORKERS`)."""

    model_config = {"extra": "forbid"}


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="queue",
            name="inprocess",
            summary="Worker threads inside `factdesk serve` (embedded; one server per home).",
            factory=lambda context, options: InProcessQueue(context.settings.server.workers),
            settings=InProcessSettings,
        )
    )
