"""`factdesk ingest URL...` and `--feed` as a user runs them, against a loopback site."""

from pathlib import Path

import pytest
from tests import test_cli
from tests.test_cli import assert_clean_error, factdesk
from tests.websites import Site

from factdesk.backends.embed.hashing import HashingEmbedder
from factdesk.backends.search.local import LocalIndex

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Example Chronicle</title><link>{base}/</link><description>News</description>
<item><title>How the tower was built</title><link>{base}/news/tower</link>
<pubDate>Sun, 14 Mar 2021 09:30:00 GMT</pubDate><description>Construction story.</description>
</item>
<item><title>Members-only memo on glaciers</title><link>{base}/private/memo</link>
<pubDate>Mon, 15 Mar 2021 10:00:00 GMT</pubDate>
<description>&lt;p&gt;Glaciers in the Alps lost a tenth of their volume in two years.&lt;/p&gt;
</description>
</item>
<item><title>Internal</title><link>http://10.0.0.9/internal</link></item>
</channel></rss>"""


env = test_cli.env  # the CLI tests' environment: temporary home, scripted LLM


@pytest.fixture
def site():
    s = Site("127.0.0.1")
    s.page("/news/tower", "article.html")
    s.page("/private/memo", "article.html")
    s.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    s.add("/feed.xml", RSS.format(base=s.url("")), content_type="application/rss+xml")
    yield s
    s.close()


@pytest.fixture
def web_env(env):
    return {**env, "FACTDESK_FETCH__ALLOW_HOSTS": '["127.0.0.1"]'}


def _index(env):
    return LocalIndex(Path(env["FACTDESK_HOME"]) / "index.sqlite3", HashingEmbedder())


def test_ingest_url_adds_the_page_with_its_metadata(web_env, site):
    result = factdesk(web_env, "ingest", site.url("/news/tower"))
    assert result.returncode == 0, result.stderr
    assert "1 document(s)" in result.stderr
    [hit] = _index(web_env).search("puddled iron rivets", 1)
    assert hit.passage.url == site.url("/news/tower")
    assert hit.passage.title == "How the Eiffel Tower was built"
    assert str(hit.passage.published) == "2021-03-14"
    assert hit.passage.outlet == "The Example Chronicle"


def test_ingest_feed_reads_entries_and_falls_back_to_the_feed_text(web_env, site):
    result = factdesk(web_env, "ingest", "--feed", site.url("/feed.xml"))
    assert_clean_error(result, 2, "10.0.0.9, a private address")
    assert "Note:" in result.stderr and "robots.txt" in result.stderr
    assert "2 document(s)" in result.stderr
    assert "/private/memo" not in site.requests
    index = _index(web_env)
    memo = index.search("glaciers Alps volume", 1)[0].passage
    assert memo.title == "Members-only memo on glaciers" and "<p>" not in memo.text
    assert str(memo.published) == "2021-03-15"
    assert index.document_count() == 2


def test_private_and_non_http_targets_are_one_sentence_errors(env, site):
    refused = factdesk(env, "ingest", site.url("/news/tower"))  # no allow-list here
    assert_clean_error(refused, 2, "127.0.0.1, a loopback address; add it to")
    assert site.requests == []
    assert_clean_error(factdesk(env, "ingest", "ftp://example.org/x"), 2, "not an http(s) URL")
    assert_clean_error(factdesk(env, "ingest", "--feed", "feed.xml"), 2, "not an http(s) feed")


def test_a_page_that_is_not_a_feed_is_named(web_env, site):
    result = factdesk(web_env, "ingest", "--feed", site.url("/news/tower"))
    assert_clean_error(result, 2, "is not an RSS or Atom feed")


def test_a_web_backend_without_its_key_is_a_config_error(env):
    env = {**env, "FACTDESK_SEARCH__BACKENDS": '["local", "brave"]'}
    result = factdesk(env, "check", "Was the Eiffel Tower built in 1889?")
    assert_clean_error(result, 2, "set FACTDESK_BACKENDS__BRAVE__API_KEY")


def test_odd_ipv4_spellings_are_refused_one_by_one(web_env, site):
    result = factdesk(
        web_env, "ingest", "http://0177.0.0.1/", "http://127.000.000.001/", site.url("/news/tower")
    )
    assert_clean_error(result, 2, "http://0177.0.0.1/ is not a valid URL")
    assert "http://127.000.000.001/ is not a valid URL" in result.stderr
    assert "1 document(s)" in result.stderr


def test_an_upper_case_scheme_is_still_http(web_env, site):
    result = factdesk(web_env, "ingest", site.url("/news/tower").replace("http://", "HTTP://"))
    assert result.returncode == 0, result.stderr
    assert "1 document(s)" in result.stderr
