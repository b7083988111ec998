"""schema.org ClaimReview: how fact-checks are exchanged with search engines, apps and
other fact-checkers. `claim_review` writes one for a report; `read_claim_reviews` reads
other publishers' (single reviews, lists, `@graph`s, DataFeeds, pages with JSON-LD).

Verdicts are rated on schema.org's default 1-5 scale: refuted 1, supported 5, and
conflicting and not enough evidence both 3 (neither shown true nor shown false); the
`alternateName` (the verdict's name) tells those two apart.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from factdesk import i18n
from factdesk.records import PublishedFactCheck, Report, VerdictLabel
from factdesk.untrusted import clean_untrusted, defuse

CONTEXT = "https://schema.org"
RATING_VALUES: dict[VerdictLabel, int] = {
    "refuted": 1,
    "conflicting": 3,
    "not_enough_evidence": 3,
    "supported": 5,
}
WORST_RATING, BEST_RATING = 1, 5
_SCRIPT = re.compile(
    r"<script[^>]*type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script>",
    re.IGNORECASE | re.DOTALL,
)


def claim_review(
    report: Report,
    *,
    url: str,
    publisher: str,
    publisher_url: str,
    published: datetime,
    modified: datetime,
    base_url: str = "",
) -> dict[str, Any]:
    """One ClaimReview for a report version, with absolute links (`base_url` prefixes the
    desk's own paths)."""
    organisation: dict[str, Any] = {"@type": "Organization", "name": publisher}
    if publisher_url:
        organisation["url"] = publisher_url
    rating: dict[str, Any] = {
        "@type": "Rating",
        "ratingValue": RATING_VALUES[report.verdict.label],
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": i18n.text(report.language, f"label_{report.verdict.label}"),
    }
    if report.verdict.summary:
        rating["ratingExplanation"] = report.verdict.summary
    return {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "url": url,
        "name": report.title,
        "claimReviewed": report.title,
        "datePublished": published.isoformat(),
        "dateModified": modified.isoformat(),
        "inLanguage": report.language,
        "author": organisation,
        "publisher": organisation,
        "reviewRating": rating,
        "itemReviewed": {"@type": "Claim", "text": report.title},
        "citation": [
            {
                "@type": "CreativeWork",
                "name": source.title,
                **({"url": source.url} if source.url.startswith(("http://", "https://")) else {}),
                **({"archivedAt": base_url + source.archived_url} if source.archived_url else {}),
            }
            for source in report.sources
        ],
    }


def data_feed(reviews: list[dict[str, Any]], *, name: str, modified: datetime) -> dict[str, Any]:
    """A schema.org DataFeed of ClaimReviews, the form fact-checkers exchange in bulk."""
    return {
        "@context": CONTEXT,
        "@type": "DataFeed",
        "name": name,
        "dateModified": modified.isoformat(),
        "dataFeedElement": [
            {key: value for key, value in review.items() if key != "@context"} for review in reviews
        ],
    }


def json_ld_blocks(html: str) -> list[Any]:
    """The JSON-LD documents of an HTML page's `application/ld+json` scripts (unreadable
    ones are skipped)."""
    found: list[Any] = []
    for block in _SCRIPT.findall(html):
        try:
            found.append(json.loads(block))
        except json.JSONDecodeError:
            continue
    return found


def _is_claim_review(node: dict[str, Any]) -> bool:
    kinds = node.get("@type", [])
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(str(k).rsplit("/", 1)[-1].rsplit(":", 1)[-1] == "ClaimReview" for k in kinds)


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    """Every ClaimReview node, wherever it sits: a list, a @graph, a DataFeed's
    dataFeedElement, an ItemList, or a DataFeedItem's item."""
    if isinstance(data, list):
        for item in data:
            yield from _walk(item)
    elif isinstance(data, dict):
        if _is_claim_review(data):
            yield data
            return
        for value in data.values():
            yield from _walk(value)


def _text(value: Any, limit: int = 500) -> str:
    """Plain untrusted text from a JSON-LD value (a string, or a node with a name)."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("alternateName") or value.get("text") or ""
    text = clean_untrusted(str(value), limit) if value else ""
    return defuse(text)[0] if text else ""


def _url(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id") or ""
    text = str(value).strip()
    return text if text.startswith(("http://", "https://")) else ""


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _language(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name") or ""
    code = str(value or "").strip().lower()
    return code.split("-", 1)[0] if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]+)*", code) else ""


def _node(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _fact_check(node: dict[str, Any]) -> PublishedFactCheck | None:
    item = _node(node.get("itemReviewed"))
    claim = _text(node.get("claimReviewed")) or _text(item.get("text") or item.get("name"))
    rating = _node(node.get("reviewRating"))
    verdict = _text(rating.get("alternateName") or rating.get("name"), 200)
    url = _url(node.get("url")) or _url(node.get("@id"))
    if not (claim and verdict and url):
        return None
    author = node.get("author") or node.get("publisher") or {}
    return PublishedFactCheck(
        id=hashlib.sha256(f"{url}\n{claim}".encode()).hexdigest()[:16],
        url=url,
        claim=claim,
        rating=verdict,
        rating_value=_number(rating.get("ratingValue")),
        best_rating=_number(rating.get("bestRating")),
        worst_rating=_number(rating.get("worstRating")),
        publisher=_text(author, 200),
        publisher_url=_url(author),
        claimant=_text(item.get("author"), 200),
        date_published=_date(node.get("datePublished")),
        language=_language(node.get("inLanguage")),
    )


def read_claim_reviews(data: Any) -> tuple[list[PublishedFactCheck], int]:
    """The usable fact-checks in a JSON-LD document, and how many ClaimReviews were
    skipped for lacking a claim, a rating or a URL."""
    usable: list[PublishedFactCheck] = []
    skipped = 0
    for node in _walk(data):
        found = _fact_check(node)
        if found is None:
            skipped += 1
        else:
            usable.append(found)
    return usable, skipped
