"""The scale-out store: everything in PostgreSQL, for any number of servers and workers.

`FACTDESK_DATABASE_URL=postgresql://...` selects it. It runs the same statements as
the SQLite store (`factdesk.store.sql`) and the same numbered migrations, written for
PostgreSQL (`factdesk.store.migrations`), over a psycopg 3 connection pool; job
changes are pushed to every process through LISTEN/NOTIFY (`listen`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from factdesk.errors import ConfigError
from factdesk.plugins import Backend, BuildContext, Registry
from factdesk.settings import UNHASHED, Settings
from factdesk.store.migrations import postgres_scripts
from factdesk.store.parts import SQLStore
from factdesk.store.postgres.db import PostgresDatabase
from factdesk.store.postgres.listen import JobListener


class PostgresSettings(BaseModel):
    """The database itself is FACTDESK_DATABASE_URL."""

    model_config = ConfigDict(extra="forbid")

    pool_min: int = Field(
        default=1, ge=0, description="Connections kept open.", json_schema_extra=UNHASHED
    )
    pool_max: int = Field(
        default=10,
        ge=1,
        description="Most connections one process opens (each worker thread and server "
        "request holds one while it runs a statement).",
        json_schema_extra=UNHASHED,
    )


class PostgresStore(SQLStore):
    """Every part of the store in one PostgreSQL database."""

    def __init__(self, url: str, options: PostgresSettings | None = None) -> None:
        options = options or PostgresSettings()
        self._db = PostgresDatabase(
            url, options.pool_min, options.pool_max, postgres_scripts(), "store"
        )
        self._listener = JobListener(url)
        super().__init__(self._db, self._listener.subscribe)

    @property
    def schema_version(self) -> int:
        return self._db.version

    def close(self) -> None:
        self._listener.close()
        self._db.close()


def _missing_url(settings: Settings, options: PostgresSettings) -> str | None:
    try:
        settings.postgres_url("postgres store")
    except ConfigError as exc:
        return str(exc)
    return None


def _build(context: BuildContext, options: PostgresSettings) -> PostgresStore:
    return PostgresStore(context.settings.postgres_url("postgres store"), options)


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="store",
            name="postgres",
            summary="PostgreSQL (FACTDESK_DATABASE_URL): shared by any number of servers and "
            "workers; job progress pushed by LISTEN/NOTIFY.",
            factory=_build,
            settings=PostgresSettings,
            requires=_missing_url,
        )
    )
