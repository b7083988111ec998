"""Job changes pushed by PostgreSQL: one LISTEN connection per process, many listeners.

A trigger (migration 3) sends the id of every job inserted or updated on the
`factdesk_jobs` channel when its transaction commits, whichever process made the
change. A daemon thread here waits for those notifications and hands each id to the
subscribed listeners (the web app's progress streams). A dropped connection is
reopened; what changed meanwhile is caught by the streams' slow fallback poll.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable

import psycopg

from factdesk.store.migrations import JOBS_CHANNEL

log = logging.getLogger(__name__)


class JobListener:
    def __init__(self, url: str) -> None:
        self._url = url
        self._listeners: dict[int, Callable[[str], None]] = {}
        self._keys = itertools.count()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._listening = threading.Event()

    def subscribe(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Start calling `listener(job_id)`; return the function that stops it. Returns
        once the process is listening, so no change after it is missed."""
        with self._lock:
            key = next(self._keys)
            self._listeners[key] = listener
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._listen, name="factdesk-job-listener", daemon=True
                )
                self._thread.start()
        self._listening.wait(10)

        def unsubscribe() -> None:
            with self._lock:
                self._listeners.pop(key, None)

        return unsubscribe

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {JOBS_CHANNEL}")
                    self._listening.set()
                    while not self._stopping.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self._dispatch(note.payload)
            except psycopg.Error as exc:
                self._listening.clear()
                log.warning("job notifications interrupted (%s); reconnecting", exc)
                self._stopping.wait(1.0)

    def _dispatch(self, job_id: str) -> None:
        with self._lock:
            listeners = list(self._listeners.values())
        for listener in listeners:
            try:
                listener(job_id)
            except Exception:  # one broken listener must not stop the others
                log.exception("a job listener failed")

    def close(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5)
