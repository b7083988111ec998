"""What every web search backend shares: caching, deduplication and snippet hits.

Each backend returns the engine's results as snippet hits (title and summary,
untrusted); the fetch stage then reads the pages themselves. Results are cached in
the web cache for `websearch.cache_ttl_s`, HTTP APIs are retried with backoff on 429
and 5xx, and a backend that cannot be reached at all raises SearchUnreachableError so
the method trail can say that the check ran without the web.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel

from factdesk.backends.httpjson import request_json
from factdesk.backends.webcache import WebCache
from factdesk.errors import SearchError, SearchUnreachableError
from factdesk.plugins import BuildContext
from factdesk.records import Hit, Passage, WebResult
from factdesk.settings import Settings
from factdesk.sourcemeta import canonical_url, describe, is_web_url
from factdesk.untrusted import clean_untrusted, defuse

SNIPPET_CHARS = 600
ApiSettings = TypeVar("ApiSettings", bound=BaseModel)


def _text(value: Any, limit: int) -> str:
    return clean_untrusted(html.unescape(str(value or "")), limit)


def http_client(context: BuildContext) -> httpx.Client:
    """The HTTP client the web search APIs of a desk share."""
    settings = context.settings
    return context.shared(
        "http",
        lambda: httpx.Client(
            timeout=settings.websearch.timeout_s,
            headers={"User-Agent": settings.fetch.user_agent},
        ),
    )


class WebSearchBackend:
    """Template for a web backend: cache, dedupe by canonical URL, snippet hits."""

    name = "web"
    is_web = True
    max_results = 20

    def __init__(self, settings: Settings, cache: WebCache | None) -> None:
        self.web = settings.websearch
        self.cache = cache
        self.defuse = settings.fetch.defuse_instructions

    def search(self, query: str, limit: int) -> list[Hit]:
        limit = min(limit, self.max_results)
        results = (
            self.cache.get_search(self.name, query, limit, self.web.cache_ttl_s)
            if self.cache
            else None
        )
        if results is None:
            results = self.results(query, limit)
            if self.cache is not None:
                self.cache.put_search(self.name, query, limit, results)
        hits: list[Hit] = []
        seen: set[str] = set()
        for result in results:
            if not is_web_url(result.url):
                continue
            canonical = canonical_url(result.url)
            if canonical in seen:
                continue
            seen.add(canonical)
            hits.append(self._hit(result, canonical, query, len(hits)))
        return hits

    def _hit(self, result: WebResult, canonical: str, query: str, rank: int) -> Hit:
        domain, outlet, source_type = describe(result.url)
        title, text = _text(result.title, 300), _text(result.snippet, SNIPPET_CHARS)
        if self.defuse:
            text = defuse(text)[0]
            title = "" if defuse(title)[1] else title
        passage = Passage(
            id=f"{canonical}#snippet",
            doc_id=canonical,
            title=title or domain,
            text=text,
            url=result.url,
            domain=domain,
            outlet=outlet,
            published=result.published,
            source_type=source_type,
        )
        return Hit(
            passage=passage,
            score=1.0 / (rank + 1),
            backend=self.name,
            query=query,
            rank=rank,
            snippet=True,
        )

    def results(self, query: str, limit: int) -> list[WebResult]:
        raise NotImplementedError


class HTTPSearchBackend(WebSearchBackend, Generic[ApiSettings]):
    """A JSON API over httpx, retried with backoff; unreachable hosts are told apart.
    `options` are the backend's own settings (its URL, its key)."""

    def __init__(
        self,
        settings: Settings,
        options: ApiSettings,
        cache: WebCache | None,
        client: httpx.Client,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(settings, cache)
        self.options = options
        self.client = client
        self.sleep = sleep

    def _json(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        payload: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        try:
            return request_json(
                self.client,
                self.name,
                method,
                url,
                error=SearchError,
                attempts=self.web.attempts,
                backoff_s=self.web.backoff_s,
                max_wait_s=self.web.max_retry_after_s,
                sleep=self.sleep,
                timeout=self.web.timeout_for(self.name),
                params=params,
                payload=payload,
                headers=headers,
            )
        except SearchError as exc:
            if isinstance(exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout)):
                message = str(exc).removeprefix(f"{self.name}: ")
                raise SearchUnreachableError(self.name, message) from exc
            raise


def result_list(data: Any, key: str, backend: str) -> list[dict[str, Any]]:
    """`data[key]` if it is a list of objects; an API that changed shape is an error."""
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SearchError(backend, f"the response has no {key!r} list")
    return [item for item in items if isinstance(item, dict)]
