"""Benchmark files: labelled claims, pooled corpora, and predictions (JSONL, resumable).

Formats are described in the benchmarks' README; every bad line is an InputError that
names the file and the line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, Field, ValidationError

from factdesk.backends.search.local import LocalIndex, open_index
from factdesk.errors import InputError
from factdesk.plugins import BuildContext
from factdesk.records import Document, VerdictLabel


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


def corpus_index(context: BuildContext, corpus: Path) -> LocalIndex:
    """The corpus's own index, built once and reused while the corpus file is unchanged."""
    settings = context.settings
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
