"""Whole-text evaluation (`factdesk eval --texts`): paragraphs with gold claim spans,
predictions of the claims extracted from each and their verdicts.

A prediction is what `check --text` would decide, without writing: the statements are
extracted as there, and each claim chosen for checking runs the stages up to the
verdict (`research_only`). One line per text is appended, so an interrupted run goes on
where it stopped. A text whose extraction fails is kept with its error and no claims.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from factdesk.errors import FactdeskError
from factdesk.eval.data import drop_partial_line, read_jsonl, read_models
from factdesk.pipeline import Desk, research_only
from factdesk.pipeline.claims import extract_claims
from factdesk.records import SourceText, Span, VerdictLabel


class GoldClaim(BaseModel):
    claim_id: str
    span: Span
    label: VerdictLabel


class BenchmarkText(BaseModel):
    id: str
    text: str
    claims: list[GoldClaim]
    filler_spans: list[Span] = Field(default_factory=list)


class PredictedClaim(BaseModel):
    text: str
    span: Span
    label: VerdictLabel
    confidence: float


class TextPrediction(BaseModel):
    id: str
    claims: list[PredictedClaim]
    seconds: float
    error: str | None = None


def load_texts(path: Path) -> list[BenchmarkText]:
    return read_models(path, BenchmarkText)


def read_text_predictions(path: Path) -> list[TextPrediction]:
    return read_models(path, TextPrediction)


def done_text_ids(out: Path) -> set[str]:
    if not out.is_file():
        return set()
    ids: set[str] = set()
    for _, line in read_jsonl(out):
        try:
            ids.add(TextPrediction.model_validate_json(line).id)
        except ValidationError:
            continue  # a line cut short by an interruption is predicted again
    return ids


def predict_text(desk: Desk, item: BenchmarkText) -> TextPrediction:
    """The checked claims of one text, one entry per place each is said, with their
    verdicts. A claim whose check fails gets the no-verdict a failed check publishes.

    Only claims the system checked are listed. Statements classified as not check-worthy
    (shown as "not checked: opinion" in an overview) are not claims, so listing them
    would count every sentence as extracted. Factual statements ranked below
    `max_claims` are left out too: they get no verdict, and giving them one they were
    never checked for (not enough evidence) would score work not done; a text with more
    claims than `max_claims` loses recall instead, which is what a user of
    `check --text` would see."""
    started = time.perf_counter()
    source = SourceText(text=item.text, kind="text")
    try:
        found = extract_claims(desk.judge_llm, source, desk.settings.texts)
    except FactdeskError as exc:
        seconds = round(time.perf_counter() - started, 3)
        return TextPrediction(id=item.id, claims=[], seconds=seconds, error=str(exc))
    claims: list[PredictedClaim] = []
    for claim in (c for c in found.claims if c.checked):
        label: VerdictLabel = "not_enough_evidence"
        confidence = 0.0
        try:
            verdict = research_only(desk, claim.text).verdict
        except FactdeskError:
            verdict = None
        if verdict is not None:
            label, confidence = verdict.label, verdict.confidence
        claims += [
            PredictedClaim(text=claim.text, span=span, label=label, confidence=confidence)
            for span in claim.spans
        ]
    seconds = round(time.perf_counter() - started, 3)
    return TextPrediction(id=item.id, claims=claims, seconds=seconds)


def run_texts(
    desk: Desk,
    texts: Sequence[BenchmarkText],
    out: Path,
    progress: Callable[[int, int], None],
) -> None:
    """Append predictions for the texts not yet in `out`."""
    drop_partial_line(out)
    finished = done_text_ids(out)
    todo = [t for t in texts if t.id not in finished]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as handle:
        for count, item in enumerate(todo, start=1):
            handle.write(predict_text(desk, item).model_dump_json(exclude_none=True) + "\n")
            handle.flush()
            progress(count, len(todo))
