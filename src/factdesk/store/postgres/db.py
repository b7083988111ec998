"""PostgreSQL as the store's shared statements use it: a pool, transactions, migrations.

Statements outside a transaction each borrow a pooled connection in autocommit mode.
A transaction pins one connection to the calling thread until it ends, so the
statements inside it (and nested transactions, which join it) share it. `lock` takes
a transaction-level advisory lock: the PostgreSQL counterpart of SQLite's single
writer, scoped to one key (a page, a check) instead of the whole file.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from factdesk.errors import BackendError

SCHEMA_TABLE = "factdesk_schema"


def _unreachable(exc: Exception) -> BackendError:
    return BackendError("postgres", f"the database cannot be reached or refused a statement: {exc}")


class PostgresDatabase:
    engine = "postgres"

    def __init__(
        self, url: str, min_size: int, max_size: int, migrations: Sequence[str], name: str
    ) -> None:
        self._pool: ConnectionPool[psycopg.Connection[dict[str, Any]]] = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True, "row_factory": dict_row},
            open=False,
            name=f"factdesk-{name}",
        )
        try:
            self._pool.open(wait=True, timeout=30)
        except PoolTimeout as exc:
            self._pool.close()
            raise BackendError("postgres", f"no connection to the database in 30 s: {exc}") from exc
        self._local = threading.local()
        self.version = self._migrate(migrations, name)

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        current = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        try:
            with self._pool.connection() as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise _unreachable(exc) from exc

    @staticmethod
    def _sql(sql: str) -> str:
        """The shared statements' `?` placeholders as psycopg's."""
        return sql.replace("?", "%s")

    def rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._connection() as conn:
            return conn.execute(self._sql(sql), args).fetchall()

    def row(self, sql: str, args: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        found = self.rows(sql, args)
        return found[0] if found else None

    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        with self._connection() as conn:
            return conn.execute(self._sql(sql), args).rowcount

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with self._connection() as conn, conn.transaction():
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    def lock(self, key: str) -> None:
        if getattr(self._local, "conn", None) is None:
            raise RuntimeError("a lock is held by a transaction; take it inside one")
        self.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))

    def _migrate(self, migrations: Sequence[str], name: str) -> int:
        """Apply the migrations this database has not seen, all in one transaction, with
        concurrent starts (replicas, workers) waiting for each other."""
        with self._connection() as conn, conn.transaction():
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"migrate:{name}",)
            )
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} "
                "(name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            found = conn.execute(
                f"SELECT version FROM {SCHEMA_TABLE} WHERE name=%s", (name,)
            ).fetchone()
            version = int(found["version"]) if found else 0
            if version > len(migrations):
                raise BackendError(
                    name,
                    f"the database is at schema version {version}, newer than this factdesk "
                    f"knows ({len(migrations)}); upgrade factdesk",
                )
            for script in migrations[version:]:
                conn.execute(script.encode())  # several statements, no parameters
            conn.execute(
                f"INSERT INTO {SCHEMA_TABLE}(name, version) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET version=excluded.version",
                (name, len(migrations)),
            )
        return len(migrations)

    def close(self) -> None:
        self._pool.close()
