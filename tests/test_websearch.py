"""Web search backends at the transport: each API's documented request and response shape."""

import json

import httpx
import pytest

from factdesk.backends.search.apis import (
    BraveSearch,
    BraveSettings,
    SearxngSearch,
    SearxngSettings,
    TavilySearch,
    TavilySettings,
)
from factdesk.backends.search.ddgs import DdgsSearch, DdgsSettings
from factdesk.backends.webcache import WebCache
from factdesk.errors import ConfigError, SearchError, SearchUnreachableError
from factdesk.pipeline import Desk
from factdesk.pipeline.search import search
from factdesk.plugins import BuildContext, build, search_backend_names
from factdesk.records import SearchQuery
from factdesk.settings import SearchSettings, Settings

SEARX = SearxngSettings(url="http://searx.test:8888")
BRAVE_KEY = BraveSettings(api_key="brave-key", url="http://brave.test/res/v1/web/search")
TAVILY_KEY = TavilySettings(api_key="tvly-key", url="http://tavily.test/search")
DDGS = DdgsSettings()
WEB_SEARCH = SearchSettings(backends=["local", "web"])

SEARXNG = {  # GET /search?format=json, as a SearXNG instance answers
    "query": "eiffel tower 1889",
    "number_of_results": 0,
    "results": [
        {
            "url": "https://www.reuters.com/world/europe/eiffel-tower-history/?utm_source=x",
            "title": "Eiffel Tower history",
            "content": "The tower was built for the 1889 World&#x27;s Fair.",
            "engine": "bing",
            "parsed_url": ["https", "www.reuters.com", "/world/europe/eiffel-tower-history/"],
            "template": "default.html",
            "engines": ["bing", "duckduckgo"],
            "positions": [1, 2],
            "publishedDate": "2024-05-01T10:00:00",
            "score": 4.0,
            "category": "general",
        },
        {
            "url": "https://reuters.com/world/europe/eiffel-tower-history",
            "title": "duplicate spelling of the same page",
            "content": "",
            "engine": "google",
            "engines": ["google"],
            "positions": [3],
            "publishedDate": None,
            "score": 1.0,
            "category": "general",
        },
        {
            "url": "https://blog.example.net/tower",
            "title": "My trip",
            "content": "We climbed it.",
            "engine": "bing",
            "engines": ["bing"],
            "positions": [4],
            "score": 0.5,
            "category": "general",
        },
    ],
    "answers": [],
    "corrections": [],
    "infoboxes": [],
    "suggestions": ["eiffel tower height"],
    "unresponsive_engines": [["qwant", "timeout"]],
}
BRAVE = {  # GET /res/v1/web/search
    "type": "search",
    "query": {"original": "eiffel tower 1889", "more_results_available": True},
    "web": {
        "type": "search",
        "results": [
            {
                "title": "Eiffel Tower - Wikipedia",
                "url": "https://en.wikipedia.org/wiki/Eiffel_Tower",
                "is_source_local": False,
                "is_source_both": False,
                "description": "The <strong>Eiffel Tower</strong> was built for the 1889 fair.",
                "page_age": "2024-06-01T12:00:00",
                "profile": {"name": "Wikipedia", "url": "https://en.wikipedia.org"},
                "language": "en",
                "family_friendly": True,
                "type": "search_result",
                "meta_url": {"scheme": "https", "hostname": "en.wikipedia.org"},
                "extra_snippets": ["It is 330 metres tall."],
            }
        ],
        "family_friendly": True,
    },
}
TAVILY = {  # POST /search
    "query": "eiffel tower 1889",
    "answer": None,
    "images": [],
    "results": [
        {
            "title": "Eiffel Tower | Britannica",
            "url": "https://www.britannica.com/topic/Eiffel-Tower-Paris-France",
            "content": "Eiffel Tower, Parisian landmark built for the 1889 Exposition.",
            "score": 0.81025416,
            "raw_content": None,
        }
    ],
    "response_time": "1.67",
}


class API:
    """Queued replies per path on an httpx MockTransport; records every request."""

    def __init__(self):
        self.replies: dict[str, list] = {}
        self.requests: list[httpx.Request] = []

    def reply(self, path, *responses):
        self.replies.setdefault(path, []).extend(responses)

    def handler(self, request):
        self.requests.append(request)
        queue = self.replies.get(request.url.path, [])
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        status, body, headers = item if len(item) == 3 else (*item, {})
        content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        return httpx.Response(status, content=content, headers=headers)

    def client(self):
        return httpx.Client(transport=httpx.MockTransport(self.handler))


@pytest.fixture
def api():
    return API()


@pytest.fixture
def web_settings(settings):
    return Settings(
        home=settings.home,
        llm={"backend": "scripted"},
        embedder={"backend": "hashing"},
        websearch={"backoff_s": 0.5},
        backends={
            "searxng": {"url": "http://searx.test:8888"},
            "brave": {"api_key": "brave-key", "url": "http://brave.test/res/v1/web/search"},
            "tavily": {"api_key": "tvly-key", "url": "http://tavily.test/search"},
        },
    )


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def test_searxng_results_become_deduplicated_snippet_hits(api, web_settings):
    api.reply("/search", (200, SEARXNG))
    hits = SearxngSearch(web_settings, SEARX, None, api.client()).search("eiffel tower 1889", 10)
    request = api.requests[0]
    assert (request.url.host, request.url.path) == ("searx.test", "/search")
    assert request.url.params["format"] == "json" and request.url.params["q"] == "eiffel tower 1889"
    assert [h.passage.url for h in hits] == [
        SEARXNG["results"][0]["url"],
        "https://blog.example.net/tower",
    ]
    first = hits[0]
    assert first.snippet and first.backend == "searxng" and first.rank == 0
    assert first.passage.doc_id == "https://reuters.com/world/europe/eiffel-tower-history"
    assert first.passage.text == "The tower was built for the 1889 World's Fair."
    assert (first.passage.outlet, first.passage.source_type) == ("Reuters", "news")
    assert str(first.passage.published) == "2024-05-01"


def test_searxng_without_json_format_says_how_to_enable_it(api, web_settings):
    api.reply("/search", (403, "<html>Forbidden</html>", {"content-type": "text/html"}))
    with pytest.raises(SearchError, match="add `json` to search.formats"):
        SearxngSearch(web_settings, SEARX, None, api.client()).search("q", 5)


def test_brave_request_and_response(api, web_settings):
    api.reply("/res/v1/web/search", (200, BRAVE))
    [hit] = BraveSearch(web_settings, BRAVE_KEY, None, api.client()).search("eiffel tower 1889", 50)
    request = api.requests[0]
    assert request.headers["X-Subscription-Token"] == "brave-key"
    assert request.headers["Accept"] == "application/json"
    assert request.url.params["count"] == "20"  # Brave's maximum
    assert (
        hit.passage.text == "The Eiffel Tower was built for the 1889 fair. It is 330 metres tall."
    )
    assert (hit.passage.outlet, hit.passage.source_type) == ("Wikipedia", "encyclopedia")
    assert str(hit.passage.published) == "2024-06-01"


def test_tavily_request_and_response(api, web_settings):
    api.reply("/search", (200, TAVILY))
    [hit] = TavilySearch(web_settings, TAVILY_KEY, None, api.client()).search(
        "eiffel tower 1889", 5
    )
    request = api.requests[0]
    assert request.method == "POST"
    assert request.headers["Authorization"] == "Bearer tvly-key"
    body = json.loads(request.content)
    assert body["query"] == "eiffel tower 1889" and body["max_results"] == 5
    assert body["include_answer"] is False
    assert hit.passage.outlet == "Encyclopaedia Britannica"


def test_rate_limits_and_server_errors_are_retried_with_backoff(api, web_settings):
    api.reply(
        "/search",
        (429, {"error": "slow down"}, {"Retry-After": "2"}),
        (503, "busy"),
        (200, SEARXNG),
    )
    sleeps = Sleeps()
    hits = SearxngSearch(web_settings, SEARX, None, api.client(), sleep=sleeps).search("q", 5)
    assert len(hits) == 2 and len(api.requests) == 3
    assert sleeps == [2.0, 1.0]  # Retry-After first, then backoff_s * 2


def test_retries_give_up_and_client_errors_are_not_retried(api, web_settings):
    api.reply("/search", (503, "busy"))
    sleeps = Sleeps()
    with pytest.raises(SearchError, match="HTTP 503"):
        TavilySearch(web_settings, TAVILY_KEY, None, api.client(), sleep=sleeps).search("q", 5)
    assert len(api.requests) == 3 and sleeps == [0.5, 1.0]
    api.replies["/search"] = [(401, {"detail": {"error": "Unauthorized"}})]
    with pytest.raises(SearchError, match="HTTP 401"):
        TavilySearch(web_settings, TAVILY_KEY, None, api.client(), sleep=sleeps).search("q", 5)
    assert len(api.requests) == 4


def test_missing_keys_and_urls_are_config_errors(settings, api):
    context = BuildContext(settings, shared={"http": api.client()})
    with pytest.raises(ConfigError, match="FACTDESK_BACKENDS__BRAVE__API_KEY"):
        build("search", "brave", context)
    with pytest.raises(ConfigError, match="FACTDESK_BACKENDS__TAVILY__API_KEY"):
        build("search", "tavily", context)
    with pytest.raises(ConfigError, match="FACTDESK_BACKENDS__SEARXNG__URL"):
        build("search", "searxng", context)


def test_backends_built_through_the_registry_share_the_given_http_client(api, web_settings):
    api.reply("/search", (200, SEARXNG))
    context = BuildContext(web_settings, shared={"http": api.client()})
    searx = build("search", "searxng", context)
    assert isinstance(searx, SearxngSearch)
    assert searx.search("eiffel tower 1889", 10)
    assert api.requests[0].url.host == "searx.test"


def test_search_results_are_cached_with_a_ttl(api, web_settings, tmp_path):
    now = [1000.0]
    cache = WebCache(tmp_path / "c.sqlite3", clock=lambda: now[0])
    api.reply("/search", (200, SEARXNG))
    backend = SearxngSearch(web_settings, SEARX, cache, api.client())
    first = backend.search("eiffel", 10)
    assert backend.search("eiffel", 10) == first
    assert len(api.requests) == 1
    backend.search("other query", 10)
    assert len(api.requests) == 2
    now[0] += web_settings.websearch.cache_ttl_s + 1
    backend.search("eiffel", 10)
    assert len(api.requests) == 3


def test_a_failing_backend_is_reported_while_others_succeed(api, web_settings, index):
    api.reply("/search", (500, "internal error"))
    api.reply("/res/v1/web/search", (200, BRAVE))
    backends = [
        index,
        SearxngSearch(web_settings, SEARX, None, api.client(), sleep=Sleeps()),
        BraveSearch(web_settings, BRAVE_KEY, None, api.client()),
    ]
    found = search(backends, [SearchQuery(text="Eiffel Tower 1889")], 10)
    assert found.backends == ["local", "searxng", "brave"]
    assert len(found.errors) == 1 and found.errors[0].startswith("searxng: ")
    assert {h.backend for h in found.hits} == {"local", "brave"}


def test_no_network_is_said_and_the_local_index_is_used(api, web_settings, index):
    api.reply("/search", httpx.ConnectError("[Errno -3] Temporary failure in name resolution"))
    api.reply("/res/v1/web/search", httpx.ConnectError("Network is unreachable"))
    searx = SearxngSearch(web_settings, SEARX, None, api.client(), sleep=Sleeps())
    with pytest.raises(SearchUnreachableError):
        searx.search("q", 5)
    brave = BraveSearch(web_settings, BRAVE_KEY, None, api.client(), sleep=Sleeps())
    found = search([index, searx, brave], [SearchQuery(text="Eiffel Tower")], 5)
    assert found.hits and {h.backend for h in found.hits} == {"local"}
    assert found.errors[-1] == (
        "no network: no web search backend could be reached, so this check used only "
        "the local index"
    )


class FakeDDGS:
    """Stands in for ddgs.DDGS: the `text` results are shaped as ddgs returns them."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def text(self, query, **kwargs):
        self.calls.append((query, kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_ddgs_results_retry_on_rate_limit_and_accept_no_results(web_settings):
    from ddgs.exceptions import DDGSException, RatelimitException

    results = [
        {"title": "Eiffel Tower", "href": "https://www.toureiffel.paris/en", "body": "Official."}
    ]
    engine = FakeDDGS(
        RatelimitException("202 Ratelimit"), results, DDGSException("No results found.")
    )
    sleeps = Sleeps()
    backend = DdgsSearch(web_settings, DDGS, None, engine, sleep=sleeps)
    [hit] = backend.search("eiffel", 10)
    assert hit.passage.url == "https://www.toureiffel.paris/en" and hit.backend == "ddgs"
    assert sleeps == [0.5]
    assert engine.calls[0][1]["max_results"] == 10
    assert backend.search("nothing at all", 10) == []


def test_ddgs_connection_failures_count_as_no_network(web_settings):
    from ddgs.exceptions import DDGSException

    offline = FakeDDGS(DDGSException("error sending request: dns error: failed to lookup"))
    with pytest.raises(SearchUnreachableError):
        DdgsSearch(web_settings, DDGS, None, offline).search("q", 5)
    broken = FakeDDGS(DDGSException("unexpected markup"))
    with pytest.raises(SearchError) as raised:
        DdgsSearch(web_settings, DDGS, None, broken).search("q", 5)
    assert not isinstance(raised.value, SearchUnreachableError)


def test_web_expands_to_configured_backends_or_ddgs(settings, web_settings):
    assert search_backend_names(settings.model_copy(update={"search": WEB_SEARCH})) == [
        "local",
        "ddgs",
    ]
    both = web_settings.model_copy(
        update={"search": WEB_SEARCH.model_copy(update={"backends": ["web", "local", "brave"]})}
    )
    assert search_backend_names(both) == ["brave", "searxng", "tavily", "local"]


def test_the_web_preset_builds_ddgs_and_a_fetcher(settings):
    desk = Desk.from_settings(
        Settings(
            preset="web",
            home=settings.home,
            llm={"backend": "scripted"},
            embedder={"backend": "hashing"},
        )
    )
    assert [s.name for s in desk.searchers] == ["factchecks", "local", "ddgs"]
    assert desk.fetcher is not None
    local_only = Desk.from_settings(settings)
    assert local_only.fetcher is None


def test_web_preset_and_env_configuration(monkeypatch, settings):
    monkeypatch.setenv("FACTDESK_PRESET", "web")
    monkeypatch.setenv("FACTDESK_BACKENDS__BRAVE__API_KEY", "brave-secret-123")
    monkeypatch.setenv("FACTDESK_FETCH__ALLOW_HOSTS", '["10.0.0.0/8", "Intranet.Test"]')
    configured = Settings()
    assert configured.search.backends == ["factchecks", "local", "web"]
    assert configured.backends["brave"]["api_key"].get_secret_value() == "brave-secret-123"
    assert search_backend_names(configured) == ["factchecks", "local", "brave"]
    assert configured.fetch.allow_hosts == ["10.0.0.0/8", "intranet.test"]
    assert "brave-secret-123" not in configured.model_dump_json()
    with pytest.raises(ValueError, match="neither a host name nor a network"):
        Settings(fetch={"allow_hosts": ["http://bad/"]})
