"""Stage 3b: read the pages behind the web search results.

Snippet hits are grouped by canonical URL, so a page found by several backends or
queries is read once. The best-ranked `max_pages` pages are fetched concurrently, and
each snippet hit is replaced by hits on the page's own passages (those sharing most
words with the hit's query, at most `passages_per_page`). A page that could not be
read keeps its search snippet (if it has any text), except a page the SSRF guard
refused, which is dropped.
Every attempt is recorded, so the report shows exactly what was read and when.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from factdesk.protocols import PageFetcher
from factdesk.records import Fetched, Hit, Page, PageRecord, Passage
from factdesk.sourcemeta import canonical_url, describe
from factdesk.text import chunk_text, content_word_set


class FetchResults(BaseModel):
    hits: list[Hit] = Field(default_factory=list)
    pages: list[PageRecord] = Field(default_factory=list)

    def count(self, *statuses: str) -> int:
        return sum(1 for p in self.pages if p.status in statuses)


def plan_pages(snippets: Sequence[Hit], max_pages: int, rrf_k: int) -> list[str]:
    """One URL per canonical page, best first by reciprocal rank summed over backends."""
    scores: dict[str, float] = {}
    first_url: dict[str, str] = {}
    for hit in snippets:
        key = hit.passage.doc_id
        scores[key] = scores.get(key, 0.0) + 1.0 / (rrf_k + hit.rank + 1)
        first_url.setdefault(key, hit.passage.url)
    ranked = sorted(scores, key=lambda key: -scores[key])
    return [first_url[key] for key in ranked[:max_pages]]


class _PageChunks:
    """A page cut into passages once, then picked per query."""

    def __init__(self, page: Page, snippet: Passage, chunk_words: int, overlap: int) -> None:
        doc_id = canonical_url(page.final_url)
        domain, outlet, source_type = describe(page.final_url)
        listed = outlet and outlet != domain
        self.passages = [
            Passage(
                id=f"{doc_id}#{position}",
                doc_id=doc_id,
                title=page.title or snippet.title,
                text=text,
                url=page.final_url,
                domain=domain,
                outlet=outlet if listed else (page.sitename or outlet),
                published=page.published or snippet.published,
                source_type=source_type,
                position=position,
            )
            for position, text in enumerate(chunk_text(page.text, chunk_words, overlap))
        ]
        self.words = [content_word_set(p.text) for p in self.passages]

    def best(self, query: str, k: int) -> list[Passage]:
        wanted = content_word_set(query)
        order = sorted(range(len(self.passages)), key=lambda i: (-len(wanted & self.words[i]), i))
        return [self.passages[i] for i in order[:k]]


def fetch(
    fetcher: PageFetcher | None,
    hits: Sequence[Hit],
    *,
    max_pages: int,
    passages_per_page: int,
    chunk_words: int,
    overlap_words: int,
    rrf_k: int,
) -> FetchResults:
    snippets = [h for h in hits if h.snippet]
    if fetcher is None or not snippets or max_pages == 0:
        return FetchResults(hits=list(hits))
    urls = plan_pages(snippets, max_pages, rrf_k)
    outcomes: dict[str, Fetched] = {
        canonical_url(url): outcome
        for url, outcome in zip(urls, fetcher.fetch_all(urls), strict=True)
    }
    chunked: dict[str, _PageChunks] = {}
    result = FetchResults(
        hits=[h for h in hits if not h.snippet], pages=[o.record for o in outcomes.values()]
    )
    for hit in snippets:
        outcome = outcomes.get(hit.passage.doc_id)
        if outcome is None or outcome.page is None:
            refused = outcome is not None and outcome.record.status == "refused"
            if hit.passage.text and not refused:
                result.hits.append(hit)
            continue
        key = hit.passage.doc_id
        if key not in chunked:
            chunked[key] = _PageChunks(outcome.page, hit.passage, chunk_words, overlap_words)
        result.hits += [
            hit.model_copy(update={"passage": passage, "snippet": False})
            for passage in chunked[key].best(hit.query, passages_per_page)
        ]
    return result
