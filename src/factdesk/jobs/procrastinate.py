"""The distributed job queue: Procrastinate, on the same PostgreSQL as the store.

Servers only enqueue (`factdesk serve` keeps no job state of its own, so any number of
replicas can run); `factdesk worker` processes on any machine that reaches the
database run the jobs. What Procrastinate guarantees, and what factdesk adds:

- at least once: a job is a row in `procrastinate_jobs` until a worker finishes it;
  `queueing_lock` (the job id) keeps one waiting copy per job and `lock` keeps two
  copies from running at once; the store's conditional claim makes a late copy a no-op;
- a dead worker is noticed: workers write a heartbeat every `heartbeat_s`; each worker
  looks every `stalled_check_s` for running jobs whose worker has been silent for
  `stalled_after_s` and queues them again, and the next attempt continues the job's
  check after its last finished stage (`JobService.run` takes the job over);
- backoff: a model or search failure (`RetryLaterError`) is retried after
  `retry_backoff_s`, then its square, and so on, up to `max_attempts` tries in all;
  the last one's failure is the job's visible `failed` state with its error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
from collections.abc import Sequence

import procrastinate
import psycopg
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.job_context import JobContext
from procrastinate.schema import SchemaManager
from pydantic import BaseModel, ConfigDict, Field

from factdesk.errors import RetryLaterError
from factdesk.plugins import Backend, BuildContext, Registry
from factdesk.protocols import JobAttempt, JobHandler
from factdesk.settings import UNHASHED

log = logging.getLogger(__name__)
TASK = "factdesk.run_job"


class ProcrastinateSettings(BaseModel):
    """How jobs are queued, retried and rescued; the database is FACTDESK_DATABASE_URL."""

    model_config = ConfigDict(extra="forbid")

    queue: str = Field(
        default="checks", description="The queue jobs go to.", json_schema_extra=UNHASHED
    )
    max_attempts: int = Field(
        default=3,
        ge=1,
        description="Tries of a job whose model or search backend fails.",
        json_schema_extra=UNHASHED,
    )
    retry_backoff_s: int = Field(
        default=3,
        ge=1,
        description="Wait before the second try, in seconds; each later wait is a power of it.",
        json_schema_extra=UNHASHED,
    )
    heartbeat_s: float = Field(
        default=5.0, gt=0, description="How often a worker says it is alive.",
        json_schema_extra=UNHASHED,
    )  # fmt: skip
    stalled_after_s: float = Field(
        default=30.0,
        gt=0,
        description="A worker silent this long is dead: its running jobs run again elsewhere.",
        json_schema_extra=UNHASHED,
    )
    stalled_check_s: float = Field(
        default=5.0, gt=0, description="How often a worker looks for jobs of dead workers.",
        json_schema_extra=UNHASHED,
    )  # fmt: skip


def ensure_schema(url: str) -> None:
    """Install Procrastinate's tables once; concurrent starts wait for each other."""
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('procrastinate-schema', 0))")
        found = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if found is None or found[0] is None:
            conn.execute(SchemaManager.get_schema())


class ProcrastinateQueue:
    embedded = False

    def __init__(self, url: str, options: ProcrastinateSettings) -> None:
        self.url, self.options = url, options
        self.app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
        self._handler: JobHandler | None = None
        self._open = False
        self._lock = threading.Lock()
        retry = procrastinate.RetryStrategy(
            max_attempts=options.max_attempts - 1,
            exponential_wait=options.retry_backoff_s,
            retry_exceptions={RetryLaterError},
        )

        @self.app.task(name=TASK, queue=options.queue, pass_context=True, retry=retry)
        def run_job(context: JobContext, job_id: str) -> None:
            if self._handler is None:
                raise RuntimeError("a job arrived before the worker had a handler")
            number = context.job.attempts + 1
            self._handler(job_id, JobAttempt(number, final=number >= options.max_attempts))

        self._task = run_job

    def _opened(self) -> None:
        with self._lock:
            if not self._open:
                ensure_schema(self.url)
                self.app.open()
                self._open = True

    def enqueue(self, job_id: str) -> None:
        """Queue a job; one already waiting under the same id is left as it is."""
        self._opened()
        with contextlib.suppress(AlreadyEnqueued):
            self._task.configure(queueing_lock=job_id, lock=job_id).defer(job_id=job_id)

    def start(self, handler: JobHandler) -> None:
        """A server only enqueues: its jobs run on `factdesk worker` processes."""
        self._handler = handler
        self._opened()

    def stop(self) -> None:
        with self._lock:
            if self._open:
                self.app.close()
                self._open = False

    def work(self, handler: JobHandler, concurrency: int, queues: Sequence[str]) -> None:
        """Run jobs, `concurrency` at a time, until SIGINT or SIGTERM."""
        self._handler = handler
        ensure_schema(self.url)
        name = f"{socket.gethostname()}:{os.getpid()}"
        asyncio.run(self._work(concurrency, list(queues) or [self.options.queue], name))

    async def _work(self, concurrency: int, queues: list[str], name: str) -> None:
        async with self.app.open_async():
            rescuer = asyncio.create_task(self._rescue_stalled())
            try:
                await self.app.run_worker_async(
                    queues=queues,
                    concurrency=concurrency,
                    name=name,
                    update_heartbeat_interval=self.options.heartbeat_s,
                    stalled_worker_timeout=self.options.stalled_after_s,
                    delete_jobs="successful",
                )
            finally:
                rescuer.cancel()

    async def _rescue_stalled(self) -> None:
        """Queue again the running jobs of workers whose heartbeat stopped."""
        manager = self.app.job_manager
        while True:
            await asyncio.sleep(self.options.stalled_check_s)
            try:
                stalled = await manager.get_stalled_jobs(
                    task_name=TASK, seconds_since_heartbeat=self.options.stalled_after_s
                )
                for job in stalled:
                    log.warning("job %s lost its worker; queueing it again", job.task_kwargs)
                    await manager.retry_job(job)
            except Exception:  # a database hiccup must not stop the worker
                log.exception("looking for stalled jobs failed")


def _build(context: BuildContext, options: ProcrastinateSettings) -> ProcrastinateQueue:
    return ProcrastinateQueue(context.settings.postgres_url("procrastinate queue"), options)


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="queue",
            name="procrastinate",
            summary="Procrastinate on PostgreSQL: `factdesk worker` processes anywhere run the "
            "jobs; retries, heartbeats, rescued jobs.",
            factory=_build,
            settings=ProcrastinateSettings,
        )
    )
