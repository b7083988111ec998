"""Source metadata from a URL: domain, outlet name and source type.

The domain list ships as `data/domains.json` and can be extended with a file of the
same shape named by `FACTDESK_DOMAINS_FILE` (entries there win).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel

from factdesk.models import SourceType


class DomainInfo(BaseModel):
    outlet: str
    type: SourceType


class DomainList(BaseModel):
    version: int = 1
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
    return merged


def domain_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def describe(url: str) -> tuple[str, str, SourceType]:
    """(domain, outlet, source type) for a URL; unknown domains are typed "other"."""
    domain = domain_of(url)
    if not domain:
        return "", "", "other"
    listing = load_domain_list(os.environ.get("FACTDESK_DOMAINS_FILE"))
    labels = domain.split(".")
    for start in range(len(labels) - 1):
        candidate = ".".join(labels[start:])
        info = listing.domains.get(candidate)
        if info is not None:
            return domain, info.outlet, info.type
    for suffix, kind in listing.suffix_rules.items():
        if domain.endswith(suffix):
            return domain, domain, kind
    return domain, domain, "other"
