"""Ingest throughput for the sample knowledge base and hybrid search latency.

    python bench/index_bench.py [--limit N] [--queries N]

Ingests the bundled Wikipedia sample (all 10,033 articles unless --limit) into a fresh
index with the MiniLM embedder, then times hybrid (BM25 + vector, fused) searches for
questions built from article titles. Needs `factdesk models install`.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from factdesk import modelpkgs
from factdesk.backends.search.local import open_index
from factdesk.ingest import sample_documents
from factdesk.plugins import BuildContext
from factdesk.settings import Settings

from common import save, summary

TEMPLATES = (
    "When was {t} founded?",
    "What is {t} known for?",
    "Is {t} in Europe?",
    "Who created {t}?",
    "{t} history",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    settings = Settings()
    models = settings.models_dir
    titles = list(json.loads(modelpkgs.require(models, "sample").read_text("utf-8")))
    chosen = set(titles[: args.limit]) if args.limit else None
    with tempfile.TemporaryDirectory() as tmp:
        context = BuildContext(settings)
        index = open_index(context, Path(tmp) / "index.sqlite3")
        started = time.perf_counter()
        stats = index.add(sample_documents(models, chosen), collection="sample")
        ingest_s = time.perf_counter() - started
        print(
            f"ingest: {stats.documents} articles, {stats.passages} passages in "
            f"{ingest_s:.1f} s = {stats.passages / ingest_s:.1f} passages/s"
        )

        rng = random.Random(7)
        pool = titles[: args.limit] if args.limit else titles
        queries = [rng.choice(TEMPLATES).format(t=rng.choice(pool)) for _ in range(args.queries)]
        index.search(queries[0], 30)  # load the vector matrix once
        latencies = []
        for query in queries:
            t = time.perf_counter()
            index.search(query, 30)
            latencies.append(time.perf_counter() - t)
        ms = summary([x * 1000 for x in latencies])
        print(
            f"hybrid search over {index.count()} passages: p50 {ms['median']:.1f} ms, "
            f"p95 {ms['p95']:.1f} ms ({len(queries)} queries)"
        )
    save(
        "index-bench",
        {
            "ingest": {
                "documents": stats.documents,
                "passages": stats.passages,
                "seconds": round(ingest_s, 2),
                "passages_per_second": round(stats.passages / ingest_s, 2),
            },
            "search_ms": ms,
            "settings": {
                "embedder": settings.embedder.model_dump(mode="json"),
                "search": settings.search.model_dump(mode="json"),
            },
        },
    )


if __name__ == "__main__":
    main()
