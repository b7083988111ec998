"""What keeps the web app safe to expose: rate limits, the API token, body limits, headers,
the host names it answers to, where writes may come from, and open streams per client.

The limits are per client address, in memory, per process: enough for one server on
one machine, not for a fleet behind a load balancer.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from factdesk.errors import AuthError, RateLimitedError
from factdesk.settings import ServerSettings

# Scripts, styles and connections only from this server; no inline code, no frames.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Links to sources send no Referer; the app's own forms still carry their Origin
    # (under no-referrer a browser sends `Origin: null`, which the write check refuses).
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
TOKEN_COOKIE = "factdesk_token"
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
LISTEN_ANYWHERE = frozenset({"", "0.0.0.0", "::"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
Refusal = Callable[[Request, str], Response]


class RateLimiter:
    """A token bucket per client: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> None:
        """Spend one request of `client`'s allowance, or raise RateLimitedError."""
        if self.per_minute <= 0:
            return
        rate = self.per_minute / 60.0
        with self._lock:
            now = self._clock()
            tokens, then = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - then) * rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / rate)
                raise RateLimitedError(
                    f"Too many requests from this address; try again in {wait} s.", wait
                )
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > 10_000:
                self._forget_full(now, rate)

    def _forget_full(self, now: float, rate: float) -> None:
        """Drop clients whose bucket has refilled: they are indistinguishable from new ones."""
        self._buckets = {
            client: (tokens, then)
            for client, (tokens, then) in self._buckets.items()
            if tokens + (now - then) * rate < self.per_minute
        }


class Guards:
    """The per-client limits and the optional token, as the routes apply them. Readers'
    suggestions have their own limit and need no token: anyone may send one."""

    def __init__(self, settings: ServerSettings) -> None:
        self.token = settings.api_token.get_secret_value()
        self.reads = RateLimiter(settings.read_rate_per_minute)
        self.writes = RateLimiter(settings.write_rate_per_minute)
        self.suggestions = RateLimiter(settings.suggest_rate_per_minute)
        self.streams = StreamSlots(settings.streams_per_client)

    def token_ok(self, given: str | None) -> bool:
        return not self.token or secrets.compare_digest((given or "").encode(), self.token.encode())

    def check_token(self, given: str | None) -> None:
        if not self.token_ok(given):
            raise AuthError(
                "This server requires its API token for writes: send it as "
                "`Authorization: Bearer TOKEN` (or in the form's token field)."
            )


class StreamSlots:
    """Progress streams a client holds open: each polls the store, so they are capped."""

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> Callable[[], None]:
        """Open one stream for `client` (RateLimitedError when it holds its share); return
        the function that closes it, which does so once however often it is called."""
        with self._lock:
            held = self._open.get(client, 0)
            if self.per_client and held >= self.per_client:
                raise RateLimitedError(
                    f"This address already follows {held} jobs; close one of them first.", 5
                )
            self._open[client] = held + 1
        closed = threading.Event()

        def close() -> None:
            with self._lock:
                if closed.is_set():
                    return
                closed.set()
                left = self._open.pop(client, 1) - 1
                if left:
                    self._open[client] = left

        return close

    def held(self, client: str) -> int:
        with self._lock:
            return self._open.get(client, 0)


def hosts_allowed(settings: ServerSettings) -> frozenset[str] | None:
    """The host names the server answers to (None: any): the address it listens on, the
    localhost names, and `allowed_hosts`."""
    names = LOCAL_NAMES | set(settings.allowed_hosts)
    if settings.host.lower() not in LISTEN_ANYWHERE:
        names |= {settings.host.lower().strip("[]")}
    return None if "*" in names else frozenset(names)


def _host_name(netloc: str) -> str | None:
    try:
        return (urlsplit(f"//{netloc}").hostname or "").rstrip(".") or None
    except ValueError:
        return None


class HostAndOrigin:
    """Refuses requests for host names the server does not answer to (DNS rebinding),
    and writes sent by pages of another origin (cross-site request forgery).

    A browser names the page a write comes from in `Origin` (or, failing that,
    `Referer`); it must be this server itself, or a host named in `allowed_hosts`.
    Clients that send neither (curl, scripts) are not browsers acting for a visitor.
    """

    def __init__(self, app: ASGIApp, settings: ServerSettings, refuse: Refusal) -> None:
        self.app, self.refuse = app, refuse
        self.hosts = hosts_allowed(settings)
        self.origins = frozenset(settings.allowed_hosts) - {"*"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        problem = None
        if self.hosts is not None and _host_name(host) not in self.hosts:
            problem = (
                "This server does not answer to that host name; its operator can add it "
                "to FACTDESK_SERVER__ALLOWED_HOSTS."
            )
        elif scope["method"] not in SAFE_METHODS and not self._same_origin(headers, host):
            problem = "Writes are accepted only from this server's own pages."
        if problem is None:
            await self.app(scope, receive, send)
            return
        response = self.refuse(Request(scope), problem)
        await response(scope, receive, send)

    def _same_origin(self, headers: Headers, host: str) -> bool:
        source = headers.get("origin") or headers.get("referer")
        if source is None:
            return True
        try:
            parts = urlsplit(source)
        except ValueError:
            return False
        if parts.netloc.lower() == host.lower() and parts.scheme in ("http", "https"):
            return True
        return _host_name(parts.netloc) in self.origins


class SecurityHeaders:
    """Adds the CSP and its companions to every response, pages, API and static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses request bodies over `max_bytes` with a 413 JSON error, before any parsing.

    A declared Content-Length is checked at once; a chunked body is read up to the
    limit and then replayed to the app. `larger` gives exact paths (whole texts, batch
    uploads) a limit of their own.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._too_large(send, limit)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "too_large",
                    "message": f"The request body is over the {limit}-byte limit.",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
