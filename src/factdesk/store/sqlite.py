"""The embedded store: checks, report pages, jobs and the rest in one SQLite file.

The statements are the ones every SQL store shares (see `factdesk.store.sql`); what is
SQLite's own is the file under FACTDESK_HOME and full-text search through FTS5. Job
progress is not pushed: the web app polls it.
"""

from __future__ import annotations

from pathlib import Path

from factdesk.plugins import Backend, NoSettings, Registry
from factdesk.sqlitedb import Database
from factdesk.store.batches import SQLBatches
from factdesk.store.catalog import SQLCatalog
from factdesk.store.checks import SQLChecks
from factdesk.store.deliveries import SQLDeliveries
from factdesk.store.jobs import SQLJobs
from factdesk.store.migrations import sqlite_scripts
from factdesk.store.tokens import SQLTokens


class SQLiteStore:
    """Every part of the store on one connection to one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = Database(path, sqlite_scripts(), "store")
        self.reports = SQLCatalog(self._db, lambda check_id: self.checks.report(check_id))
        self.checks = SQLChecks(self._db, self.reports)
        self.jobs = SQLJobs(self._db)
        self.batches = SQLBatches(self._db)
        self.deliveries = SQLDeliveries(self._db)
        self.tokens = SQLTokens(self._db)
        self.checks.publish_unpublished()

    @property
    def schema_version(self) -> int:
        return int(self._db.row("PRAGMA user_version")[0])  # type: ignore[index]

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
