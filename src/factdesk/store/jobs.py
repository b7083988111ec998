"""Jobs in SQLite: the rows the web's queue runs, with their events and their check."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from factdesk.published import Job, JobStatus, StageEvent
from factdesk.records import utcnow
from factdesk.sqlitedb import Database, fields

_COLUMNS = frozenset(
    {"status", "report_id", "check_id", "error", "events", "started_at", "finished_at"}
)


class SQLiteJobs:
    """The `jobs` table is the truth about every job; conditional updates keep two
    workers from claiming one job."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, job: Job) -> None:
        self._db.execute(
            "INSERT INTO jobs(id, kind, question, status, report_id, check_id, claim, "
            "created_at, client) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                job.id,
                job.kind,
                job.question,
                job.status,
                job.report_id,
                job.check_id,
                job.claim,
                job.created_at.isoformat(),
                job.client,
            ),
        )

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

    def update(self, job_id: str, **values: Any) -> None:
        self._set(job_id, values, "")

    def finish(self, job_id: str, status: JobStatus, **values: Any) -> bool:
        return self._set(job_id, {**values, "status": status}, " AND status='running'") > 0

    def _set(self, job_id: str, values: dict[str, Any], condition: str) -> int:
        unknown = set(values) - _COLUMNS
        if unknown:
            raise ValueError(f"jobs have no column {sorted(unknown)}")
        stored = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}
        columns = ", ".join(f"{name}=?" for name in stored)
        return self._db.execute(
            f"UPDATE jobs SET {columns} WHERE id=?{condition}", (*stored.values(), job_id)
        )

    def open_jobs(self, client: str) -> int:
        row = self._db.row(
            "SELECT COUNT(*) FROM jobs WHERE client=? AND status IN ('queued', 'running')",
            (client,),
        )
        return int(row[0]) if row is not None else 0

    def set_events(self, job_id: str, events: Sequence[StageEvent]) -> None:
        self.update(job_id, events=json.dumps([e.model_dump() for e in events]))

    def requeue(self, job_id: str) -> bool:
        return bool(
            self._db.execute(
                "UPDATE jobs SET status='queued', error=NULL, events='[]', "
                "attempts=attempts+1, started_at=NULL, finished_at=NULL "
                "WHERE id=? AND status IN ('failed', 'interrupted')",
                (job_id,),
            )
        )

    def add_refresh(self, job: Job) -> Job:
        with self._db.transaction():
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


def _job(row: sqlite3.Row) -> Job:
    data = fields(row)
    data["events"] = json.loads(data["events"])
    return Job.model_validate(data)
