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

from factdesk.backends.search.index_schema import INDEX_MIGRATIONS
from factdesk.backends.search.vectors import VectorSearch
from factdesk.errors import BackendError, EmptyIndexError
from factdesk.plugins import Backend, BuildContext, Registry
from factdesk.protocols import Embedder
from factdesk.records import Document, Hit, Passage, SourceType
from factdesk.settings import reveal
from factdesk.sqlitedb import connect, fts_terms, migrate
from factdesk.text import chunk_text

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
        bm25_common_passages: int = 10_000,
        vector_candidates: int = 50,
        chunk_words: int = 120,
        chunk_overlap_words: int = 20,
        ann_min_passages: int = 50_000,
        ann_search_effort: int = 100,
    ) -> None:
        self.path = path
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.bm25_candidates = bm25_candidates
        self.bm25_common_passages = bm25_common_passages
        self.vector_candidates = vector_candidates
        self.chunk_words = chunk_words
        self.chunk_overlap_words = chunk_overlap_words
        self._conn = connect(path)
        self._lock = threading.RLock()
        migrate(self._conn, INDEX_MIGRATIONS, "index")
        self._check_embedder()
        self._vectors = VectorSearch(
            self._conn,
            self._lock,
            path,
            embedder.dimension,
            ann_min_passages=ann_min_passages,
            ann_search_effort=ann_search_effort,
        )

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
        title, *rest = _stored_fields(document, collection)
        content = [
            title,
            document.text,
            *rest,
            self.chunk_words,
            self.chunk_overlap_words,
        ]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()

    def add(self, documents: Iterable[Document], collection: str = "") -> IngestStats:
        """Chunk, embed and store documents. A document already indexed from the same
        content is skipped (embedding is the slow part); one that changed is replaced.

        Afterwards the approximate vector index is built, updated or dropped as the
        index's size asks (once per call, not per batch: a bulk ingest builds it once).
        """
        stats = IngestStats()
        batch: list[Document] = []
        for document in documents:
            batch.append(document)
            if len(batch) >= WINDOW:
                self._add_changed(batch, collection, stats)
                batch = []
        if batch:
            self._add_changed(batch, collection, stats)
        self._vectors.maintain()
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
                            *_stored_fields(document, collection),
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
        stats.documents += len(documents)
        stats.passages += len(rows)

    def search(self, query: str, limit: int) -> list[Hit]:
        """Fuse BM25 and vector rankings with reciprocal rank fusion."""
        if self._conn.execute("SELECT 1 FROM passages LIMIT 1").fetchone() is None:
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
        """BM25's best passages for the query's content words.

        FTS5 scores every passage that matches any word of an OR query, so a word found in
        a large share of a big index ("known", "city" at a million passages) costs tens of
        milliseconds while its low IDF barely moves the ranking: a word in
        `bm25_common_passages` passages or more is left out when the query has rarer
        ones. When all its words are that common, only that many matches per word are
        scored. Below that size nothing changes.
        """
        terms = fts_terms(query)
        if not terms:
            return []
        cap = self.bm25_common_passages
        rare = [term for term in terms if len(terms) == 1 or self._matches(term, cap) < cap]
        kept = rare or terms
        try:
            rows = self._conn.execute(
                "SELECT rowid FROM (SELECT rowid, bm25(passages_fts, 2.0, 1.0) AS score "
                "FROM passages_fts WHERE passages_fts MATCH ? LIMIT ?) ORDER BY score LIMIT ?",
                (" OR ".join(kept), cap * len(kept), self.bm25_candidates),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise BackendError("index", f"full-text query failed: {exc}") from exc
        return [int(row["rowid"]) for row in rows]

    def _matches(self, term: str, cap: int) -> int:
        """Passages that contain `term`, counted up to `cap` (cheap: no scoring)."""
        return int(
            self._conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM passages_fts WHERE passages_fts MATCH ? "
                "LIMIT ?)",
                (term, cap),
            ).fetchone()[0]
        )

    def _nearest(self, query: str) -> list[int]:
        return self._vectors.nearest(self.embedder.embed([query])[0], self.vector_candidates)

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
        self._vectors.release()
        self._conn.close()


def _stored_fields(document: Document, collection: str) -> tuple[str | None, ...]:
    """A document's row in `documents` after its id, in column order (title to collection)."""
    return (
        document.title,
        document.url,
        document.domain,
        document.outlet,
        document.published.isoformat() if document.published else None,
        document.source_type,
        collection,
    )


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
    bm25_common_passages: int = Field(
        default=10_000,
        ge=1,
        description="A query word found in this many passages or more is left out of "
        "BM25 when the query has rarer words (and when all are that common, only this "
        "many matches per word are ranked): scoring every match of a common word costs "
        "tens of milliseconds at a million passages and adds little.",
    )
    vector_candidates: int = Field(
        default=50, ge=1, description="Passages the vector search ranks per query."
    )
    ann_min_passages: int = Field(
        default=50_000,
        ge=1,
        description="Passages from which the vector search uses an approximate index "
        "(faiss IVF), saved beside the index file as `.faiss` and kept in step with every "
        "ingest, instead of comparing the query with every vector.",
    )
    ann_search_effort: int = Field(
        default=100,
        ge=1,
        description="Groups of vectors (IVF lists, sqrt(passages) of them: 1,000 at a "
        "million) the approximate index scans per query: more is slower and closer to "
        "exact search.",
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
        bm25_common_passages=options.bm25_common_passages,
        vector_candidates=options.vector_candidates,
        ann_min_passages=options.ann_min_passages,
        ann_search_effort=options.ann_search_effort,
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
