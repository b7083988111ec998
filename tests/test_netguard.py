"""The SSRF guard: address rules, URL rules, the allow-list, and pinning against rebinding."""

import ipaddress

import httpcore
import pytest
from tests.websites import Site

from factdesk.backends.fetch.http import Fetcher
from factdesk.backends.fetch.netguard import AllowList, check_addresses, check_url, refusal_reason
from factdesk.errors import UnsafeURLError
from factdesk.settings import FetchSettings


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "metadata"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("100.64.0.1", "not a public"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback address (inside IPv6"),
        ("::ffff:10.0.0.1", "private address (inside IPv6"),
        ("::ffff:169.254.169.254", "metadata"),
        ("2002:7f00:1::", "loopback address (inside IPv6"),
        ("64:ff9b::a9fe:a9fe", "metadata"),
    ],
)
def test_non_public_addresses_are_refused_with_a_reason(address, reason):
    found = refusal_reason(ipaddress.ip_address(address))
    assert found is not None and reason in found


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address):
    assert refusal_reason(ipaddress.ip_address(address)) is None


def test_one_private_address_in_an_answer_refuses_the_host():
    with pytest.raises(UnsafeURLError, match="resolves to 10.0.0.5, a private address"):
        check_addresses("mixed.test", ["93.184.216.34", "10.0.0.5"], AllowList([]))


def test_allow_list_names_networks_and_hosts():
    allow = AllowList(["10.0.0.0/8", "intranet.test"])
    assert check_addresses("any.test", ["10.9.9.9"], allow)
    assert check_addresses("intranet.test", ["192.168.1.1"], allow)
    with pytest.raises(UnsafeURLError):
        check_addresses("other.test", ["192.168.1.1"], allow)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("file:///etc/passwd", "not an http"),
        ("ftp://example.org/x", "not an http"),
        ("gopher://127.0.0.1:25/", "not an http"),
        ("http://user:pass@example.org/", "credentials"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
        ("http:///nohost", "no host"),
    ],
)
def test_urls_refused_before_any_lookup(url, problem):
    with pytest.raises(UnsafeURLError, match=problem):
        check_url(url, AllowList([]))


class ScriptedResolver:
    """Answers each lookup of a name with the next address in its script."""

    def __init__(self, **answers):
        self.answers = {name.replace("_", "."): list(seq) for name, seq in answers.items()}
        self.calls = []

    async def __call__(self, host, port):
        self.calls.append(host)
        script = self.answers.get(host)
        if script is None:
            return [host]
        return [script.pop(0) if len(script) > 1 else script[0]]


class RecordingConnector(httpcore.AnyIOBackend):
    """Connects for real, but only to loopback addresses, and records every address."""

    def __init__(self):
        self.addresses = []

    async def connect_tcp(self, host, port, **kwargs):
        self.addresses.append(host)
        assert ipaddress.ip_address(host).is_loopback, f"test tried to reach {host}"
        return await super().connect_tcp(host, port, **kwargs)


@pytest.fixture
def public_and_secret():
    """A public page on 127.0.0.1 and a secret one on 127.0.0.2, on the same port."""
    public = Site("127.0.0.1")
    secret = Site("127.0.0.2", port=public.port)
    public.add("/", "<html><body><p>" + "The public page says hello. " * 20 + "</p></body></html>")
    secret.add("/", "<html><body><p>" + "SECRET internal admin data. " * 20 + "</p></body></html>")
    yield public, secret
    public.close()
    secret.close()


def _fetcher(resolver, connector, allow=("127.0.0.1",)):
    cfg = FetchSettings(allow_hosts=list(allow), respect_robots=False, per_host_delay_s=0)
    return Fetcher(cfg, resolver=resolver, connector=connector)


def test_dns_rebinding_cannot_reach_the_private_address(public_and_secret):
    """The first answer (allowed) is checked and pinned; the rebound answer is never used.

    A check-then-connect guard would resolve twice and read the secret server, which
    listens on the same port of 127.0.0.2.
    """
    public, secret = public_and_secret
    resolver = ScriptedResolver(rebind_test=["127.0.0.1", "127.0.0.2"])
    connector = RecordingConnector()
    [result] = _fetcher(resolver, connector).fetch_all([f"http://rebind.test:{public.port}/"])
    assert result.record.status == "fetched", result.record.error
    assert "public page" in result.page.text
    assert resolver.calls == ["rebind.test"]
    assert connector.addresses == ["127.0.0.1"]
    assert secret.requests == []


def test_rebinding_to_a_private_address_first_is_refused_without_connecting(public_and_secret):
    _public, secret = public_and_secret
    resolver = ScriptedResolver(rebind_test=["127.0.0.2", "127.0.0.1"])
    connector = RecordingConnector()
    [result] = _fetcher(resolver, connector).fetch_all([f"http://rebind.test:{secret.port}/"])
    assert result.record.status == "refused"
    assert "127.0.0.2, a loopback address" in result.record.error
    assert connector.addresses == [] and secret.requests == []


def test_host_on_the_allow_list_may_resolve_privately(public_and_secret):
    _public, secret = public_and_secret
    resolver = ScriptedResolver(intranet_test=["127.0.0.2"])
    fetcher = _fetcher(resolver, RecordingConnector(), allow=("intranet.test",))
    [result] = fetcher.fetch_all([f"http://intranet.test:{secret.port}/"])
    assert result.record.status == "fetched" and "SECRET" in result.page.text
