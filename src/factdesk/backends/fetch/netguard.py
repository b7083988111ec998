"""The SSRF guard: which URLs and addresses factdesk may fetch, enforced at connect time.

A URL from a search result, a feed or a page's redirect is untrusted. Its host is
resolved once, every address in the answer is checked, and the connection is made to
the checked address itself, so a DNS answer that changes between check and connect
(rebinding) cannot reach a private service. Loopback, private, link-local, multicast,
reserved and cloud-metadata addresses are refused (IPv4, IPv6, and IPv4 inside IPv6)
unless the settings' allow-list names the host or network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from factdesk.errors import UnsafeURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal_reason(ip: IPAddress) -> str | None:
    """Why an address must not be fetched, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = refusal_reason(inner)
            return f"{reason} (inside IPv6 {ip})" if reason else None
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for test, reason in (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
    ):
        if test:
            return reason
    if not ip.is_global:
        return "not a public address"
    return None


class AllowList:
    """Hosts and networks the operator has allowed although they are not public."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks: list[Network] = []
        self.hosts: set[str] = set()
        for entry in entries:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.hosts.add(entry.lower().rstrip("."))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, ip: IPAddress) -> bool:
        return any(ip in net for net in self.networks)


def check_url(url: str, allow: AllowList) -> str:
    """The URL's host name if the URL itself may be fetched; refuse before any lookup.

    A URL the HTTP client cannot parse (an IPv4 address spelled in octal or with
    zero-padded parts, a port out of range) is refused here, as one page.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError when the port is not a port)
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise UnsafeURLError("fetch", f"{url} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURLError("fetch", f"{url} is not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURLError("fetch", f"{url} carries credentials; refusing to fetch it")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURLError("fetch", f"{url} has no host")
    _check_name(host, allow)
    return host


def _check_name(host: str, allow: AllowList) -> None:
    if host.lower().rstrip(".") in METADATA_HOSTS and not allow.allows_host(host):
        raise UnsafeURLError("fetch", f"{host} is a cloud metadata service")


def check_addresses(host: str, addresses: Sequence[str], allow: AllowList) -> list[IPAddress]:
    """The resolved addresses, if every one of them may be connected to."""
    if not addresses:
        raise UnsafeURLError("fetch", f"{host} did not resolve to any address")
    checked: list[IPAddress] = []
    for text in addresses:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        reason = refusal_reason(ip)
        if reason and not (allow.allows_host(host) or allow.allows_address(ip)):
            raise UnsafeURLError(
                "fetch",
                f"{host} resolves to {ip}, {reason}; add it to FACTDESK_FETCH__ALLOW_HOSTS "
                "to allow it",
            )
        checked.append(ip)
    return checked


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for a host (IPv4 and IPv6)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from exc
    seen: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks and connects to the checked address: the check cannot be raced."""

    def __init__(
        self,
        allow: AllowList,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow = allow
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        _check_name(host, self.allow)
        addresses = check_addresses(host, await self.resolver(host, port), self.allow)
        last: Exception | None = None
        for ip in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                last = exc
        raise last or httpcore.ConnectError(f"cannot connect to {host}")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UnsafeURLError("fetch", "unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport with the guarded network backend under its connection pool.

    No proxy is used (a proxy would resolve names where the guard cannot see them).
    """

    def __init__(
        self,
        allow: AllowList,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
        max_connections: int = 16,
    ) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            network_backend=GuardedNetworkBackend(allow, resolver, inner),
        )
