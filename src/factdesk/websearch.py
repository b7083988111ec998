"""Web search backends: SearXNG, Brave Search, Tavily and DuckDuckGo (through `ddgs`).

Each returns the engine's results as snippet hits (title and summary, untrusted);
the fetch stage then reads the pages themselves. Results are cached in the web cache
for `web.cache_ttl_s`, HTTP APIs are retried with backoff on 429 and 5xx, and a
backend that cannot be reached at all raises SearchUnreachableError so the method
trail can say that the check ran without the web.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from factdesk.errors import ConfigError, SearchError, SearchUnreachableError
from factdesk.extract import parse_date
from factdesk.httpjson import request_json
from factdesk.models import Hit, Passage, WebResult
from factdesk.prompts import clean_untrusted
from factdesk.protocols import SEARCH_BACKENDS, SearchContext
from factdesk.settings import Settings, WebSettings
from factdesk.sourcemeta import canonical_url, describe
from factdesk.untrusted import defuse
from factdesk.webcache import WebCache

SNIPPET_CHARS = 600
# ddgs reports transport failures only as text; these words mean the engine was not reached
_CONNECTION_FAILURE = re.compile(
    r"dns|resolve|connection refused|connect error|network is unreachable|error sending request",
    re.IGNORECASE,
)


def expand_backends(names: list[str], web: WebSettings) -> list[str]:
    """`web` stands for every configured web backend, or `ddgs` when none is."""
    configured = [
        name
        for name, ready in (
            ("searxng", bool(web.searxng_url)),
            ("brave", bool(web.brave_api_key.get_secret_value())),
            ("tavily", bool(web.tavily_api_key.get_secret_value())),
        )
        if ready
    ] or ["ddgs"]
    expanded: list[str] = []
    for name in names:
        for actual in configured if name == "web" else [name]:
            if actual not in expanded:
                expanded.append(actual)
    return expanded


def _text(value: Any, limit: int) -> str:
    return clean_untrusted(html.unescape(str(value or "")), limit)


class WebSearchBackend:
    """Template for a web backend: cache, dedupe by canonical URL, snippet hits."""

    name = "web"
    is_web = True
    max_results = 20

    def __init__(self, settings: Settings, cache: WebCache | None) -> None:
        self.web = settings.web
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
            canonical = canonical_url(result.url)
            if canonical in seen or not result.url.startswith(("http://", "https://")):
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


class HTTPSearchBackend(WebSearchBackend):
    """A JSON API over httpx, retried with backoff; unreachable hosts are told apart.

    `needs` names the setting the backend cannot work without, checked when it is built
    so a missing key is a configuration error before any check starts.
    """

    needs: tuple[str, str, str]

    def __init__(
        self,
        settings: Settings,
        cache: WebCache | None,
        client: httpx.Client,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(settings, cache)
        self.client = client
        self.sleep = sleep
        field, variable, what = self.needs
        value = getattr(self.web, field)
        if not (value.get_secret_value() if isinstance(value, SecretStr) else value):
            raise ConfigError(f"The {self.name} backend needs {what}: set {variable}.")

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


class SearxngSearch(HTTPSearchBackend):
    """A SearXNG instance's JSON API (`GET /search?format=json`; enable `json` under
    `search.formats` in the instance's settings.yml)."""

    name = "searxng"
    max_results = 50
    needs = ("searxng_url", "FACTDESK_WEB__SEARXNG_URL", "the instance's address")

    def results(self, query: str, limit: int) -> list[WebResult]:
        url = self.web.searxng_url.rstrip("/") + "/search"
        params: dict[str, str | int] = {
            "q": query,
            "format": "json",
            "language": self.web.language,
            "pageno": 1,
        }
        try:
            data = self._json("GET", url, params=params)
        except SearchError as exc:
            if "HTTP 403" in str(exc) or "not JSON" in str(exc):
                raise SearchError(
                    self.name,
                    f"{url} does not serve JSON; add `json` to search.formats in the "
                    "instance's settings.yml",
                ) from exc
            raise
        return [
            WebResult(
                url=str(r.get("url", "")),
                title=str(r.get("title") or ""),
                snippet=str(r.get("content") or ""),
                published=parse_date(r.get("publishedDate")),
            )
            for r in _list(data, "results", self.name)[:limit]
        ]


class BraveSearch(HTTPSearchBackend):
    """Brave Search API, `GET /res/v1/web/search` with the X-Subscription-Token header."""

    name = "brave"
    max_results = 20
    needs = ("brave_api_key", "FACTDESK_WEB__BRAVE_API_KEY", "an API key")

    def results(self, query: str, limit: int) -> list[WebResult]:
        key = self.web.brave_api_key.get_secret_value()
        data = self._json(
            "GET",
            self.web.brave_url,
            params={"q": query[:400], "count": limit, "search_lang": self.web.language},
            headers={"Accept": "application/json", "X-Subscription-Token": key},
        )
        web = data.get("web") if isinstance(data, dict) else None
        return [
            WebResult(
                url=str(r.get("url", "")),
                title=str(r.get("title") or ""),
                snippet=" ".join(
                    [str(r.get("description") or ""), *map(str, r.get("extra_snippets") or [])]
                ),
                published=parse_date(r.get("page_age")),
            )
            for r in _list(web, "results", self.name)[:limit]
        ]


class TavilySearch(HTTPSearchBackend):
    """Tavily's `POST /search` with a Bearer key."""

    name = "tavily"
    max_results = 20
    needs = ("tavily_api_key", "FACTDESK_WEB__TAVILY_API_KEY", "an API key")

    def results(self, query: str, limit: int) -> list[WebResult]:
        key = self.web.tavily_api_key.get_secret_value()
        data = self._json(
            "POST",
            self.web.tavily_url,
            payload={
                "query": query,
                "max_results": limit,
                "search_depth": "basic",
                "topic": "general",
                "include_answer": False,
                "include_raw_content": False,
            },
            headers={"Authorization": f"Bearer {key}"},
        )
        return [
            WebResult(
                url=str(r.get("url", "")),
                title=str(r.get("title") or ""),
                snippet=str(r.get("content") or ""),
                published=parse_date(r.get("published_date")),
            )
            for r in _list(data, "results", self.name)[:limit]
        ]


class TextSearcher(Protocol):
    """The part of `ddgs.DDGS` used here."""

    def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]: ...


class DdgsSearch(WebSearchBackend):
    """DuckDuckGo and friends through the `ddgs` metasearch package (no key needed)."""

    name = "ddgs"
    max_results = 30

    def __init__(
        self,
        settings: Settings,
        cache: WebCache | None,
        engine: TextSearcher | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(settings, cache)
        self.sleep = sleep
        if engine is None:
            from ddgs import DDGS

            engine = DDGS(timeout=max(1, round(self.web.timeout_for(self.name))))
        self.engine = engine

    def results(self, query: str, limit: int) -> list[WebResult]:
        from ddgs.exceptions import DDGSException, RatelimitException

        for attempt in range(1, self.web.attempts + 1):
            try:
                found = self.engine.text(
                    query,
                    region=self.web.ddgs_region,
                    safesearch="moderate",
                    max_results=limit,
                    backend=self.web.ddgs_backend,
                )
            except RatelimitException as exc:
                if attempt == self.web.attempts:
                    raise SearchError(self.name, f"rate limited: {exc}") from exc
                self.sleep(min(self.web.backoff_s * 2 ** (attempt - 1), self.web.max_retry_after_s))
                continue
            except DDGSException as exc:
                message = str(exc) or type(exc).__name__
                if "no results" in message.lower():
                    return []
                offline = _CONNECTION_FAILURE.search(message)
                error = SearchUnreachableError if offline else SearchError
                raise error(self.name, message) from exc
            return [
                WebResult(
                    url=str(r.get("href", "")),
                    title=str(r.get("title") or ""),
                    snippet=str(r.get("body") or ""),
                )
                for r in found[:limit]
            ]
        return []


def _list(data: Any, key: str, backend: str) -> list[dict[str, Any]]:
    """`data[key]` if it is a list of objects; an API that changed shape is an error."""
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SearchError(backend, f"the response has no {key!r} list")
    return [item for item in items if isinstance(item, dict)]


@SEARCH_BACKENDS.register("searxng")
def _searxng(context: SearchContext) -> SearxngSearch:
    return SearxngSearch(context.settings, context.cache, context.http)


@SEARCH_BACKENDS.register("brave")
def _brave(context: SearchContext) -> BraveSearch:
    return BraveSearch(context.settings, context.cache, context.http)


@SEARCH_BACKENDS.register("tavily")
def _tavily(context: SearchContext) -> TavilySearch:
    return TavilySearch(context.settings, context.cache, context.http)


@SEARCH_BACKENDS.register("ddgs")
def _ddgs(context: SearchContext) -> DdgsSearch:
    return DdgsSearch(context.settings, context.cache)
