"""The store's schema: append-only migrations, the same numbers on every database."""

from __future__ import annotations

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
    # 3: the client address each job was asked for from, to cap queued and running jobs
    # per client (kept for that only: never published)
    """
    ALTER TABLE jobs ADD COLUMN client TEXT NOT NULL DEFAULT '';
    CREATE INDEX jobs_client_status ON jobs(client, status);
    """,
    # 4: whole texts checked over the web, each with its overview; a job's claim number
    # (a refresh of one claim of a text)
    """
    CREATE TABLE text_checks (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        record TEXT NOT NULL
    );
    ALTER TABLE jobs ADD COLUMN claim INTEGER;
    """,
)
