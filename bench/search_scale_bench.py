"""Hybrid search latency of the local index at a million passages, and at the sample's size.

    python bench/search_scale_bench.py [--size 1000000] [--queries 300] [--small-only]

The million passages are synthetic (bench/synthetic_corpus.py says how and why: MiniLM
would need about five hours to embed them here), stored through the real
`LocalIndex.add` with their vectors handed over by a stand-in embedder, and cached
under FACTDESK_SCALE_CACHE (default /tmp/factdesk-scale, never the repository; about
4 GB) so later runs reuse them. The first run times the ingest, then the first search
of an index opened with the real settings, which builds the approximate vector index
beside it. The queries are questions about the sample's subjects and go through the
real hybrid `search()` with the real MiniLM query embedder, as a check's do.

Reported: hybrid search p50/p95 (query embedding included), the same for each half,
vector recall@10 of the approximate index against an exact scan of every stored
vector, build seconds, disk size; and hybrid p50/p95 over the bundled sample itself
(10,296 passages, exact vector search) to show the small index did not get slower.
Needs `factdesk models install`. Results go to bench/results/search-scale.json.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from factdesk.backends.search.local import LocalIndex, open_index
from factdesk.plugins import BuildContext
from factdesk.records import Document
from factdesk.settings import Settings

from common import save, summary
from synthetic_corpus import (
    CACHE,
    Seed,
    Vectors,
    exact_top,
    load_seed,
    questions,
    sample_index,
    synthetic,
)

LIMIT = 30  # results a check asks of each backend per query (search.per_query)


class Replay:
    """Stands in for MiniLM during the synthetic ingest: hands back each passage's
    prepared vector, checking it is asked for that passage (and so that no document
    was cut into several passages)."""

    def __init__(self, name: str, dimension: int) -> None:
        self.name, self.dimension = name, dimension
        self.pending: deque[tuple[str, Vectors]] = deque()

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = []
        for text in texts:
            expected, vector = self.pending.popleft()
            assert text == expected, "a synthetic document was cut into several passages"
            out.append(vector)
        return np.stack(out)


def synthetic_documents(seed: Seed, size: int, replay: Replay) -> Iterator[Document]:
    number = 0
    for passages, vectors in synthetic(seed, size):
        for (title, text), vector in zip(passages, vectors, strict=True):
            replay.pending.append((f"{title}. {text}", vector))
            yield Document(id=f"synthetic:{number}", title=title, text=text)
            number += 1


def build(settings: Settings, seed: Seed, size: int, path: Path) -> float:
    """Ingest `size` synthetic passages (the approximate index is not built here)."""
    embedder = BuildContext(settings).embedder
    replay = Replay(embedder.name, embedder.dimension)
    index = LocalIndex(path, replay, ann_min_passages=size + 1)
    started = time.perf_counter()
    stats = index.add(synthetic_documents(seed, size, replay), collection="synthetic")
    seconds = time.perf_counter() - started
    index.close()
    print(f"ingest: {stats.passages} passages in {seconds:.0f} s")
    return seconds


def timed_searches(index: LocalIndex, queries: list[str]) -> dict[str, dict[str, float]]:
    """Hybrid search, then each half of it alone, over every query."""
    hybrid, bm25, vector = [], [], []
    for query in queries:
        t = time.perf_counter()
        index.search(query, LIMIT)
        hybrid.append((time.perf_counter() - t) * 1000)
    for query in queries:
        t = time.perf_counter()
        index._bm25(query)
        bm25.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        index._nearest(query)
        vector.append((time.perf_counter() - t) * 1000)
    return {"hybrid_ms": summary(hybrid), "bm25_ms": summary(bm25), "vector_ms": summary(vector)}


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def exact_nearest(index: LocalIndex, vectors: Vectors) -> np.ndarray:
    """Rowids of each vector's 10 nearest passages, by an exact scan of every stored one."""
    rowids: list[np.ndarray] = []

    def chunks() -> Iterator[Vectors]:
        after = 0
        while True:
            found, matrix = index._vectors._read(
                "SELECT rowid, vector FROM passages WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (after, 100_000),
            )
            if len(found) == 0:
                return
            rowids.append(found)
            after = int(found[-1])
            yield matrix

    positions = exact_top(chunks(), vectors, 10)
    return np.concatenate(rowids)[positions]


def recall_at_10(index: LocalIndex, vectors: Vectors, truth: np.ndarray) -> float:
    """The approximate index's top 10 (of the candidates a search asks) against exact."""
    found = [index._vectors.nearest(v, index.vector_candidates)[:10] for v in vectors]
    hits = [len(set(f) & set(t.tolist())) / 10 for f, t in zip(found, truth, strict=True)]
    return float(np.mean(hits))


def disk_mb(path: Path) -> dict[str, float]:
    files = [
        p
        for p in path.parent.iterdir()
        if p.name.startswith(path.name) and not p.name.endswith("-seconds")
    ]
    return {p.name: round(p.stat().st_size / 2**20, 1) for p in sorted(files)}


def small(settings: Settings, queries: list[str]) -> dict[str, Any]:
    """The bundled sample, as a user who ran `factdesk ingest --sample` searches it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.sqlite3"
        shutil.copy(sample_index(settings), path)
        index = open_index(BuildContext(settings), path)
        index.search(queries[0], LIMIT)  # reads the vectors once
        result: dict[str, Any] = {"passages": index.count(), **timed_searches(index, queries)}
        result["approximate"] = index._vectors.approximate
        index.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--small-only", action="store_true")
    args = parser.parse_args()

    settings = Settings()
    seed = load_seed(sample_index(settings))
    queries = questions(seed, args.queries)
    sample = small(settings, queries)
    print(f"sample: {sample}")
    if args.small_only:
        return

    path = CACHE / f"scale-{args.size}.sqlite3"
    done = path.with_name(path.name + ".ingest-seconds")
    if not done.exists():
        for old in CACHE.glob(path.name + "*"):
            old.unlink()
        done.write_text(f"{build(settings, seed, args.size, path):.1f}\n")
    context = BuildContext(settings)
    index = open_index(context, path)
    built = path.with_name(path.name + ".ann-seconds")
    if not index._vectors.path.exists():
        built.unlink(missing_ok=True)
    started = time.perf_counter()
    index.search(queries[0], LIMIT)  # builds the approximate index if there is none yet
    first_s = time.perf_counter() - started
    assert index._vectors.approximate
    if not built.exists():
        built.write_text(f"{first_s:.1f}\n")
    index.search(queries[1], LIMIT)
    scale = timed_searches(index, queries)
    vectors = context.embedder.embed(queries)
    truth = exact_nearest(index, vectors)
    recall = recall_at_10(index, vectors, truth)
    by_effort = {}
    configured = index._vectors.ann_search_effort
    for effort in sorted({configured // 2, configured, configured * 2}):
        index._vectors.ann_search_effort = effort  # lists scanned: the file is reopened
        index._vectors.release()
        index._nearest(queries[0])
        by_effort[effort] = {
            "vector_ms": summary([timed(lambda q=q: index._nearest(q)) for q in queries]),
            "vector_recall_at_10": round(recall_at_10(index, vectors, truth), 4),
        }
    index._vectors.ann_search_effort = configured
    result = {
        "passages": index.count(),
        **scale,
        "vector_recall_at_10": round(recall, 4),
        "by_search_effort": by_effort,
        "ingest_s": float(done.read_text()),
        "ann_build_s": float(built.read_text()),
        "first_search_s": round(first_s, 2),
        "disk_mb": disk_mb(path),
        "settings": {
            "bm25_candidates": index.bm25_candidates,
            "vector_candidates": index.vector_candidates,
            "ann_min_passages": index._vectors.ann_min_passages,
            "ann_search_effort": index._vectors.ann_search_effort,
        },
    }
    print(f"scale: {result}")
    save(
        "search-scale", {"queries": len(queries), "limit": LIMIT, "scale": result, "sample": sample}
    )


if __name__ == "__main__":
    main()
