"""LLMs behind HTTP APIs: any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM,
llama.cpp server) and Anthropic's Messages API."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import httpx

from factdesk.errors import ConfigError, LLMError
from factdesk.httpjson import request_json
from factdesk.llm_types import LLMRequest, LLMResponse
from factdesk.protocols import LLM_BACKENDS
from factdesk.settings import Settings


def post_json(
    client: httpx.Client,
    backend: str,
    url: str,
    payload: dict[str, Any],
    headers: dict[str, str],
) -> dict[str, Any]:
    """POST with retries on rate limits and server errors; errors name the backend."""
    data: dict[str, Any] = request_json(
        client, backend, "POST", url, error=LLMError, payload=payload, headers=headers
    )
    return data


def _choice_from_text(text: str, choices: Sequence[str]) -> dict[str, float]:
    """Fallback when an API gives no log-probabilities: all mass on the named choice."""
    word = text.strip().split()[0].strip(".,:;!\"'").lower() if text.strip() else ""
    picked = next((c for c in choices if c.lower().startswith(word) and word), None)
    if picked is None:
        return {c: 1.0 / len(choices) for c in choices}
    return {c: (1.0 if c == picked else 0.0) for c in choices}


class OpenAICompatibleLLM:
    """Chat completions at `{base_url}/chat/completions`."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        cfg = settings.llm
        if not cfg.model_name:
            raise ConfigError(
                "The openai backend needs a model name: set FACTDESK_LLM__MODEL_NAME."
            )
        self.name = f"openai:{cfg.model_name}"
        self._model = cfg.model_name
        self._url = (cfg.base_url or "https://api.openai.com/v1").rstrip("/") + "/chat/completions"
        key = cfg.api_key.get_secret_value()
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = client or httpx.Client(timeout=cfg.timeout_s)
        self._seed = cfg.seed

    def _payload(self, request: LLMRequest) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self._model,
            "messages": [m.model_dump() for m in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": self._seed,
        }
        if request.stop:
            payload["stop"] = request.stop
        if request.json_schema:
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.kind, "schema": request.json_schema},
            }
        return payload

    def complete(self, request: LLMRequest) -> LLMResponse:
        started = time.perf_counter()
        data = post_json(self._client, "openai", self._url, self._payload(request), self._headers)
        try:
            text = data["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError) as exc:
            raise LLMError("openai", "the response has no choices[0].message.content") from exc
        usage = data.get("usage") or {}
        return LLMResponse(
            text=text,
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            seconds=time.perf_counter() - started,
        )

    def classify(self, request: LLMRequest, choices: Sequence[str]) -> dict[str, float]:
        payload = self._payload(request.model_copy(update={"max_tokens": 1, "json_schema": None}))
        payload.update({"logprobs": True, "top_logprobs": 10})
        data = post_json(self._client, "openai", self._url, payload, self._headers)
        try:
            choice = data["choices"][0]
            top = choice["logprobs"]["content"][0]["top_logprobs"]
        except (KeyError, IndexError, TypeError):
            message = (data.get("choices") or [{}])[0].get("message") or {}
            return _choice_from_text(str(message.get("content") or ""), choices)
        mass = dict.fromkeys(choices, 0.0)
        for entry in top:
            token = str(entry.get("token", "")).strip().lower()
            for c in choices:
                if token and c.lower().startswith(token):
                    mass[c] += math.exp(float(entry.get("logprob", -100.0)))
                    break
        total = sum(mass.values())
        if total <= 0:
            return {c: 1.0 / len(choices) for c in choices}
        return {c: v / total for c, v in mass.items()}


class AnthropicLLM:
    """Anthropic's Messages API; it has no log-probabilities, so `classify` reads the word."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        cfg = settings.llm
        if not cfg.model_name:
            raise ConfigError(
                "The anthropic backend needs a model name: set FACTDESK_LLM__MODEL_NAME."
            )
        self.name = f"anthropic:{cfg.model_name}"
        self._model = cfg.model_name
        self._url = (cfg.base_url or "https://api.anthropic.com").rstrip("/") + "/v1/messages"
        self._headers = {
            "x-api-key": cfg.api_key.get_secret_value(),
            "anthropic-version": "2023-06-01",
        }
        self._client = client or httpx.Client(timeout=cfg.timeout_s)

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

    def classify(self, request: LLMRequest, choices: Sequence[str]) -> dict[str, float]:
        answer = self.complete(request.model_copy(update={"max_tokens": 5, "json_schema": None}))
        return _choice_from_text(answer.text, choices)


@LLM_BACKENDS.register("openai")
def _openai(settings: Settings) -> OpenAICompatibleLLM:
    return OpenAICompatibleLLM(settings)


@LLM_BACKENDS.register("anthropic")
def _anthropic(settings: Settings) -> AnthropicLLM:
    return AnthropicLLM(settings)
