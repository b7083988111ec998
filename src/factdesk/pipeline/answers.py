"""Reading what a model answered: JSON objects, labelled fields, whole sentences."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from factdesk.errors import LLMError
from factdesk.protocols import LLMResponse

ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_json(backend: str, response: LLMResponse, model: type[ModelT]) -> ModelT:
    """Validate a model's JSON answer; malformed output is an `LLMError`, never a crash."""
    text = response.text.strip()
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise LLMError(backend, f"expected a JSON object, got {text[:120]!r}")
    try:
        return model.model_validate_json(text[start : end + 1])
    except ValidationError as exc:
        raise LLMError(backend, f"JSON did not match {model.__name__}: {exc.errors()[:1]}") from exc


_SENTENCE_END = re.compile(r"[.!?](?:\s*\[[^\]]*\])*(?=\s|$)")


def whole_sentences(text: str) -> str:
    """The text up to its last complete sentence (generation may stop mid-sentence)."""
    text = text.strip()
    ends = list(_SENTENCE_END.finditer(text))
    if not ends or ends[-1].end() == len(text):
        return text
    return text[: ends[-1].end()].strip()


def parse_labelled(
    backend: str, response: LLMResponse, labels: Sequence[str], default: str
) -> dict[str, str]:
    """Fields of a "Label: value" answer. A field cut off by the token limit keeps its
    complete sentences; a missing field is empty; an answer with no labels at all goes
    into the `default` field. Only an empty answer is an error."""
    pattern = re.compile(
        r"^[\W_]*(" + "|".join(re.escape(label) for label in labels) + r")[*_ ]*:[*_\s]*",
        re.IGNORECASE | re.MULTILINE,
    )
    matches = list(pattern.finditer(response.text))
    fields = dict.fromkeys(labels, "")
    if not response.text.strip():
        raise LLMError(backend, f"expected {', '.join(labels)}; got an empty answer")
    if not matches:
        fields[default] = whole_sentences(" ".join(response.text.split()))
        return fields
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        label = next(x for x in labels if x.lower() == match.group(1).lower())
        end = following.start() if following else len(response.text)
        if not fields[label]:
            fields[label] = " ".join(response.text[match.end() : end].split())
    cut_short = response.completion_tokens and not response.text.rstrip().endswith(
        (".", "!", "?", "]")
    )
    if cut_short:
        last = next(x for x in labels if x.lower() == matches[-1].group(1).lower())
        fields[last] = whole_sentences(fields[last])
    return fields
