"""The small interfaces every backend kind implements, and their registries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import httpx
import numpy as np
import numpy.typing as npt

from factdesk.llm_types import LLMRequest, LLMResponse
from factdesk.models import CheckRecord, Fetched, Hit
from factdesk.registry import Registry
from factdesk.settings import Settings
from factdesk.webcache import WebCache


@runtime_checkable
class LLM(Protocol):
    """A language model: free or schema-constrained text, and choice probabilities."""

    name: str

    def complete(self, request: LLMRequest) -> LLMResponse: ...

    def classify(self, request: LLMRequest, choices: Sequence[str]) -> dict[str, float]:
        """Probability of each choice as the answer's first word (sums to 1)."""
        ...


@runtime_checkable
class SearchBackend(Protocol):
    name: str

    def search(self, query: str, limit: int) -> list[Hit]: ...


@runtime_checkable
class VectorLookup(Protocol):
    """A search backend that already holds passage embeddings and can hand them over."""

    def vectors(self, passage_ids: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]: ...


@runtime_checkable
class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """L2-normalised vectors, one row per text."""
        ...


@runtime_checkable
class ReportStore(Protocol):
    def save(self, record: CheckRecord) -> None: ...

    def load(self, check_id: str) -> CheckRecord: ...


class SearchContext:
    """What a search backend may need besides settings, built once per desk.

    Web backends share one HTTP client and the web cache; both are made on first use
    unless passed in (tests pass a client on a mock transport).
    """

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        *,
        http: httpx.Client | None = None,
        cache: WebCache | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self._http = http
        self._cache = cache

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                timeout=self.settings.web.timeout_s,
                headers={"User-Agent": self.settings.fetch.user_agent},
            )
        return self._http

    @property
    def cache(self) -> WebCache:
        if self._cache is None:
            self._cache = WebCache(self.settings.webcache_path)
        return self._cache


class PageFetcher(Protocol):
    """Reads web pages; the fetch stage depends on this, not on how it is done."""

    def fetch_all(self, urls: Sequence[str]) -> list[Fetched]: ...


LLM_BACKENDS: Registry[Settings, LLM] = Registry("LLM")
EMBEDDERS: Registry[Settings, Embedder] = Registry("embedder")
SEARCH_BACKENDS: Registry[SearchContext, SearchBackend] = Registry("search")
