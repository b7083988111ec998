"""The vector half of the local index: exact below a size, approximate (IVF) above it.

Scanning every vector costs time and memory in proportion to the index: at a million
passages, 1.5 GB of float32 read per query and per process. From `ann_min_passages` on,
the vectors are also kept in a faiss inverted-file index (IVF: vectors grouped around
sqrt(n) k-means centroids, stored as float16) saved beside the SQLite file
(`index.sqlite3.faiss`) and memory-mapped, so a new process starts at once and
processes share it through the page cache; a query scans the `ann_search_effort`
groups nearest to it. Chosen over HNSW libraries by bench/ann_choice_bench.py: on
clustered vectors it reached the recall target where their graphs did not, and it is
built in a minute instead of several.

Rewriting that file at every ingest would cost seconds per page, so it is kept in step
with a log rather than rebuilt: triggers record the rowid of every passage inserted,
deleted or updated in `passage_log` (rowids are reused, so "deleted" and "added" must
both be recorded), and `meta` says up to which log entry the file is current
(`ann_seq`) and how many vectors it holds (`ann_size`). Every passage logged after
`ann_seq` is the delta: the file's answers for those rowids are dropped, and those
that still exist are searched exactly and merged in, so a search never returns a
removed or replaced passage and always sees a new one, in any process. When the delta
outgrows a share of the file, the next write folds it in (or rebuilds the file once
the index has doubled since its centroids were chosen) and trims the log.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
Rowids = npt.NDArray[np.int64]

SUFFIX = ".faiss"
FOLD_SHARE = 0.05  # fold the delta in when it passes 5% of the file: its exact scan stays
FOLD_MIN = 2_000  # a few milliseconds, and a fold (load, add, save) is not done per page
REGROUP_GROWTH = 2.0  # rebuild (new centroids) once the index has doubled since the last
TRAIN_PER_LIST = 40  # k-means sample per centroid (faiss warns below 39)
READ_ROWS = 50_000  # vectors read per statement while building
_SAVED_KEYS = "('ann_seq', 'ann_size', 'ann_built')"


@dataclass(frozen=True)
class Saved:
    """What `meta` says of the file: current up to log entry `seq`, `size` vectors,
    `built` of them when its centroids were chosen."""

    seq: int
    size: int
    built: int


@dataclass(frozen=True)
class _State:
    """One consistent view of the vectors, swapped whole so searches need no lock: in
    exact mode `matrix` holds every vector; in approximate mode the delta's, and `ann`
    the file (whose answers for `stale` rowids are dropped)."""

    head: int
    rowids: Rowids
    matrix: Matrix
    ann: Any = None  # a faiss IndexIVF
    stale: Rowids = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def nearest(self, vector: Matrix, k: int) -> list[int]:
        rowids, scores = self.rowids, self.matrix @ vector
        if self.ann is not None:
            want = k
            while True:
                found_scores, found = self.ann.search(vector[None], min(want, self.ann.ntotal))
                keys, near = found[0], found_scores[0]
                fresh = (keys >= 0) & ~np.isin(keys, self.stale)
                if fresh.sum() >= k or (keys < 0).any() or want >= self.ann.ntotal:
                    break
                want *= 2  # the nearest were removed or replaced since the file was saved
            # stale rowids are never in the file's answers, so none is counted twice
            rowids = np.concatenate([keys[fresh], rowids])
            scores = np.concatenate([near[fresh].astype(np.float32), scores])
        return _top(scores, rowids, k)


class VectorSearch:
    """Nearest passages to a query vector over the passages table of one connection."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        lock: threading.RLock,
        db_path: Path,
        dimension: int,
        *,
        ann_min_passages: int,
        ann_search_effort: int,
    ) -> None:
        self._conn = conn
        self._lock = lock
        self.path = db_path.with_name(db_path.name + SUFFIX)
        self.dimension = dimension
        self.ann_min_passages = ann_min_passages
        self.ann_search_effort = ann_search_effort
        self._state: _State | None = None

    @property
    def approximate(self) -> bool:
        """Whether searches go through the IVF file (as of the last search)."""
        return self._state is not None and self._state.ann is not None

    def nearest(self, vector: Matrix, k: int) -> list[int]:
        """Rowids of the `k` passages nearest to `vector`, nearest first."""
        with self._lock:
            head = _head(self._conn)
            if self._state is None or self._state.head != head:
                self._state = None  # let the old matrix go before reading the new one
                self._state = self._load(head)
            state = self._state
        return state.nearest(vector, k)

    def maintain(self) -> None:
        """After a write: build the file once the index is large enough, fold a large
        delta into it, or drop it (and the log) when the index has shrunk below the size."""
        with self._lock:
            if _count(self._conn) < self.ann_min_passages:
                self._drop()
                return
            saved = self._saved()
            if saved is None or not self.path.exists():
                self._build()
            elif saved.size > REGROUP_GROWTH * saved.built:
                with self._file_lock():
                    self._rebuild()
            elif len(self._logged_since(saved.seq)) > max(FOLD_MIN, FOLD_SHARE * saved.size):
                self._fold()

    def release(self) -> None:
        with self._lock:
            self._state = None

    def _load(self, head: int) -> _State:
        if _count(self._conn) < self.ann_min_passages:
            rowids, matrix = self._read("SELECT rowid, vector FROM passages")
            return _State(head=head, rowids=rowids, matrix=matrix)
        state = self._open(head)
        if state is None:
            # none yet (an index that grew past the size in another way than `add`, or an
            # older factdesk's), one being replaced, or not the one `meta` describes: once
            # no other process is writing it, use it, or build it now
            with self._file_lock():
                state = self._open(head)
                if state is None:
                    self._rebuild()
                    state = self._open(head)
        assert state is not None
        return state

    def _open(self, head: int) -> _State | None:
        """The file and the delta, read in one snapshot of the database (so a log trimmed
        meanwhile cannot hide part of the delta); None if the file is missing or is not
        the one `meta` describes."""
        with self._snapshot():
            saved = self._saved()
            ann = self._view()
            if saved is None or ann is None or ann.ntotal != saved.size:
                return None
            rowids, matrix = self._read(
                "SELECT rowid, vector FROM passages WHERE rowid IN "
                "(SELECT passage FROM passage_log WHERE seq > ?)",
                (saved.seq,),
            )
            stale = self._logged_since(saved.seq)
        return _State(head=head, rowids=rowids, matrix=matrix, ann=ann, stale=stale)

    def _view(self) -> Any:
        """The file, memory-mapped read-only (never modify it: faiss aborts), or None."""
        try:
            ann = faiss.read_index(str(self.path), faiss.IO_FLAG_MMAP)
        except RuntimeError:  # missing, truncated, not an index
            return None
        if not isinstance(ann, faiss.IndexIVF) or ann.d != self.dimension:
            return None
        ann.nprobe = self.ann_search_effort
        return ann

    def _build(self) -> None:
        """Build the file unless another process did while this one waited for the lock."""
        with self._file_lock():
            if self._saved() is None or self._view() is None:
                self._rebuild()

    def _rebuild(self) -> None:
        """Write the file from every stored vector (about a minute at a million
        passages); the caller holds the file lock, so one process builds while the others
        wait. The centroids are trained on an evenly spread sample, then every vector is
        added in chunks, so memory holds the sample and one chunk, not the index's vectors.

        Passages written meanwhile are logged after the head read first, so they are
        part of the delta whether or not the build saw them.
        """
        head = _head(self._conn)
        count = _count(self._conn)
        lists = max(1, min(round(count**0.5), count // TRAIN_PER_LIST))
        step = max(1, count // (lists * TRAIN_PER_LIST))
        _, sample = self._read("SELECT rowid, vector FROM passages WHERE rowid % ? = 0", (step,))
        ann = faiss.index_factory(self.dimension, f"IVF{lists},SQfp16", faiss.METRIC_INNER_PRODUCT)
        ann.train(sample)
        del sample
        after = 0
        while True:
            rowids, matrix = self._read(
                "SELECT rowid, vector FROM passages WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (after, READ_ROWS),
            )
            if len(rowids) == 0:
                break
            ann.add_with_ids(matrix, rowids)
            after = int(rowids[-1])
        self._save(ann, Saved(seq=head, size=ann.ntotal, built=ann.ntotal))

    def _fold(self) -> None:
        """Apply the delta to a loaded copy of the file and save it as the new file."""
        with self._file_lock():
            saved = self._saved()
            try:
                ann = faiss.read_index(str(self.path))
            except RuntimeError:
                ann = None
            if saved is None or ann is None or ann.ntotal != saved.size:
                self._rebuild()
                return
            head = _head(self._conn)
            ann.remove_ids(faiss.IDSelectorBatch(self._logged_since(saved.seq)))
            rowids, matrix = self._read(
                "SELECT rowid, vector FROM passages WHERE rowid IN "
                "(SELECT passage FROM passage_log WHERE seq > ?)",
                (saved.seq,),
            )
            if len(rowids):
                ann.add_with_ids(matrix, rowids)
            self._save(ann, Saved(seq=head, size=ann.ntotal, built=saved.built))

    def _save(self, ann: Any, saved: Saved) -> None:
        """Replace the file atomically, then record it and trim the log it covers."""
        partial = self.path.with_name(self.path.name + ".partial")
        faiss.write_index(ann, str(partial))
        os.replace(partial, self.path)
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.executemany(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                [
                    ("ann_seq", str(saved.seq)),
                    ("ann_size", str(saved.size)),
                    ("ann_built", str(saved.built)),
                ],
            )
            self._conn.execute("DELETE FROM passage_log WHERE seq <= ?", (saved.seq,))
            self._conn.execute("COMMIT")
        except Exception:
            self._conn.execute("ROLLBACK")
            raise
        self._state = None

    def _drop(self) -> None:
        """Below the size: no file, no meta, no log (exact search needs none of them)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.execute(f"DELETE FROM meta WHERE key IN {_SAVED_KEYS}")
            self._conn.execute("DELETE FROM passage_log")
            self._conn.execute("COMMIT")
        except Exception:
            self._conn.execute("ROLLBACK")
            raise
        self.path.unlink(missing_ok=True)

    def _saved(self) -> Saved | None:
        values = {
            row[0]: int(row[1])
            for row in self._conn.execute(f"SELECT key, value FROM meta WHERE key IN {_SAVED_KEYS}")
        }
        if len(values) < 3:
            return None
        return Saved(seq=values["ann_seq"], size=values["ann_size"], built=values["ann_built"])

    def _logged_since(self, seq: int) -> Rowids:
        rows = self._conn.execute(
            "SELECT DISTINCT passage FROM passage_log WHERE seq > ? ORDER BY passage", (seq,)
        ).fetchall()
        return np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))

    def _read(self, sql: str, args: tuple[int, ...] = ()) -> tuple[Rowids, Matrix]:
        """Rowids and vectors of a (rowid, vector) query, without a Python loop per row."""
        rows = self._conn.execute(sql, args).fetchall()
        rowids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
        return rowids, matrix.reshape(len(rows), self.dimension)

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """A read transaction on the shared connection (callers hold the lock)."""
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            self._conn.execute("COMMIT")

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        lock_path = self.path.with_name(self.path.name + ".lock")
        with lock_path.open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _head(conn: sqlite3.Connection) -> int:
    """The newest log entry's number (never reused: the log is AUTOINCREMENT)."""
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name='passage_log'").fetchone()
    return int(row[0]) if row else 0


def _count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM passages").fetchone()[0])


def _top(scores: Matrix, rowids: Rowids, k: int) -> list[int]:
    if len(scores) == 0:
        return []
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top])]
    return [int(rowids[i]) for i in top]
