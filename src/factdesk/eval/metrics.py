"""Scoring predictions against labels: macro-F1, accuracy, confusion, recall@5, time."""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from factdesk.errors import InputError
from factdesk.eval.data import BenchmarkClaim, Prediction, distinct, read_models
from factdesk.plugins import settings_hash
from factdesk.records import VERDICT_LABELS
from factdesk.settings import Settings


class Metrics(BaseModel):
    claims: int
    accuracy: float
    macro_f1: float
    per_label_f1: dict[str, float]
    confusion: dict[str, dict[str, int]]
    recall_at_5: float | None
    median_seconds: float
    predicted_labels: dict[str, int]
    failed: int = 0
    expected_calibration_error: float | None = None


def calibration_error(pairs: Sequence[tuple[bool, float]], bins: int = 10) -> float:
    """Expected calibration error: how far each confidence bin's accuracy is from its mean
    confidence, weighted by the bin's share of the predictions (0 is perfectly calibrated)."""
    binned: dict[int, list[tuple[bool, float]]] = {}
    for right, confidence in pairs:
        binned.setdefault(min(int(confidence * bins), bins - 1), []).append((right, confidence))
    error = 0.0
    for members in binned.values():
        accuracy = sum(right for right, _ in members) / len(members)
        confidence = sum(c for _, c in members) / len(members)
        error += len(members) / len(pairs) * abs(accuracy - confidence)
    return round(error, 4)


def recall_at_5(passages: Sequence[str], gold: Sequence[str]) -> float:
    """Share of the gold passages among the first five distinct predicted ones."""
    return len(set(distinct(passages)[:5]) & set(gold)) / len(gold)


def score(claims: Sequence[BenchmarkClaim], predictions: Sequence[Prediction]) -> Metrics:
    by_id = {p.id: p for p in predictions}
    pairs = [(c, by_id[c.id]) for c in claims if c.id in by_id]
    if not pairs:
        raise InputError("No predictions match the claims; nothing to score.")
    confusion = {g: dict.fromkeys(VERDICT_LABELS, 0) for g in VERDICT_LABELS}
    for claim, prediction in pairs:
        confusion[claim.label][prediction.label] += 1
    per_label: dict[str, float] = {}
    for label in VERDICT_LABELS:
        tp = confusion[label][label]
        fp = sum(confusion[g][label] for g in VERDICT_LABELS) - tp
        fn = sum(confusion[label].values()) - tp
        per_label[label] = round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0
    recalls = [
        recall_at_5(p.passages, c.gold_ids()) for c, p in pairs if c.gold_ids() and p.passages
    ]
    return Metrics(
        claims=len(pairs),
        accuracy=round(sum(c.label == p.label for c, p in pairs) / len(pairs), 4),
        macro_f1=round(statistics.mean(per_label.values()), 4),
        per_label_f1=per_label,
        confusion=confusion,
        recall_at_5=round(statistics.mean(recalls), 4) if recalls else None,
        median_seconds=round(statistics.median(p.seconds for _, p in pairs), 3),
        predicted_labels=dict(Counter(p.label for _, p in pairs)),
        failed=sum(p.error is not None for _, p in pairs),
        expected_calibration_error=calibration_error(
            [(c.label == p.label, p.confidence) for c, p in pairs]
        ),
    )


def read_predictions(path: Path) -> list[Prediction]:
    return read_models(path, Prediction)


def save_metrics(
    metrics: Metrics,
    results: Path,
    claims: Path,
    predictions: Path,
    baseline: str | None,
    settings: Settings,
    model: str,
    skipped: int = 0,
) -> Path:
    results.mkdir(parents=True, exist_ok=True)
    name = f"eval-{claims.parent.name}-{baseline or 'pipeline'}.json"
    payload = {
        "dataset": claims.parent.name,
        "claims_file": str(claims),
        "skipped_first_claims": skipped,
        "predictions": str(predictions),
        "system": baseline or "pipeline",
        "model": model,
        "preset": settings.preset,
        "settings_hash": settings_hash(settings),
        "measured_on": time.strftime("%Y-%m-%d"),
        **metrics.model_dump(),
    }
    path = results / name
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


def print_metrics(metrics: Metrics, console: Console) -> None:
    console.print(
        f"claims {metrics.claims}  accuracy {metrics.accuracy:.3f}  "
        f"macro-F1 {metrics.macro_f1:.3f}  recall@5 {metrics.recall_at_5}  "
        f"median {metrics.median_seconds:.1f} s/claim  "
        f"calibration error {metrics.expected_calibration_error}"
        + (f"  failed {metrics.failed} (scored as not_enough_evidence)" if metrics.failed else "")
    )
    table = Table("gold \\\\ predicted", *VERDICT_LABELS, "F1")
    for gold in VERDICT_LABELS:
        table.add_row(
            gold,
            *(str(metrics.confusion[gold][p]) for p in VERDICT_LABELS),
            f"{metrics.per_label_f1[gold]:.3f}",
        )
    console.print(table)
