"""Server-rendered pages: anatomy, escaping, CSP, canonical URLs, freshness, browsing."""

import re

import pytest
from fastapi.testclient import TestClient
from tests.web.webtools import EXPO, QUESTION, check, wait_for

from factdesk.pipeline import STAGES
from factdesk.records import Document
from factdesk.web import create_app
from factdesk.web.guards import CONTENT_SECURITY_POLICY

HOSTILE = '<script>alert("x")</script>" onmouseover="alert(1)'
HTML = {"accept": "text/html"}


def test_report_page_has_the_full_anatomy(client):
    view = check(client)
    page = client.get(view["url"])
    assert page.status_code == 200
    html = page.text
    report = view["report"]
    for part in (
        f"<h1>{report['title'].replace(chr(39), '&#39;')}</h1>",
        "Checked on ",
        report["disclaimer"],
        "Verdict: Supported",
        f"confidence {report['verdict']['confidence'] * 100:.0f}%",
        "<h2>Executive summary</h2>",
        "<h2>1. ",
        "<h2>Bottom line</h2>",
        "<h2>Sources</h2>",
        'id="source-1"',
        'class="chip supports"',
        "encyclopedia",
        "Wikipedia",
        "<h2>Want to dive deeper?</h2>",
        "<summary>How this report was made</summary>",
        "Grounding: ",
        "Refresh this check",
    ):
        assert part in html, part
    assert re.search(r'<a class="cite" href="#source-1">\[1\]</a>', html)
    followups = re.findall(r'<input type="hidden" name="question" value="([^"]+)">', html)
    assert len(followups) == 3 and all('action="/checks"' in html for _ in followups)
    markdown = client.get(view["url"] + ".md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith(f"# {report['title']}")
    assert client.get(view["url"] + ".json").json() == report


def test_wrong_slug_or_category_redirects_to_the_canonical_url(client):
    view = check(client)
    report_id = view["report_id"]
    wrong_urls = (
        f"/fact-checks/science/anything-{report_id}",
        f"/fact-checks/other/x-{report_id}.md",
    )
    for wrong in wrong_urls:
        moved = client.get(wrong, follow_redirects=False)
        assert moved.status_code == 308
        assert moved.headers["location"].startswith(view["url"])
    assert client.get("/fact-checks/other/x-ffffffffff", headers=HTML).status_code == 404


def test_the_form_redirects_to_progress_and_then_to_the_report(client):
    posted = client.post("/checks", data={"question": QUESTION}, follow_redirects=False)
    assert posted.status_code == 303
    job_url = posted.headers["location"]
    assert job_url.startswith("/jobs/")
    done = wait_for(client, job_url.rsplit("/", 1)[1])
    finished = client.get(job_url, follow_redirects=False)
    assert (finished.status_code, finished.headers["location"]) == (303, done["url"])


def test_progress_page_lists_every_stage_and_points_at_its_event_stream(desk):
    with TestClient(create_app(desk, start_workers=False)) as idle:
        job_url = idle.post("/checks", data={"question": QUESTION}, follow_redirects=False)
        page = idle.get(job_url.headers["location"]).text
    assert 'src="/static/progress.js"' in page and "Waiting for a free worker" in page
    assert re.search(r'data-events="/api/checks/[0-9a-f]{12}/events"', page)
    assert page.count("data-stage=") == len(STAGES)


def test_every_value_from_sources_and_users_is_escaped(desk, client, index):
    index.add(
        [
            Document(
                id="hostile",
                title=f"Eiffel Tower {HOSTILE}",
                text="The Eiffel Tower was built for the 1889 World's Fair in Paris.",
                url="javascript:alert(1)",
                outlet=HOSTILE,
            )
        ]
    )
    view = check(client, f"Was the Eiffel Tower built for the 1889 World's Fair? {HOSTILE}")
    assert any(HOSTILE in s["title"] for s in view["report"]["sources"])
    pages = [
        client.get(view["url"]).text,
        client.get("/").text,
        client.get("/fact-checks", params={"q": "eiffel"}).text,
        client.get("/fact-checks", params={"q": HOSTILE}).text,
        client.get("/", params={"q": HOSTILE}).text,
    ]
    with TestClient(create_app(desk, start_workers=False)) as idle:
        queued = idle.post("/checks", data={"question": HOSTILE + " tower?"})
        pages.append(queued.text)
    assert "Waiting for a free worker" in pages[-1]
    for html in pages:
        assert "<script>alert" not in html
        assert 'onmouseover="alert' not in html
        assert 'href="javascript:' not in html
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#34; onmouseover=&#34;alert(1)" in pages[0]
    )


def test_every_response_carries_a_strict_csp_and_pages_have_no_inline_code(client):
    view = check(client)
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    responses = [
        client.get(view["url"]),
        client.get("/"),
        client.get("/fact-checks"),
        client.get("/api/checks"),
        client.get("/static/htmx.min.js"),
        client.get("/nowhere", headers=HTML),
        client.post("/api/checks", content=b"x" * 20_000),
    ]
    for response in responses:
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
    for html in (r.text for r in responses[:3]):
        # every script is a file; JSON-LD is a data block the browser never runs
        assert not re.search(r'<script(?![^>]*\b(src=|type="application/ld\+json"))', html)
        assert "<style" not in html and " style=" not in html and " on" + "click=" not in html


def test_htmx_is_vendored_with_its_licence(client):
    assert client.get("/static/htmx.min.js").text.startswith("var htmx=")
    assert "Zero-Clause BSD" in client.get("/static/htmx.LICENSE").text
    assert 'src="/static/htmx.min.js"' in client.get("/").text


@pytest.mark.parametrize(("stale_after_days", "banner"), [(0, True), (30, False)])
def test_freshness_banner_follows_the_configured_age(desk, client, stale_after_days, banner):
    desk.settings.server.stale_after_days = stale_after_days
    html = client.get(check(client)["url"]).text
    assert ("This report is 0 days old" in html) is banner
    assert 'action="/refresh/' in html


def test_a_refreshed_page_shows_what_changed_and_keeps_old_versions(client, index):
    first = check(client)
    index.add([EXPO])
    job = client.post(f"/refresh/{first['report_id']}", follow_redirects=False)
    assert job.status_code == 303
    wait_for(client, job.headers["location"].rsplit("/", 1)[1])
    html = client.get(first["url"]).text
    assert "What changed since version 1" in html and "version 2 of 2" in html
    assert "New source: Exposition Universelle (1889)" in html
    old = client.get(first["url"], params={"version": 1}).text
    assert "You are reading version 1" in old and "What changed" not in old


def test_browse_by_category_search_and_pages(desk, client):
    desk.settings.server.page_size = 2
    for n in range(5):
        check(client, f"Was the Eiffel Tower painted in {1900 + n}?")
    check(client, "Does photosynthesis release oxygen?")
    first = client.get("/fact-checks").text
    assert first.count('class="summary"') == 2 and "Page 1 of 3" in first
    assert 'href="/fact-checks?page=2"' in first
    last = client.get("/fact-checks", params={"page": 3}).text
    assert last.count('class="summary"') == 2 and 'rel="prev"' in last
    found = client.get("/fact-checks", params={"q": "photosynthesis oxygen"}).text
    assert "1 result for" in found and "Does photosynthesis release oxygen?" in found
    category = client.get("/fact-checks/other", params={"page": 2}).text
    assert "Other fact-checks" in category and category.count('class="summary"') == 2
    moved = client.get("/fact-checks?category=other&q=tower", follow_redirects=False)
    assert moved.headers["location"] == "/fact-checks/other?q=tower"
    assert client.get("/fact-checks/astrology", headers=HTML).status_code == 404
    home = client.get("/").text
    assert home.count('class="summary"') == 6 and 'href="/fact-checks/other"' in home


def test_browser_errors_are_pages_and_api_errors_are_json(client):
    page = client.post("/checks", data={"question": " "}, headers=HTML)
    assert page.status_code == 422 and "<h1>That did not work</h1>" in page.text
    assert "The question is empty" in page.text
    api = client.post("/checks", data={"question": " "})
    assert api.status_code == 422 and api.json()["error"]["code"] == "invalid_input"
