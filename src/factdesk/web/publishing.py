"""How the desk's reports leave it: ClaimReview JSON-LD for a report version, and an
Atom feed of new and updated checks that carries each one's ClaimReview.

Links are absolute: `FACTDESK_PUBLISHER__URL` when set, else the address the request
came to. In the feed each entry's ClaimReview is its `content`, typed
`application/ld+json` (so Base64-encoded, as RFC 4287 asks for non-text media types),
beside a plain-text summary any feed reader shows.
"""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from fastapi import Request

from factdesk import i18n
from factdesk.claimreview import claim_review
from factdesk.protocols import ReportCatalog
from factdesk.published import ReportSummary
from factdesk.records import TextCheckRecord, utcnow
from factdesk.settings import PublisherSettings
from factdesk.web.views import Published, published

ATOM = "http://www.w3.org/2005/Atom"


def site_base(request: Request, publisher: PublisherSettings) -> str:
    """The desk's public address, without a trailing slash."""
    return (publisher.url or str(request.base_url)).rstrip("/")


def review_of(page: Published, publisher: PublisherSettings, base: str) -> dict[str, Any]:
    """The ClaimReview of one version of a report page."""
    return claim_review(
        page.report,
        url=base + page.url,
        publisher=publisher.name,
        publisher_url=publisher.url or base + "/",
        published=page.versions[0].created_at,
        modified=page.versions[page.version - 1].created_at,
        base_url=base,
    )


def text_reviews(
    record: TextCheckRecord, publisher: PublisherSettings, base: str
) -> list[dict[str, Any]]:
    """One ClaimReview per checked claim of a whole text, each at its claim's anchor on
    the text's page (a claim whose check failed has no verdict to publish)."""
    overview = record.overview
    if overview is None:
        return []
    page = f"{base}/texts/{record.id}"
    return [
        claim_review(
            claim.report,
            url=f"{page}#claim-{claim.n}",
            publisher=publisher.name,
            publisher_url=publisher.url or base + "/",
            published=record.created_at,
            modified=record.updated_at,
            base_url=base,
        )
        for claim in overview.claims
        if claim.checked and claim.report is not None
    ]


def _stamp(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text:
        element.text = text
    return element


def _entry(feed: ET.Element, item: ReportSummary, review: dict[str, Any], base: str) -> None:
    entry = _add(feed, "entry")
    _add(entry, "id", base + item.url)
    _add(entry, "title", item.title, type="text")
    _add(entry, "published", _stamp(item.created_at))
    _add(entry, "updated", _stamp(item.checked_at))
    _add(entry, "link", rel="alternate", type="text/html", href=base + item.url)
    _add(entry, "category", term=item.category)
    label = i18n.text("en", f"label_{item.verdict}")
    verdict = f"Verdict: {label} (confidence {item.confidence:.0%})."
    rating = review.get("reviewRating", {}).get("ratingExplanation", "")
    _add(entry, "summary", f"{verdict} {rating}".strip(), type="text")
    encoded = base64.b64encode(json.dumps(review, ensure_ascii=False).encode()).decode()
    _add(entry, "content", encoded, type="application/ld+json")


def atom_feed(reports: ReportCatalog, publisher: PublisherSettings, base: str, limit: int) -> bytes:
    """The newest `limit` report pages, by the date of their latest version."""
    ET.register_namespace("", ATOM)
    items = reports.search(per_page=limit).items
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", base + "/feed.xml")
    _add(feed, "title", f"{publisher.name}: fact-checks", type="text")
    _add(feed, "updated", _stamp(max((i.checked_at for i in items), default=utcnow())))
    _add(_add(feed, "author"), "name", publisher.name)
    _add(feed, "link", rel="self", type="application/atom+xml", href=base + "/feed.xml")
    _add(feed, "link", rel="alternate", type="text/html", href=base + "/fact-checks")
    for item in items:
        _entry(feed, item, review_of(published(reports, item.id), publisher, base), base)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document
