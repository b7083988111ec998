"""Any OpenAI-compatible chat-completions server: OpenAI, Ollama, vLLM, llama.cpp's
server (`factdesk models serve`)."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any, Literal

import httpx
from pydantic import Field, SecretStr

from factdesk.backends.llm.common import HTTPModelSettings, choice_from_text, post_json
from factdesk.errors import LLMError
from factdesk.plugins import Backend, Registry
from factdesk.protocols import LLMRequest, LLMResponse


class OpenAISettings(HTTPModelSettings):
    base_url: str = Field(
        default="https://api.openai.com/v1",
        description="The API root; e.g. `http://127.0.0.1:11434/v1` for Ollama.",
    )
    api_key: SecretStr = Field(
        default=SecretStr(""), description="Bearer key, if the server needs one."
    )
    seed: int = Field(default=7, description="Sampling seed, for servers that honour it.")
    json_mode: Literal["json_schema", "json_object"] = Field(
        default="json_schema",
        description="How a JSON schema is asked for: `json_schema` (OpenAI, vLLM, Ollama) or "
        "`json_object` with a `schema` (llama-cpp-python's server: `factdesk models serve`).",
    )


class OpenAICompatibleLLM:
    """Chat completions at `{base_url}/chat/completions`."""

    def __init__(self, options: OpenAISettings, client: httpx.Client | None = None) -> None:
        self.name = f"openai:{options.model_name}"
        self._model = options.model_name
        self._url = options.base_url.rstrip("/") + "/chat/completions"
        key = options.api_key.get_secret_value()
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = client or httpx.Client(timeout=options.timeout_s)
        self._seed = options.seed
        self._json_mode = options.json_mode

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
        if request.json_schema and self._json_mode == "json_object":
            payload["response_format"] = {"type": "json_object", "schema": request.json_schema}
        elif request.json_schema:
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
        return _response(text, data, started)

    def classify(self, request: LLMRequest, choices: Sequence[str]) -> LLMResponse:
        started = time.perf_counter()
        payload = self._payload(request.model_copy(update={"max_tokens": 1, "json_schema": None}))
        payload.update({"logprobs": True, "top_logprobs": 10})
        data = post_json(self._client, "openai", self._url, payload, self._headers)
        try:
            choice = data["choices"][0]
            top = choice["logprobs"]["content"][0]["top_logprobs"]
        except (KeyError, IndexError, TypeError):
            message = (data.get("choices") or [{}])[0].get("message") or {}
            text = str(message.get("content") or "")
            return _response(text, data, started, choice_from_text(text, choices))
        mass = dict.fromkeys(choices, 0.0)
        for entry in top:
            token = str(entry.get("token", "")).strip().lower()
            for c in choices:
                if token and c.lower().startswith(token):
                    mass[c] += math.exp(float(entry.get("logprob", -100.0)))
                    break
        total = sum(mass.values())
        probs = (
            {c: v / total for c, v in mass.items()}
            if total > 0
            else {c: 1.0 / len(choices) for c in choices}
        )
        return _response(str(choice.get("message", {}).get("content") or ""), data, started, probs)


def _response(
    text: str, data: dict[str, Any], started: float, probs: dict[str, float] | None = None
) -> LLMResponse:
    usage = data.get("usage") or {}
    return LLMResponse(
        text=text,
        probs=probs or {},
        prompt_tokens=int(usage.get("prompt_tokens", 0)),
        completion_tokens=int(usage.get("completion_tokens", 0)),
        seconds=time.perf_counter() - started,
    )


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="llm",
            name="openai",
            summary="Any OpenAI-compatible server: OpenAI, Ollama, vLLM, llama.cpp server.",
            factory=lambda context, options: OpenAICompatibleLLM(options),
            settings=OpenAISettings,
        )
    )
