"""The local index's SQLite schema, as append-only numbered migrations (never edit one
that has shipped: an index built by it records its number in `user_version`)."""

from __future__ import annotations

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
    # 2: every passage rowid inserted, deleted or given a new vector, in order, so the
    # approximate vector index (vectors.py) knows which of its entries are stale
    """
    CREATE TABLE passage_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, passage INTEGER NOT NULL);
    CREATE TRIGGER passages_log_ai AFTER INSERT ON passages BEGIN
        INSERT INTO passage_log(passage) VALUES (new.rowid);
    END;
    CREATE TRIGGER passages_log_ad AFTER DELETE ON passages BEGIN
        INSERT INTO passage_log(passage) VALUES (old.rowid);
    END;
    CREATE TRIGGER passages_log_au AFTER UPDATE OF rowid, vector ON passages BEGIN
        INSERT INTO passage_log(passage) VALUES (old.rowid);
        INSERT INTO passage_log(passage) VALUES (new.rowid);
    END;
    """,
    # 3: what each document was indexed from, so that ingesting it again unchanged skips
    # the embedding; documents indexed before have '' and are embedded once more
    """
    ALTER TABLE documents ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
    """,
)
