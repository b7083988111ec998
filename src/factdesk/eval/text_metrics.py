"""Scoring whole-text predictions: claim recall and precision, filler rate, verdicts.

Spans are compared by characters. A gold claim is found when the extracted spans
together cover at least half of it; an extracted claim is precise when at least half
of it lies inside gold claims; a filler sentence counts as extracted only when one
extracted claim's span covers at least half of it (the filler was taken as a claim;
slivers of neighbouring claims that merely touch it do not add up to one). A gold
claim's predicted verdict is the label of the extracted claim overlapping it most; a
claim not found counts as wrong (predicted "missed", which is no label's true or false
positive). Which statements a prediction lists is `texts.predict_text`'s business:
only the claims the system checked.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel
from rich.console import Console

from factdesk.errors import InputError
from factdesk.eval.texts import BenchmarkText, TextPrediction
from factdesk.plugins import settings_hash
from factdesk.records import VERDICT_LABELS, Span
from factdesk.settings import Settings

MISSED = "missed"


class TextMetrics(BaseModel):
    texts: int
    gold_claims: int
    extracted_claims: int
    claim_recall: float
    claim_precision: float | None
    filler_rate: float | None
    accuracy: float
    macro_f1: float
    per_label_f1: dict[str, float]
    confusion: dict[str, dict[str, int]]
    median_seconds: float
    failed: int = 0


def overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def covered(target: Span, spans: Sequence[Span]) -> float:
    """Share of `target` that the union of `spans` covers."""
    length = target[1] - target[0]
    if length <= 0:
        return 0.0
    hits = sorted((max(s[0], target[0]), min(s[1], target[1])) for s in spans)
    total, reach = 0, target[0]
    for start, end in hits:
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total / length


def taken_as_claim(filler: Span, spans: Sequence[Span]) -> bool:
    """Whether one extracted claim covers at least half of a non-check-worthy sentence."""
    return any(covered(filler, [span]) >= 0.5 for span in spans)


def _verdicts(item: BenchmarkText, prediction: TextPrediction) -> list[tuple[str, str]]:
    """(gold label, predicted label or MISSED) for every gold claim of a text."""
    spans = [c.span for c in prediction.claims]
    pairs: list[tuple[str, str]] = []
    for gold in item.claims:
        if covered(gold.span, spans) < 0.5:
            pairs.append((gold.label, MISSED))
            continue
        best = max(prediction.claims, key=lambda c: overlap(c.span, gold.span))
        pairs.append((gold.label, best.label))
    return pairs


def score_texts(
    texts: Sequence[BenchmarkText], predictions: Sequence[TextPrediction]
) -> TextMetrics:
    by_id = {p.id: p for p in predictions}
    pairs = [(t, by_id[t.id]) for t in texts if t.id in by_id]
    if not pairs:
        raise InputError("No predictions match the texts; nothing to score.")
    gold_count = sum(len(t.claims) for t, _ in pairs)
    found = precise = extracted = fillers = fillers_taken = 0
    verdicts: list[tuple[str, str]] = []
    for item, prediction in pairs:
        spans = [c.span for c in prediction.claims]
        golds = [g.span for g in item.claims]
        found += sum(covered(g, spans) >= 0.5 for g in golds)
        extracted += len(spans)
        precise += sum(covered(s, golds) >= 0.5 for s in spans)
        fillers += len(item.filler_spans)
        fillers_taken += sum(taken_as_claim(f, spans) for f in item.filler_spans)
        verdicts += _verdicts(item, prediction)
    confusion: dict[str, dict[str, int]] = {
        g: dict.fromkeys([*VERDICT_LABELS, MISSED], 0) for g in VERDICT_LABELS
    }
    for gold, predicted in verdicts:
        confusion[gold][predicted] += 1
    per_label: dict[str, float] = {}
    for label in VERDICT_LABELS:
        tp = confusion[label][label]
        fp = sum(confusion[g][label] for g in VERDICT_LABELS) - tp
        fn = sum(confusion[label].values()) - tp
        per_label[label] = round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0
    return TextMetrics(
        texts=len(pairs),
        gold_claims=gold_count,
        extracted_claims=extracted,
        claim_recall=round(found / gold_count, 4) if gold_count else 0.0,
        claim_precision=round(precise / extracted, 4) if extracted else None,
        filler_rate=round(fillers_taken / fillers, 4) if fillers else None,
        accuracy=round(sum(g == p for g, p in verdicts) / len(verdicts), 4) if verdicts else 0.0,
        macro_f1=round(statistics.mean(per_label.values()), 4),
        per_label_f1=per_label,
        confusion=confusion,
        median_seconds=round(statistics.median(p.seconds for _, p in pairs), 3),
        failed=sum(p.error is not None for _, p in pairs),
    )


def save_text_metrics(
    metrics: TextMetrics,
    results: Path,
    texts: Path,
    predictions: Path,
    settings: Settings,
    model: str,
) -> Path:
    results.mkdir(parents=True, exist_ok=True)
    payload = {
        "dataset": texts.parent.name,
        "texts_file": str(texts),
        "predictions": str(predictions),
        "system": "texts",
        "extraction": settings.texts.extraction,
        "model": model,
        "preset": settings.preset,
        "settings_hash": settings_hash(settings),
        "measured_on": time.strftime("%Y-%m-%d"),
        **metrics.model_dump(),
    }
    path = results / f"eval-{texts.parent.name}-texts.json"
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


def print_text_metrics(metrics: TextMetrics, console: Console) -> None:
    console.print(
        f"texts {metrics.texts}  claim recall {metrics.claim_recall:.3f}  "
        f"precision {metrics.claim_precision}  filler rate {metrics.filler_rate}  "
        f"verdict macro-F1 {metrics.macro_f1:.3f}  accuracy {metrics.accuracy:.3f}  "
        f"median {metrics.median_seconds:.1f} s/text"
        + (f"  failed {metrics.failed}" if metrics.failed else "")
    )
