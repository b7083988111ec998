"""Schema migrations for the SQLite files: append-only lists, applied in order.

A database records how many migrations it has applied in `PRAGMA user_version`.
Never edit or reorder a migration that has shipped; append a new one instead.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from factdesk.errors import BackendError


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


INDEX_MIGRATIONS: tuple[str, ...] = (
    # 1: documents, passages, full-text index and embeddings
    """
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        url TEXT NOT NULL DEFAULT '',
        domain TEXT NOT NULL DEFAULT '',
        outlet TEXT NOT NULL DEFAULT '',
        published TEXT,
        source_type TEXT NOT NULL DEFAULT 'other',
        collection TEXT NOT NULL DEFAULT '',
        added_at TEXT NOT NULL
    );
    CREATE TABLE passages (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        vector BLOB NOT NULL
    );
    CREATE INDEX passages_doc ON passages(doc_id);
    CREATE VIRTUAL TABLE passages_fts USING fts5(
        title, text, content='passages', content_rowid='rowid',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN
        INSERT INTO passages_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
    END;
    CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN
        INSERT INTO passages_fts(passages_fts, rowid, title, text)
        VALUES ('delete', old.rowid, old.title, old.text);
    END;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
)

STORE_MIGRATIONS: tuple[str, ...] = (
    # 1: stored checks with their reports, errors and partial trails
    """
    CREATE TABLE checks (
        id TEXT PRIMARY KEY,
        question TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        category TEXT,
        verdict TEXT,
        settings_hash TEXT NOT NULL DEFAULT '',
        record TEXT NOT NULL
    );
    CREATE INDEX checks_created ON checks(created_at);
    """,
    # 2: the web app: background jobs, report pages with every version, search over reports
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        question TEXT NOT NULL,
        status TEXT NOT NULL,
        report_id TEXT,
        check_id TEXT,
        error TEXT,
        events TEXT NOT NULL DEFAULT '[]',
        attempts INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
    );
    CREATE INDEX jobs_status ON jobs(status);
    CREATE INDEX jobs_check ON jobs(check_id);
    -- one row per report page, keyed by its first check, summarising its latest version
    CREATE TABLE reports (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        question TEXT NOT NULL,
        category TEXT NOT NULL,
        verdict TEXT NOT NULL,
        confidence REAL NOT NULL,
        created_at TEXT NOT NULL,
        checked_at TEXT NOT NULL
    );
    CREATE INDEX reports_checked ON reports(checked_at);
    CREATE INDEX reports_category ON reports(category, checked_at);
    CREATE TABLE report_versions (
        report_id TEXT NOT NULL REFERENCES reports(id),
        version INTEGER NOT NULL,
        check_id TEXT NOT NULL UNIQUE REFERENCES checks(id),
        created_at TEXT NOT NULL,
        PRIMARY KEY (report_id, version)
    );
    -- lets the catalogue find finished checks not yet published without reading records
    CREATE INDEX checks_status ON checks(status, id);
    CREATE VIRTUAL TABLE reports_fts USING fts5(
        report_id UNINDEXED, title, question, body,
        tokenize='porter unicode61 remove_diacritics 2'
    );
    """,
)

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
