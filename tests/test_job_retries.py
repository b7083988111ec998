"""What a worker does when a model fails: an attempt that is not the last puts the job back
in the queue with a note and asks the queue for a retry (RetryLaterError, which the
Procrastinate queue answers with its backoff); the next attempt continues the check after
its last finished stage; the last attempt leaves the job failed with the error."""

from __future__ import annotations

import pytest

from factdesk.backends.llm.scripted import DEFAULT_ANSWERS, ScriptedLLM
from factdesk.errors import LLMError, RetryLaterError
from factdesk.jobs.inprocess import InProcessQueue
from factdesk.jobs.service import JobService
from factdesk.pipeline import STAGES, Desk
from factdesk.protocols import JobAttempt, LLMRequest

QUESTION = "Was the Eiffel Tower built for the 1889 World's Fair?"


class Outage:
    """A `section` answer (the write stage) that fails while `down` is set."""

    def __init__(self) -> None:
        self.down = True

    def __call__(self, request: LLMRequest) -> str:
        if self.down:
            raise LLMError("scripted", "the model server is unreachable")
        answer = DEFAULT_ANSWERS["section"]
        return answer(request) if callable(answer) else answer


@pytest.fixture
def outage(llm: ScriptedLLM) -> Outage:
    failing = Outage()
    llm._answers["section"] = failing
    return failing


@pytest.fixture
def service(desk: Desk) -> JobService:
    return JobService(desk, InProcessQueue(workers=0))  # attempts are run by hand


def test_a_model_error_is_retried_and_the_retry_continues_the_check(
    service: JobService, outage: Outage, llm: ScriptedLLM
) -> None:
    job = service.submit(QUESTION)
    with pytest.raises(RetryLaterError, match="Attempt 1 failed and will be retried"):
        service.run(job.id, JobAttempt(1, final=False))
    waiting = service.get(job.id)
    assert waiting.status == "queued" and "unreachable" in (waiting.error or "")
    assert waiting.check_id is not None
    first_trail = service.store.checks.load(waiting.check_id).trail
    assert "verdict" in first_trail.stages_done and "write" not in first_trail.stages_done

    outage.down = False
    llm.calls.clear()
    service.run(job.id, JobAttempt(2, final=False))
    done = service.get(job.id)
    assert done.status == "done" and done.check_id == waiting.check_id
    assert "understand" not in llm.kinds()  # the research stages were not run again
    assert service.store.checks.load(done.check_id or "").trail.stages_done == list(STAGES)


def test_a_job_that_keeps_failing_ends_failed_with_its_error(
    service: JobService, outage: Outage
) -> None:
    job = service.submit(QUESTION)
    for number in (1, 2):
        with pytest.raises(RetryLaterError):
            service.run(job.id, JobAttempt(number, final=False))
    service.run(job.id, JobAttempt(3, final=True))
    failed = service.get(job.id)
    assert failed.status == "failed" and failed.finished
    assert "the model server is unreachable" in (failed.error or "")
    assert "will be retried" not in (failed.error or "")
