"""bench/text_bench.py: its fixture server and article, and a dry run end to end."""

import subprocess
import sys
from pathlib import Path

import httpx

BENCH = Path(__file__).parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import text_bench  # noqa: E402


def test_the_fixture_server_serves_the_article_and_allows_robots():
    with text_bench.article_server() as url:
        assert url.startswith("http://127.0.0.1:")
        page = httpx.get(url)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "Racing for the Moon" in page.text
        origin = url.removesuffix(text_bench.ARTICLE_PATH)
        assert httpx.get(origin + "/robots.txt").text.startswith("User-agent: *\nAllow: /")
        assert httpx.get(origin + "/elsewhere").status_code == 404


def test_the_article_is_long_enough_and_its_main_text_is_read():
    from factdesk.extract import extract_html

    found = extract_html(text_bench.ARTICLE.read_bytes(), "", "article")
    assert len(found.text.split()) >= 1500
    assert "Home | About" not in found.text and "All rights reserved" not in found.text


def test_help_and_a_dry_run():
    helped = subprocess.run(
        [sys.executable, str(BENCH / "text_bench.py"), "--help"], capture_output=True, text=True
    )
    assert helped.returncode == 0 and "--dry-run" in helped.stdout
    done = subprocess.run(
        [sys.executable, str(BENCH / "text_bench.py"), "--dry-run", "--max-claims", "2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    figures = dict(line.strip().split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    assert int(figures["words"]) >= 1500
    assert int(figures["claims_found"]) > 40 and figures["checked"] == "2"
    assert "opinion" in figures["not_checked"] and "question" in figures["not_checked"]
