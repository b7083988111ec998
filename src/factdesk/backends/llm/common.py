"""What the HTTP model backends share: JSON requests with retries, and reading a word."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import BaseModel, Field

from factdesk.backends.httpjson import request_json
from factdesk.errors import LLMError
from factdesk.settings import UNHASHED


def post_json(
    client: httpx.Client,
    backend: str,
    url: str,
    payload: dict[str, Any],
    headers: dict[str, str],
) -> dict[str, Any]:
    """POST with retries on rate limits and server errors; errors name the backend."""
    data: dict[str, Any] = request_json(
        client, backend, "POST", url, error=LLMError, payload=payload, headers=headers
    )
    return data


def choice_from_text(text: str, choices: Sequence[str]) -> dict[str, float]:
    """Fallback when an API gives no log-probabilities: all mass on the named choice."""
    word = text.strip().split()[0].strip(".,:;!\"'").lower() if text.strip() else ""
    picked = next((c for c in choices if c.lower().startswith(word) and word), None)
    if picked is None:
        return {c: 1.0 / len(choices) for c in choices}
    return {c: (1.0 if c == picked else 0.0) for c in choices}


class HTTPModelSettings(BaseModel):
    """What every model behind an HTTP API needs: which model, and how long to wait."""

    model_config = {"extra": "forbid"}

    model_name: str = Field(description="The model the server should run.")
    timeout_s: float = Field(
        default=120.0, gt=0, description="Timeout of one request.", json_schema_extra=UNHASHED
    )
