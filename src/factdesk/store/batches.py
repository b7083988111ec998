"""Batches in the store's database: a row per batch, its questions as jobs."""

from __future__ import annotations

from collections.abc import Sequence

from factdesk.published import Batch, Job
from factdesk.records import utcnow
from factdesk.sqlitedb import fields
from factdesk.store.jobs import _INSERT, job_values
from factdesk.store.sql import SQLDatabase


class SQLBatches:
    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    def add(self, batch: Batch, jobs: Sequence[Job]) -> None:
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO batches(id, total, webhook_url, token_id, created_at) "
                "VALUES (?,?,?,?,?)",
                (
                    batch.id,
                    batch.total,
                    batch.webhook_url,
                    batch.token_id,
                    batch.created_at.isoformat(),
                ),
            )
            for job in jobs:
                self._db.execute(_INSERT, job_values(job))

    def get(self, batch_id: str) -> Batch | None:
        row = self._db.row("SELECT * FROM batches WHERE id=?", (batch_id,))
        return None if row is None else Batch.model_validate(fields(row))

    def finish(self, batch_id: str) -> bool:
        """The conditional update makes exactly one caller see True, however many workers
        finish the batch's last jobs at the same moment."""
        return bool(
            self._db.execute(
                "UPDATE batches SET finished_at=? WHERE id=? AND finished_at IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM jobs WHERE batch_id=? "
                "AND status IN ('queued', 'running'))",
                (utcnow().isoformat(), batch_id, batch_id),
            )
        )
