"""The embedded store: checks, report pages, jobs and the rest in one SQLite file.

The statements are the ones every SQL store shares (see `factdesk.store.sql`); what is
SQLite's own is the file under FACTDESK_HOME and full-text search through FTS5. Job
progress is not pushed: the web app polls it.
"""

from __future__ import annotations

from pathlib import Path

from factdesk.plugins import Backend, NoSettings, Registry
from factdesk.sqlitedb import Database
from factdesk.store.migrations import sqlite_scripts
from factdesk.store.parts import SQLStore


class SQLiteStore(SQLStore):
    """Every part of the store on one connection to one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = Database(path, sqlite_scripts(), "store")
        super().__init__(self._db)

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
            summary="SQLite file under FACTDESK_HOME: checks, pages, jobs, archive (embedded).",
            factory=lambda context, _: SQLiteStore(context.settings.db_path),
            settings=NoSettings,
        )
    )
