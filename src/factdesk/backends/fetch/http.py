"""Reading web pages the careful way: guarded, polite, bounded, and cached.

Every connection goes through the SSRF guard (`netguard`), every redirect hop is
re-checked (scheme, host, robots.txt), bodies are cut at `max_bytes`, each page has
an overall deadline besides the connect and read timeouts, only readable media types
are accepted, and a host gets at most `per_host_concurrency` requests at once with a
pause between them. Pages read are stored in the web cache with their retrieval time.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpcore
import httpx

from factdesk.backends.fetch.netguard import (
    AllowList,
    GuardedTransport,
    Resolver,
    check_url,
    system_resolver,
)
from factdesk.backends.webcache import WebCache, web_cache
from factdesk.errors import (
    FetchError,
    InputError,
    RobotsDisallowedError,
    UnsafeURLError,
    UnsupportedContentError,
)
from factdesk.extract import READABLE_TYPES, extract
from factdesk.plugins import Backend, Registry
from factdesk.records import Fetched, FetchStatus, Page, PageRecord
from factdesk.settings import FetchSettings
from factdesk.sourcemeta import canonical_url
from factdesk.untrusted import defuse

T = TypeVar("T")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
ROBOTS_MAX_BYTES = 512 * 1024


def run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine from sync code, also when the caller is inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


@dataclass
class Download:
    url: str
    final_url: str
    content_type: str
    body: bytes
    truncated: bool
    retrieved_at: datetime


def media_type(content_type: str, body: bytes = b"") -> str:
    """The media type from the header, or sniffed from the body when there is none."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media or not body:
        return media
    head = body[:1024].lstrip().lower()
    if head.startswith(b"%pdf"):
        return "application/pdf"
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "text/html"
    return ""


async def read_limited(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """At most `limit` bytes of the (decoded) body, and whether it was cut."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        room = limit - size
        if len(chunk) > room:
            chunks.append(chunk[:room])
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


class HostGate:
    """Per-host politeness: a few requests at once, and a pause between their starts."""

    def __init__(self, per_host: int, delay_s: float) -> None:
        self.per_host, self.delay_s = per_host, delay_s
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        semaphore = self._slots.setdefault(host, asyncio.Semaphore(self.per_host))
        async with semaphore:
            now = time.monotonic()
            start = max(now, self._next_start.get(host, now))
            self._next_start[host] = start + self.delay_s
            if start > now:
                await asyncio.sleep(start - now)
            yield


@dataclass
class _Session:
    """What one batch of fetches shares: the client, politeness and robots locks."""

    client: httpx.AsyncClient
    gate: HostGate
    slots: asyncio.Semaphore
    robots_locks: dict[str, asyncio.Lock] = field(default_factory=dict)


class Fetcher:
    """Fetches and extracts pages; `fetch_all` is the sync entry point the stages use."""

    def __init__(
        self,
        cfg: FetchSettings,
        cache: WebCache | None = None,
        *,
        resolver: Resolver = system_resolver,
        connector: httpcore.AsyncNetworkBackend | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cfg = cfg
        self.cache = cache
        self.allow = AllowList(cfg.allow_hosts)
        self.resolver = resolver
        self.connector = connector
        self.clock = clock
        self._robots: dict[str, tuple[float, RobotFileParser]] = {}

    def fetch_all(self, urls: Sequence[str]) -> list[Fetched]:
        return run_sync(lambda: self.fetch_many(urls))

    def download(self, url: str, accept: Sequence[str]) -> Download:
        """One raw body of an accepted media type (used for feeds)."""

        async def one() -> Download:
            async with self._session() as session:
                return await asyncio.wait_for(
                    self._download(session, url, accept), self.cfg.page_timeout_s
                )

        return run_sync(one)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[_Session]:
        cfg = self.cfg
        transport = GuardedTransport(
            self.allow, self.resolver, self.connector, max_connections=cfg.concurrency * 2
        )
        async with httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(cfg.read_timeout_s, connect=cfg.connect_timeout_s),
            headers={"User-Agent": cfg.user_agent},
            follow_redirects=False,
            trust_env=False,
        ) as client:
            yield _Session(
                client,
                HostGate(cfg.per_host_concurrency, cfg.per_host_delay_s),
                asyncio.Semaphore(cfg.concurrency),
            )

    async def fetch_many(self, urls: Sequence[str]) -> list[Fetched]:
        async with self._session() as session:
            return list(await asyncio.gather(*(self._fetch_one(session, u) for u in urls)))

    async def _fetch_one(self, session: _Session, url: str) -> Fetched:
        try:  # a URL that cannot be fetched is one refused page, not a failed batch
            check_url(url, self.allow)
        except UnsafeURLError as exc:
            return Fetched(record=PageRecord(url=url, status="refused", error=str(exc)))
        canonical = canonical_url(url)
        cached = self.cache.get_page(canonical, self.cfg.cache_ttl_s) if self.cache else None
        if cached is not None:
            return Fetched(record=_record(url, cached, "cached"), page=cached)
        status: FetchStatus = "failed"
        try:
            async with session.slots:
                got = await asyncio.wait_for(
                    self._download(session, url, READABLE_TYPES), self.cfg.page_timeout_s
                )
                found = await asyncio.to_thread(
                    extract,
                    got.body,
                    got.content_type,
                    got.final_url,
                    self.cfg.max_html_elements,
                )
        except UnsafeURLError as exc:
            status, problem = "refused", str(exc)
        except RobotsDisallowedError as exc:
            status, problem = "robots", str(exc)
        except UnsupportedContentError as exc:
            status, problem = "unsupported", str(exc)
        except (TimeoutError, httpx.TimeoutException):
            problem = f"fetch: {url} timed out"
        except (FetchError, InputError) as exc:
            problem = str(exc)
        except httpx.HTTPError as exc:
            problem = f"fetch: {url} failed: {exc or type(exc).__name__}"
        else:
            text, removed = found.text, list[str]()
            title = found.title
            if self.cfg.defuse_instructions:
                text, removed = defuse(text)
                title = "" if defuse(title)[1] else title
            page = Page(
                url=url,
                final_url=got.final_url,
                title=title[:300],
                author=found.author[:200],
                sitename=found.sitename[:200],
                published=found.published,
                text=text[: self.cfg.max_text_chars],
                content_type=got.content_type,
                retrieved_at=got.retrieved_at,
                sha256=hashlib.sha256(got.body).hexdigest(),
                truncated=got.truncated or len(text) > self.cfg.max_text_chars,
                removed=removed,
            )
            if self.cache is not None:
                self.cache.put_page(canonical, page)
            return Fetched(record=_record(url, page, "fetched"), page=page)
        return Fetched(record=PageRecord(url=url, status=status, error=problem))

    async def _download(self, session: _Session, url: str, accept: Sequence[str]) -> Download:
        """GET with every redirect hop re-checked; the body cut at `max_bytes`."""
        current = url
        for _ in range(self.cfg.max_redirects + 1):
            host = check_url(current, self.allow)
            if self.cfg.respect_robots:
                await self._check_robots(session, current)
            async with (
                session.gate.slot(host),
                session.client.stream("GET", current) as response,
            ):
                if response.is_redirect:
                    current = urljoin(current, response.headers["location"])
                    continue
                if response.status_code >= 400:
                    raise FetchError("fetch", f"{current} answered HTTP {response.status_code}")
                declared = response.headers.get("content-type", "")
                if declared and media_type(declared) not in accept:
                    raise UnsupportedContentError(
                        "fetch", f"{current} is {media_type(declared)}, which is not read"
                    )
                body, truncated = await read_limited(response, self.cfg.max_bytes)
            media = media_type(declared, body)
            if media not in accept:
                raise UnsupportedContentError("fetch", f"{current}: unrecognised content")
            return Download(
                url=url,
                final_url=current,
                content_type=media,
                body=body,
                truncated=truncated,
                retrieved_at=datetime.fromtimestamp(self.clock(), UTC),
            )
        raise FetchError("fetch", f"{url} redirected more than {self.cfg.max_redirects} times")

    async def _check_robots(self, session: _Session, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with session.robots_locks.setdefault(origin, asyncio.Lock()):
            known = self._robots.get(origin)
            if known is None or self.clock() - known[0] > self.cfg.cache_ttl_s:
                known = (self.clock(), await self._load_robots(session, origin))
                self._robots[origin] = known
        if not known[1].can_fetch(self.cfg.user_agent, url):
            raise RobotsDisallowedError("fetch", f"robots.txt of {origin} disallows {url}")

    async def _load_robots(self, session: _Session, origin: str) -> RobotFileParser:
        """RFC 9309: a 4xx answer allows everything, a 5xx answer disallows everything."""
        parser = RobotFileParser(origin + "/robots.txt")
        async with (
            session.gate.slot(urlsplit(origin).hostname or ""),
            session.client.stream("GET", origin + "/robots.txt", follow_redirects=True) as got,
        ):
            status = got.status_code
            body = (await read_limited(got, ROBOTS_MAX_BYTES))[0] if status < 300 else b""
        lines = body.decode("utf-8", errors="replace").splitlines()
        parser.parse(["User-agent: *", "Disallow: /"] if status >= 500 else lines)
        return parser


def _record(url: str, page: Page, status: FetchStatus) -> PageRecord:
    return PageRecord(
        url=url,
        final_url=page.final_url,
        status=status,
        retrieved_at=page.retrieved_at,
        sha256=page.sha256,
        content_type=page.content_type,
        title=page.title,
        author=page.author,
        chars=len(page.text),
        truncated=page.truncated,
        removed=page.removed,
    )


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="fetch",
            name="http",
            summary="Reads pages over HTTP(S) behind the SSRF guard, robots.txt and limits.",
            factory=lambda context, options: Fetcher(context.settings.fetch, web_cache(context)),
        )
    )
