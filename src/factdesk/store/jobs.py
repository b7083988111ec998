"""Jobs in the store's database: what the queue runs, with their events and their check.

The `jobs` table is the truth about every job, whichever queue runs it; conditional
updates keep two workers from claiming one job, a refresh takes a lock on its page
so that two servers never queue two refreshes of it, and admitting a client's jobs
takes a lock on the client so that two servers never both fill its last open slot.
Statements run on both engines.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from factdesk.published import Job, JobStatus, StageEvent
from factdesk.records import utcnow
from factdesk.sqlitedb import fields
from factdesk.store.sql import SQLDatabase, assignments

_COLUMNS = frozenset(
    {"status", "report_id", "check_id", "error", "events", "started_at", "finished_at"}
)
_INSERT = (
    "INSERT INTO jobs(id, kind, question, status, report_id, check_id, claim, created_at, "
    "client, batch_id, batch_index, webhook_url, token_id, policy) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def job_values(job: Job) -> tuple[Any, ...]:
    return (
        job.id,
        job.kind,
        job.question,
        job.status,
        job.report_id,
        job.check_id,
        job.claim,
        job.created_at.isoformat(),
        job.client,
        job.batch_id,
        job.batch_index,
        job.webhook_url,
        job.token_id,
        job.policy.model_dump_json() if job.policy is not None else None,
    )


class SQLJobs:
    """Jobs; `subscribe` is the engine's (PostgreSQL pushes, SQLite does not)."""

    def __init__(
        self,
        db: SQLDatabase,
        subscribe: Callable[[Callable[[str], None]], Callable[[], None] | None] | None = None,
    ) -> None:
        self._db = db
        self._subscribe = subscribe

    def add(self, job: Job) -> None:
        self._db.execute(_INSERT, job_values(job))

    def get(self, job_id: str) -> Job | None:
        row = self._db.row("SELECT * FROM jobs WHERE id=?", (job_id,))
        return None if row is None else _job(row)

    def claim(self, job_id: str) -> bool:
        return bool(
            self._db.execute(
                "UPDATE jobs SET status='running', started_at=? WHERE id=? AND status='queued'",
                (utcnow().isoformat(), job_id),
            )
        )

    def take_over(self, job_id: str) -> bool:
        return bool(
            self._db.execute(
                "UPDATE jobs SET attempts=attempts+1, started_at=? WHERE id=? AND status='running'",
                (utcnow().isoformat(), job_id),
            )
        )

    def update(self, job_id: str, **values: Any) -> None:
        self._set(job_id, values, "")

    def finish(self, job_id: str, status: JobStatus, **values: Any) -> bool:
        return self._set(job_id, {**values, "status": status}, " AND status='running'") > 0

    def _set(self, job_id: str, values: dict[str, Any], condition: str) -> int:
        columns, args = assignments(values, _COLUMNS, "jobs")
        return self._db.execute(f"UPDATE jobs SET {columns} WHERE id=?{condition}", (*args, job_id))

    def open_jobs(self, client: str) -> int:
        row = self._db.row(
            "SELECT COUNT(*) AS n FROM jobs WHERE client=? AND status IN ('queued', 'running')",
            (client,),
        )
        return int(row["n"]) if row is not None else 0

    @contextmanager
    def admitting(self, client: str) -> Iterator[int]:
        with self._db.transaction():
            self._db.lock(f"client:{client}")
            yield self.open_jobs(client)

    def set_events(self, job_id: str, events: Sequence[StageEvent]) -> None:
        self.update(job_id, events=json.dumps([e.model_dump() for e in events]))

    def requeue(self, job_id: str) -> bool:
        return bool(
            self._db.execute(
                "UPDATE jobs SET status='queued', error=NULL, events='[]', cancel_requested=0, "
                "attempts=attempts+1, started_at=NULL, finished_at=NULL "
                "WHERE id=? AND status IN ('failed', 'interrupted', 'cancelled')",
                (job_id,),
            )
        )

    def cancel(self, job_id: str) -> bool:
        with self._db.transaction():
            if self._db.execute(
                "UPDATE jobs SET status='cancelled', finished_at=? WHERE id=? AND status='queued'",
                (utcnow().isoformat(), job_id),
            ):
                return True
            return bool(
                self._db.execute(
                    "UPDATE jobs SET cancel_requested=1 WHERE id=? AND status='running'",
                    (job_id,),
                )
            )

    def add_refresh(self, job: Job) -> Job:
        with self._db.transaction():
            self._db.lock(f"refresh:{job.report_id}")
            row = self._db.row(
                "SELECT * FROM jobs WHERE kind='refresh' AND report_id=? "
                "AND status IN ('queued', 'running') ORDER BY created_at LIMIT 1",
                (job.report_id,),
            )
            if row is not None:
                return _job(row)
            self.add(job)
            return job

    def with_status(self, status: JobStatus) -> list[Job]:
        rows = self._db.rows("SELECT * FROM jobs WHERE status=? ORDER BY created_at", (status,))
        return [_job(row) for row in rows]

    def in_batch(self, batch_id: str) -> list[Job]:
        rows = self._db.rows(
            "SELECT * FROM jobs WHERE batch_id=? ORDER BY batch_index", (batch_id,)
        )
        return [_job(row) for row in rows]

    def subscribe(self, listener: Callable[[str], None]) -> Callable[[], None] | None:
        return None if self._subscribe is None else self._subscribe(listener)


def _job(row: Any) -> Job:
    data = fields(row)
    data["events"] = json.loads(data["events"])
    data["policy"] = json.loads(data["policy"]) if data.get("policy") else None
    data["cancel_requested"] = bool(data["cancel_requested"])
    return Job.model_validate(data)
