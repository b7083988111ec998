"""Anthropic's Messages API. It gives no log-probabilities, so `classify` reads the word."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import Field, SecretStr

from factdesk.backends.llm.common import HTTPModelSettings, choice_from_text, post_json
from factdesk.errors import LLMError
from factdesk.plugins import Backend, Registry
from factdesk.protocols import LLMRequest, LLMResponse


class AnthropicSettings(HTTPModelSettings):
    api_key: SecretStr = Field(description="The API key.")
    base_url: str = Field(default="https://api.anthropic.com", description="The API root.")


class AnthropicLLM:
    def __init__(self, options: AnthropicSettings, client: httpx.Client | None = None) -> None:
        self.name = f"anthropic:{options.model_name}"
        self._model = options.model_name
        self._url = options.base_url.rstrip("/") + "/v1/messages"
        self._headers = {
            "x-api-key": options.api_key.get_secret_value(),
            "anthropic-version": "2023-06-01",
        }
        self._client = client or httpx.Client(timeout=options.timeout_s)

    def complete(self, request: LLMRequest) -> LLMResponse:
        started = time.perf_counter()
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        messages = [m.model_dump() for m in request.messages if m.role != "system"]
        if request.prefill:  # Anthropic continues a final assistant message
            messages.append({"role": "assistant", "content": request.prefill})
        if request.json_schema:
            messages[-1]["content"] += (
                "\n\nAnswer with JSON only, matching this JSON schema: " + str(request.json_schema)
            )
        payload: dict[str, Any] = {
            "model": self._model,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "messages": messages,
        }
        if system:
            payload["system"] = system
        if request.stop:
            payload["stop_sequences"] = request.stop
        data = post_json(self._client, "anthropic", self._url, payload, self._headers)
        try:
            text = "".join(b.get("text", "") for b in data["content"] if b.get("type") == "text")
        except (KeyError, TypeError) as exc:
            raise LLMError("anthropic", "the response has no content blocks") from exc
        usage = data.get("usage") or {}
        return LLMResponse(
            text=request.prefill + text,
            prompt_tokens=int(usage.get("input_tokens", 0)),
            completion_tokens=int(usage.get("output_tokens", 0)),
            seconds=time.perf_counter() - started,
        )

    def classify(self, request: LLMRequest, choices: Sequence[str]) -> LLMResponse:
        answer = self.complete(request.model_copy(update={"max_tokens": 5, "json_schema": None}))
        return answer.model_copy(update={"probs": choice_from_text(answer.text, choices)})


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="llm",
            name="anthropic",
            summary="Anthropic's Messages API (Claude).",
            factory=lambda context, options: AnthropicLLM(options),
            settings=AnthropicSettings,
        )
    )
