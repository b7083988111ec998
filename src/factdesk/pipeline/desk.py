"""The desk: settings plus the backends they name, built once and passed to the stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from factdesk.plugins import (
    BuildContext,
    build_fetcher,
    build_llm,
    build_searchers,
    build_store,
    role_choice,
    settings_hash,
)
from factdesk.protocols import LLM, Embedder, PageFetcher, SearchBackend, Store
from factdesk.settings import Settings


@dataclass
class Desk:
    """Everything a check needs. `judge` (understand, plan, stance, verdict, grounding)
    and `writer` (sections, summaries, follow-ups) default to `llm`."""

    settings: Settings
    llm: LLM
    embedder: Embedder
    searchers: list[SearchBackend]
    store: Store
    fetcher: PageFetcher | None = None
    judge: LLM | None = None
    writer: LLM | None = None
    settings_hash: str = field(default="")

    def __post_init__(self) -> None:
        self.settings_hash = self.settings_hash or settings_hash(self.settings)

    @property
    def judge_llm(self) -> LLM:
        return self.judge or self.llm

    @property
    def writer_llm(self) -> LLM:
        return self.writer or self.llm

    @property
    def model_name(self) -> str:
        """The model, or both models when the judge and the writer differ."""
        judge, writer = self.judge_llm.name, self.writer_llm.name
        return judge if judge == writer else f"judge {judge}; writer {writer}"

    @classmethod
    def from_settings(cls, settings: Settings, llm: LLM | None = None) -> Desk:
        """Build every backend the settings name; pass `llm` to supply one already built.

        A role that names the same backend with the same settings as another shares its
        instance, so the local model is loaded once.
        """
        context = BuildContext(settings)
        searchers = build_searchers(context)
        built: dict[str, LLM] = {}

        def model(role: Literal["llm", "judge", "writer"]) -> LLM:
            key = repr(role_choice(settings, role))
            if key not in built:
                built[key] = llm if llm is not None and role == "llm" else build_llm(role, context)
            return built[key]

        default = model("llm")
        return cls(
            settings=settings,
            llm=default,
            judge=model("judge"),
            writer=model("writer"),
            embedder=context.embedder,
            searchers=searchers,
            store=build_store(settings),
            fetcher=build_fetcher(context) if any(s.is_web for s in searchers) else None,
        )
