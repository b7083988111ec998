"""Stored checks in SQLite: running, done with a report, or failed with error and trail."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

from factdesk.errors import NotFoundError
from factdesk.migrations import STORE_MIGRATIONS, connect, migrate
from factdesk.models import CheckRecord, CheckStatus


def new_check_id() -> str:
    """Short, URL-safe and unguessable enough to share."""
    return secrets.token_hex(5)


def now() -> datetime:
    return datetime.now(UTC)


class SQLiteStore:
    """The default report store; one row per check, the record as JSON."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = connect(path)
        self._lock = threading.Lock()
        migrate(self._conn, STORE_MIGRATIONS, "store")

    def save(self, record: CheckRecord) -> None:
        record.updated_at = now()
        with self._lock:
            self._conn.execute(
                "INSERT INTO checks(id, question, status, created_at, updated_at, category, "
                "verdict, settings_hash, record) VALUES (?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(id) DO UPDATE SET status=excluded.status, "
                "updated_at=excluded.updated_at, category=excluded.category, "
                "verdict=excluded.verdict, settings_hash=excluded.settings_hash, "
                "record=excluded.record",
                (
                    record.id,
                    record.question,
                    record.status,
                    record.created_at.isoformat(),
                    record.updated_at.isoformat(),
                    record.category,
                    record.verdict,
                    record.settings_hash,
                    record.model_dump_json(),
                ),
            )

    def load(self, check_id: str) -> CheckRecord:
        row = self._conn.execute("SELECT record FROM checks WHERE id=?", (check_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"No stored check has the id {check_id!r}; see `factdesk list`.")
        return CheckRecord.model_validate_json(row["record"])

    def recent(self, limit: int = 20, status: CheckStatus | None = None) -> list[CheckRecord]:
        query = "SELECT record FROM checks"
        args: list[object] = []
        if status:
            query += " WHERE status=?"
            args.append(status)
        query += " ORDER BY created_at DESC LIMIT ?"
        args.append(limit)
        rows = self._conn.execute(query, args).fetchall()
        return [CheckRecord.model_validate_json(r["record"]) for r in rows]

    def close(self) -> None:
        self._conn.close()
