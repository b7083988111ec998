"""Requests and responses exchanged with any LLM backend."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from factdesk.errors import LLMError


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class LLMRequest(BaseModel):
    """One call to a model. `kind` names the prompt (for tracing and scripted fakes)."""

    kind: str
    messages: list[ChatMessage]
    max_tokens: int = 256
    temperature: float = 0.0
    json_schema: dict[str, Any] | None = None
    stop: list[str] = Field(default_factory=list)
    variables: dict[str, str] = Field(default_factory=dict)


class LLMResponse(BaseModel):
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


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
