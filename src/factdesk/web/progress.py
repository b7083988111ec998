"""Waking progress streams when their job changes: pushed where the store can push.

With PostgreSQL every change of a job, made by any worker or server, is announced on a
channel that each server process listens to once (`JobStore.subscribe`); a stream then
sleeps until its job is named, with a slow poll only as a safety net for a dropped
connection. With SQLite nothing is pushed and streams poll, as they always did.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from factdesk.protocols import JobStore


class Watch:
    """One stream's view of its job: `wait` returns after a change (or a poll interval)."""

    def __init__(self, pushed: bool, poll_s: float, fallback_s: float) -> None:
        self._event = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._pushed, self._poll_s, self._fallback_s = pushed, poll_s, fallback_s

    def changed(self) -> None:
        """Called from the listener's thread."""
        self._loop.call_soon_threadsafe(self._event.set)

    def seen(self) -> None:
        """Call before reading the job, so a change after the read still wakes `wait`."""
        self._event.clear()

    async def wait(self) -> None:
        if not self._pushed:
            await asyncio.sleep(self._poll_s)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), self._fallback_s)


class ProgressHub:
    def __init__(self, jobs: JobStore, poll_s: float = 0.2, fallback_s: float = 5.0) -> None:
        self._jobs = jobs
        self.poll_s, self.fallback_s = poll_s, fallback_s
        self._watches: dict[str, set[Watch]] = {}
        self._lock = threading.Lock()
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def pushed(self) -> bool:
        return self._unsubscribe is not None

    def start(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self._jobs.subscribe(self._changed)

    def _changed(self, job_id: str) -> None:
        with self._lock:
            watches = list(self._watches.get(job_id, ()))
        for watch in watches:
            watch.changed()

    @contextmanager
    def watch(self, job_id: str) -> Iterator[Watch]:
        watch = Watch(self.pushed, self.poll_s, self.fallback_s)
        with self._lock:
            self._watches.setdefault(job_id, set()).add(watch)
        try:
            yield watch
        finally:
            with self._lock:
                self._watches[job_id].discard(watch)
                if not self._watches[job_id]:
                    del self._watches[job_id]

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
