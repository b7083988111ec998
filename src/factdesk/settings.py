"""One settings object for the whole desk, with nested sections and named presets.

Precedence, highest first: explicit keyword arguments, `FACTDESK_*` environment
variables (nested with `__`, e.g. `FACTDESK_LLM__BACKEND=openai`), the chosen preset
(`FACTDESK_PRESET` or `preset=`), then the defaults below.
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import json
import os
import re
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from factdesk.errors import ConfigError

_HOSTNAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("factdesk", appauthor=False))


class LLMSettings(BaseModel):
    backend: str = "llama_cpp"
    model_file: str = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"  # relative to the models dir
    model_name: str = ""
    base_url: str = ""  # empty: the backend's own default endpoint
    api_key: SecretStr = SecretStr("")
    n_ctx: int = 4096
    n_threads: int = Field(default_factory=lambda: max(1, min(os.cpu_count() or 2, 8)))
    n_batch: int = 512
    temperature: float = 0.0
    seed: int = 7
    timeout_s: float = 120.0
    prefix_cache: bool = True  # keep the local model's state after each prompt's instructions


class EmbedderSettings(BaseModel):
    backend: str = "minilm"
    threads: int = Field(default_factory=lambda: max(1, min(os.cpu_count() or 2, 8)))
    batch_size: int = 16
    max_tokens: int = 128


class SearchSettings(BaseModel):
    backends: list[str] = Field(default_factory=lambda: ["local"])
    per_query: int = 30
    rrf_k: int = 60
    bm25_candidates: int = 50
    vector_candidates: int = 50


class IndexSettings(BaseModel):
    chunk_words: int = 120
    chunk_overlap_words: int = 20


class PipelineSettings(BaseModel):
    max_question_chars: int = 2000
    max_claims: int = 2
    max_queries: int = 5
    evidence_k: int = 6
    max_per_document: int = 2
    min_relevance: float = 0.40
    # Relevance against diversity when picking evidence: 0.85 gave the best evidence recall@5
    # on the dev claims of both benchmarks (bench/retrieval.py, bench/results/retrieval-*.json).
    mmr_lambda: float = 0.85
    stance_threshold: float = 0.55
    stance_log_bias: tuple[float, float, float] = (0.0, 0.0, 0.0)  # Yes, No, Unclear
    # Per-verdict log offsets (supported, refuted, conflicting, not_enough_evidence) and the
    # weight of the strongest single-passage support/refutation: fitted by bench/calibrate.py
    # jointly on AVeriTeC and CLIMATE-FEVER dev claims (bench/results/calibration-*.json).
    verdict_log_bias: tuple[float, float, float, float] = (0.0, -0.5, 2.5, 2.0)
    verdict_passage_weight: float = 2.0
    # A verdict other than not_enough_evidence needs a passage at least this relevant.
    verdict_min_top_relevance: float = 0.0
    write_min_relevance: float = 0.45  # context passages below this only fill up sections
    sections_min: int = 3
    sections_max: int = 5
    passages_per_section: int = 2
    section_max_tokens: int = 160
    ground_with_llm: bool = True
    ground_lexical_pass: float = 0.75
    ground_lexical_fail: float = 0.25
    ground_llm_pass: float = 0.5


class WebSettings(BaseModel):
    """Web search backends: endpoints, keys, timeouts, retries and the result cache.

    `web` in `search.backends` stands for every backend configured here (SearXNG when
    `searxng_url` is set, Brave and Tavily when their keys are), or DuckDuckGo (`ddgs`,
    no key) when none is.
    """

    searxng_url: str = ""
    brave_api_key: SecretStr = SecretStr("")
    brave_url: str = "https://api.search.brave.com/res/v1/web/search"
    tavily_api_key: SecretStr = SecretStr("")
    tavily_url: str = "https://api.tavily.com/search"
    ddgs_region: str = "wt-wt"
    ddgs_backend: str = "auto"
    language: str = "en"
    timeout_s: float = 10.0
    backend_timeouts_s: dict[str, float] = Field(default_factory=dict)
    attempts: int = Field(default=3, ge=1)
    backoff_s: float = 1.0
    max_retry_after_s: float = 30.0
    concurrency: int = Field(default=4, ge=1)
    cache_ttl_s: float = 6 * 3600.0

    def timeout_for(self, backend: str) -> float:
        return self.backend_timeouts_s.get(backend, self.timeout_s)


class FetchSettings(BaseModel):
    """Reading web pages: limits, politeness, robots.txt and the SSRF allow-list.

    `allow_hosts` names hosts (exact names) or networks (`10.1.2.3`, `192.168.0.0/16`,
    `::1`) that may be fetched although they are private, loopback or link-local.
    """

    enabled: bool = True
    max_pages: int = Field(default=8, ge=0)
    concurrency: int = Field(default=8, ge=1)
    per_host_concurrency: int = Field(default=2, ge=1)
    per_host_delay_s: float = 0.25
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0
    page_timeout_s: float = 20.0
    max_bytes: int = Field(default=5 * 2**20, ge=1024)
    max_redirects: int = Field(default=5, ge=0)
    max_text_chars: int = 60_000
    max_html_elements: int = 60_000
    passages_per_page: int = Field(default=4, ge=1)
    respect_robots: bool = True
    defuse_instructions: bool = True
    user_agent: str = "factdesk/0.1 (automated fact-checking research; honours robots.txt)"
    allow_hosts: list[str] = Field(default_factory=list)
    cache_ttl_s: float = 24 * 3600.0

    @field_validator("allow_hosts")
    @classmethod
    def _hosts_or_networks(cls, entries: list[str]) -> list[str]:
        cleaned = [e.strip().lower().rstrip(".") for e in entries if e.strip()]
        for entry in cleaned:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                if not _HOSTNAME.fullmatch(entry):
                    raise ValueError(f"{entry!r} is neither a host name nor a network") from None
        return cleaned


class ServerSettings(BaseModel):
    """`factdesk serve`: the server, its job workers and its guards; none changes a report."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # The local model runs one call at a time, so more workers only help hosted backends.
    workers: int = Field(default=1, ge=1, le=32)
    api_token: SecretStr = SecretStr("")  # when set, write endpoints require it
    write_rate_per_minute: int = Field(default=10, ge=0)  # per client; 0 turns the limit off
    read_rate_per_minute: int = Field(default=600, ge=0)
    max_body_bytes: int = Field(default=16_384, ge=256)
    stale_after_days: float = Field(default=30.0, ge=0)
    page_size: int = Field(default=20, ge=1, le=100)


class ModelsSettings(BaseModel):
    dir: Path | None = None
    pip: str = ""


class Settings(BaseSettings):
    """Everything configurable; hash it with `settings_hash` to stamp reports."""

    model_config = SettingsConfigDict(
        env_prefix="FACTDESK_", env_nested_delimiter="__", extra="ignore"
    )

    preset: str = "default"
    home: Path = Field(default_factory=default_home)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    models: ModelsSettings = Field(default_factory=ModelsSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            PresetSource(settings_cls, init_settings),
            dotenv_settings,
            file_secret_settings,
        )

    @property
    def models_dir(self) -> Path:
        return self.models.dir or self.home / "models"

    @property
    def db_path(self) -> Path:
        return self.home / "factdesk.sqlite3"

    @property
    def index_path(self) -> Path:
        return self.home / "index.sqlite3"

    @property
    def webcache_path(self) -> Path:
        return self.home / "webcache.sqlite3"


PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "fast": {
        "pipeline": {
            "max_queries": 3,
            "evidence_k": 4,
            "sections_max": 3,
            "section_max_tokens": 120,
            "ground_with_llm": False,
        }
    },
    "thorough": {
        "pipeline": {"max_queries": 7, "evidence_k": 9, "sections_max": 6, "max_claims": 3},
        "search": {"per_query": 50},
    },
    "hosted": {"llm": {"backend": "openai", "n_ctx": 16384}},
    # Benchmark runs over pooled claim corpora: the claim and its keywords are the only
    # queries, which saves a model call per claim (evidence recall: see bench/results).
    "bench": {"pipeline": {"max_queries": 2}},
    "web": {"search": {"backends": ["local", "web"]}},
}


class PresetSource(PydanticBaseSettingsSource):
    """Supplies the values of the named preset, below the environment in precedence."""

    def __init__(
        self, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource
    ) -> None:
        super().__init__(settings_cls)
        self._init = init_settings

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        name = self._init().get("preset") or os.environ.get("FACTDESK_PRESET") or "default"
        if name not in PRESETS:
            known = ", ".join(sorted(PRESETS))
            raise ConfigError(f"Unknown preset {name!r}; choose one of: {known}.")
        return copy.deepcopy(PRESETS[name])


_UNHASHED = {"home", "models", "preset", "server"}


def settings_hash(settings: Settings) -> str:
    """A short, stable hash of everything that can change a report's content.

    Paths and secrets are left out: moving the data directory or rotating a key
    does not change what a check would say.
    """
    data = settings.model_dump(mode="json", exclude=_UNHASHED)
    data["llm"].pop("api_key", None)
    data["web"].pop("brave_api_key", None)
    data["web"].pop("tavily_api_key", None)
    data["llm"].pop("n_threads", None)
    data["llm"].pop("prefix_cache", None)
    data["embedder"].pop("threads", None)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
