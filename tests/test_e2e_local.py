"""End-to-end checks with the real local model on part of the Wikipedia sample (slow)."""

from __future__ import annotations

import json
import os

import pytest

from factdesk import modelpkgs
from factdesk.backends.search.local import LocalIndex
from factdesk.ingest import ingest_sample
from factdesk.pipeline import Desk, run_check
from factdesk.pipeline.ground import check_contract
from factdesk.settings import Settings

pytestmark = pytest.mark.slow

MODELS_DIR = Settings().models_dir
TOPICAL = {
    "Eiffel Tower",
    "Gustave Eiffel",
    "World's fair",
    "Paris",
    "Statue of Liberty",
    "Minneapolis",
    "Minnesota",
    "City council",
    "Local government",
    "Election",
}


@pytest.fixture(scope="module")
def real_desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    missing = [a.name for a in modelpkgs.ARTIFACTS if not modelpkgs.is_installed(MODELS_DIR, a)]
    if missing:
        reason = f"offline models not installed in {MODELS_DIR}: {missing}"
        if os.environ.get("FACTDESK_REQUIRE_MODELS") == "1":
            pytest.fail(reason + " (run `factdesk models install`)")
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("e2e-home")
    settings = Settings(home=home, models={"dir": MODELS_DIR})
    desk = Desk.from_settings(settings)
    index = next(s for s in desk.searchers if isinstance(s, LocalIndex))
    # The topical articles plus 600 others as distractors.
    sample = json.loads(modelpkgs.artifact_path(MODELS_DIR, "sample").read_text("utf-8"))
    ingest_sample(index, MODELS_DIR, TOPICAL | set(list(sample)[:600]))
    return desk


def _sentences_all_grounded(report) -> None:
    kept = [c for c in report.grounding.checks if c.outcome != "removed"]
    assert all(c.citations for c in kept)
    check_contract(report)


def test_eiffel_tower_question_is_supported_from_the_sample(real_desk: Desk) -> None:
    record = run_check(real_desk, "Was the Eiffel Tower built for the 1889 World's Fair?")
    report = record.report
    assert report is not None
    assert report.verdict.label == "supported", report.verdict
    assert any(s.title in {"Eiffel Tower", "Gustave Eiffel"} for s in report.sources)
    assert all(s.url.startswith("https://en.wikipedia.org/wiki/") for s in report.sources)
    assert 3 <= len(report.sections) <= 6 and len(report.followups) == 3
    assert report.method.model.startswith("llama_cpp:")
    _sentences_all_grounded(report)


def test_question_the_sample_cannot_answer_is_not_enough_evidence(real_desk: Desk) -> None:
    record = run_check(
        real_desk,
        "Did the Minneapolis city council vote in March 2026 to ban gas-powered leaf blowers?",
    )
    report = record.report
    assert report is not None
    assert report.verdict.label == "not_enough_evidence", report.verdict
    assert "not evidence that it is false" in report.verdict.summary
    text = " ".join(
        [
            report.executive_summary,
            report.bottom_line,
            *(s.body for s in report.sections if s.kind == "evidence"),
        ]
    )
    assert "2026" not in text and "leaf blower" not in text.lower()
    _sentences_all_grounded(report)
