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
    """,  # 3: publishing like a fact-checking desk: archived copies of cited passages (by the
    # SHA-256 of their text), correction notes, readers' suggestions, embeddings of the
    # questions of published checks (earlier checks first), a job's own options
    """
    CREATE TABLE archive (
        sha256 TEXT PRIMARY KEY,
        url TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL,
        outlet TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        retrieved_at TEXT NOT NULL,
        page_sha256 TEXT NOT NULL DEFAULT '',
        stored_at TEXT NOT NULL
    );
    CREATE TABLE corrections (
        report_id TEXT NOT NULL REFERENCES reports(id),
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        verdict_before TEXT NOT NULL,
        verdict_after TEXT NOT NULL,
        dropped_sources TEXT NOT NULL DEFAULT '[]',
        new_sources TEXT NOT NULL DEFAULT '[]',
        note TEXT NOT NULL,
        PRIMARY KEY (report_id, version)
    );
    CREATE INDEX corrections_created ON corrections(created_at);
    CREATE TABLE inbox (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        report_id TEXT,
        text TEXT NOT NULL,
        source_url TEXT NOT NULL DEFAULT '',
        contact TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE INDEX inbox_created ON inbox(created_at);
    CREATE TABLE check_vectors (
        check_id TEXT NOT NULL REFERENCES checks(id),
        embedder TEXT NOT NULL,
        language TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (check_id, embedder)
    );
    CREATE INDEX check_vectors_lookup ON check_vectors(embedder, language);
    ALTER TABLE jobs ADD COLUMN policy TEXT;
    """,
)
