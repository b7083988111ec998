"""Typed errors: each carries one sentence a person can act on."""

from __future__ import annotations

import re


class FactdeskError(Exception):
    """Base class; `str(error)` is the message shown to the user."""

    exit_code = 1


class InputError(FactdeskError):
    """The user's input (question, file, option) cannot be used."""

    exit_code = 2


class ConfigError(FactdeskError):
    """Settings name something that does not exist or cannot work together."""

    exit_code = 2


class ModelMissingError(FactdeskError):
    """A model file the configured backend needs is not installed."""

    exit_code = 3


class EmptyIndexError(FactdeskError):
    """The local index holds no passages to search."""

    exit_code = 3


class BackendError(FactdeskError):
    """A backend (LLM, search, embedder, store) failed while doing its job."""

    def __init__(self, backend: str, message: str) -> None:
        super().__init__(f"{backend}: {message}")
        self.backend = backend


class LLMError(BackendError):
    """The language model failed or returned output that cannot be used."""


class SearchError(BackendError):
    """A search backend failed."""


class SearchUnreachableError(SearchError):
    """A web search backend could not be connected to at all (no network, DNS failure)."""


class FetchError(BackendError):
    """A web page could not be fetched or read."""


class UnsafeURLError(FetchError):
    """A URL points somewhere factdesk refuses to fetch (a private or metadata address)."""

    exit_code = 2


class UnsupportedContentError(FetchError):
    """The server answered with a media type factdesk does not read."""


class RobotsDisallowedError(FetchError):
    """The site's robots.txt does not allow factdesk to fetch the URL."""


class NotFoundError(FactdeskError):
    """A stored record that was asked for does not exist."""

    exit_code = 4


class CheckInterrupted(FactdeskError):
    """The check was stopped before it finished (Ctrl-C or shutdown)."""

    exit_code = 130


class CheckCancelled(FactdeskError):
    """Someone cancelled the job running this check; it stopped after a stage."""


class RetryLaterError(FactdeskError):
    """A job failed in a way that may pass (a model or search backend); its queue runs it
    again after a backoff."""


class ConflictError(FactdeskError):
    """The request cannot be done in the record's current state (e.g. retrying a finished job)."""

    exit_code = 2


class AuthError(FactdeskError):
    """A write needs the API token and the request did not carry the right one."""

    exit_code = 2


class RateLimitedError(FactdeskError):
    """A client sent more requests than its per-minute allowance."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# Credentials that can ride along in a configured URL or an upstream message: the
# user-info part of a URL, secret-looking query parameters, and bearer tokens.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s@]+@")
_SECRET_PARAM = re.compile(
    r"(?i)([?&;](?:[a-z0-9_-]*(?:key|token|secret|password|passwd|signature|sig|auth)"
    r"[a-z0-9_-]*)=)[^&#\s]+"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[a-z0-9._~+/=-]{8,}")
REDACTED = "[redacted]"


def redact(message: str) -> str:
    """`message` without the credentials configuration can put into it.

    Errors are recorded where readers of a public page or the API see them (a job's
    error, a report's failed search backends), and a backend's URL may carry
    `user:password@` or an API key in its query; those parts are replaced.
    """
    message = _URL_USERINFO.sub(rf"\1{REDACTED}@", message)
    message = _SECRET_PARAM.sub(rf"\1{REDACTED}", message)
    return _BEARER.sub(rf"\1 {REDACTED}", message)
