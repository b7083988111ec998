"""Roles filled by named backends (`llm`, `judge`, `writer`, `embedder`, `store`,
`queue`), and how backend options stay secret until their backend types them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

UNHASHED: dict[str, Any] = {"hash": False}
"""`json_schema_extra` of a field that changes how a check runs, not what it says."""


def conceal(value: Any) -> Any:
    """Backend options before their backend types them: every string is kept as a
    SecretStr, so a dump of the settings never shows an API key given this way."""
    if isinstance(value, dict):
        return {key: conceal(item) for key, item in value.items()}
    return SecretStr(value) if isinstance(value, str) else value


def reveal(value: Any) -> Any:
    """The options as given, for the backend's own settings model to validate."""
    if isinstance(value, dict):
        return {key: reveal(item) for key, item in value.items()}
    return value.get_secret_value() if isinstance(value, SecretStr) else value


class BackendChoice(BaseModel):
    """A role filled by a named backend. Other keys override that backend's own settings
    (`backends.<name>`) for this role only; the backend validates them."""

    model_config = ConfigDict(extra="allow")

    backend: str = Field(description="The backend's name (`factdesk backends` lists them).")

    @model_validator(mode="after")
    def _conceal_options(self) -> BackendChoice:
        if self.__pydantic_extra__:
            self.__pydantic_extra__ = conceal(self.__pydantic_extra__)
        return self

    def options(self) -> dict[str, Any]:
        """The overrides this role gives its backend, as given."""
        revealed: dict[str, Any] = reveal(dict(self.model_extra or {}))
        return revealed


class LLMChoice(BackendChoice):
    backend: str = Field(
        default="llama_cpp",
        description="The model for every stage: `llama_cpp` (embedded), `openai` (any "
        "OpenAI-compatible server), `anthropic`, `scripted` (canned answers).",
    )


class StageLLMChoice(BackendChoice):
    backend: str = Field(
        default="",
        description="Empty: the `llm` role's model. Another name: that backend, with the "
        "`llm` role's overrides only when it is the same backend.",
    )


class EmbedderChoice(BackendChoice):
    backend: str = Field(
        default="minilm",
        description="`minilm` (ONNX all-MiniLM-L6-v2) or `hashing` (no model, lexical).",
    )


class StoreChoice(BackendChoice):
    backend: str = Field(
        default="",
        description="Where checks, report pages and jobs are kept: `sqlite`, `postgres`; "
        "empty: `postgres` when FACTDESK_DATABASE_URL is set, else `sqlite`.",
        json_schema_extra=UNHASHED,
    )


class QueueChoice(BackendChoice):
    backend: str = Field(
        default="",
        description="What runs the web's jobs: `inprocess` (worker threads in the server), "
        "`procrastinate` (workers anywhere); empty: `procrastinate` when "
        "FACTDESK_DATABASE_URL is set, else `inprocess`.",
        json_schema_extra=UNHASHED,
    )
