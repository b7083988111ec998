"""The whole pipeline with the scripted LLM: the report contract and failure handling."""

from dataclasses import replace

import pytest

from factdesk.backends.llm.scripted import ScriptedLLM
from factdesk.citations import parse_keys
from factdesk.errors import CheckInterrupted, LLMError
from factdesk.pipeline import STAGES, resume_check, run_check
from factdesk.render import render

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
    assert desk.store.checks.load(record.id).report == report


def test_every_stage_is_reported_to_the_observer(desk):
    seen = []

    class Recorder:
        def check_created(self, check_id):
            seen.append(("created", check_id))

        def stage_started(self, stage):
            seen.append(("start", stage))

        def stage_finished(self, stage, seconds, note):
            seen.append(("end", stage))

    record = run_check(desk, QUESTION, Recorder())
    assert seen[0] == ("created", record.id)
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
    record = desk.store.checks.recent(1)[0]
    assert record.status == "failed"
    assert "the model crashed" in record.error
    assert record.trail.stages_done == [
        "understand",
        "plan",
        "search",
        "fetch",
        "evidence",
        "stance",
        "point",
        "verdict",
    ]
    assert record.trail.verdict is not None and record.trail.queries


def test_ctrl_c_marks_the_check_failed_and_keeps_the_trail(desk, llm):
    def interrupt(request):
        raise KeyboardInterrupt

    llm._answers["section"] = interrupt
    with pytest.raises(CheckInterrupted):
        run_check(desk, QUESTION)
    record = desk.store.checks.recent(1)[0]
    assert (record.status, record.error) == ("failed", "interrupted before the check finished")
    assert record.trail.understanding is not None


def test_earlier_reports_survive_a_failed_check(desk, llm):
    first = run_check(desk, QUESTION)
    llm._answers["followup"] = "not json"
    with pytest.raises(LLMError):
        run_check(desk, QUESTION)
    assert desk.store.checks.load(first.id).status == "done"
    assert [r.status for r in desk.store.checks.recent(5)] == ["failed", "done"]


def test_code_written_text_follows_the_question_language(desk):
    record = run_check(desk, "La tour Eiffel a-t-elle été construite pour l'Exposition de 1889 ?")
    report = record.report
    assert report.language == "fr"
    assert report.disclaimer.startswith("factdesk est un assistant")
    assert report.sections[-1].heading == "Ce que les sources ne tranchent pas"
    assert report.verdict.summary.startswith("Les sources")


def test_the_method_is_a_view_of_the_run_record_with_tokens_per_stage(desk):
    record = run_check(desk, QUESTION)
    method, trail = record.report.method, record.trail
    assert method == trail.method()
    assert method.queries == trail.queries and method.pages == trail.pages
    assert method.model == "scripted"
    assert method.usage["understand"].calls == 1
    assert method.usage["stance"].calls >= 1
    assert method.usage["search"].calls == 0
    assert method.usage["write"].completion_tokens > 0
    assert trail.candidates == []  # the hit pool is dropped once evidence is chosen
    assert trail.hit_count > 0
    markdown = render(record.report, "md")
    assert "- Model tokens: understand 1 call, 0 in / " in markdown
    assert "search 0 call" not in markdown
    assert "<li>Model tokens: understand 1 call" in render(record.report, "html")


def test_a_failed_check_resumes_after_its_last_finished_stage(desk, llm):
    def broken(request):
        raise LLMError("scripted", "the model crashed")

    working = llm._answers["section"]
    llm._answers["section"] = broken
    with pytest.raises(LLMError):
        run_check(desk, QUESTION)
    failed = desk.store.checks.recent(1)[0]
    llm._answers["section"] = working
    before = len(llm.calls)
    resumed = resume_check(desk, failed.id)
    assert resumed.id == failed.id and resumed.status == "done"
    kinds = [r.kind for r in llm.calls[before:]]
    assert "understand" not in kinds and "stance" not in kinds and "judge" not in kinds
    assert kinds[0] == "section"
    assert resumed.report is not None and resumed.report.verdict == failed.trail.verdict
    assert desk.store.reports.version_of(resumed.id) == (resumed.id, 1)


def test_a_check_made_with_other_settings_starts_over_when_resumed(desk, llm):
    llm._answers["followup"] = "not json"
    with pytest.raises(LLMError):
        run_check(desk, QUESTION)
    failed = desk.store.checks.recent(1)[0]
    llm._answers["followup"] = ScriptedLLM()._answers["followup"]
    changed = replace(desk, settings_hash="0123456789abcdef")
    before = len(llm.calls)
    resume_check(changed, failed.id)
    assert next(r.kind for r in llm.calls[before:]) == "understand"


def test_judge_and_writer_can_be_different_models(desk, llm):
    writer = ScriptedLLM()
    record = run_check(replace(desk, writer=writer), QUESTION)
    written = {r.kind for r in writer.calls}
    judged = {r.kind for r in llm.calls}
    assert written == {"section", "followup"}
    assert {"understand", "stance", "judge"} <= judged
    assert not judged & written
    assert record.report.method.model == "scripted"
