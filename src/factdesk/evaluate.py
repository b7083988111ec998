"""Evaluation on labelled claim sets: predictions, metrics and baselines.

A run ingests the benchmark corpus into its own cached index, runs the same stages a
check runs up to the verdict on every claim, and appends one prediction a line, so an
interrupted run continues where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError
from rich.console import Console
from rich.table import Table

from factdesk.desk import Desk
from factdesk.errors import FactdeskError, InputError
from factdesk.index import LocalIndex, open_index
from factdesk.models import (
    VERDICT_LABELS,
    ClaimAssessment,
    Document,
    StanceScores,
    VerdictLabel,
)
from factdesk.pipeline import research_only
from factdesk.prompts import CLAIM_ONLY
from factdesk.protocols import SearchContext
from factdesk.settings import Settings

Baseline = Literal["majority", "claim-only"]
CLAIM_ONLY_CHOICES: dict[str, VerdictLabel] = {
    "True": "supported",
    "False": "refuted",
    "Mixed": "conflicting",
    "Unknown": "not_enough_evidence",
}


class GoldPassage(BaseModel):
    id: str
    label: str = ""


class BenchmarkClaim(BaseModel):
    id: str
    claim: str
    label: VerdictLabel
    gold_passages: list[str | GoldPassage] = Field(default_factory=list)
    claim_date: str | None = None
    speaker: str | None = None

    def gold_ids(self) -> list[str]:
        """Gold passages that count for recall (per-sentence NEE gold does not)."""
        ids: list[str] = []
        for gold in self.gold_passages:
            if isinstance(gold, str):
                ids.append(gold)
            elif gold.label in ("supported", "refuted"):
                ids.append(gold.id)
        return ids


class Prediction(BaseModel):
    id: str
    label: VerdictLabel
    confidence: float
    passages: list[str]
    seconds: float
    error: str | None = None  # the check failed: scored as the no-verdict it would publish


def read_jsonl(path: Path) -> Iterator[tuple[int, str]]:
    if not path.is_file():
        raise InputError(f"{path} does not exist.")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


ModelT = TypeVar("ModelT", bound=BaseModel)


def read_models(path: Path, model: type[ModelT]) -> list[ModelT]:
    """Every line of a JSONL file as `model`; a bad line is named in an InputError."""
    items: list[ModelT] = []
    for number, line in read_jsonl(path):
        try:
            items.append(model.model_validate_json(line))
        except ValidationError as exc:
            problem = exc.errors()[0]["msg"]
            raise InputError(f"{path} line {number}: not a {model.__name__} ({problem}).") from exc
    return items


def load_claims(path: Path) -> list[BenchmarkClaim]:
    return read_models(path, BenchmarkClaim)


def corpus_documents(path: Path) -> Iterator[Document]:
    for number, line in read_jsonl(path):
        try:
            record = json.loads(line)
            yield Document(
                id=str(record["id"]),
                title=str(record.get("title", "")),
                text=str(record["text"]),
                url=str(record.get("url") or ""),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path} line {number}: not a corpus record ({exc}).") from exc


def corpus_index(settings: Settings, context: SearchContext, corpus: Path) -> LocalIndex:
    """The corpus's own index, built once and reused while the corpus file is unchanged."""
    digest = hashlib.sha256(corpus.read_bytes()).hexdigest()[:12]
    signature = f"{context.embedder.name}-{settings.index.chunk_words}"
    name = f"{corpus.parent.name}-{corpus.stem}-{digest}-{signature}"
    path = settings.home / "eval" / f"{name}.sqlite3"
    index = open_index(context, path)
    if index.count() == 0:
        index.add(corpus_documents(corpus), collection=corpus.stem)
    return index


def corpus_id(passage_id: str) -> str:
    return passage_id.split("#", 1)[0]


def distinct(ids: Sequence[str]) -> list[str]:
    """Ids in first-seen order, each once: two chunks of one corpus passage share its id,
    and a repeat must not take a place among the first five."""
    return list(dict.fromkeys(ids))


def drop_partial_line(path: Path) -> None:
    """Cut a last line left unfinished by an interruption, so appends start cleanly."""
    if not path.is_file():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


def done_ids(out: Path) -> set[str]:
    if not out.is_file():
        return set()
    ids: set[str] = set()
    for _, line in read_jsonl(out):
        try:
            ids.add(Prediction.model_validate_json(line).id)
        except ValidationError:
            continue  # a line cut short by an interruption is predicted again
    return ids


def claim_text(claim: BenchmarkClaim) -> str:
    return claim.claim.strip()


class PassageTrace(BaseModel):
    passage: str
    relevance: float
    raw: dict[str, StanceScores | None]


class ClaimTrace(BaseModel):
    """What the verdict was computed from, so calibration can be refitted offline."""

    id: str
    gold: VerdictLabel
    claims: list[str]
    evidence: list[PassageTrace]
    assessments: list[ClaimAssessment] = Field(default_factory=list)
    error: str | None = None


def predict_pipeline(desk: Desk, claim: BenchmarkClaim) -> tuple[Prediction, ClaimTrace]:
    """The claim's prediction and trace. A claim whose check fails gets no verdict, as a
    failed check publishes none; the error is kept with both and the run goes on."""
    started = time.perf_counter()
    try:
        found = research_only(desk, claim_text(claim))
    except FactdeskError as exc:
        seconds = round(time.perf_counter() - started, 3)
        return (
            Prediction(
                id=claim.id,
                label="not_enough_evidence",
                confidence=0.0,
                passages=[],
                seconds=seconds,
                error=str(exc),
            ),
            ClaimTrace(id=claim.id, gold=claim.label, claims=[], evidence=[], error=str(exc)),
        )
    prediction = Prediction(
        id=claim.id,
        label=found.verdict.label,
        confidence=found.verdict.confidence,
        passages=distinct([corpus_id(e.passage.id) for e in found.evidence]),
        seconds=round(time.perf_counter() - started, 3),
    )
    trace = ClaimTrace(
        id=claim.id,
        gold=claim.label,
        claims=[c.text for c in found.understanding.claims],
        evidence=[
            PassageTrace(
                passage=corpus_id(e.passage.id),
                relevance=e.relevance,
                raw={j.claim_id: j.raw for j in e.judgements},
            )
            for e in found.evidence
        ],
        assessments=[v.assessment for v in found.verdict.per_claim if v.assessment],
    )
    return prediction, trace


def predict_claim_only(desk: Desk, claim: BenchmarkClaim) -> Prediction:
    started = time.perf_counter()
    probs = desk.llm.classify(CLAIM_ONLY.render(claim=claim_text(claim)), tuple(CLAIM_ONLY_CHOICES))
    word = max(probs, key=lambda k: probs[k])
    return Prediction(
        id=claim.id,
        label=CLAIM_ONLY_CHOICES[word],
        confidence=probs[word],
        passages=[],
        seconds=round(time.perf_counter() - started, 3),
    )


def majority_label(claims: Sequence[BenchmarkClaim]) -> VerdictLabel:
    return Counter(c.label for c in claims).most_common(1)[0][0]


def run(
    desk: Desk | None,
    claims: Sequence[BenchmarkClaim],
    out: Path,
    baseline: Baseline | None,
    progress: Callable[[int, int], None],
) -> None:
    """Append predictions for the claims not yet in `out`."""
    trace_path = out.with_suffix(".trace.jsonl")
    drop_partial_line(out)
    drop_partial_line(trace_path)
    finished = done_ids(out)
    todo = [c for c in claims if c.id not in finished]
    majority = majority_label(claims)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as handle, trace_path.open("a") as traces:
        for count, claim in enumerate(todo, start=1):
            if baseline == "majority":
                prediction = Prediction(
                    id=claim.id, label=majority, confidence=1.0, passages=[], seconds=0.0
                )
            elif desk is None:
                raise InputError("This run needs a model; only the majority baseline has none.")
            elif baseline == "claim-only":
                prediction = predict_claim_only(desk, claim)
            else:
                prediction, trace = predict_pipeline(desk, claim)
                traces.write(trace.model_dump_json(exclude_none=True) + "\n")
                traces.flush()
            handle.write(prediction.model_dump_json(exclude_none=True) + "\n")
            handle.flush()
            progress(count, len(todo))


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
    from factdesk.settings import settings_hash

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
        f"median {metrics.median_seconds:.1f} s/claim"
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
