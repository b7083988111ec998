"""Ingest throughput for the sample knowledge base, ingesting it again, and search latency.

    python bench/index_bench.py [--limit N] [--queries N] [--skip-cli]

Ingests the bundled Wikipedia sample (all 10,033 articles unless --limit) into a fresh
index with the MiniLM embedder (passages a second), ingests it again into the same index
(seconds in this process, and as `factdesk ingest --sample` run from the shell, which
adds start-up and loading the embedder; the command has no --limit, so not with it),
then times hybrid (BM25 + vector, fused) searches for questions built from article
titles. Needs `factdesk models install`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from factdesk import modelpkgs
from factdesk.backends.search.local import LocalIndex, open_index
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


def timed_add(index: LocalIndex, models: Path, chosen: set[str] | None) -> dict[str, float]:
    started = time.perf_counter()
    stats = index.add(sample_documents(models, chosen), collection="sample")
    seconds = time.perf_counter() - started
    return {
        "documents_embedded": stats.documents,
        "passages_embedded": stats.passages,
        "seconds": round(seconds, 2),
        "passages_per_second": round(stats.passages / seconds, 2),
    }


def cli_ingest_seconds(settings: Settings, home: Path) -> float:
    """Wall time of `factdesk ingest --sample` on the bench's index, start-up included."""
    env = {
        **os.environ,
        "FACTDESK_HOME": str(home),
        "FACTDESK_MODELS__DIR": str(settings.models_dir),
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "factdesk.cli", "ingest", "--sample"],
        env=env,
        check=True,
        capture_output=True,
    )
    return round(time.perf_counter() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--skip-cli",
        action="store_true",
        help="do not time the shell command (it takes as long again when nothing is skipped)",
    )
    args = parser.parse_args()

    settings = Settings()
    models = settings.models_dir
    titles = list(json.loads(modelpkgs.require(models, "sample").read_text("utf-8")))
    chosen = set(titles[: args.limit]) if args.limit else None
    with tempfile.TemporaryDirectory() as tmp:
        context = BuildContext(settings)
        index = open_index(context, Path(tmp) / "index.sqlite3")
        first = timed_add(index, models, chosen)
        print(
            f"first ingest: {first['documents_embedded']} articles, "
            f"{first['passages_embedded']} passages in {first['seconds']:.1f} s = "
            f"{first['passages_per_second']:.1f} passages/s"
        )
        second = timed_add(index, models, chosen)
        print(
            f"second ingest: {second['seconds']:.1f} s, "
            f"{second['documents_embedded']} articles embedded again"
        )
        skip = args.limit or args.skip_cli
        cli_seconds = None if skip else cli_ingest_seconds(settings, Path(tmp))
        if cli_seconds is not None:
            print(f"second ingest as `factdesk ingest --sample`: {cli_seconds:.1f} s")

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
            "first_ingest": first,
            "second_ingest": {**second, "cli_seconds": cli_seconds},
            "search_ms": ms,
            "settings": {
                "embedder": settings.embedder.model_dump(mode="json"),
                "search": settings.search.model_dump(mode="json"),
            },
        },
    )


if __name__ == "__main__":
    main()
