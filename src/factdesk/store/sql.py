"""What the stores' shared statements need of a database, on SQLite and PostgreSQL alike.

The checks, catalogue, jobs, batches, webhook and token parts of a store are written
once, against this small interface, with `?` placeholders and SQL both engines speak
(`INSERT ... ON CONFLICT`, `RETURNING`). Only what differs lives with the engine:
full-text search, and how a transaction serialises writers (`lock`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol


class SQLDatabase(Protocol):
    engine: str
    """`sqlite` or `postgres`: what the catalogue's full-text search is written for."""

    def rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        """Every row, each readable by column name."""
        ...

    def row(self, sql: str, args: tuple[Any, ...] = ()) -> Any | None: ...

    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        """Run a write; return how many rows it changed."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Statements inside run as one transaction; nested ones join the outermost."""
        ...

    def lock(self, key: str) -> None:
        """Inside a transaction: wait until no other transaction holds `key`, then hold it
        until this one ends."""
        ...


def stored(value: Any) -> Any:
    """A value as a column keeps it: times as ISO 8601 text (UTC, so they sort)."""
    return value.isoformat() if isinstance(value, datetime) else value


def assignments(
    values: dict[str, Any], allowed: frozenset[str], table: str
) -> tuple[str, tuple[Any, ...]]:
    """`a=?, b=?` and its arguments, for the columns an update may change."""
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"{table} have no column {sorted(unknown)}")
    return ", ".join(f"{name}=?" for name in values), tuple(stored(v) for v in values.values())
