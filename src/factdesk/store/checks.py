"""Checks in the store's database: one row per check, its record as JSON.

Saving a finished check publishes it in the catalogue in the same transaction, so
every check, made by the CLI, the web, a worker or the library, has its page as soon
as it is done. A finished check is never overwritten: a second worker that finished
the same check (a job delivered twice) leaves the first one's report in place.
"""

from __future__ import annotations

from factdesk.errors import NotFoundError
from factdesk.records import CheckRecord, CheckStatus, Report, utcnow
from factdesk.store.catalog import SQLCatalog
from factdesk.store.sql import SQLDatabase


class SQLChecks:
    def __init__(self, db: SQLDatabase, catalog: SQLCatalog) -> None:
        self._db = db
        self._catalog = catalog

    def save(self, record: CheckRecord) -> None:
        record.updated_at = utcnow()
        with self._db.transaction():
            self._db.lock(f"check:{record.id}")
            self._db.execute(
                "INSERT INTO checks(id, question, status, created_at, updated_at, category, "
                "verdict, settings_hash, record) VALUES (?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(id) DO UPDATE SET status=excluded.status, "
                "updated_at=excluded.updated_at, category=excluded.category, "
                "verdict=excluded.verdict, settings_hash=excluded.settings_hash, "
                "record=excluded.record WHERE checks.status <> 'done'",
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
            if record.status == "done":
                self._catalog.publish(self.load(record.id))

    def load(self, check_id: str) -> CheckRecord:
        row = self._db.row("SELECT record FROM checks WHERE id=?", (check_id,))
        if row is None:
            raise NotFoundError(f"No stored check has the id {check_id!r}; see `factdesk list`.")
        return CheckRecord.model_validate_json(row["record"])

    def report(self, check_id: str) -> Report:
        report = self.load(check_id).report
        if report is None:
            raise NotFoundError(f"Check {check_id} has no report.")
        return report

    def recent(self, limit: int = 20, status: CheckStatus | None = None) -> list[CheckRecord]:
        query = "SELECT record FROM checks"
        args: list[object] = []
        if status:
            query += " WHERE status=?"
            args.append(status)
        query += " ORDER BY created_at DESC LIMIT ?"
        args.append(limit)
        rows = self._db.rows(query, tuple(args))
        return [CheckRecord.model_validate_json(r["record"]) for r in rows]

    def mark_running_failed(self, check_id: str, error: str) -> bool:
        with self._db.transaction():
            self._db.lock(f"check:{check_id}")
            try:
                record = self.load(check_id)
            except NotFoundError:
                return False
            if record.status != "running":
                return False
            record.status, record.error = "failed", error
            self.save(record)
            return True

    def publish_unpublished(self) -> int:
        """Publish finished checks that have no page yet (made before checks published
        themselves on save); return how many."""
        rows = self._db.rows(
            "SELECT id FROM checks WHERE status='done' "
            "AND id NOT IN (SELECT check_id FROM report_versions) ORDER BY created_at"
        )
        for row in rows:
            with self._db.transaction():
                self._catalog.publish(self.load(row["id"]))
        return len(rows)
