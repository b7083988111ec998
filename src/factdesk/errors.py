"""Typed errors: each carries one sentence a person can act on."""

from __future__ import annotations


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
