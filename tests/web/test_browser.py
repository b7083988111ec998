"""The web app in a real browser: Playwright driving Debian's chromium, scripted LLM.

Each test serves a fresh app with uvicorn on 127.0.0.1 and fails on any console error,
so a script or style the Content-Security-Policy blocks shows up as a failure.
Without chromium these tests skip, unless FACTDESK_REQUIRE_BROWSER=1 (as in CI).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator

import httpx
import pytest
from tests.web.webtools import CHROMIUM_ARGS, EXPO, QUESTION, gate

from factdesk.web import create_app
from factdesk.web.server import serve_in_thread

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("FACTDESK_CHROMIUM", "/usr/bin/chromium")


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not shutil.which(CHROMIUM):
        return f"no chromium at {CHROMIUM} (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    missing = _missing_browser()
    if missing:
        if os.environ.get("FACTDESK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"FACTDESK_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=shutil.which(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def site(desk) -> Iterator[str]:
    with serve_in_thread(create_app(desk)) as url:
        yield url


@pytest.fixture
def console() -> list[str]:
    return []


@pytest.fixture
def page(browser, site, console):
    context = browser.new_context(base_url=site)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    tab.on("pageerror", lambda error: console.append(str(error)))
    yield tab
    context.close()
    assert console == [], console


def _publish(site: str, question: str = QUESTION) -> str:
    """A finished report's URL, made through the API."""
    job = httpx.post(f"{site}/api/checks", json={"question": question}, timeout=30).json()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        view = httpx.get(f"{site}/api/checks/{job['id']}", timeout=30).json()
        if view["status"] == "done":
            return f"{site}{view['url']}"
        assert view["status"] in ("queued", "running"), view
        time.sleep(0.05)
    raise AssertionError("the check did not finish")


def test_ask_a_question_watch_its_progress_and_read_the_report(page, llm):
    from playwright.sync_api import expect

    release = gate(llm, "followup")
    page.goto("/")
    page.fill("#question", QUESTION)
    page.click("text=Check it")
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]{12}$"))
    expect(page.locator('li[data-stage="ground"]')).to_have_class("finished")
    expect(page.locator('li[data-stage="followup"]')).to_have_class("started")
    expect(page.locator(".job-status")).to_have_text("Working…")
    expect(page.locator('li[data-stage="ground"] .stage-note')).to_contain_text("verified")
    release.set()
    page.wait_for_url(re.compile(r"/fact-checks/other/was-the-eiffel-tower-built-for-the-1889"))
    expect(page.locator("h1")).to_have_text(QUESTION)
    expect(page.locator(".verdict-label")).to_have_text("Verdict: Supported")
    expect(page.locator("ol.sources > li").first).to_contain_text("Wikipedia")
    expect(page.locator("ul.followups button")).to_have_count(3)
    expect(page.locator("details.method")).not_to_have_attribute("open", "")


def test_a_citation_link_jumps_to_its_numbered_source(page, site):
    from playwright.sync_api import expect

    page.goto(_publish(site))
    citation = page.locator("a.cite").first
    number = citation.inner_text().strip("[]")
    citation.click()
    assert page.url.endswith(f"#source-{number}")
    assert page.evaluate("document.querySelector(':target').id") == f"source-{number}"
    expect(page.locator(f"#source-{number}")).to_be_in_viewport()


def test_clicking_a_follow_up_question_starts_a_new_check(page, site):
    from playwright.sync_api import expect

    first = _publish(site)
    page.goto(first)
    followup = page.locator("ul.followups button").first
    question = followup.inner_text()
    followup.click()
    page.wait_for_url(lambda url: "/fact-checks/" in url and url != first)
    expect(page.locator("h1")).to_have_text(question)
    listed = httpx.get(f"{site}/api/checks", timeout=30).json()
    assert sorted(i["question"] for i in listed["items"]) == sorted([QUESTION, question])


def test_refreshing_a_report_shows_what_changed(page, site, llm, index):
    from playwright.sync_api import expect

    report_url = _publish(site)
    index.add([EXPO])  # a new source appears before the refresh
    release = gate(llm, "followup")
    page.goto(report_url)
    expect(page.locator("#changes")).to_have_count(0)
    page.click("text=Refresh this check")
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]{12}$"))
    expect(page.locator(".muted").first).to_contain_text("Refreshing this report")
    release.set()
    page.wait_for_url(report_url)
    expect(page.locator(".meta")).to_contain_text("version 2 of 2")
    expect(page.locator("#changes")).to_contain_text("New source: Exposition Universelle (1889)")
    expect(page.locator("ol.sources")).to_contain_text("Exposition Universelle (1889)")
    page.click(".versions >> text=1")
    expect(page.locator(".banner")).to_contain_text("You are reading version 1")
    expect(page.locator("ol.sources")).not_to_contain_text("Exposition Universelle")


def test_a_script_injected_in_a_source_title_or_question_does_not_run(page, site, index):
    from playwright.sync_api import expect

    hostile_title = (
        'Eiffel Tower <script>window.pwned = "title"</script>'
        '"><img src=x onerror="window.pwned = \'attribute\'">'
    )
    index.add([EXPO.model_copy(update={"id": "hostile", "title": hostile_title, "url": ""})])
    question = f'{QUESTION} "><script>window.pwned = "question"</script>'
    page.goto(_publish(site, question))
    assert page.evaluate("window.pwned") is None
    expect(page.locator("img")).to_have_count(0)
    expect(page.locator("ol.sources")).to_contain_text('<script>window.pwned = "title"</script>')
    expect(page.locator("h1")).to_contain_text('<script>window.pwned = "question"</script>')
    for path in ("/", "/fact-checks?q=eiffel"):
        page.goto(path)
        expect(page.locator("li.summary").first).to_contain_text("<script>")
        assert page.evaluate("window.pwned") is None


def test_the_search_box_updates_results_as_you_type(page, site):
    from playwright.sync_api import expect

    _publish(site)
    _publish(site, "Does photosynthesis release oxygen?")
    page.goto("/fact-checks")
    expect(page.locator("#results li.summary")).to_have_count(2)
    page.locator("form.filter input[name=q]").press_sequentially("photosynthesis", delay=20)
    expect(page.locator("#results li.summary")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Does photosynthesis release oxygen?")
    assert "q=photosynthesis" in page.url  # htmx pushed the search into the address bar


def test_a_source_links_to_its_archived_copy(page, site):
    from playwright.sync_api import expect

    page.goto(_publish(site))
    first = page.locator("ol.sources > li").first
    expect(first.locator(".tier")).to_have_text("editorial")
    first.locator("a.archived").click()
    page.wait_for_url(re.compile(r"/archive/[0-9a-f]{64}$"))
    expect(page.locator("h1")).to_have_text("Archived copy")
    expect(page.locator("pre.archived-text")).to_contain_text("Eiffel Tower")
    sha = page.url.rsplit("/", 1)[1]
    expect(page.locator("code.sha").first).to_have_text(sha)


def test_a_refresh_that_changes_the_verdict_shows_a_correction(page, site, llm):
    from playwright.sync_api import expect

    report_url = _publish(site)
    llm._choices["stance"] = {"Yes": 0.02, "No": 0.95, "Unclear": 0.03}
    llm._choices["judge"] = {"True": 0.02, "False": 0.9, "Mixed": 0.03, "Unknown": 0.05}
    page.goto(report_url)
    expect(page.locator("#corrections")).to_have_count(0)
    page.click("text=Refresh this check")
    page.wait_for_url(report_url)
    expect(page.locator(".verdict-label")).to_have_text("Verdict: Refuted")
    note = page.locator("#corrections li.correction")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("changed the verdict from Supported to Refuted")
    page.click("header.site >> text=Corrections")
    page.wait_for_url(re.compile(r"/corrections$"))
    entry = page.locator("ul.corrections-list li.correction")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Supported → Refuted")
    entry.locator("a").first.click()
    page.wait_for_url(report_url)


def test_a_reader_suggests_a_correction(page, site, desk):
    from playwright.sync_api import expect

    page.goto(_publish(site))
    page.click("text=Suggest a correction")
    page.fill("#suggest-text", "The tower opened to the public on 15 May 1889.")
    page.fill("#suggest-url", "https://example.org/opening")
    page.click("text=Send suggestion")
    page.wait_for_url(re.compile(r"\?suggested=1#suggest$"))
    expect(page.locator(".thanks")).to_contain_text("your suggestion reached the editors")
    page.goto("/submit")
    page.fill("#claim-text", "Bats are blind.")
    page.click("text=Send claim")
    expect(page.locator(".thanks")).to_contain_text("the editors will see your claim")
    stored = desk.store.inbox.recent()
    assert [(s.kind, s.text) for s in stored] == [
        ("claim", "Bats are blind."),
        ("correction", "The tower opened to the public on 15 May 1889."),
    ]
    assert stored[1].source_url == "https://example.org/opening"
