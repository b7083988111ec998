"""Claim extraction on the whole-text dev sets, without checking the claims.

    python bench/text_extraction.py [--name text-extraction] [--limit N]

For each paragraph of `../shared/benchmarks/{averitec,climate_fever}/texts.jsonl` runs
the extraction of `check --text` with the local model (statements, kinds, standalone
claims, ranking, `max_claims`) and scores what `factdesk eval --texts` scores about
extraction: claim recall, claim precision and filler rate, plus the seconds extraction
takes per text. Verdicts are not computed (every extracted claim is scored as "not
enough evidence"), so this runs in minutes where the full eval takes hours; the verdict
figures come from `factdesk eval --texts`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from factdesk.eval.text_metrics import score_texts
from factdesk.eval.texts import BenchmarkText, PredictedClaim, TextPrediction, load_texts
from factdesk.pipeline import Desk
from factdesk.pipeline.claims import extract_claims
from factdesk.records import SourceText
from factdesk.settings import Settings

from common import save

BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


def extracted(desk: Desk, item: BenchmarkText) -> tuple[TextPrediction, dict[str, int]]:
    started = time.perf_counter()
    found = extract_claims(
        desk.judge_llm, SourceText(text=item.text, kind="text"), desk.settings.texts
    )
    claims = [
        PredictedClaim(text=c.text, span=span, label="not_enough_evidence", confidence=0.0)
        for c in found.claims
        if c.checked
        for span in c.spans
    ]
    kinds: dict[str, int] = {}
    for claim in found.claims:
        kinds[claim.category] = kinds.get(claim.category, 0) + 1
    seconds = round(time.perf_counter() - started, 3)
    return TextPrediction(id=item.id, claims=claims, seconds=seconds), kinds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="text-extraction")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--benchmarks", type=Path, default=BENCHMARKS)
    args = parser.parse_args()
    desk = Desk.from_settings(Settings())
    results = {}
    for name in ("averitec", "climate_fever"):
        texts = load_texts(args.benchmarks / name / "texts.jsonl")[: args.limit]
        predictions, kinds = [], {}
        for item in texts:
            prediction, counted = extracted(desk, item)
            predictions.append(prediction)
            for kind, count in counted.items():
                kinds[kind] = kinds.get(kind, 0) + count
        metrics = score_texts(texts, predictions)
        results[name] = {
            "texts": metrics.texts,
            "gold_claims": metrics.gold_claims,
            "extracted_claims": metrics.extracted_claims,
            "claim_recall": metrics.claim_recall,
            "claim_precision": metrics.claim_precision,
            "filler_rate": metrics.filler_rate,
            "statements_by_kind": kinds,
            "median_extraction_seconds": round(
                statistics.median(p.seconds for p in predictions), 2
            ),
        }
        print(name, results[name], flush=True)
    texts_settings = desk.settings.texts
    save(
        args.name,
        {
            "model": desk.judge_llm.name,
            "settings_hash": desk.settings_hash,
            "texts_settings": texts_settings.model_dump(),
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
