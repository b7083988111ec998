"""DuckDuckGo and other engines through the `ddgs` metasearch package: no key needed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, Field

from factdesk.backends.search.web import WebSearchBackend
from factdesk.backends.webcache import WebCache, web_cache
from factdesk.errors import SearchError, SearchUnreachableError
from factdesk.plugins import Backend, Registry
from factdesk.records import WebResult
from factdesk.settings import Settings

# ddgs reports transport failures only as text; these words mean the engine was not reached
_CONNECTION_FAILURE = re.compile(
    r"dns|resolve|connection refused|connect error|network is unreachable|error sending request",
    re.IGNORECASE,
)


class DdgsSettings(BaseModel):
    model_config = {"extra": "forbid"}

    region: str = Field(default="wt-wt", description="Region code, `wt-wt` for none.")
    engine: str = Field(
        default="auto", description="The engine ddgs asks (`auto`, `duckduckgo`, `bing`...)."
    )


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
        options: DdgsSettings,
        cache: WebCache | None,
        engine: TextSearcher | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(settings, cache)
        self.options = options
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
                    region=self.options.region,
                    safesearch="moderate",
                    max_results=limit,
                    backend=self.options.engine,
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


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="search",
            name="ddgs",
            summary="DuckDuckGo and other engines through the ddgs package; no key.",
            factory=lambda context, options: DdgsSearch(
                context.settings, options, web_cache(context)
            ),
            settings=DdgsSettings,
            web=True,
        )
    )
