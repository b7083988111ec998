"""The embedded store: checks, report pages and jobs in one SQLite file.

One row per check holds the record as JSON. Saving a finished check publishes it in
the catalogue in the same transaction, so every check, made by the CLI, the web or
the library, has its page as soon as it is done.
"""

from __future__ import annotations

from pathlib import Path

from factdesk.errors import NotFoundError
from factdesk.plugins import Backend, NoSettings, Registry
from factdesk.records import CheckRecord, CheckStatus, Report, TextCheckRecord, utcnow
from factdesk.sqlitedb import Database
from factdesk.store.catalog import SQLiteCatalog
from factdesk.store.jobs import SQLiteJobs
from factdesk.store.migrations import STORE_MIGRATIONS


class SQLiteChecks:
    def __init__(self, db: Database, catalog: SQLiteCatalog) -> None:
        self._db = db
        self._catalog = catalog

    def save(self, record: CheckRecord) -> None:
        record.updated_at = utcnow()
        with self._db.transaction():
            self._db.execute(
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
            if record.status == "done":
                self._catalog.publish(record)

    def load(self, check_id: str) -> CheckRecord:
        row = self._db.row("SELECT record FROM checks WHERE id=?", (check_id,))
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
        rows = self._db.rows(query, tuple(args))
        return [CheckRecord.model_validate_json(r["record"]) for r in rows]

    def mark_running_failed(self, check_id: str, error: str) -> bool:
        with self._db.transaction():
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


class SQLiteTextChecks:
    """Whole-text checks, one row each, the record as JSON."""

    def __init__(self, db: Database) -> None:
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
            try:
                record = self.load(text_id)
            except NotFoundError:
                return False
            if record.status != "running":
                return False
            record.status, record.error = "failed", error
            self.save(record)
            return True


class SQLiteStore:
    """Checks, report pages, jobs and whole-text checks on one connection to one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = Database(path, STORE_MIGRATIONS, "store")
        self.reports = SQLiteCatalog(self._db, self._report)
        self.checks = SQLiteChecks(self._db, self.reports)
        self.jobs = SQLiteJobs(self._db)
        self.texts = SQLiteTextChecks(self._db)
        self.checks.publish_unpublished()

    def _report(self, check_id: str) -> Report:
        report = self.checks.load(check_id).report
        if report is None:
            raise NotFoundError(f"Check {check_id} has no report.")
        return report

    def close(self) -> None:
        self._db.close()


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="store",
            name="sqlite",
            summary="SQLite file under FACTDESK_HOME: checks, report pages, jobs (embedded).",
            factory=lambda context, _: SQLiteStore(context.settings.db_path),
            settings=NoSettings,
        )
    )
