"""One settings object for the whole desk, with nested sections and named presets.

Precedence, highest first: explicit keyword arguments, `FACTDESK_*` environment
variables (nested with `__`, e.g. `FACTDESK_LLM__BACKEND=openai`), the chosen preset
(`FACTDESK_PRESET` or `preset=`, from `data/presets.json`), then the defaults below.

Backends declare their own settings (see `factdesk.plugins`): they are read from
`backends.<name>` (`FACTDESK_BACKENDS__BRAVE__API_KEY=...`), and a role that names a
backend (`llm`, `judge`, `writer`, `embedder`) may override them for that role
(`FACTDESK_WRITER__MODEL_NAME=...`). Fields marked `hash: false` change how a check
runs, not what it says, and stay out of the settings hash; secrets stay out by type.
"""

from __future__ import annotations

import copy
import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from factdesk.errors import ConfigError
from factdesk.settings.roles import (
    UNHASHED,
    BackendChoice,
    EmbedderChoice,
    LLMChoice,
    QueueChoice,
    StageLLMChoice,
    StoreChoice,
    conceal,
    reveal,
)
from factdesk.settings.sections import (
    EarlierSettings,
    FetchSettings,
    IndexSettings,
    ModelsSettings,
    PipelineSettings,
    PublisherSettings,
    SearchSettings,
    ServerSettings,
    SourcesSettings,
    TextSettings,
    WebhookSettings,
    WebSearchSettings,
)

__all__ = [
    "UNHASHED",
    "BackendChoice",
    "EarlierSettings",
    "FetchSettings",
    "IndexSettings",
    "ModelsSettings",
    "PipelineSettings",
    "PublisherSettings",
    "SearchSettings",
    "ServerSettings",
    "Settings",
    "SourcesSettings",
    "TextSettings",
    "WebSearchSettings",
    "WebhookSettings",
    "conceal",
    "default_home",
    "presets",
    "reveal",
]


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("factdesk", appauthor=False))


class Settings(BaseSettings):
    """Everything configurable; `factdesk.plugins.settings_hash` stamps reports with it."""

    model_config = SettingsConfigDict(
        env_prefix="FACTDESK_", env_nested_delimiter="__", extra="ignore"
    )

    preset: str = Field(
        default="default",
        description="Named preset: `default`, `fast`, `thorough`, `hosted`, `web`, `bench`.",
        json_schema_extra=UNHASHED,
    )
    home: Path = Field(
        default_factory=default_home,
        description="Reports, the index, caches and models.",
        json_schema_extra=UNHASHED,
    )
    llm: LLMChoice = Field(default_factory=LLMChoice, description="The default model.")
    judge: StageLLMChoice = Field(
        default_factory=StageLLMChoice,
        description="The model for understand, plan, stance, verdict and grounding.",
    )
    writer: StageLLMChoice = Field(
        default_factory=StageLLMChoice,
        description="The model for sections, summaries and follow-up questions.",
    )
    embedder: EmbedderChoice = Field(default_factory=EmbedderChoice, description="Embeddings.")
    backends: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Each backend's own settings, by backend name (see the backends table).",
    )

    @field_validator("backends")
    @classmethod
    def _conceal_backend_options(cls, value: dict[str, dict[str, Any]]) -> dict[str, Any]:
        concealed: dict[str, Any] = conceal(value)
        return concealed

    search: SearchSettings = Field(default_factory=SearchSettings, description="Searching.")
    index: IndexSettings = Field(default_factory=IndexSettings, description="Passages.")
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings, description="Stages.")
    sources: SourcesSettings = Field(
        default_factory=SourcesSettings, description="The source policy."
    )
    earlier: EarlierSettings = Field(
        default_factory=EarlierSettings,
        description="Earlier checks first.",
        json_schema_extra=UNHASHED,
    )
    websearch: WebSearchSettings = Field(
        default_factory=WebSearchSettings, description="Web search."
    )
    fetch: FetchSettings = Field(default_factory=FetchSettings, description="Page reading.")
    texts: TextSettings = Field(default_factory=TextSettings, description="Checking whole texts.")
    store: StoreChoice = Field(default_factory=StoreChoice, description="Storage.")
    queue: QueueChoice = Field(default_factory=QueueChoice, description="Job queue.")
    publisher: PublisherSettings = Field(
        default_factory=PublisherSettings,
        description="The publishing organisation.",
        json_schema_extra=UNHASHED,
    )
    database_url: SecretStr = Field(
        default=SecretStr(""),
        description="`postgresql://user:password@host:5432/db` keeps everything in "
        "PostgreSQL and runs jobs on workers (`factdesk worker`); empty: SQLite under HOME.",
        json_schema_extra=UNHASHED,
    )
    server: ServerSettings = Field(
        default_factory=ServerSettings, description="Web server.", json_schema_extra=UNHASHED
    )
    webhooks: WebhookSettings = Field(
        default_factory=WebhookSettings, description="Webhooks.", json_schema_extra=UNHASHED
    )
    models: ModelsSettings = Field(
        default_factory=ModelsSettings,
        description="Model packages.",
        json_schema_extra=UNHASHED,
    )

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

    def postgres_url(self, needed_by: str) -> str:
        """`database_url`, which must name a PostgreSQL database for `needed_by`."""
        url = self.database_url.get_secret_value()
        if not url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                f"The {needed_by} needs FACTDESK_DATABASE_URL=postgresql://user:password@host/db."
            )
        return url

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

    @property
    def factchecks_path(self) -> Path:
        return self.home / "factchecks.sqlite3"


@lru_cache(maxsize=1)
def presets() -> dict[str, dict[str, Any]]:
    """The named presets, kept as data in `data/presets.json`."""
    raw = resources.files("factdesk").joinpath("data/presets.json").read_text(encoding="utf-8")
    named: dict[str, dict[str, Any]] = json.loads(raw)["presets"]
    return named


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
        named = presets()
        if name not in named:
            raise ConfigError(
                f"Unknown preset {name!r}; choose one of: {', '.join(sorted(named))}."
            )
        return copy.deepcopy(named[name])
