"""The web cache: search results with a TTL, and every page read, kept with its time.

Search results are replaced when they go stale. Pages are appended, never replaced,
so the exact text a report was built from can be found again by URL and time or by
the SHA-256 of the body in the report's method trail.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import TypeAdapter

from factdesk.plugins import BuildContext
from factdesk.records import Page, WebResult
from factdesk.sqlitedb import connect, migrate

WEBCACHE_MIGRATIONS: tuple[str, ...] = (
    # 1: cached search results (replaced when stale) and every page read (kept, by time)
    """
    CREATE TABLE searches (
        key TEXT PRIMARY KEY,
        backend TEXT NOT NULL,
        query TEXT NOT NULL,
        stored_at REAL NOT NULL,
        results TEXT NOT NULL
    );
    CREATE TABLE pages (
        id INTEGER PRIMARY KEY,
        canonical TEXT NOT NULL,
        retrieved_at REAL NOT NULL,
        sha256 TEXT NOT NULL,
        page TEXT NOT NULL
    );
    CREATE INDEX pages_canonical ON pages(canonical, retrieved_at);
    CREATE INDEX pages_sha ON pages(sha256);
    """,
)
_RESULTS = TypeAdapter(list[WebResult])


class WebCache:
    """One SQLite file beside the index; safe to share between threads."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self._conn = connect(path)
        self._lock = threading.Lock()
        migrate(self._conn, WEBCACHE_MIGRATIONS, "webcache")

    @staticmethod
    def _key(backend: str, query: str, limit: int) -> str:
        return hashlib.sha256(f"{backend}\x00{query}\x00{limit}".encode()).hexdigest()

    def get_search(
        self, backend: str, query: str, limit: int, ttl_s: float
    ) -> list[WebResult] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT stored_at, results FROM searches WHERE key=?",
                (self._key(backend, query, limit),),
            ).fetchone()
        if row is None or self.clock() - row["stored_at"] > ttl_s:
            return None
        return _RESULTS.validate_json(row["results"])

    def put_search(self, backend: str, query: str, limit: int, results: list[WebResult]) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO searches(key, backend, query, stored_at, results) "
                "VALUES (?,?,?,?,?)",
                (
                    self._key(backend, query, limit),
                    backend,
                    query,
                    self.clock(),
                    _RESULTS.dump_json(results).decode(),
                ),
            )

    def get_page(self, canonical: str, ttl_s: float) -> Page | None:
        """The newest copy of a page read less than `ttl_s` seconds ago."""
        with self._lock:
            row = self._conn.execute(
                "SELECT retrieved_at, page FROM pages WHERE canonical=? "
                "ORDER BY retrieved_at DESC LIMIT 1",
                (canonical,),
            ).fetchone()
        if row is None or self.clock() - row["retrieved_at"] > ttl_s:
            return None
        return Page.model_validate_json(row["page"])

    def put_page(self, canonical: str, page: Page) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO pages(canonical, retrieved_at, sha256, page) VALUES (?,?,?,?)",
                (canonical, page.retrieved_at.timestamp(), page.sha256, page.model_dump_json()),
            )

    def page_by_sha(self, sha256: str) -> Page | None:
        """The page whose body had this hash, as recorded in a report's method trail."""
        with self._lock:
            row = self._conn.execute(
                "SELECT page FROM pages WHERE sha256=? ORDER BY retrieved_at DESC LIMIT 1",
                (sha256,),
            ).fetchone()
        return None if row is None else Page.model_validate_json(row["page"])

    def close(self) -> None:
        self._conn.close()


def web_cache(context: BuildContext) -> WebCache:
    """The web cache every web backend and the page reader of a desk share."""
    return context.shared("webcache", lambda: WebCache(context.settings.webcache_path))
