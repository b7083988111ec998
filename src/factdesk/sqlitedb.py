"""SQLite as every factdesk database file uses it: connections, migrations, statements.

Migrations are append-only lists, applied in order; a database records how many it
has applied in `PRAGMA user_version`. Never edit or reorder a migration that has
shipped; append a new one instead.

One connection is shared by a process's threads, one whole statement at a time:
SQLite refuses a write on a connection whose read statement (begun on an older
snapshot by another thread) is still open ("database is locked", without waiting).
Running each statement to completion under a lock rules that out.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from factdesk.errors import BackendError
from factdesk.text import STOPWORDS

_WORD = re.compile(r"\w+", re.UNICODE)


def connect(path: Path) -> sqlite3.Connection:
    """Open a database with the settings every factdesk database uses."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30.0, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def migrate(conn: sqlite3.Connection, migrations: Sequence[str], name: str) -> int:
    """Apply the migrations this database has not seen yet; return the new version."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > len(migrations):
        raise BackendError(
            name,
            f"the database is at schema version {version}, newer than this factdesk knows "
            f"({len(migrations)}); upgrade factdesk",
        )
    for number, script in enumerate(migrations[version:], start=version + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
    return len(migrations)


def _statements(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.strip().splitlines():
        buffer += line + "\n"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression: the query's content words, quoted, OR-ed together.

    Quoting every term keeps user text from being read as FTS5 syntax.
    """
    return " OR ".join(fts_terms(text))


def fts_terms(text: str) -> list[str]:
    """The query's content words, each quoted as an FTS5 phrase, without repeats."""
    terms: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        quoted = '"' + word.replace('"', '""') + '"'
        if quoted not in terms:
            terms.append(quoted)
    return terms


class Database:
    engine = "sqlite"

    def __init__(self, path: Path, migrations: Sequence[str] = (), name: str = "") -> None:
        self.path = path
        self._conn = connect(path)
        self._lock = threading.RLock()
        self._depth = 0
        if migrations:
            migrate(self._conn, migrations, name)

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
        """Statements inside run as one write transaction; other threads wait. Nested
        transactions join the outermost one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0
            self._conn.execute("COMMIT")

    def lock(self, key: str) -> None:
        """Serialise writers on `key` inside a transaction: nothing to do here, since a
        write transaction (BEGIN IMMEDIATE) already excludes every other writer."""

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def fields(row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    """A row as a dict (an SQLite Row has keys but is not a mapping)."""
    return {key: row[key] for key in row.keys()}  # noqa: SIM118
