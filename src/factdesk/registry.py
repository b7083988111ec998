"""Named factories for each backend kind; built-ins register exactly like plugins.

Third-party packages add backends through the `factdesk.plugins` entry-point group:
the entry point's module is imported, and its `register` decorators run.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from typing import Generic, TypeVar

from factdesk.errors import ConfigError

C = TypeVar("C")
T = TypeVar("T")


class Registry(Generic[C, T]):
    """Maps a backend name to a factory that builds it from a context (settings and the
    backends it depends on)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._factories: dict[str, Callable[[C], T]] = {}

    def register(self, name: str) -> Callable[[Callable[[C], T]], Callable[[C], T]]:
        def decorator(factory: Callable[[C], T]) -> Callable[[C], T]:
            self._factories[name] = factory
            return factory

        return decorator

    def names(self) -> list[str]:
        load_plugins()
        return sorted(self._factories)

    def create(self, name: str, context: C) -> T:
        load_plugins()
        factory = self._factories.get(name)
        if factory is None:
            known = ", ".join(sorted(self._factories)) or "none"
            raise ConfigError(f"Unknown {self.kind} backend {name!r}; known: {known}.")
        return factory(context)


_plugins_loaded = False


def load_plugins() -> None:
    """Import the built-in backends and any installed plugins, once."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    import factdesk.backends  # noqa: F401  (registers the built-ins)

    for entry in metadata.entry_points(group="factdesk.plugins"):
        entry.load()
