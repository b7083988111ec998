"""The desk: settings plus the backends they name, built once and passed to the stages."""

from __future__ import annotations

from dataclasses import dataclass, field

from factdesk.pagefetch import Fetcher
from factdesk.protocols import (
    EMBEDDERS,
    LLM,
    LLM_BACKENDS,
    SEARCH_BACKENDS,
    Embedder,
    PageFetcher,
    SearchBackend,
    SearchContext,
)
from factdesk.settings import Settings, settings_hash
from factdesk.store import SQLiteStore
from factdesk.websearch import expand_backends


@dataclass
class Desk:
    settings: Settings
    llm: LLM
    embedder: Embedder
    searchers: list[SearchBackend]
    store: SQLiteStore
    fetcher: PageFetcher | None = None
    settings_hash: str = field(default="")

    def __post_init__(self) -> None:
        self.settings_hash = self.settings_hash or settings_hash(self.settings)

    @classmethod
    def from_settings(cls, settings: Settings, llm: LLM | None = None) -> Desk:
        """Build every backend the settings name; pass `llm` to supply one already built."""
        embedder = EMBEDDERS.create(settings.embedder.backend, settings)
        context = SearchContext(settings, embedder)
        names = expand_backends(settings.search.backends, settings.web)
        searchers = [SEARCH_BACKENDS.create(name, context) for name in names]
        web = any(getattr(s, "is_web", False) for s in searchers)
        return cls(
            settings=settings,
            llm=llm or LLM_BACKENDS.create(settings.llm.backend, settings),
            embedder=embedder,
            searchers=searchers,
            store=SQLiteStore(settings.db_path),
            fetcher=Fetcher(settings.fetch, context.cache) if web else None,
        )
