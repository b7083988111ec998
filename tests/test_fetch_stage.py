"""The fetch stage: dedupe by canonical URL, pages replacing snippets, and the whole check."""

from datetime import UTC, datetime

import pytest
from tests.test_netguard import RecordingConnector
from tests.test_websearch import API
from tests.websites import Site

from factdesk.backends.embed.hashing import HashingEmbedder
from factdesk.backends.fetch.http import Fetcher
from factdesk.backends.llm.scripted import ScriptedLLM
from factdesk.backends.search.apis import SearxngSearch, SearxngSettings
from factdesk.pipeline import Desk, run_check
from factdesk.pipeline.fetch import fetch
from factdesk.records import Fetched, Hit, Page, PageRecord, Passage
from factdesk.render import render
from factdesk.settings import Settings
from factdesk.sourcemeta import canonical_url
from factdesk.store.sqlite import SQLiteStore

TEXT = (
    "The Eiffel Tower was built for the 1889 World's Fair in Paris. "
    "Its iron lattice was designed by the company of Gustave Eiffel. "
    "Photosynthesis has nothing to do with towers. " * 8
)


def snippet(url, backend, rank, query="Eiffel Tower 1889 World's Fair"):
    key = canonical_url(url)
    passage = Passage(id=f"{key}#snippet", doc_id=key, title="t", text="snippet text", url=url)
    return Hit(passage=passage, score=1.0, backend=backend, query=query, rank=rank, snippet=True)


class FakeFetcher:
    def __init__(self, outcomes):
        self.outcomes = outcomes
        self.asked = []

    def fetch_all(self, urls):
        self.asked.append(list(urls))
        return [self.outcomes[canonical_url(u)](u) for u in urls]


def page(text=TEXT):
    def make(url):
        read = Page(
            url=url,
            final_url=url,
            title="Tower story",
            text=text,
            retrieved_at=datetime(2025, 1, 2, tzinfo=UTC),
            sha256="ab" * 32,
        )
        record = PageRecord(url=url, final_url=url, status="fetched", chars=len(text))
        return Fetched(record=record, page=read)

    return make


def failed(status):
    return lambda url: Fetched(record=PageRecord(url=url, status=status, error="no"))


def run(fetcher, hits, **kw):
    options = dict(max_pages=8, passages_per_page=2, chunk_words=20, overlap_words=0, rrf_k=60)
    return fetch(fetcher, hits, **{**options, **kw})


def test_a_page_found_by_two_backends_is_read_once():
    hits = [
        snippet("https://www.example.org/story/?utm_source=feed", "searxng", 0),
        snippet("https://example.org/story", "brave", 1),
        snippet("https://other.example.org/b", "brave", 0),
    ]
    fetcher = FakeFetcher(
        {"https://example.org/story": page(), "https://other.example.org/b": page()}
    )
    result = run(fetcher, hits)
    assert fetcher.asked == [
        ["https://www.example.org/story/?utm_source=feed", "https://other.example.org/b"]
    ]
    story = [h for h in result.hits if h.passage.doc_id == "https://example.org/story"]
    assert {h.backend for h in story} == {"searxng", "brave"}
    assert not any(h.snippet for h in result.hits)
    assert len({h.passage.id for h in story}) == 2  # the same two passages from both backends


def test_page_passages_are_picked_by_the_query_words():
    result = run(
        FakeFetcher({"https://example.org/a": page()}), [snippet("https://example.org/a", "s", 0)]
    )
    texts = [h.passage.text for h in result.hits]
    assert len(texts) == 2 and all("Eiffel" in t for t in texts)
    assert result.hits[0].passage.title == "Tower story"


def test_unread_pages_keep_their_snippet_but_refused_pages_are_dropped():
    hits = [
        snippet("https://a.example/1", "s", 0),
        snippet("https://b.example/2", "s", 1),
        snippet("https://c.example/3", "s", 2),
        snippet("https://d.example/4", "s", 3),
    ]
    fetcher = FakeFetcher(
        {
            "https://a.example/1": failed("refused"),
            "https://b.example/2": failed("robots"),
            "https://c.example/3": failed("failed"),
        }
    )
    hits.append(snippet("https://e.example/5", "s", 4).model_copy(deep=True))
    hits[-1].passage.text = ""  # a result whose snippet was empty (or all defused)
    result = run(fetcher, hits, max_pages=3)
    assert [h.passage.url for h in result.hits] == [
        "https://b.example/2",
        "https://c.example/3",
        "https://d.example/4",  # beyond max_pages: not fetched, snippet kept
    ]
    assert [p.status for p in result.pages] == ["refused", "robots", "failed"]


def test_without_web_hits_nothing_is_fetched(index):
    hits = index.search("Eiffel Tower", 3)
    fetcher = FakeFetcher({})
    assert run(fetcher, hits).hits == hits and fetcher.asked == []


@pytest.fixture
def site():
    s = Site("127.0.0.1")
    s.page("/tower", "article.html")
    s.page("/private/x", "article.html")
    s.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    yield s
    s.close()


def test_a_web_check_cites_the_pages_it_read(site, tmp_path):
    settings = Settings(
        home=tmp_path / "home",
        llm={"backend": "scripted"},
        embedder={"backend": "hashing"},
        search={"backends": ["searxng"]},
        backends={"searxng": {"url": "http://searx.test"}},
        fetch={"allow_hosts": ["127.0.0.1"], "per_host_delay_s": 0},
    )
    api = API()
    results = [
        {"url": site.url("/tower"), "title": "Tower", "content": "Built for the fair."},
        {"url": site.url("/private/x"), "title": "Private", "content": "A snippet only."},
        {"url": "http://10.0.0.7/intranet", "title": "Intranet", "content": "Do not read."},
    ]
    api.reply("/search", (200, {"query": "q", "results": results}))
    searx = SearxngSearch(settings, SearxngSettings(url="http://searx.test"), None, api.client())
    desk = Desk(
        settings=settings,
        llm=ScriptedLLM(),
        embedder=HashingEmbedder(),
        searchers=[searx],
        store=SQLiteStore(settings.db_path),
        fetcher=Fetcher(settings.fetch, connector=RecordingConnector()),
    )
    report = run_check(desk, "Was the Eiffel Tower built for the 1889 World's Fair?").report
    assert report.verdict.label == "supported"
    assert site.url("/tower") in {s.url for s in report.sources}
    statuses = {p.url: p.status for p in report.method.pages}
    assert statuses == {
        site.url("/tower"): "fetched",
        site.url("/private/x"): "robots",
        "http://10.0.0.7/intranet": "refused",
    }
    used = {p.url for p in report.method.passages_considered}
    assert "http://10.0.0.7/intranet" not in used
    assert "fetch" in report.method.timings
    markdown = render(report, "md")
    assert "- Pages read:" in markdown and "robots.txt of" in markdown
    assert "sha256 " in markdown
    assert "<li>Pages read:<ul><li>" in render(report, "html")
    assert {r.url.params["q"] for r in api.requests} == {q.text for q in report.method.queries}
