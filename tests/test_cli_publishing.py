"""The publishing commands as a user runs them: earlier checks first, per-check source
policy options, `factdesk factchecks import|list` (files and a loopback URL through the
guarded fetcher) and `factdesk inbox`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests import test_cli
from tests.test_cli import QUESTION, assert_clean_error, factdesk
from tests.test_publishing_desk import REVIEW
from tests.websites import Site

from factdesk.published import Suggestion
from factdesk.store.sqlite import SQLiteStore

env = test_cli.env
corpus = test_cli.corpus


@pytest.fixture
def indexed(env, corpus):
    assert factdesk(env, "ingest", str(corpus)).returncode == 0
    return env


def test_an_earlier_check_is_shown_and_fresh_checks_again(indexed):
    first = factdesk(indexed, "check", QUESTION, "--format", "json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    again = factdesk(indexed, "check", QUESTION.lower(), "--format", "json")
    assert again.returncode == 0, again.stderr
    assert "Already checked on" in again.stderr and "showing it" in again.stderr
    assert json.loads(again.stdout)["id"] == report["id"]
    fresh = factdesk(indexed, "check", QUESTION, "--fresh", "--format", "json")
    assert "Already checked" not in fresh.stderr
    assert json.loads(fresh.stdout)["id"] != report["id"]


def test_an_old_earlier_check_is_refreshed(indexed):
    factdesk(indexed, "check", QUESTION)
    old = {**indexed, "FACTDESK_EARLIER__REUSE_MAX_AGE_DAYS": "0"}
    again = factdesk(old, "check", QUESTION, "--format", "json")
    assert again.returncode == 0, again.stderr
    assert "refreshing it" in again.stderr
    listed = factdesk(indexed, "list")
    assert listed.stdout.count("supported") == 2  # two checks, one page with two versions


def test_source_policy_options_reach_the_method(indexed):
    done = factdesk(
        indexed,
        "check",
        QUESTION,
        "--deny",
        "wikipedia.org",
        "--prefer",
        "who.int",
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    method = json.loads(done.stdout)["method"]
    assert method["source_policy"]["deny"] == ["wikipedia.org"]
    assert method["source_policy"]["priority"] == ["who.int"]
    assert "Already checked" not in done.stderr
    bad = factdesk(indexed, "check", QUESTION, "--deny", "http://nope/")
    assert_clean_error(bad, 2, "not a domain name")


@pytest.fixture
def site():
    s = Site("127.0.0.1")
    s.add("/reviews.jsonld", json.dumps([REVIEW]), content_type="application/ld+json")
    s.add(
        "/article",
        '<html><head><script type="application/ld+json">'
        + json.dumps(REVIEW | {"url": "https://www.politifact.com/other/"})
        + "</script></head><body>An article.</body></html>",
    )
    s.add("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    yield s
    s.close()


def test_fact_checks_are_imported_from_files_and_urls(env, site, tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps({"@type": "DataFeed", "dataFeedElement": [REVIEW]}))
    web = {**env, "FACTDESK_FETCH__ALLOW_HOSTS": '["127.0.0.1"]'}
    done = factdesk(web, "factchecks", "import", str(path), site.url("/reviews.jsonld"))
    assert done.returncode == 0, done.stderr
    assert "Imported 2 fact-check(s); the collection holds 1." in done.stderr  # one review twice
    page = factdesk(web, "factchecks", "import", site.url("/article"))
    assert "the collection holds 2" in page.stderr
    listed = factdesk(env, "factchecks", "list")
    assert listed.stdout.count("PolitiFact") == 2


def test_a_private_address_is_refused_without_being_requested(env, site):
    done = factdesk(env, "factchecks", "import", site.url("/reviews.jsonld"))
    assert done.returncode == 2
    assert "Skipped:" in done.stderr and "Traceback" not in done.stderr
    assert "/reviews.jsonld" not in site.requests


def test_the_inbox_lists_suggestions_newest_first(env):
    store = SQLiteStore(Path(env["FACTDESK_HOME"]) / "factdesk.sqlite3")
    for number, kind in enumerate(("claim", "correction")):
        store.inbox.add(
            Suggestion(
                id=f"s{number}",
                kind=kind,
                text=f"[red]suggestion {number}[/red]",
                created_at=datetime(2026, 1, number + 1, tzinfo=UTC),
            )
        )
    store.close()
    shown = factdesk(env, "inbox")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.index("suggestion 1") < shown.stdout.index("suggestion 0")
    assert "[red]suggestion 0[/red]" in shown.stdout  # markup is shown, not interpreted
    claims = factdesk(env, "inbox", "--kind", "claim")
    assert "suggestion 0" in claims.stdout and "suggestion 1" not in claims.stdout
    assert_clean_error(factdesk(env, "inbox", "--kind", "rumour"), 2, "Unknown kind")
