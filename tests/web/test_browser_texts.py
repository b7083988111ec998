"""A whole text in a real browser (Playwright, Debian's chromium, scripted model): paste
it, watch its claims appear as they are checked, follow a highlight to its verdict."""

from __future__ import annotations

import re

import pytest
from tests.web.test_browser import browser, console, page, site  # noqa: F401
from tests.web.webtools import gate

pytestmark = pytest.mark.browser
TEXT = (
    "Good evening, everyone. The Eiffel Tower was built for the 1889 World's Fair. "
    "I think it is wonderful. Gustave Eiffel's company designed and built the Eiffel Tower."
)


def test_paste_a_text_watch_its_claims_and_follow_a_highlight(page, llm):  # noqa: F811
    from playwright.sync_api import expect

    page.set_default_timeout(60_000)  # a whole text is slower than one question
    release = gate(llm, "section")  # each claim's check waits here until released
    page.goto("/")
    page.fill("#text", TEXT)
    page.click("text=Check the text")
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]{12}$"))
    expect(page.locator("p.muted").first).to_contain_text("Checking the claims of this text")
    expect(page.locator('li[data-stage="extract"]')).to_have_class("finished")
    expect(page.locator('li[data-stage="extract"] .stage-note')).to_contain_text(
        "4 statements, 2 to check"
    )
    expect(page.locator('li[data-stage="claim 2"]')).to_have_class("started")
    release.set()
    page.wait_for_url(re.compile(r"/texts/[0-9a-f]{10}$"), timeout=120_000)
    marks = page.locator("a.claim-mark")
    expect(marks).to_have_count(4)
    expect(page.locator("a.claim-mark.supported")).to_have_count(2)
    expect(page.locator("a.claim-mark.unchecked").first).to_have_text("Good evening, everyone.")
    highlight = page.locator('a.claim-mark[href="#claim-4"]')
    highlight.click()
    assert page.url.endswith("#claim-4")
    assert page.evaluate("document.querySelector(':target').id") == "claim-4"
    target = page.locator("#claim-4")
    expect(target).to_be_in_viewport()
    expect(target.locator(".claim-verdict")).to_contain_text("Verdict: Supported")
    citation = target.locator("a.cite").first
    number = citation.inner_text().strip("[]")
    citation.click()
    expect(page.locator(f"#source-{number}")).to_be_in_viewport()
    expect(page.locator(f"#source-{number}")).to_contain_text("Eiffel")


def test_hostile_text_stays_text_in_the_browser(page, site):  # noqa: F811
    import httpx
    from playwright.sync_api import expect

    hostile = (
        "The Eiffel Tower was built for the 1889 World's Fair. "
        '<script>window.pwned = "script"</script> '
        '"><img src=x onerror="window.pwned = \'attribute\'">'
    )
    page.set_default_timeout(60_000)
    job = httpx.post(f"{site}/api/checks", json={"text": hostile}, timeout=30).json()
    page.goto(f"/jobs/{job['id']}")
    page.wait_for_url(re.compile(r"/texts/[0-9a-f]{10}$"), timeout=120_000)
    assert page.evaluate("window.pwned") is None
    expect(page.locator("img")).to_have_count(0)
    expect(page.locator("#original")).to_contain_text('<script>window.pwned = "script"</script>')
    expect(page.locator("table.claims")).to_contain_text("<img src=x")
