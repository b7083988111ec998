"""Evidence recall@5 of the search and evidence stages, without the model.

    python bench/retrieval.py --corpus C --claims Q [--start N] [--limit N] \
        [--lambdas 0.5 0.7 0.85 1.0]

Runs the queries the `bench` preset runs (the claim and its keywords) against the
benchmark's own cached index, picks evidence as the pipeline does for each MMR lambda,
and scores the first five distinct passages against the gold ones. The claim's own text
is the one claim (a check may split it in two; the model is left out so that a sweep
takes a minute, not hours). `--start` scores a slice that a setting was not chosen on.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from factdesk import eval as ev
from factdesk.pipeline import evidence as evidence_stage
from factdesk.pipeline import search as search_stage
from factdesk.plugins import BuildContext
from factdesk.protocols import Embedder, SearchBackend
from factdesk.records import Claim, Hit, SearchQuery
from factdesk.settings import Settings
from factdesk.text import keywords

from common import save


def recall_at_5(
    settings: Settings,
    embedder: Embedder,
    index: SearchBackend,
    claims: list[tuple[ev.BenchmarkClaim, list[Hit]]],
    mmr_lambda: float,
) -> float:
    cfg = settings.pipeline
    recalls = []
    for claim, hits in claims:
        chosen = evidence_stage.select_evidence(
            embedder,
            [Claim(id="C1", text=ev.claim_text(claim))],
            hits,
            k=cfg.evidence_k,
            max_per_document=cfg.max_per_document,
            min_relevance=cfg.min_relevance,
            mmr_lambda=mmr_lambda,
            rrf_k=settings.search.rrf_k,
            known_vectors=evidence_stage.stored_vectors([index], hits),
        )
        found = [ev.corpus_id(e.passage.id) for e in chosen.evidence]
        recalls.append(ev.recall_at_5(found, claim.gold_ids()))
    return round(statistics.mean(recalls), 4)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--claims", type=Path, required=True)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--lambdas", type=float, nargs="+", default=[0.5, 0.7, 0.8, 0.85, 0.9, 1.0])
    args = parser.parse_args()

    settings = Settings(preset="bench")
    context = BuildContext(settings)
    embedder = context.embedder
    index = ev.corpus_index(context, args.corpus)
    every = ev.load_claims(args.claims)
    end = len(every) if args.limit is None else min(len(every), args.start + args.limit)
    selected = [c for c in every[args.start : end] if c.gold_ids()]
    started = time.perf_counter()
    searched = []
    for claim in selected:
        text = ev.claim_text(claim)
        queries = [SearchQuery(text=text), SearchQuery(text=keywords(text), angle="keywords")]
        found = search_stage.search([index], queries, settings.search.per_query, concurrency=1)
        searched.append((claim, found.hits))
    results = {
        str(value): recall_at_5(settings, embedder, index, searched, value)
        for value in args.lambdas
    }
    for value, recall in results.items():
        print(f"mmr_lambda {value:>5}  recall@5 {recall:.4f}")
    save(
        f"retrieval-{args.claims.parent.name}-{args.start}-{end}",
        {
            "claims_file": str(args.claims),
            "claims_slice": [args.start, end],
            "claims_with_gold": len(selected),
            "recall_at_5_by_mmr_lambda": results,
            "shipped_mmr_lambda": Settings().pipeline.mmr_lambda,
            "seconds": round(time.perf_counter() - started, 1),
        },
    )


if __name__ == "__main__":
    main()
