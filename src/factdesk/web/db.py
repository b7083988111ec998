"""One SQLite connection shared by the server's threads, one whole statement at a time.

SQLite refuses a write on a connection whose read statement (begun on an older
snapshot by another thread) is still open: "database is locked", without waiting.
Running each statement to completion under a lock rules that out.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from factdesk.migrations import connect


class Database:
    def __init__(self, path: Path) -> None:
        self._conn = connect(path)
        self._lock = threading.RLock()

    def rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def row(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        found = self.rows(sql, args)
        return found[0] if found else None

    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        """Run a write; return how many rows it changed."""
        with self._lock:
            return self._conn.execute(sql, args).rowcount

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Statements inside run as one write transaction; other threads wait."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")


def fields(row: sqlite3.Row) -> dict[str, Any]:
    """A row as a dict (a Row has keys but is not a mapping)."""
    return {key: row[key] for key in row.keys()}  # noqa: SIM118
