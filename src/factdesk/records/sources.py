"""Where evidence comes from: documents, passages, search hits, and pages read from the web."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

SourceType = Literal[
    "government", "news", "fact_checker", "encyclopedia", "academic", "blog_social", "other"
]


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
