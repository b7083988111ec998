"""A whole text's check stored as it goes: progress after each claim, the overview once
done, a stop (Ctrl-C or a killed process) that keeps what was done, and a retry that
continues after the last finished claim, as single checks do."""

from datetime import UTC, datetime

import pytest

from factdesk.backends.llm.scripted import DEFAULT_ANSWERS
from factdesk.errors import CheckInterrupted
from factdesk.jobs.service import INTERRUPTED, JobService
from factdesk.pipeline.wholetext import resume_text, run_text
from factdesk.published import Job
from factdesk.records import SourceText, TextCheckRecord

TEXT = (
    "Good evening, everyone. The Eiffel Tower was built for the 1889 World's Fair. "
    "I think it is wonderful. Gustave Eiffel's company designed and built the Eiffel Tower."
)


def _record(text_id="t0000001"):
    now = datetime.now(UTC)
    return TextCheckRecord(
        id=text_id,
        status="running",
        created_at=now,
        updated_at=now,
        source=SourceText(text=TEXT, kind="text"),
    )


class Killed(BaseException):
    """What a killed process amounts to here: nothing of the check's handles it."""


class StopAt:
    """An observer that looks at the stored record as each claim starts, and stops the
    run (like a kill: no handler runs) when `stop` starts."""

    def __init__(self, desk, text_id, stop=None):
        self.desk, self.text_id, self.stop = desk, text_id, stop
        self.seen = {}

    def check_created(self, check_id):
        pass

    def stage_started(self, stage):
        stored = self.desk.store.texts.load(self.text_id)
        labels = [c.label for c in stored.progress.claims] if stored.progress else None
        self.seen[stage] = (stored.status, labels)
        if stage == self.stop:
            raise Killed

    def stage_finished(self, stage, seconds, note):
        pass


def test_a_text_is_stored_after_each_claim_and_done_with_its_overview(engine_desk):
    desk = engine_desk
    watcher = StopAt(desk, "t0000001")
    run_text(desk, _record(), watcher)
    assert watcher.seen["extract"] == ("running", None)  # stored before any model call
    assert watcher.seen["claim 2"] == ("running", [None, None, None, None])
    assert watcher.seen["claim 4"] == ("running", [None, "supported", None, None])
    stored = desk.store.texts.load("t0000001")
    assert stored.status == "done" and stored.progress is None and stored.error is None
    assert [c.label for c in stored.overview.claims] == [None, "supported", None, "supported"]
    assert stored.overview.id == "t0000001"
    assert [t.id for t in desk.store.texts.recent()] == ["t0000001"]


def test_ctrl_c_stores_the_text_failed_with_its_progress_and_resume_goes_on(desk, llm):
    def understand(request):
        if "Gustave" in request.variables["question"]:
            raise KeyboardInterrupt
        return DEFAULT_ANSWERS["understand"](request)

    llm._answers["understand"] = understand
    with pytest.raises(CheckInterrupted, match="stored as t0000001"):
        run_text(desk, _record())
    stored = desk.store.texts.load("t0000001")
    assert (stored.status, stored.error) == ("failed", "interrupted before the check finished")
    assert [c.label for c in stored.progress.claims] == [None, "supported", None, None]

    llm._answers["understand"] = DEFAULT_ANSWERS["understand"]
    llm.calls.clear()
    done = resume_text(desk, "t0000001")
    assert done.status == "done" and done.progress is None
    assert [c.label for c in done.overview.claims] == [None, "supported", None, "supported"]
    assert "worth" not in llm.kinds()  # the statements were not extracted again
    understood = [r.variables["question"] for r in llm.calls if r.kind == "understand"]
    assert all("Gustave" in q for q in understood) and understood  # only the claim left
    assert set(done.overview.method.timings) == {"extract", "claim 2", "claim 4"}
    assert resume_text(desk, "t0000001") == done  # a finished text stays as it is


def test_progress_made_with_other_settings_is_not_reused(desk, llm):
    with pytest.raises(Killed):
        run_text(desk, _record(), StopAt(desk, "t0000001", stop="claim 4"))
    desk.settings_hash = "other settings"
    llm.calls.clear()
    done = resume_text(desk, "t0000001")
    assert "worth" in llm.kinds() and done.status == "done"


class Queue:
    embedded = True  # its workers would live in the server, as the in-process queue's do

    def __init__(self):
        self.queued = []

    def enqueue(self, job_id):
        self.queued.append(job_id)


def _job(job_id, kind, text_id, claim=None):
    return Job(
        id=job_id,
        kind=kind,
        question="a text",
        status="running",
        check_id=text_id,
        claim=claim,
        created_at=datetime.now(UTC),
    )


def test_a_text_job_a_killed_server_was_running_is_settled_and_retried(engine_desk, llm):
    desk = engine_desk
    # the server dies while claim 4 is being checked: the text and its job stay running
    with pytest.raises(Killed):
        run_text(desk, _record(), StopAt(desk, "t0000001", stop="claim 4"))
    desk.store.jobs.add(_job("j1", "text", "t0000001"))
    service = JobService(desk, queue=Queue())
    assert service.recover() == 1
    job, text = service.get("j1"), desk.store.texts.load("t0000001")
    assert (job.status, job.error) == ("interrupted", INTERRUPTED)
    assert (text.status, text.error) == ("failed", INTERRUPTED)
    assert [c.label for c in text.progress.claims] == [None, "supported", None, None]

    llm.calls.clear()
    service.retry("j1")
    assert service.queue.queued == ["j1"]
    service.run("j1")
    assert service.get("j1").status == "done"
    text = desk.store.texts.load("t0000001")
    assert text.status == "done" and text.overview.claims[3].label == "supported"
    understood = [r.variables["question"] for r in llm.calls if r.kind == "understand"]
    assert understood and all("Gustave" in q for q in understood)  # claim 2 not redone


def test_finished_texts_and_claim_refreshes_are_settled_as_they_stand(desk):
    run_text(desk, _record("t0000002"))
    desk.store.jobs.add(_job("j2", "text", "t0000002"))  # done, but the job not yet marked
    desk.store.jobs.add(_job("j3", "text_claim", "t0000002", claim=2))  # a refresh cut short
    desk.store.jobs.add(_job("j4", "text", "t0000404"))  # a text that was never stored
    service = JobService(desk, queue=Queue())
    assert service.recover() == 3
    assert service.get("j2").status == "done"
    assert (service.get("j3").status, service.get("j3").error) == ("interrupted", INTERRUPTED)
    assert service.get("j4").status == "interrupted"
    assert desk.store.texts.load("t0000002").status == "done"  # the overview stands
