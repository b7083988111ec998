"""Archived copies of what a report cites: each source's cited passages, as the check
read them, kept by the SHA-256 of their text, so the report stays checkable when the
page changes or disappears.

A copy records the page's URL, when it was read (the fetch time for a web page, the
check's time for a passage of the local index) and, for a web page, the SHA-256 of
the whole body that was fetched.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from factdesk.records import ArchivedCopy, PageRecord, Trail, archive_path
from factdesk.sourcemeta import canonical_url


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def archive_sources(trail: Trail, read_at: datetime) -> list[ArchivedCopy]:
    """Stamp each of the trail's sources with its copy's hash and path; return the copies."""
    passages = {e.passage.id: e.passage for e in trail.evidence}
    pages: dict[str, PageRecord] = {
        canonical_url(p.final_url or p.url): p for p in trail.pages if p.retrieved_at
    }
    copies: list[ArchivedCopy] = []
    for number, source in enumerate(trail.sources):
        cited = sorted(
            (passages[pid] for pid in source.passage_ids if pid in passages),
            key=lambda p: p.position,
        )
        text = "\n\n".join(p.text for p in cited)
        if not text:
            continue
        digest = text_sha256(text)
        page = pages.get(canonical_url(source.url)) if source.url else None
        copies.append(
            ArchivedCopy(
                sha256=digest,
                url=source.url,
                title=source.title,
                outlet=source.outlet or source.domain,
                text=text,
                retrieved_at=page.retrieved_at if page and page.retrieved_at else read_at,
                page_sha256=page.sha256 if page else "",
            )
        )
        trail.sources[number] = source.model_copy(
            update={"sha256": digest, "archived_url": archive_path(digest)}
        )
    return copies
