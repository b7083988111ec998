"""The source policy applied to search results: denied domains are dropped before any
page is read (and again after redirects), an allow list keeps only its domains, and
priority domains are ranked first when evidence is picked.

Passages without a domain (local files, the desk's own documents) are never dropped:
the policy is about where on the web evidence may come from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from factdesk.records import Hit, Passage, SourcePolicy
from factdesk.sourcemeta import domain_of


def covers(entries: Iterable[str], domain: str) -> bool:
    """True when `domain` is one of `entries` or a subdomain of one."""
    domain = domain.lower().removeprefix("www.")
    return any(domain == entry or domain.endswith("." + entry) for entry in entries)


def passage_domain(passage: Passage) -> str:
    return passage.domain or domain_of(passage.url)


def admitted(policy: SourcePolicy, passage: Passage) -> bool:
    domain = passage_domain(passage)
    if not domain:
        return True
    if covers(policy.deny, domain):
        return False
    return not policy.allow or covers(policy.allow, domain)


class Filtered(BaseModel):
    hits: list[Hit] = Field(default_factory=list)
    excluded_domains: list[str] = Field(default_factory=list)


def apply_policy(policy: SourcePolicy, hits: Sequence[Hit]) -> Filtered:
    """The hits the policy admits, and the domains of those it left out (first seen first)."""
    if not (policy.allow or policy.deny):
        return Filtered(hits=list(hits))
    result = Filtered()
    for hit in hits:
        if admitted(policy, hit.passage):
            result.hits.append(hit)
        else:
            domain = passage_domain(hit.passage)
            if domain not in result.excluded_domains:
                result.excluded_domains.append(domain)
    return result


def preferred(policy: SourcePolicy, passages: Sequence[Passage]) -> set[str]:
    """Ids of the passages from priority domains."""
    if not policy.priority:
        return set()
    return {p.id for p in passages if covers(policy.priority, passage_domain(p))}
