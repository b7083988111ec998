"""A store made of the shared SQL parts over one database: what SQLite and PostgreSQL
stores have in common, so each engine's store only says how to open its database."""

from __future__ import annotations

from collections.abc import Callable

from factdesk.store.batches import SQLBatches
from factdesk.store.catalog import SQLCatalog
from factdesk.store.checks import SQLChecks
from factdesk.store.deliveries import SQLDeliveries
from factdesk.store.jobs import SQLJobs
from factdesk.store.publishing import SQLArchive, SQLCorrections, SQLEarlierChecks, SQLInbox
from factdesk.store.sql import SQLDatabase
from factdesk.store.texts import SQLTextChecks
from factdesk.store.tokens import SQLTokens

Subscribe = Callable[[Callable[[str], None]], Callable[[], None] | None]


class SQLStore:
    """Checks, report pages, jobs, whole-text checks, batches, webhook deliveries, tokens,
    and the archive, corrections, inbox and question vectors of published reports, on `db`.
    Finished checks made before checks published themselves get their pages now."""

    def __init__(self, db: SQLDatabase, subscribe: Subscribe | None = None) -> None:
        self.corrections = SQLCorrections(db)
        self.reports = SQLCatalog(
            db, lambda check_id: self.checks.report(check_id), self.corrections.record
        )
        self.checks = SQLChecks(db, self.reports)
        self.jobs = SQLJobs(db, subscribe)
        self.texts = SQLTextChecks(db)
        self.batches = SQLBatches(db)
        self.deliveries = SQLDeliveries(db)
        self.tokens = SQLTokens(db)
        self.archive = SQLArchive(db)
        self.inbox = SQLInbox(db)
        self.earlier = SQLEarlierChecks(db)
        self.checks.publish_unpublished()
