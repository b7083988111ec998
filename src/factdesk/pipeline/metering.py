"""Counting what each stage asks of a model, for the method trail."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from factdesk.protocols import LLM, LLMRequest, LLMResponse
from factdesk.records import StageUsage


class MeteredLLM:
    """An LLM that adds every call's tokens to one stage's usage (thread-safe, so a stage
    may call it from several threads)."""

    def __init__(self, inner: LLM, usage: StageUsage) -> None:
        self.inner = inner
        self.name = inner.name
        self.usage = usage
        self._lock = threading.Lock()

    def _count(self, response: LLMResponse) -> LLMResponse:
        with self._lock:
            self.usage.calls += 1
            self.usage.prompt_tokens += response.prompt_tokens
            self.usage.completion_tokens += response.completion_tokens
        return response

    def complete(self, request: LLMRequest) -> LLMResponse:
        return self._count(self.inner.complete(request))

    def classify(self, request: LLMRequest, choices: Sequence[str]) -> LLMResponse:
        return self._count(self.inner.classify(request, choices))
