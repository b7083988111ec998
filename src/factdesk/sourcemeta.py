"""Source metadata from a URL: canonical form, domain, outlet name, source type and
credibility tier.

The domain list ships as `data/domains.json` and can be extended with a file of the
same shape named by `FACTDESK_DOMAINS_FILE` (entries there win). An entry may name a
path under a domain (`reuters.com/fact-check`) to type one section of a site. The file's
`about` and `tiers` say where its entries and tiers come from.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel

from factdesk.records import CredibilityTier, SourceType


class DomainInfo(BaseModel):
    outlet: str
    type: SourceType
    tier: CredibilityTier | None = None
    tier_note: str = ""


class DomainList(BaseModel):
    version: int = 1
    about: str = ""
    tiers: dict[CredibilityTier, str] = {}
    tier_by_type: dict[SourceType, CredibilityTier] = {}
    suffix_rules: dict[str, SourceType] = {}
    domains: dict[str, DomainInfo] = {}


@lru_cache(maxsize=4)
def load_domain_list(extra: str | None = None) -> DomainList:
    shipped = resources.files("factdesk").joinpath("data/domains.json").read_text("utf-8")
    merged = DomainList.model_validate(json.loads(shipped))
    if extra:
        more = DomainList.model_validate(json.loads(Path(extra).read_text("utf-8")))
        merged.domains.update(more.domains)
        merged.suffix_rules.update(more.suffix_rules)
        merged.tier_by_type.update(more.tier_by_type)
    return merged


TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "ref_src",
        "ref_url",
        "cmpid",
        "ocid",
        "smid",
        "sr_share",
    }
)


def canonical_url(url: str) -> str:
    """One spelling per page, so results from different backends dedupe.

    Lower-cases the host, drops `www.`, default ports, fragments, tracking parameters
    (utm_* and the like) and a trailing slash, sorts the query, and treats http and
    https as the same page. Used as an identity, never as the address to fetch; a
    malformed URL (which no fetcher will read) stands for itself.
    """
    if not is_web_url(url):
        return url.strip()
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = parts.path.rstrip("/") or "/"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    )
    scheme = "https" if parts.scheme.lower() in ("http", "https") else parts.scheme.lower()
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


@lru_cache(maxsize=4)
def sections(extra: str | None = None) -> dict[str, list[tuple[str, DomainInfo]]]:
    """Path-scoped entries by host, longest path first: ("/fact-check/", info)."""
    found: dict[str, list[tuple[str, DomainInfo]]] = {}
    for key, info in load_domain_list(extra).domains.items():
        if "/" in key:
            host, path = key.split("/", 1)
            found.setdefault(host, []).append(("/" + path.strip("/") + "/", info))
    for entries in found.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return found


def is_web_url(url: str) -> bool:
    """True for a well-formed http or https URL with a host, whatever the case of its
    scheme (`HTTP://` is http too)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError when the port is not a port)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def domain_of(url: str) -> str:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # a malformed address has no domain
        return ""
    return host.removeprefix("www.")


def _listed(url: str) -> tuple[str, DomainInfo | None]:
    """The URL's domain and its entry in the list (a suffix rule makes one), if any."""
    domain = domain_of(url)
    if not domain:
        return "", None
    extra = os.environ.get("FACTDESK_DOMAINS_FILE")
    listing = load_domain_list(extra)
    labels = domain.split(".")
    path = urlsplit(url).path.rstrip("/") + "/"
    for start in range(len(labels) - 1):
        candidate = ".".join(labels[start:])
        scoped = sections(extra).get(candidate, [])
        info = next((i for prefix, i in scoped if path.startswith(prefix)), None)
        info = info or listing.domains.get(candidate)
        if info is not None:
            return domain, info
    for suffix, kind in listing.suffix_rules.items():
        if domain.endswith(suffix):
            return domain, DomainInfo(outlet=domain, type=kind)
    return domain, None


def describe(url: str) -> tuple[str, str, SourceType]:
    """(domain, outlet, source type) for a URL; unknown domains are typed "other"."""
    domain, info = _listed(url)
    if info is None:
        return domain, domain, "other"
    return domain, info.outlet, info.type


def tier_of(url: str) -> CredibilityTier | None:
    """The credibility tier of a URL's domain: the entry's own, else its type's; None for
    domains the list does not know (no tier is guessed)."""
    _, info = _listed(url)
    if info is None:
        return None
    listing = load_domain_list(os.environ.get("FACTDESK_DOMAINS_FILE"))
    return info.tier or listing.tier_by_type.get(info.type)


def tier_descriptions() -> dict[CredibilityTier, str]:
    """What each tier means, from the domain list (shown on the methods page)."""
    return dict(load_domain_list(os.environ.get("FACTDESK_DOMAINS_FILE")).tiers)
