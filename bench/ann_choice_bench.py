"""Which approximate-nearest-neighbour library the local index should use, by measurement.

    python bench/ann_choice_bench.py [--size 1000000] [--queries 200] [--only NAME...]

Every candidate indexes the same synthetic vectors (bench/synthetic_corpus.py: the
bundled sample's real MiniLM vectors, mixed and perturbed into `--size` clustered unit
vectors) and answers the same real MiniLM embeddings of sample questions, one query at a
time, 50 neighbours each as the local index asks. Reported per candidate: build seconds
(2 threads), file size, seconds to open the saved file in a new index object, and for
each search effort tried (HNSW's ef, IVF's probes) query p50/p95 and recall@10 against
exact search. The libraries compared are not factdesk
dependencies except the chosen one: `pip install faiss-cpu hnswlib sqlite-vec` first
(a missing one is skipped). Results go to bench/results/ann-choice.json.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from factdesk.plugins import BuildContext
from factdesk.settings import Settings

from common import save, summary
from synthetic_corpus import exact_top, load_seed, questions, sample_index, synthetic

K = 50  # the local index's vector_candidates
M = 16  # HNSW edges per node, for every HNSW library
EF_ADD = 128
THREADS = 2

Search = Callable[[np.ndarray, int, int], np.ndarray]  # query, k, effort -> ids
Built = tuple[Search, Path, Callable[[], Any]]  # search, saved file, reopen


def usearch_hnsw(
    x: np.ndarray, folder: Path, dtype: str, connectivity: int = M, expansion_add: int = EF_ADD
) -> Built:
    from usearch.index import Index

    index = Index(
        ndim=x.shape[1],
        metric="ip",
        dtype=dtype,
        connectivity=connectivity,
        expansion_add=expansion_add,
    )
    index.add(np.arange(len(x)), x, threads=THREADS)
    path = folder / "usearch.bin"
    index.save(path)
    views: dict[int, Any] = {}

    def search(q: np.ndarray, k: int, effort: int) -> np.ndarray:
        if effort not in views:  # as the local index opens it: memory-mapped
            views[effort] = Index.restore(path, view=True, expansion_search=effort)
        return views[effort].search(q, k).keys

    return (search, path, lambda: Index.restore(path, view=True))


def faiss_hnsw(x: np.ndarray, folder: Path) -> Built:
    import faiss

    faiss.omp_set_num_threads(THREADS)
    index = faiss.IndexHNSWFlat(x.shape[1], M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EF_ADD
    index.add(x)
    path = folder / "faiss-hnsw.bin"
    faiss.write_index(index, str(path))
    faiss.omp_set_num_threads(1)

    def search(q: np.ndarray, k: int, effort: int) -> np.ndarray:
        index.hnsw.efSearch = effort
        return index.search(q[None], k)[1][0]

    return (search, path, lambda: faiss.read_index(str(path)))


def faiss_ivf(x: np.ndarray, folder: Path, fp16: bool = False) -> Built:
    import faiss

    faiss.omp_set_num_threads(THREADS)
    lists = round(np.sqrt(len(x)))  # as the local index: 1,000 lists at a million
    quantizer = faiss.IndexFlatIP(x.shape[1])
    if fp16:
        index = faiss.IndexIVFScalarQuantizer(
            quantizer,
            x.shape[1],
            lists,
            faiss.ScalarQuantizer.QT_fp16,
            faiss.METRIC_INNER_PRODUCT,
        )
    else:
        index = faiss.IndexIVFFlat(quantizer, x.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(3)
    index.train(x[rng.choice(len(x), size=min(len(x), 40 * lists), replace=False)])
    index.add(x)
    path = folder / "faiss-ivf.bin"
    faiss.write_index(index, str(path))
    faiss.omp_set_num_threads(1)

    def search(q: np.ndarray, k: int, probes: int) -> np.ndarray:
        index.nprobe = probes
        return index.search(q[None], k)[1][0]

    return (search, path, lambda: faiss.read_index(str(path), faiss.IO_FLAG_MMAP))


def hnswlib_hnsw(x: np.ndarray, folder: Path) -> Built:
    import hnswlib

    index = hnswlib.Index(space="ip", dim=x.shape[1])
    index.init_index(max_elements=len(x), ef_construction=EF_ADD, M=M)
    index.add_items(x, np.arange(len(x)), num_threads=THREADS)
    path = folder / "hnswlib.bin"
    index.save_index(str(path))
    index.set_num_threads(1)

    def reopen() -> Any:
        again = hnswlib.Index(space="ip", dim=x.shape[1])
        again.load_index(str(path), max_elements=len(x))
        return again

    def search(q: np.ndarray, k: int, effort: int) -> np.ndarray:
        index.set_ef(effort)
        return index.knn_query(q, k=k)[0][0]

    return (search, path, reopen)


def sqlite_vec_scan(x: np.ndarray, folder: Path) -> Built:
    """sqlite-vec 0.1 has no approximate index: vec0 tables are scanned in full."""
    import sqlite_vec

    path = folder / "vec.sqlite3"
    conn = sqlite3.connect(path)
    if not hasattr(conn, "enable_load_extension"):
        raise ImportError("this Python's sqlite3 cannot load extensions")
    conn.enable_load_extension(True)
    sqlite_vec.load(conn)
    conn.execute(f"CREATE VIRTUAL TABLE v USING vec0(embedding float[{x.shape[1]}])")
    for start in range(0, len(x), 50_000):
        conn.executemany(
            "INSERT INTO v(rowid, embedding) VALUES (?, ?)",
            ((start + i, row.tobytes()) for i, row in enumerate(x[start : start + 50_000])),
        )
    conn.commit()

    def search(q: np.ndarray, k: int, _: int) -> np.ndarray:
        rows = conn.execute(
            "SELECT rowid FROM v WHERE embedding MATCH ? AND k = ? ORDER BY distance",
            (q.tobytes(), k),
        ).fetchall()
        return np.array([r[0] for r in rows])

    return (search, path, lambda: sqlite3.connect(path))


HNSW_EFFORTS = (64, 128, 256, 512)
IVF_PROBES = (10, 25, 50, 100)  # at 250,000 vectors: 2% to 20% of the 500 lists
CANDIDATES: dict[str, tuple[Callable[..., Built], dict[str, Any], tuple[int, ...]]] = {
    # name: (builder, its options, the search efforts tried: ef, or probes for IVF)
    "sqlite-vec": (sqlite_vec_scan, {}, (0,)),
    "usearch-hnsw-f16": (usearch_hnsw, {"dtype": "f16"}, HNSW_EFFORTS),
    "usearch-hnsw-f16-m32": (
        usearch_hnsw,
        {"dtype": "f16", "connectivity": 32, "expansion_add": 256},
        HNSW_EFFORTS,
    ),
    "usearch-hnsw-f32": (usearch_hnsw, {"dtype": "f32"}, HNSW_EFFORTS),
    "faiss-hnsw-flat": (faiss_hnsw, {}, HNSW_EFFORTS),
    "faiss-ivf-flat": (faiss_ivf, {}, IVF_PROBES),
    "faiss-ivf-fp16": (faiss_ivf, {"fp16": True}, IVF_PROBES),
    "hnswlib": (hnswlib_hnsw, {}, HNSW_EFFORTS),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--only", nargs="*", default=list(CANDIDATES))
    args = parser.parse_args()

    settings = Settings()
    seed = load_seed(sample_index(settings))
    x = np.concatenate([v for _, v in synthetic(seed, args.size, texts=False)])
    queries = BuildContext(settings).embedder.embed(questions(seed, args.queries))
    truth = exact_top(iter(np.array_split(x, max(1, len(x) // 50_000))), queries, 10)
    print(f"{len(x)} vectors, {len(queries)} queries")

    results: dict[str, Any] = {}
    for name in args.only:
        builder, options, efforts = CANDIDATES[name]
        with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR", "/tmp")) as tmp:
            started = time.perf_counter()
            try:
                search, path, reopen = builder(x, Path(tmp), **options)
            except ImportError as exc:
                print(f"{name}: skipped ({exc})")
                results[name] = {"skipped": str(exc)}
                continue
            build_s = time.perf_counter() - started
            started = time.perf_counter()
            reopen()
            open_s = time.perf_counter() - started
            # a full scan is slow: fewer queries tell its latency as well
            asked = queries[:20] if name == "sqlite-vec" else queries
            by_effort = {}
            for effort in efforts:
                latencies, recalls = [], []
                for query, best in zip(asked, truth, strict=False):
                    t = time.perf_counter()
                    found = search(query, K, effort)
                    latencies.append((time.perf_counter() - t) * 1000)
                    recalls.append(len(set(found[:10].tolist()) & set(best.tolist())) / 10)
                by_effort[str(effort)] = {
                    "query_ms": summary(latencies),
                    "recall_at_10": round(float(np.mean(recalls)), 4),
                }
            results[name] = {
                "build_s": round(build_s, 1),
                "file_mb": round(path.stat().st_size / 2**20, 1),
                "open_s": round(open_s, 3),
                "by_effort": by_effort,
            }
            print(name, results[name], flush=True)
        # after every candidate: a run cut short keeps what it measured
        save(
            "ann-choice",
            {
                "vectors": len(x),
                "dimension": int(x.shape[1]),
                "queries": len(queries),
                "k": K,
                "hnsw": {"connectivity": M, "expansion_add": EF_ADD},
                "build_threads": THREADS,
                "results": results,
            },
        )


if __name__ == "__main__":
    main()
