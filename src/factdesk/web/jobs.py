"""Checks asked for over the web, run by a pool of worker threads and kept in SQLite.

The `jobs` table is the truth and the in-memory queue only wakes workers: a worker
claims a job with a conditional UPDATE, so no job runs twice, and a job accepted
before a crash is still there at the next start. Jobs that were running when the
server stopped are marked interrupted (their check too) and can be retried; a check
that had finished is published rather than lost.

Workers share one desk. The local model serialises its own calls with a lock, so
extra workers overlap only the stages that do not use it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import queue
import secrets
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from factdesk.desk import Desk
from factdesk.errors import ConflictError, FactdeskError, NotFoundError
from factdesk.models import CheckRecord
from factdesk.pipeline import run_check
from factdesk.store import SQLiteStore, now
from factdesk.understand import clean_question
from factdesk.web.catalog import Catalog
from factdesk.web.db import Database, fields
from factdesk.web.schemas import Job, JobKind, StageEvent

log = logging.getLogger(__name__)
INTERRUPTED = "The server stopped while this check was running; retry it to run it again."


class _LinkedStore(SQLiteStore):
    """The desk's store, telling the job row which check its pipeline run created.

    The link is written as soon as the check exists, so `Catalog.sync` never mistakes
    a web job's check for one made with the CLI.
    """

    def __init__(self, path: Path, link: Callable[[str], None]) -> None:
        super().__init__(path)
        self._link: Callable[[str], None] | None = link

    def save(self, record: CheckRecord) -> None:
        super().save(record)
        if self._link is not None:
            self._link(record.id)
            self._link = None


class _JobObserver:
    """Records each stage of a job's run in its row, for the progress stream."""

    def __init__(self, jobs: JobQueue, job_id: str) -> None:
        self._jobs, self._id = jobs, job_id
        self._events: list[StageEvent] = []

    def stage_started(self, stage: str) -> None:
        self._add(StageEvent(stage=stage, state="started"))

    def stage_finished(self, stage: str, seconds: float, note: str) -> None:
        self._add(StageEvent(stage=stage, state="finished", seconds=seconds, note=note))

    def _add(self, event: StageEvent) -> None:
        self._events.append(event)
        self._jobs.set_events(self._id, self._events)


class JobQueue:
    """Submit, run, retry and look up jobs; `start` and `stop` own the worker threads."""

    def __init__(self, desk: Desk, catalog: Catalog, workers: int) -> None:
        self.desk, self.catalog, self.workers = desk, catalog, workers
        self._db = Database(desk.store.path)
        self._wake: queue.Queue[str | None] = queue.Queue()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- submitting and reading -------------------------------------------------
    def submit(self, question: str, refresh_of: str | None = None) -> Job:
        """Queue a check (or a refresh of report `refresh_of`); invalid questions raise."""
        cleaned = clean_question(question, self.desk.settings.pipeline.max_question_chars)
        kind: JobKind = "refresh" if refresh_of else "check"
        job = Job(
            id=secrets.token_hex(6),
            kind=kind,
            question=cleaned,
            status="queued",
            report_id=refresh_of,
            created_at=now(),
        )
        self._db.execute(
            "INSERT INTO jobs(id, kind, question, status, report_id, created_at) "
            "VALUES (?,?,?,?,?,?)",
            (job.id, job.kind, job.question, job.status, job.report_id, job.created_at.isoformat()),
        )
        self._wake.put(job.id)
        return job

    def refresh(self, report_id: str, question: str) -> Job:
        """A refresh of a page, or the one already queued or running for it."""
        with self._db.transaction():
            row = self._db.row(
                "SELECT * FROM jobs WHERE kind='refresh' AND report_id=? "
                "AND status IN ('queued', 'running') ORDER BY created_at LIMIT 1",
                (report_id,),
            )
            return _job(row) if row is not None else self.submit(question, refresh_of=report_id)

    def retry(self, job_id: str) -> Job:
        """Queue a failed or interrupted job again under the same id."""
        job = self.get(job_id)
        if job.status not in ("failed", "interrupted"):
            raise ConflictError(
                f"Job {job_id} is {job.status}; only failed or interrupted jobs can be retried."
            )
        claimed = self._db.execute(
            "UPDATE jobs SET status='queued', error=NULL, check_id=NULL, events='[]', "
            "attempts=attempts+1, started_at=NULL, finished_at=NULL "
            "WHERE id=? AND status IN ('failed', 'interrupted')",
            (job_id,),
        )
        if claimed:
            self._wake.put(job_id)
        return self.get(job_id)

    def get(self, job_id: str) -> Job:
        row = self._db.row("SELECT * FROM jobs WHERE id=?", (job_id,))
        if row is None:
            raise NotFoundError(f"No job has the id {job_id!r}.")
        return _job(row)

    def find(self, job_id: str) -> Job | None:
        try:
            return self.get(job_id)
        except NotFoundError:
            return None

    # --- workers ---------------------------------------------------------------
    def recover(self) -> int:
        """Settle jobs left by a previous server and queue the ones still waiting."""
        settled = 0
        for row in self._db.rows("SELECT * FROM jobs WHERE status='running'"):
            job = _job(row)
            record = self._check(job.check_id)
            if record is not None and record.status == "done":
                self._publish(job, record)
            else:
                if record is not None and record.status == "running":
                    record.status, record.error = "failed", INTERRUPTED
                    self.desk.store.save(record)
                self._update(job.id, status="interrupted", error=INTERRUPTED, finished_at=_now())
            settled += 1
        for row in self._db.rows("SELECT id FROM jobs WHERE status='queued' ORDER BY created_at"):
            self._wake.put(row["id"])
        self.catalog.sync()
        return settled

    def set_events(self, job_id: str, events: list[StageEvent]) -> None:
        self._update(job_id, events=json.dumps([e.model_dump() for e in events]))

    def start(self) -> None:
        self._stopping.clear()
        for n in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"factdesk-job-{n}", daemon=True)
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

    def _work(self) -> None:
        while (job_id := self._wake.get()) is not None and not self._stopping.is_set():
            claimed = self._db.execute(
                "UPDATE jobs SET status='running', started_at=? WHERE id=? AND status='queued'",
                (_now(), job_id),
            )
            if claimed:
                self._run(self.get(job_id))

    def _run(self, job: Job) -> None:
        store = _LinkedStore(self.desk.store.path, lambda cid: self._update(job.id, check_id=cid))
        try:
            record = run_check(
                dataclasses.replace(self.desk, store=store),
                job.question,
                _JobObserver(self, job.id),
            )
            self._publish(job, record)
        except FactdeskError as exc:
            self._update(job.id, status="failed", error=str(exc), finished_at=_now())
        except Exception as exc:  # a bug must fail one job, not kill the worker
            log.exception("job %s failed", job.id)
            self._update(
                job.id, status="failed", error=f"{type(exc).__name__}: {exc}", finished_at=_now()
            )
        finally:
            store.close()

    def _publish(self, job: Job, record: CheckRecord) -> None:
        report_id, _ = self.catalog.add(record, job.report_id)
        self._update(
            job.id, status="done", report_id=report_id, check_id=record.id, finished_at=_now()
        )

    def _check(self, check_id: str | None) -> CheckRecord | None:
        if check_id is None:
            return None
        try:
            return self.desk.store.load(check_id)
        except NotFoundError:
            return None

    # --- SQL ---------------------------------------------------------------------
    def _update(self, job_id: str, **values: Any) -> None:
        columns = ", ".join(f"{name}=?" for name in values)
        self._db.execute(f"UPDATE jobs SET {columns} WHERE id=?", (*values.values(), job_id))


def _now() -> str:
    return now().isoformat()


def _job(row: sqlite3.Row) -> Job:
    data = fields(row)
    data["events"] = json.loads(data["events"])
    return Job.model_validate(data)
