"""Backends as plugins: one registry, filled through the `factdesk.plugins` entry points.

Every package, factdesk included, declares an entry point in the `factdesk.plugins`
group whose object is a function `register(registry)`; it registers `Backend` specs.
A spec names the backend's kind and name, says what it is, declares its settings (a
pydantic model, secrets as `SecretStr`), and builds it. Nothing here imports a backend:
the built-ins load exactly like a third-party package would.

Settings of a backend come from `Settings.backends[name]`, overridden by the role that
uses it (`FACTDESK_LLM__MODEL_NAME` for the `llm` role). `settings_hash` stamps every
report with the settings that can change its content: secrets are left out by type,
and fields marked `hash: false` (threads, caches, servers) by declaration.
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Generic, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from factdesk.errors import ConfigError
from factdesk.protocols import (
    LLM,
    Embedder,
    JobQueue,
    PageFetcher,
    SearchBackend,
    Store,
)
from factdesk.settings import BackendChoice, Settings, reveal

Kind = Literal["llm", "embedder", "search", "fetch", "store", "queue"]
KINDS: tuple[Kind, ...] = typing.get_args(Kind)
Role = Literal["llm", "judge", "writer", "embedder", "store", "queue"]
ENTRY_POINT_GROUP = "factdesk.plugins"
OptionsT = TypeVar("OptionsT", bound=BaseModel)
T = TypeVar("T")


class NoSettings(BaseModel):
    """The settings of a backend that has none."""

    model_config = ConfigDict(extra="forbid")


class BuildContext:
    """What a backend factory gets besides its own settings: the desk's settings, the
    embedder (for indexes), and objects backends share (an HTTP client, a cache), made
    once on first use. Tests pass shared objects in, e.g. an HTTP client on a mock
    transport."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        shared: dict[str, object] | None = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._shared: dict[str, object] = dict(shared or {})

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = build_embedder(self.settings)
        return self._embedder

    def shared(self, key: str, make: Callable[[], T]) -> T:
        if key not in self._shared:
            self._shared[key] = make()
        return cast(T, self._shared[key])


@dataclass(frozen=True)
class Backend(Generic[OptionsT]):
    """One backend: how to build it, what it needs, and what it is."""

    kind: Kind
    name: str
    summary: str
    factory: Callable[[BuildContext, OptionsT], object]
    settings: type[OptionsT] = NoSettings  # type: ignore[assignment]
    web: bool = False
    """A search backend that returns web search results (snippets to read)."""
    requires: Callable[[Settings, OptionsT], str | None] | None = None
    """What the backend still needs beyond its settings (a model file, say), or None."""

    def needs_configuration(self) -> bool:
        return any(f.is_required() for f in self.settings.model_fields.values())


@dataclass
class Registry:
    """Backend specs by kind and name."""

    specs: dict[tuple[Kind, str], Backend[Any]] = field(default_factory=dict)
    origins: dict[tuple[Kind, str], str] = field(default_factory=dict)
    """The distribution (package) that registered each backend."""
    loaded: bool = False
    _registering: str = ""

    def register(self, spec: Backend[Any]) -> None:
        taken = next((s for s in self.specs.values() if s.name == spec.name), None)
        if taken is not None and taken.kind != spec.kind:
            raise ConfigError(f"Backend name {spec.name!r} is already a {taken.kind} backend.")
        self.specs[(spec.kind, spec.name)] = spec
        self.origins[(spec.kind, spec.name)] = self._registering

    def load(self) -> None:
        """Run every installed plugin's `register`, once."""
        if self.loaded:
            return
        self.loaded = True
        for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
            self._registering = entry.dist.name if entry.dist else entry.name
            try:
                hook = entry.load()
                hook(self)
            except Exception as exc:
                raise ConfigError(
                    f"The factdesk plugin {entry.name!r} ({entry.value}) failed to load: {exc}"
                ) from exc
            finally:
                self._registering = ""

    def of_kind(self, kind: Kind) -> list[Backend[Any]]:
        self.load()
        return sorted((s for s in self.specs.values() if s.kind == kind), key=lambda s: s.name)

    def get(self, kind: Kind, name: str) -> Backend[Any]:
        self.load()
        spec = self.specs.get((kind, name))
        if spec is None:
            known = ", ".join(s.name for s in self.of_kind(kind)) or "none"
            raise ConfigError(f"Unknown {kind} backend {name!r}; known: {known}.")
        return spec


REGISTRY = Registry()


def env_name(*path: str) -> str:
    return "FACTDESK_" + "__".join(p.upper() for p in path)


def _parse_json_strings(model: type[BaseModel], raw: dict[str, Any]) -> dict[str, Any]:
    """Environment values arrive as strings; JSON ones fill list and dict fields."""
    parsed = dict(raw)
    for name, value in raw.items():
        info = model.model_fields.get(name)
        if info is None or not isinstance(value, str) or value.strip()[:1] not in ("[", "{"):
            continue
        if typing.get_origin(info.annotation) in (list, dict, tuple):
            try:
                parsed[name] = json.loads(value)
            except json.JSONDecodeError:
                continue
    return parsed


def backend_options(
    spec: Backend[OptionsT],
    settings: Settings,
    overrides: dict[str, Any] | None = None,
    role: str | None = None,
) -> OptionsT:
    """The backend's settings: `backends.<name>`, then the role's overrides."""
    raw = {**reveal(settings.backends.get(spec.name, {})), **(overrides or {})}
    try:
        return spec.settings.model_validate(_parse_json_strings(spec.settings, raw))
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        if problem["type"] == "missing":
            variable = env_name("backends", spec.name, where)
            if role is not None:
                variable = f"{env_name(role, where)} or {variable}"
            raise ConfigError(f"The {spec.name} backend needs {where}: set {variable}.") from exc
        raise ConfigError(f"Setting {where} of the {spec.name} backend: {problem['msg']}.") from exc


def role_choice(settings: Settings, role: Role) -> tuple[Kind, str, dict[str, Any]]:
    """The kind, backend name and overrides that fill a role.

    `judge` and `writer` default to the `llm` role's backend, and take the `llm` role's
    overrides whenever they use the same backend.
    """
    choice: BackendChoice = getattr(settings, role)
    extras = choice.options()
    if role in ("judge", "writer"):
        name = choice.backend or settings.llm.backend
        inherited = settings.llm.options() if name == settings.llm.backend else {}
        return "llm", name, {**inherited, **extras}
    kinds: dict[Role, Kind] = {
        "llm": "llm",
        "embedder": "embedder",
        "store": "store",
        "queue": "queue",
    }
    scaled = bool(settings.database_url.get_secret_value())
    defaults = {"store": "postgres" if scaled else "sqlite"}
    defaults["queue"] = "procrastinate" if scaled else "inprocess"
    return kinds[role], choice.backend or defaults.get(role, ""), extras


def build(
    kind: Kind,
    name: str,
    context: BuildContext,
    overrides: dict[str, Any] | None = None,
    role: str | None = None,
) -> object:
    spec = REGISTRY.get(kind, name)
    return spec.factory(context, backend_options(spec, context.settings, overrides, role))


def _not_a(kind: Kind, name: str, protocol: str) -> ConfigError:
    return ConfigError(f"The {kind} backend {name!r} does not implement {protocol}.")


def build_role(role: Role, context: BuildContext) -> object:
    kind, name, overrides = role_choice(context.settings, role)
    return build(kind, name, context, overrides, role)


def build_llm(role: Literal["llm", "judge", "writer"], context: BuildContext) -> LLM:
    built = build_role(role, context)
    if not isinstance(built, LLM):
        raise _not_a("llm", role_choice(context.settings, role)[1], "LLM")
    return built


def build_embedder(settings: Settings) -> Embedder:
    built = build_role("embedder", BuildContext(settings))
    if not isinstance(built, Embedder):
        raise _not_a("embedder", settings.embedder.backend, "Embedder")
    return built


def build_store(settings: Settings) -> Store:
    built = build_role("store", BuildContext(settings))
    if not isinstance(built, Store):
        raise _not_a("store", role_choice(settings, "store")[1], "Store")
    return built


def build_queue(context: BuildContext) -> JobQueue:
    built = build_role("queue", context)
    if not isinstance(built, JobQueue):
        raise _not_a("queue", role_choice(context.settings, "queue")[1], "JobQueue")
    return built


def build_fetcher(context: BuildContext) -> PageFetcher:
    name = context.settings.fetch.backend
    built = build("fetch", name, context)
    if not isinstance(built, PageFetcher):
        raise _not_a("fetch", name, "PageFetcher")
    return built


def _configured(spec: Backend[Any], settings: Settings) -> bool:
    try:
        backend_options(spec, settings)
    except ConfigError:
        return False
    return True


def search_backend_names(settings: Settings) -> list[str]:
    """`search.backends` with the `web` alias expanded: every web backend whose settings
    are given, or, when none is, the web backends that need no settings (`ddgs`)."""
    web = [s for s in REGISTRY.of_kind("search") if s.web]
    configured = [s.name for s in web if s.needs_configuration() and _configured(s, settings)]
    chosen = configured or [s.name for s in web if not s.needs_configuration()]
    names: list[str] = []
    for name in settings.search.backends:
        for actual in chosen if name == "web" else [name]:
            if actual not in names:
                names.append(actual)
    return names


def build_searchers(context: BuildContext) -> list[SearchBackend]:
    searchers: list[SearchBackend] = []
    for name in search_backend_names(context.settings):
        built = build("search", name, context)
        if not isinstance(built, SearchBackend):
            raise _not_a("search", name, "SearchBackend")
        searchers.append(built)
    return searchers


def _hashable(model: BaseModel) -> dict[str, Any]:
    """A model's fields for the hash: secrets (by type) and `hash: false` fields left out."""
    data: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("hash") is False:
            continue
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            continue
        data[name] = _hashable(value) if isinstance(value, BaseModel) else value
    plain: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return plain


ROLES: tuple[Role, ...] = ("llm", "judge", "writer", "embedder")


def settings_hash(settings: Settings) -> str:
    """A short, stable hash of everything that can change a report's content."""
    data = _hashable(settings)
    for role in ("llm", "judge", "writer", "embedder", "store", "queue"):
        data.pop(role, None)
    data.pop("backends", None)
    for role in ROLES:
        kind, name, overrides = role_choice(settings, role)
        spec = REGISTRY.get(kind, name)
        data[role] = {"backend": name, **_hashable(backend_options(spec, settings, overrides))}
    data["search_backends"] = {
        name: _hashable(backend_options(REGISTRY.get("search", name), settings))
        for name in search_backend_names(settings)
    }
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class BackendStatus:
    spec: Backend[Any]
    in_use: bool
    problem: str | None

    @property
    def ready(self) -> bool:
        return self.problem is None


def statuses(settings: Settings) -> Iterator[BackendStatus]:
    """Every registered backend: whether the settings use it, and what it still needs."""
    in_use = {role_choice(settings, role)[1] for role in ROLES}
    searched = search_backend_names(settings)
    in_use |= {*searched, role_choice(settings, "store")[1], role_choice(settings, "queue")[1]}
    if any(REGISTRY.get("search", name).web for name in searched):
        in_use.add(settings.fetch.backend)
    for kind in KINDS:
        for spec in REGISTRY.of_kind(kind):
            try:
                options = backend_options(spec, settings)
                problem = spec.requires(settings, options) if spec.requires else None
            except ConfigError as exc:
                problem = str(exc)
            yield BackendStatus(spec, spec.name in in_use, problem)
