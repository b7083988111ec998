"""Stage 3: run every query on every configured search backend and pool the hits.

Backends run side by side (at most `concurrency` at once; each runs its queries in
turn, which keeps every API's own request rate polite). A backend that fails is named
in the result and the others carry on; only when every backend fails does the stage
fail; with a single backend its own error is raised as is (an empty local index is
then a user error with its own advice). A `supplementary` backend (the published
fact-checks, which only ever adds to the others) does not count for that rule. When
every web backend fails but the local index answered, the trail says the check ran
without the web. Backend errors are published in the report's method trail, so
credentials in them are redacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel, Field

from factdesk.errors import (
    BackendError,
    EmptyIndexError,
    FactdeskError,
    SearchError,
    SearchUnreachableError,
    redact,
)
from factdesk.protocols import SearchBackend
from factdesk.records import Hit, SearchQuery


class SearchResults(BaseModel):
    hits: list[Hit] = Field(default_factory=list)
    backends: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)


def _run(
    backend: SearchBackend, queries: Sequence[SearchQuery], per_query: int
) -> list[Hit] | FactdeskError:
    hits: list[Hit] = []
    for query in queries:
        try:
            hits.extend(backend.search(query.text, per_query))
        except (BackendError, EmptyIndexError) as exc:
            return exc
    return hits


def search(
    backends: Sequence[SearchBackend],
    queries: Sequence[SearchQuery],
    per_query: int,
    concurrency: int = 4,
) -> SearchResults:
    results = SearchResults(backends=[b.name for b in backends])
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(backends) or 1))) as pool:
        outcomes = list(pool.map(lambda b: _run(b, queries, per_query), backends))
    failures: list[FactdeskError] = []
    for backend, outcome in zip(backends, outcomes, strict=True):
        if isinstance(outcome, FactdeskError):
            results.errors.append(redact(f"{backend.name}: {outcome}"))
            if not getattr(backend, "supplementary", False):
                failures.append(outcome)
        else:
            results.hits.extend(outcome)
    main = [b for b in backends if not getattr(b, "supplementary", False)]
    if main and len(failures) == len(main):
        if len(failures) == 1:
            raise failures[0]
        raise SearchError("search", "every search backend failed: " + "; ".join(results.errors))
    web = [o for b, o in zip(backends, outcomes, strict=True) if getattr(b, "is_web", False)]
    if web and all(isinstance(o, FactdeskError) for o in web):
        offline = all(isinstance(o, SearchUnreachableError) for o in web)
        results.errors.append(
            (
                "no network: no web search backend could be reached"
                if offline
                else "web: every web search backend failed"
            )
            + ", so this check used only the local index"
        )
    return results
