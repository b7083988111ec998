"""The store's schema: append-only migrations, the same numbers on every engine.

Each numbered migration is written once per engine: SQLite (full-text search through
FTS5) and PostgreSQL (a generated `tsvector` column with a GIN index, and a trigger
that announces every change of a job on the `factdesk_jobs` channel). The tables and
columns are the same, so the shared statements in this package run on both. Never edit
or reorder a migration that has shipped; append a new one to both engines instead.
"""

from __future__ import annotations

from dataclasses import dataclass

JOBS_CHANNEL = "factdesk_jobs"
"""The PostgreSQL channel on which every insert or update of a job names the job."""


@dataclass(frozen=True)
class Migration:
    """One schema change, as each engine writes it."""

    title: str
    sqlite: str
    postgres: str


_CHECKS = """
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
"""

_WEB = """
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
        confidence {real} NOT NULL,
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
"""

_SQLITE_SEARCH = """
    CREATE VIRTUAL TABLE reports_fts USING fts5(
        report_id UNINDEXED, title, question, body,
        tokenize='porter unicode61 remove_diacritics 2'
    );
"""

# English stemming, as FTS5's porter tokenizer does; titles and questions weigh more.
_POSTGRES_SEARCH = """
    CREATE TABLE reports_fts (
        report_id TEXT NOT NULL,
        title TEXT NOT NULL,
        question TEXT NOT NULL,
        body TEXT NOT NULL,
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english', title), 'A')
            || setweight(to_tsvector('english', question), 'A')
            || to_tsvector('english', body)
        ) STORED
    );
    CREATE INDEX reports_fts_document ON reports_fts USING GIN (document);
    CREATE INDEX reports_fts_report ON reports_fts(report_id);
"""

# the client address each job was asked for from, to cap queued and running jobs per
# client (kept for that only: never published)
_CLIENTS = """
    ALTER TABLE jobs ADD COLUMN client TEXT NOT NULL DEFAULT '';
    CREATE INDEX jobs_client_status ON jobs(client, status);
"""

_TEXTS = """
    CREATE TABLE text_checks (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        record TEXT NOT NULL
    );
    ALTER TABLE jobs ADD COLUMN claim INTEGER;
"""

_SCALE = """
    ALTER TABLE jobs ADD COLUMN batch_id TEXT;
    ALTER TABLE jobs ADD COLUMN batch_index INTEGER;
    ALTER TABLE jobs ADD COLUMN webhook_url TEXT;
    ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
    -- the API token a job was asked for with: who may read its webhook deliveries
    ALTER TABLE jobs ADD COLUMN token_id TEXT;
    CREATE INDEX jobs_batch ON jobs(batch_id, batch_index);
    CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        total INTEGER NOT NULL,
        webhook_url TEXT,
        token_id TEXT,
        created_at TEXT NOT NULL,
        finished_at TEXT
    );
    -- the webhook outbox: a row per event to deliver, retried until delivered or given up
    CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        target_id TEXT NOT NULL,
        event TEXT NOT NULL,
        url TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        created_at TEXT NOT NULL,
        delivered_at TEXT
    );
    CREATE INDEX deliveries_due ON webhook_deliveries(status, next_attempt_at);
    CREATE INDEX deliveries_target ON webhook_deliveries(target_id, created_at);
    -- API tokens: only a SHA-256 of the secret is kept
    CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        secret_sha256 TEXT NOT NULL,
        rate_per_minute INTEGER NOT NULL,
        daily_quota INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    -- shared counters of rate limits and quotas: one row per key and period
    CREATE TABLE usage_counters (
        key TEXT NOT NULL,
        period TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (key, period)
    );
"""

_POSTGRES_JOB_NOTIFY = f"""
    CREATE FUNCTION factdesk_job_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{JOBS_CHANNEL}', NEW.id);
        RETURN NEW;
    END
    $$;
    CREATE TRIGGER jobs_changed AFTER INSERT OR UPDATE ON jobs
        FOR EACH ROW EXECUTE FUNCTION factdesk_job_changed();
"""

_PUBLISHING = """
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
        vector {blob} NOT NULL,
        PRIMARY KEY (check_id, embedder)
    );
    CREATE INDEX check_vectors_lookup ON check_vectors(embedder, language);
    ALTER TABLE jobs ADD COLUMN policy TEXT;
"""

STORE_MIGRATIONS: tuple[Migration, ...] = (
    Migration("stored checks with their reports, errors and partial trails", _CHECKS, _CHECKS),
    Migration(
        "the web app: jobs, report pages with every version, search over reports",
        _WEB.format(real="REAL") + _SQLITE_SEARCH,
        _WEB.format(real="DOUBLE PRECISION") + _POSTGRES_SEARCH,
    ),
    Migration("the client each job was asked for from, to cap its open jobs", _CLIENTS, _CLIENTS),
    Migration(
        "whole texts checked over the web, each with its overview; a job's claim number "
        "(a refresh of one claim of a text)",
        _TEXTS,
        _TEXTS,
    ),
    Migration(
        "beyond one machine: batches, cancelling, webhook deliveries, API tokens, shared "
        "counters (and, on PostgreSQL, a notification per job change)",
        _SCALE,
        _SCALE + _POSTGRES_JOB_NOTIFY,
    ),
    Migration(
        "publishing like a fact-checking desk: archived copies of cited passages (by the "
        "SHA-256 of their text), correction notes, readers' suggestions, embeddings of the "
        "questions of published checks (earlier checks first), a job's own source policy",
        _PUBLISHING.format(blob="BLOB"),
        _PUBLISHING.format(blob="BYTEA"),
    ),
)


def sqlite_scripts() -> list[str]:
    return [m.sqlite for m in STORE_MIGRATIONS]


def postgres_scripts() -> list[str]:
    return [m.postgres for m in STORE_MIGRATIONS]
