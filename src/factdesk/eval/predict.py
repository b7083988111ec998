"""Predictions for labelled claims: the pipeline up to the verdict, and two baselines.

A run appends one prediction a line (and a trace of what each verdict was computed
from), so an interrupted run continues where it stopped.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from factdesk.errors import FactdeskError, InputError
from factdesk.eval.data import (
    BenchmarkClaim,
    Prediction,
    corpus_id,
    distinct,
    done_ids,
    drop_partial_line,
)
from factdesk.pipeline import Desk, research_only
from factdesk.prompts import CLAIM_ONLY
from factdesk.records import ClaimAssessment, PointCheck, StanceScores, VerdictLabel

Baseline = Literal["majority", "claim-only"]
CLAIM_ONLY_CHOICES: dict[str, VerdictLabel] = {
    "True": "supported",
    "False": "refuted",
    "Mixed": "conflicting",
    "Unknown": "not_enough_evidence",
}


def claim_text(claim: BenchmarkClaim) -> str:
    return claim.claim.strip()


class PassageTrace(BaseModel):
    passage: str
    relevance: float
    raw: dict[str, StanceScores | None]
    on_topic: bool = True  # traces written before the topic gate was traced: unknown


class ClaimTrace(BaseModel):
    """What the verdict was computed from, so calibration can be refitted offline and a
    change to the verdict rules replayed exactly: the rules also read which passages are
    about the subject and how the claim's point was answered."""

    id: str
    gold: VerdictLabel
    claims: list[str]
    evidence: list[PassageTrace]
    assessments: list[ClaimAssessment] = Field(default_factory=list)
    point: PointCheck | None = None
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
    verdict = found.verdict
    if verdict is None:  # research_only runs the verdict stage or raises
        raise RuntimeError(f"research_only gave claim {claim.id} no verdict")
    prediction = Prediction(
        id=claim.id,
        label=verdict.label,
        confidence=verdict.confidence,
        passages=distinct([corpus_id(e.passage.id) for e in found.evidence]),
        seconds=round(time.perf_counter() - started, 3),
    )
    trace = ClaimTrace(
        id=claim.id,
        gold=claim.label,
        claims=[c.text for c in found.understanding.claims] if found.understanding else [],
        evidence=[
            PassageTrace(
                passage=corpus_id(e.passage.id),
                relevance=e.relevance,
                raw={j.claim_id: j.raw for j in e.judgements},
                on_topic=e.on_topic,
            )
            for e in found.evidence
        ],
        assessments=[v.assessment for v in verdict.per_claim if v.assessment],
        point=found.point,
    )
    return prediction, trace


def predict_claim_only(desk: Desk, claim: BenchmarkClaim) -> Prediction:
    started = time.perf_counter()
    probs = desk.llm.classify(
        CLAIM_ONLY.render(claim=claim_text(claim)), tuple(CLAIM_ONLY_CHOICES)
    ).probs
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
