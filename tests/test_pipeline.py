"""The whole pipeline with the scripted LLM: the report contract and failure handling."""

import pytest

from factdesk.citations import parse_keys
from factdesk.errors import CheckInterrupted, LLMError
from factdesk.pipeline import STAGES, run_check

QUESTION = "Was the Eiffel Tower built for the 1889 World's Fair?"


def _texts(report):
    return [report.executive_summary, *(s.body for s in report.sections), report.bottom_line]


def test_report_meets_the_contract(desk):
    record = run_check(desk, QUESTION)
    report = record.report
    assert record.status == "done"
    assert report.title == QUESTION
    assert report.verdict.label == "supported"
    assert 3 <= len(report.sections) <= 6
    assert report.sections[-1].kind == "limits"
    cited = {n for text in _texts(report) for n in parse_keys(text)}
    assert cited == {s.n for s in report.sources}
    assert [s.n for s in report.sources] == list(range(1, len(report.sources) + 1))
    assert all(s.url.startswith("https://en.wikipedia.org/") for s in report.sources)
    assert len(report.followups) == 3
    assert list(report.method.timings) == list(STAGES)
    assert report.method.settings_hash == desk.settings_hash
    assert report.method.backends == ["local"]
    assert report.method.passages_considered and report.method.passages_used
    g = report.grounding
    assert g.sentences == g.verified + g.recited + g.removed
    assert desk.store.load(record.id).report == report


def test_every_stage_is_reported_to_the_observer(desk):
    seen = []

    class Recorder:
        def stage_started(self, stage):
            seen.append(("start", stage))

        def stage_finished(self, stage, seconds, note):
            seen.append(("end", stage))

    run_check(desk, QUESTION, Recorder())
    assert [s for kind, s in seen if kind == "end"] == list(STAGES)


def test_unanswerable_question_is_not_enough_evidence_without_inventions(desk):
    record = run_check(desk, "Did the Minneapolis city council vote to ban cars in 2026?")
    report = record.report
    assert report.verdict.label == "not_enough_evidence"
    assert "silent" in report.verdict.summary or "not evidence" in report.verdict.summary
    assert "2026" not in report.executive_summary + report.bottom_line


def test_a_failing_stage_leaves_a_failed_record_with_its_trail(desk, llm):
    def broken(request):
        raise LLMError("scripted", "the model crashed")

    llm._answers["section"] = broken
    with pytest.raises(LLMError):
        run_check(desk, QUESTION)
    record = desk.store.recent(1)[0]
    assert record.status == "failed"
    assert "the model crashed" in record.error
    assert record.trail.stages_done == [
        "understand",
        "plan",
        "search",
        "fetch",
        "evidence",
        "stance",
        "verdict",
    ]
    assert record.trail.verdict is not None and record.trail.queries


def test_ctrl_c_marks_the_check_failed_and_keeps_the_trail(desk, llm):
    def interrupt(request):
        raise KeyboardInterrupt

    llm._answers["plan"] = interrupt
    with pytest.raises(CheckInterrupted):
        run_check(desk, QUESTION)
    record = desk.store.recent(1)[0]
    assert (record.status, record.error) == ("failed", "interrupted before the check finished")
    assert record.trail.understanding is not None


def test_earlier_reports_survive_a_failed_check(desk, llm):
    first = run_check(desk, QUESTION)
    llm._answers["followup"] = "not json"
    with pytest.raises(LLMError):
        run_check(desk, QUESTION)
    assert desk.store.load(first.id).status == "done"
    assert [r.status for r in desk.store.recent(5)] == ["failed", "done"]


def test_code_written_text_follows_the_question_language(desk):
    record = run_check(desk, "La tour Eiffel a-t-elle été construite pour l'Exposition de 1889 ?")
    report = record.report
    assert report.language == "fr"
    assert report.disclaimer.startswith("factdesk est un assistant")
    assert report.sections[-1].heading == "Ce que les sources ne tranchent pas"
    assert report.verdict.summary.startswith("Les sources")
