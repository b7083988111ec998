"""Stage 3: run every query on every configured search backend and pool the hits.

A backend that fails is named in the result and the others carry on; only when every
backend fails does the stage fail; with a single backend its own error is raised as is
(an empty local index is then a user error with its own advice).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from factdesk.errors import BackendError, EmptyIndexError, FactdeskError, SearchError
from factdesk.models import Hit, SearchQuery
from factdesk.protocols import SearchBackend


class SearchResults(BaseModel):
    hits: list[Hit] = Field(default_factory=list)
    backends: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)


def search(
    backends: Sequence[SearchBackend], queries: Sequence[SearchQuery], per_query: int
) -> SearchResults:
    results = SearchResults(backends=[b.name for b in backends])
    failures: list[FactdeskError] = []
    for backend in backends:
        for query in queries:
            try:
                results.hits.extend(backend.search(query.text, per_query))
            except (BackendError, EmptyIndexError) as exc:
                results.errors.append(f"{backend.name}: {exc}")
                failures.append(exc)
                break
    if backends and len(failures) == len(backends):
        if len(failures) == 1:
            raise failures[0]
        raise SearchError("search", "every search backend failed: " + "; ".join(results.errors))
    return results
