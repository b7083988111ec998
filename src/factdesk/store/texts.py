"""Whole-text checks in the store's database: one row per text, its record as JSON.

A text's progress is saved claim by claim, so a check continued by another attempt or
another worker starts from the last claim saved.
"""

from __future__ import annotations

from factdesk.errors import NotFoundError
from factdesk.records import TextCheckRecord, utcnow
from factdesk.store.sql import SQLDatabase


class SQLTextChecks:
    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    def save(self, record: TextCheckRecord) -> None:
        record.updated_at = utcnow()
        self._db.execute(
            "INSERT INTO text_checks(id, status, created_at, updated_at, record) "
            "VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET status=excluded.status, "
            "updated_at=excluded.updated_at, record=excluded.record",
            (
                record.id,
                record.status,
                record.created_at.isoformat(),
                record.updated_at.isoformat(),
                record.model_dump_json(),
            ),
        )

    def load(self, text_id: str) -> TextCheckRecord:
        row = self._db.row("SELECT record FROM text_checks WHERE id=?", (text_id,))
        if row is None:
            raise NotFoundError(f"No checked text has the id {text_id!r}.")
        return TextCheckRecord.model_validate_json(row["record"])

    def recent(self, limit: int = 20) -> list[TextCheckRecord]:
        rows = self._db.rows(
            "SELECT record FROM text_checks ORDER BY created_at DESC LIMIT ?", (limit,)
        )
        return [TextCheckRecord.model_validate_json(r["record"]) for r in rows]

    def mark_running_failed(self, text_id: str, error: str) -> bool:
        with self._db.transaction():
            self._db.lock(f"text:{text_id}")
            try:
                record = self.load(text_id)
            except NotFoundError:
                return False
            if record.status != "running":
                return False
            record.status, record.error = "failed", error
            self.save(record)
            return True
