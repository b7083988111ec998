"""JSON over HTTP with retries: rate limits and server errors are retried with backoff.

Shared by the hosted LLM backends and the web search backends; the error type says
which kind of backend failed, and its message names it. Messages can reach public pages
(a job's error, a report's failed backends), so they never quote an upstream body (it
goes to the server log) and credentials in the URL are redacted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from factdesk.errors import BackendError, redact

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def retry_after_s(value: str, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    value = value.strip()
    if not value:
        return None
    if value.replace(".", "", 1).isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def request_json(
    client: httpx.Client,
    backend: str,
    method: str,
    url: str,
    *,
    error: type[BackendError] = BackendError,
    attempts: int = 3,
    backoff_s: float = 1.0,
    max_wait_s: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float | None = None,
    params: Mapping[str, str | int] | None = None,
    payload: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Any:
    """The decoded JSON body; 408/429/5xx and transport errors are retried.

    A Retry-After header is honoured up to `max_wait_s`; otherwise the wait doubles from
    `backoff_s`. Other 4xx answers fail at once. The final error chains the cause.
    """
    shown = redact(url)
    for attempt in range(1, attempts + 1):
        wait = backoff_s * 2 ** (attempt - 1)
        try:
            response = client.request(
                method,
                url,
                params=params,
                json=payload,
                headers=headers,
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
            )
        except httpx.HTTPError as exc:
            if attempt == attempts:
                raise error(backend, f"request to {shown} failed: {redact(str(exc))}") from exc
        else:
            if response.status_code < 400:
                try:
                    return response.json()
                except ValueError as exc:
                    raise error(backend, f"{shown} returned a body that is not JSON") from exc
            if response.status_code not in RETRY_STATUSES or attempt == attempts:
                log.warning(
                    "%s: %s answered HTTP %d: %s",
                    backend,
                    shown,
                    response.status_code,
                    redact(response.text[:500]),
                )
                raise error(backend, f"{shown} answered HTTP {response.status_code}")
            asked = retry_after_s(response.headers.get("retry-after", ""), time.time())
            if asked is not None:
                wait = asked
        sleep(min(wait, max_wait_s))
    raise error(backend, f"no answer from {shown}")
