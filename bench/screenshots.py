"""Screenshots of the web app for the README, taken with Debian's chromium.

    .venv/bin/python bench/screenshots.py                    # scripted demo LLM, small corpus
    .venv/bin/python bench/screenshots.py --url URL --name report-local-model.png
    .venv/bin/python bench/screenshots.py --saved REPORT.json --name report-refuted.png

The first form files a few demo questions with the scripted LLM, refreshes one after a
new source is added, and photographs the home page, a progress page caught mid-check,
and the refreshed report. The second photographs one page of a server that is already
running (`factdesk serve` with a real model, say). The third publishes a report that
bench/report_quality.py saved (written by the local model) and photographs its page.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import CORPUS
from tests.web.webtools import CHROMIUM_ARGS, EXPO, QUESTION, gate

from factdesk.backends.embed.hashing import HashingEmbedder
from factdesk.backends.llm.scripted import ScriptedLLM, understanding_answer
from factdesk.backends.search.local import LocalIndex
from factdesk.pipeline import Desk
from factdesk.protocols import LLMRequest
from factdesk.records import CheckRecord, Report
from factdesk.settings import Settings
from factdesk.store.sqlite import SQLiteStore
from factdesk.web import create_app
from factdesk.web.server import serve_in_thread

OUT = Path(__file__).parent / "results" / "screenshots"
DEMO = {
    "Was the Statue of Liberty's metal framework built by Gustave Eiffel?": "history",
    "Do plants release oxygen during photosynthesis?": "science",
    "Is Minneapolis the largest city in Minnesota?": "politics",
    QUESTION: "history",
}


def _understand(request: LLMRequest) -> str:
    question = request.variables["question"]
    return understanding_answer(question, category=DEMO.get(question, "other"))


def _check(site: str, question: str) -> str:
    """Run a check through the API; return its report's URL."""
    job = httpx.post(f"{site}/api/checks", json={"question": question}, timeout=30).json()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        view = httpx.get(f"{site}/api/checks/{job['id']}", timeout=30).json()
        if view["status"] == "done":
            return f"{site}{view['url']}"
        if view["status"] in ("failed", "interrupted"):
            raise SystemExit(f"the check failed: {view['error']}")
        time.sleep(0.1)
    raise SystemExit("the check did not finish in time")


def _shoot(page: Page, name: str, full_page: bool = False) -> None:
    path = OUT / name
    page.screenshot(path=str(path), full_page=full_page)
    print(f"saved {path}")


def scripted(page: Page) -> None:
    home = Path(tempfile.mkdtemp(prefix="factdesk-shots-"))
    settings = Settings(home=home, llm={"backend": "scripted"}, embedder={"backend": "hashing"})
    index = LocalIndex(settings.index_path, HashingEmbedder())
    index.add(CORPUS)
    llm = ScriptedLLM({"understand": _understand})
    desk = Desk(settings, llm, index.embedder, [index], SQLiteStore(settings.db_path))
    with serve_in_thread(create_app(desk)) as site:
        report_url = ""
        for question in DEMO:
            report_url = _check(site, question)
        index.add([EXPO])
        release = gate(llm, "followup")
        page.goto(report_url)
        page.click("text=Refresh this check")
        page.wait_for_selector('li[data-stage="ground"].finished')
        _shoot(page, "progress.png")
        release.set()
        page.wait_for_url(report_url)
        _shoot(page, "report.png", full_page=True)
        page.goto(f"{site}/")
        _shoot(page, "home.png")


def saved(page: Page, path: Path, name: str) -> None:
    """Publish one saved report in a throw-away desk and photograph its page."""
    report = Report.model_validate(json.loads(path.read_text(encoding="utf-8"))["report"])
    home = Path(tempfile.mkdtemp(prefix="factdesk-shots-"))
    settings = Settings(home=home, llm={"backend": "scripted"}, embedder={"backend": "hashing"})
    store = SQLiteStore(settings.db_path)
    moment = datetime.now(UTC)
    store.checks.save(
        CheckRecord(
            id=report.id,
            question=report.question,
            status="done",
            created_at=moment,
            updated_at=moment,
            category=report.category,
            verdict=report.verdict.label,
            report=report,
        )
    )
    index = LocalIndex(settings.index_path, HashingEmbedder())
    desk = Desk(settings, ScriptedLLM(), index.embedder, [index], store)
    with serve_in_thread(create_app(desk)) as site:
        page.goto(f"{site}{store.reports.summary(report.id).url}")
        _shoot(page, name, full_page=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="photograph this page of a running server instead")
    parser.add_argument("--saved", type=Path, help="a report saved by report_quality.py")
    parser.add_argument("--name", default="page.png", help="file name for --url or --saved")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1100, "height": 860})
        page.set_default_timeout(30_000)
        if args.url:
            page.goto(args.url)
            _shoot(page, args.name, full_page=True)
        elif args.saved:
            saved(page, args.saved, args.name)
        else:
            scripted(page)
        browser.close()


if __name__ == "__main__":
    main()
