"""Where evidence comes from: documents, passages, search hits, and pages read from the web."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

SourceType = Literal[
    "government", "news", "fact_checker", "encyclopedia", "academic", "blog_social", "other"
]
# How much editorial accountability a kind of source has (see data/domains.json's "tiers"):
# a description of who stands behind a text, not a verdict on any one text.
CredibilityTier = Literal["primary", "editorial", "unvetted"]


class Document(BaseModel):
    """A source document before it is cut into passages."""

    id: str
    title: str
    text: str
    url: str = ""
    domain: str = ""
    outlet: str = ""
    published: date | None = None
    source_type: SourceType = "other"


class Passage(BaseModel):
    """A chunk of a document: the unit that is retrieved, judged and cited."""

    id: str
    doc_id: str
    title: str
    text: str
    url: str = ""
    domain: str = ""
    outlet: str = ""
    published: date | None = None
    source_type: SourceType = "other"
    position: int = 0


class Hit(BaseModel):
    """A passage returned by a search backend for one query.

    `snippet` marks a web search result: its passage is only the search engine's
    summary, and the fetch stage replaces it with passages of the page itself.
    """

    passage: Passage
    score: float
    backend: str
    query: str = ""
    rank: int = 0
    snippet: bool = False


class WebResult(BaseModel):
    """One result of a web search API, as the API gave it (untrusted text)."""

    url: str
    title: str = ""
    snippet: str = ""
    published: date | None = None


FetchStatus = Literal["fetched", "cached", "refused", "robots", "unsupported", "failed"]


class Page(BaseModel):
    """A fetched web page (or PDF) reduced to its main text and metadata."""

    url: str
    final_url: str
    title: str = ""
    author: str = ""
    sitename: str = ""
    published: date | None = None
    text: str
    content_type: str = ""
    retrieved_at: datetime
    sha256: str = ""
    truncated: bool = False
    removed: list[str] = Field(default_factory=list)


class PageRecord(BaseModel):
    """What the fetch stage did with one URL, so a report shows exactly what was read.

    `removed` lists sentences addressed to AI systems that were cut before any model
    read the page (see `untrusted.defuse`).
    """

    url: str
    final_url: str = ""
    status: FetchStatus
    retrieved_at: datetime | None = None
    sha256: str = ""
    content_type: str = ""
    title: str = ""
    author: str = ""
    chars: int = 0
    truncated: bool = False
    removed: list[str] = Field(default_factory=list)
    error: str = ""


class Fetched(BaseModel):
    """The outcome of fetching one URL: always a record, and the page when it was read."""

    record: PageRecord
    page: Page | None = None


class SourcePolicy(BaseModel):
    """Which domains a check may cite: `deny` drops, a non-empty `allow` keeps only those
    (passages without a domain, such as local files, always stay), `priority` ranks first.

    Entries are domains; an entry also covers its subdomains (`who.int` covers
    `apps.who.int`)."""

    allow: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)
    priority: list[str] = Field(default_factory=list)

    def merged(self, other: SourcePolicy | None) -> SourcePolicy:
        """This policy (the desk's) with a check's own: denials and priorities add up; the
        check's allow list, when it has one, replaces the desk's."""
        if other is None:
            return self
        return SourcePolicy(
            allow=list(other.allow or self.allow),
            deny=list(dict.fromkeys([*self.deny, *other.deny])),
            priority=list(dict.fromkeys([*self.priority, *other.priority])),
        )

    @property
    def empty(self) -> bool:
        return not (self.allow or self.deny or self.priority)


ARCHIVE_PREFIX = "/archive/"


def archive_path(sha256: str) -> str:
    """Where the desk serves an archived copy (the web app's route)."""
    return ARCHIVE_PREFIX + sha256


class ArchivedCopy(BaseModel):
    """The cited passages of one source as the desk read them, kept by the SHA-256 of
    `text` so a report stays checkable when the page changes or disappears.

    `page_sha256` is the hash of the whole body fetched from the web, when the source
    was read from the web (the method trail lists it too)."""

    sha256: str
    url: str = ""
    title: str
    outlet: str = ""
    text: str
    retrieved_at: datetime
    page_sha256: str = ""


class PublishedFactCheck(BaseModel):
    """A ClaimReview another publisher made, as imported into the desk's collection."""

    id: str
    url: str
    claim: str
    rating: str = Field(description="The publisher's own words for its verdict.")
    rating_value: float | None = None
    best_rating: float | None = None
    worst_rating: float | None = None
    publisher: str = ""
    publisher_url: str = ""
    claimant: str = ""
    date_published: date | None = None
    language: str = ""
