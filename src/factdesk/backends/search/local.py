"""The local hybrid index: SQLite FTS5 (BM25) and MiniLM vectors, fused by reciprocal rank.

Documents are cut into passages of about `chunk_words` words on sentence boundaries;
each passage keeps its document's title, URL, outlet and date so it can be cited.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from factdesk.errors import BackendError, EmptyIndexError
from factdesk.plugins import Backend, BuildContext, Registry
from factdesk.protocols import Embedder
from factdesk.records import Document, Hit, Passage, SourceType
from factdesk.settings import reveal
from factdesk.sqlitedb import connect, fts_query, migrate
from factdesk.text import chunk_text

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
    # 2: what each document was indexed from, so that ingesting it again unchanged skips
    # the embedding; documents indexed before have '' and are embedded once more
    """
    ALTER TABLE documents ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
    """,
)


# Documents embedded per call: the embedder sorts a call's passages by length, and the
# more it sees, the less its batches pad (on the sample, 16 a batch: 256 documents pad
# 5.2%, 2048 pad 0.8%).
WINDOW = 2048


@dataclass
class IngestStats:
    documents: int = 0
    passages: int = 0
    skipped: int = 0  # documents already indexed from the same content


class LocalIndex:
    """Hybrid BM25 + vector search over passages stored in one SQLite file."""

    name = "local"
    is_web = False

    def __init__(
        self,
        path: Path,
        embedder: Embedder,
        *,
        rrf_k: int = 60,
        bm25_candidates: int = 50,
        vector_candidates: int = 50,
        chunk_words: int = 120,
        chunk_overlap_words: int = 20,
    ) -> None:
        self.path = path
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.bm25_candidates = bm25_candidates
        self.vector_candidates = vector_candidates
        self.chunk_words = chunk_words
        self.chunk_overlap_words = chunk_overlap_words
        self._conn = connect(path)
        self._lock = threading.RLock()
        migrate(self._conn, INDEX_MIGRATIONS, "index")
        self._check_embedder()
        self._matrix: npt.NDArray[np.float32] | None = None
        self._rowids: npt.NDArray[np.int64] | None = None

    def _check_embedder(self) -> None:
        row = self._conn.execute("SELECT value FROM meta WHERE key='embedder'").fetchone()
        signature = f"{self.embedder.name}:{self.embedder.dimension}"
        if row is None:
            self._conn.execute("INSERT INTO meta(key, value) VALUES ('embedder', ?)", (signature,))
        elif row["value"] != signature and self.count() > 0:
            raise BackendError(
                "index",
                f"the index at {self.path} was built with embedder {row['value']}, not "
                f"{signature}; use the same embedder or delete the index and ingest again",
            )
        else:
            self._conn.execute("UPDATE meta SET value=? WHERE key='embedder'", (signature,))

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM passages").fetchone()[0])

    def document_count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM documents").fetchone()[0])

    def has_document(self, doc_id: str) -> bool:
        return (
            self._conn.execute("SELECT 1 FROM documents WHERE id=?", (doc_id,)).fetchone()
            is not None
        )

    def content_hash(self, document: Document, collection: str) -> str:
        """SHA-256 of everything a document's stored rows are made from: its text and
        metadata, the collection, and the chunking (other chunk sizes make other passages)."""
        content = [
            document.title,
            document.text,
            document.url,
            document.domain,
            document.outlet,
            document.published.isoformat() if document.published else None,
            document.source_type,
            collection,
            self.chunk_words,
            self.chunk_overlap_words,
        ]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()

    def add(self, documents: Iterable[Document], collection: str = "") -> IngestStats:
        """Chunk, embed and store documents. A document already indexed from the same
        content is skipped (embedding is the slow part); one that changed is replaced."""
        stats = IngestStats()
        batch: list[Document] = []
        for document in documents:
            batch.append(document)
            if len(batch) >= WINDOW:
                self._add_changed(batch, collection, stats)
                batch = []
        if batch:
            self._add_changed(batch, collection, stats)
        return stats

    def _add_changed(self, documents: list[Document], collection: str, stats: IngestStats) -> None:
        # The last of several documents with one id wins, as if each were added in turn.
        latest = {document.id: document for document in documents}
        hashes = {doc_id: self.content_hash(d, collection) for doc_id, d in latest.items()}
        known = self._stored_hashes(list(latest))
        changed = [d for doc_id, d in latest.items() if known.get(doc_id) != hashes[doc_id]]
        stats.skipped += len(latest) - len(changed)
        if changed:
            self._add_batch(changed, collection, hashes, stats)

    def _stored_hashes(self, doc_ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(doc_ids), 500):
            chunk = doc_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT id, content_hash FROM documents WHERE id IN ({marks})", chunk
                ).fetchall()
            found.update((row["id"], row["content_hash"]) for row in rows)
        return found

    def _add_batch(
        self,
        documents: list[Document],
        collection: str,
        hashes: dict[str, str],
        stats: IngestStats,
    ) -> None:
        rows: list[tuple[str, str, int, str, str]] = []
        for document in documents:
            for position, chunk in enumerate(
                chunk_text(document.text, self.chunk_words, self.chunk_overlap_words)
            ):
                rows.append(
                    (f"{document.id}#{position}", document.id, position, document.title, chunk)
                )
        vectors = self.embedder.embed([f"{title}. {text}" for *_, title, text in rows])
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for document in documents:
                    self._conn.execute("DELETE FROM passages WHERE doc_id=?", (document.id,))
                    self._conn.execute(
                        "INSERT OR REPLACE INTO documents(id, title, url, domain, outlet, "
                        "published, source_type, collection, added_at, content_hash) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (
                            document.id,
                            document.title,
                            document.url,
                            document.domain,
                            document.outlet,
                            document.published.isoformat() if document.published else None,
                            document.source_type,
                            collection,
                            now,
                            hashes[document.id],
                        ),
                    )
                self._conn.executemany(
                    "INSERT INTO passages(id, doc_id, position, title, text, vector) "
                    "VALUES (?,?,?,?,?,?)",
                    [(*row, vectors[i].tobytes()) for i, row in enumerate(rows)],
                )
                self._conn.execute("COMMIT")
            except Exception:
                self._conn.execute("ROLLBACK")
                raise
            self._matrix = None
        stats.documents += len(documents)
        stats.passages += len(rows)

    def _vectors(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        with self._lock:
            if self._matrix is None or self._rowids is None:
                rows = self._conn.execute("SELECT rowid, vector FROM passages").fetchall()
                dim = self.embedder.dimension
                matrix = np.zeros((len(rows), dim), dtype=np.float32)
                rowids = np.zeros(len(rows), dtype=np.int64)
                for i, row in enumerate(rows):
                    rowids[i] = row["rowid"]
                    matrix[i] = np.frombuffer(row["vector"], dtype=np.float32)
                self._matrix, self._rowids = matrix, rowids
            return self._matrix, self._rowids

    def search(self, query: str, limit: int) -> list[Hit]:
        """Fuse BM25 and vector rankings with reciprocal rank fusion."""
        if self.count() == 0:
            raise EmptyIndexError(
                "The local index is empty; run `factdesk ingest --sample` or ingest your own files."
            )
        fused: dict[int, float] = {}
        for ranking in (self._bm25(query), self._nearest(query)):
            for rank, rowid in enumerate(ranking):
                fused[rowid] = fused.get(rowid, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        best = sorted(fused.items(), key=lambda item: -item[1])[:limit]
        passages = self._passages([rowid for rowid, _ in best])
        return [
            Hit(passage=passages[rowid], score=score, backend=self.name, query=query, rank=rank)
            for rank, (rowid, score) in enumerate(best)
            if rowid in passages
        ]

    def get(self, passage_ids: Sequence[str]) -> dict[str, Passage]:
        """Passages by id (those this index holds)."""
        ids = list(dict.fromkeys(passage_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._conn.execute(f"SELECT rowid FROM passages WHERE id IN ({marks})", ids)
        return {p.id: p for p in self._passages([int(r["rowid"]) for r in rows]).values()}

    def vectors(self, passage_ids: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
        """Stored embeddings of the given passages (those this index holds)."""
        found: dict[str, npt.NDArray[np.float32]] = {}
        ids = list(dict.fromkeys(passage_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT id, vector FROM passages WHERE id IN ({marks})", chunk
            ).fetchall()
            for row in rows:
                found[row["id"]] = np.frombuffer(row["vector"], dtype=np.float32)
        return found

    def _bm25(self, query: str) -> list[int]:
        match = fts_query(query)
        if not match:
            return []
        try:
            rows = self._conn.execute(
                "SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? "
                "ORDER BY bm25(passages_fts, 2.0, 1.0) LIMIT ?",
                (match, self.bm25_candidates),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise BackendError("index", f"full-text query failed: {exc}") from exc
        return [int(row["rowid"]) for row in rows]

    def _nearest(self, query: str) -> list[int]:
        matrix, rowids = self._vectors()
        if len(rowids) == 0:
            return []
        scores = matrix @ self.embedder.embed([query])[0]
        k = min(self.vector_candidates, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [int(rowids[i]) for i in top]

    def _passages(self, rowids: Sequence[int]) -> dict[int, Passage]:
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        rows = self._conn.execute(
            "SELECT p.rowid, p.id, p.doc_id, p.position, p.title, p.text, d.url, d.domain, "
            f"d.outlet, d.published, d.source_type FROM passages p JOIN documents d "
            f"ON d.id = p.doc_id WHERE p.rowid IN ({marks})",
            list(rowids),
        ).fetchall()
        return {int(row["rowid"]): _passage(row) for row in rows}

    def close(self) -> None:
        self._conn.close()


def _passage(row: sqlite3.Row) -> Passage:
    source_type: SourceType = row["source_type"]
    return Passage(
        id=row["id"],
        doc_id=row["doc_id"],
        title=row["title"],
        text=row["text"],
        url=row["url"],
        domain=row["domain"],
        outlet=row["outlet"],
        published=date.fromisoformat(row["published"]) if row["published"] else None,
        source_type=source_type,
        position=row["position"],
    )


class LocalIndexSettings(BaseModel):
    model_config = {"extra": "forbid"}

    bm25_candidates: int = Field(default=50, ge=1, description="Passages BM25 ranks per query.")
    vector_candidates: int = Field(
        default=50, ge=1, description="Passages the vector search ranks per query."
    )


def open_index(
    context: BuildContext, path: Path | None = None, options: LocalIndexSettings | None = None
) -> LocalIndex:
    settings = context.settings
    options = options or LocalIndexSettings.model_validate(
        reveal(settings.backends.get("local", {}))
    )
    return LocalIndex(
        path or settings.index_path,
        context.embedder,
        rrf_k=settings.search.rrf_k,
        bm25_candidates=options.bm25_candidates,
        vector_candidates=options.vector_candidates,
        chunk_words=settings.index.chunk_words,
        chunk_overlap_words=settings.index.chunk_overlap_words,
    )


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="search",
            name="local",
            summary="The local index: SQLite FTS5 BM25 and embeddings, fused by rank.",
            factory=lambda context, options: open_index(context, options=options),
            settings=LocalIndexSettings,
        )
    )
