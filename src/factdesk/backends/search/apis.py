"""Web search APIs over HTTP: SearXNG (self-hosted), Brave Search and Tavily."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import httpx
from pydantic import BaseModel, Field, SecretStr

from factdesk.backends.search.web import (
    HTTPSearchBackend,
    http_client,
    result_list,
)
from factdesk.backends.webcache import WebCache, web_cache
from factdesk.errors import SearchError
from factdesk.extract import parse_date
from factdesk.plugins import Backend, Registry
from factdesk.records import WebResult
from factdesk.settings import Settings


class SearxngSettings(BaseModel):
    model_config = {"extra": "forbid"}

    url: str = Field(description="The instance's address, e.g. `http://127.0.0.1:8888`.")


class SearxngSearch(HTTPSearchBackend[SearxngSettings]):
    """A SearXNG instance's JSON API (`GET /search?format=json`; enable `json` under
    `search.formats` in the instance's settings.yml)."""

    name = "searxng"
    max_results = 50

    @property
    def url(self) -> str:
        return self.options.url.rstrip("/") + "/search"

    def results(self, query: str, limit: int) -> list[WebResult]:
        params: dict[str, str | int] = {
            "q": query,
            "format": "json",
            "language": self.web.language,
            "pageno": 1,
        }
        try:
            data = self._json("GET", self.url, params=params)
        except SearchError as exc:
            if "HTTP 403" in str(exc) or "not JSON" in str(exc):
                raise SearchError(
                    self.name,
                    f"{self.url} does not serve JSON; add `json` to search.formats in the "
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
            for r in result_list(data, "results", self.name)[:limit]
        ]


class BraveSettings(BaseModel):
    model_config = {"extra": "forbid"}

    api_key: SecretStr = Field(description="The Brave Search API subscription token.")
    url: str = Field(
        default="https://api.search.brave.com/res/v1/web/search", description="The endpoint."
    )


class BraveSearch(HTTPSearchBackend[BraveSettings]):
    """Brave Search API, `GET /res/v1/web/search` with the X-Subscription-Token header."""

    name = "brave"
    max_results = 20

    def results(self, query: str, limit: int) -> list[WebResult]:
        data = self._json(
            "GET",
            self.options.url,
            params={"q": query[:400], "count": limit, "search_lang": self.web.language},
            headers={
                "Accept": "application/json",
                "X-Subscription-Token": self.options.api_key.get_secret_value(),
            },
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
            for r in result_list(web, "results", self.name)[:limit]
        ]


class TavilySettings(BaseModel):
    model_config = {"extra": "forbid"}

    api_key: SecretStr = Field(description="The Tavily API key.")
    url: str = Field(default="https://api.tavily.com/search", description="The endpoint.")


class TavilySearch(HTTPSearchBackend[TavilySettings]):
    """Tavily's `POST /search` with a Bearer key."""

    name = "tavily"
    max_results = 20

    def results(self, query: str, limit: int) -> list[WebResult]:
        data = self._json(
            "POST",
            self.options.url,
            payload={
                "query": query,
                "max_results": limit,
                "search_depth": "basic",
                "topic": "general",
                "include_answer": False,
                "include_raw_content": False,
            },
            headers={"Authorization": f"Bearer {self.options.api_key.get_secret_value()}"},
        )
        return [
            WebResult(
                url=str(r.get("url", "")),
                title=str(r.get("title") or ""),
                snippet=str(r.get("content") or ""),
                published=parse_date(r.get("published_date")),
            )
            for r in result_list(data, "results", self.name)[:limit]
        ]


ApiSettings = TypeVar("ApiSettings", bound=BaseModel)


def _api_backend(
    name: str,
    summary: str,
    settings: type[ApiSettings],
    make: Callable[[Settings, ApiSettings, WebCache | None, httpx.Client], object],
) -> Backend[ApiSettings]:
    """A web search API backend sharing the desk's web cache and HTTP client."""
    return Backend(
        kind="search",
        name=name,
        summary=summary,
        factory=lambda context, options: make(
            context.settings, options, web_cache(context), http_client(context)
        ),
        settings=settings,
        web=True,
    )


def register(registry: Registry) -> None:
    summary = "A SearXNG instance's JSON API (self-hosted; enable the json format)."
    registry.register(_api_backend("searxng", summary, SearxngSettings, SearxngSearch))
    summary = "Brave Search API (up to 20 results a query)."
    registry.register(_api_backend("brave", summary, BraveSettings, BraveSearch))
    summary = "Tavily Search API (up to 20 results a query)."
    registry.register(_api_backend("tavily", summary, TavilySettings, TavilySearch))
