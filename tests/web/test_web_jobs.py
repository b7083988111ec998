"""The job pool: concurrency, restarts, interrupted jobs, refreshes and their versions."""

import sqlite3
import threading
import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from tests.web.webtools import EXPO, QUESTION, check, gate, wait_for

from factdesk.jobs.service import INTERRUPTED
from factdesk.published import Job
from factdesk.records import CheckRecord, Trail
from factdesk.web import create_app


def _count(desk, sql):
    with sqlite3.connect(desk.settings.db_path) as db:
        return db.execute(sql).fetchone()[0]


def test_twenty_simultaneous_posts_are_all_accepted_run_once_and_published(desk, llm):
    desk.settings.server.workers = 2
    release = gate(llm, "understand")
    questions = [f"Was the Eiffel Tower finished in {1870 + n}?" for n in range(20)]
    start = threading.Barrier(len(questions))
    answers: dict[str, object] = {}

    with TestClient(create_app(desk)) as client:

        def post(question):
            start.wait()
            answers[question] = client.post("/api/checks", json={"question": question})

        threads = [threading.Thread(target=post, args=(q,)) for q in questions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(r.status_code == 202 for r in answers.values())
        job_ids = {r.json()["id"] for r in answers.values()}
        assert len(job_ids) == 20
        deadline = time.monotonic() + 10
        while True:  # both workers pick a job up, then hold at the gate
            statuses = [client.get(f"/api/checks/{j}").json()["status"] for j in job_ids]
            if statuses.count("running") == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert (statuses.count("running"), statuses.count("queued")) == (2, 18)
        release.set()
        done = [wait_for(client, job_id) for job_id in job_ids]

    assert {d["status"] for d in done} == {"done"}
    assert sorted(d["question"] for d in done) == sorted(questions)
    assert len({d["report_id"] for d in done}) == 20
    assert _count(desk, "SELECT COUNT(*) FROM checks") == 20
    assert _count(desk, "SELECT COUNT(*) FROM report_versions") == 20
    assert _count(desk, "SELECT COUNT(DISTINCT check_id) FROM jobs") == 20


def _crashed_mid_check(desk, question, status):
    """The rows a server killed during a check leaves: a running job and its check."""
    moment = datetime.now(UTC)
    record = CheckRecord(
        id="c0ffee0001",
        question=question,
        status=status,
        created_at=moment,
        updated_at=moment,
        trail=Trail(stages_done=["understand", "plan"]),
    )
    desk.store.checks.save(record)
    _running_job(desk, "job000000001", question, record.id)
    return record


def _running_job(desk, job_id, question, check_id):
    moment = datetime.now(UTC)
    job = Job(id=job_id, kind="check", question=question, status="running", created_at=moment)
    desk.store.jobs.add(job)
    desk.store.jobs.update(job_id, check_id=check_id, started_at=moment)


def test_a_job_running_when_the_server_stopped_is_interrupted_then_retried(desk):
    _crashed_mid_check(desk, QUESTION, "running")
    with TestClient(create_app(desk)) as client:
        job = client.get("/api/checks/job000000001").json()
        assert job["status"] == "interrupted" and job["error"] == INTERRUPTED
        check_record = desk.store.checks.load("c0ffee0001")
        assert (check_record.status, check_record.error) == ("failed", INTERRUPTED)
        assert check_record.trail.stages_done == ["understand", "plan"]
        assert client.post("/api/checks/job000000001/retry").status_code == 202
        done = wait_for(client, "job000000001")
    assert done["status"] == "done" and done["report"]["question"] == QUESTION
    # made with other settings, the interrupted check started over under its own id
    assert done["report"]["id"] == "c0ffee0001"
    assert desk.store.checks.load("c0ffee0001").status == "done"


def test_a_check_that_finished_just_before_a_crash_is_published_not_lost(desk):
    from factdesk.pipeline import run_check

    finished = run_check(desk, QUESTION)
    _running_job(desk, "job000000002", QUESTION, finished.id)
    with TestClient(create_app(desk)) as client:
        job = client.get("/api/checks/job000000002").json()
    assert job["status"] == "done"
    assert job["report"]["id"] == finished.id and job["url"].endswith(finished.id)


def test_queued_jobs_survive_a_restart(desk):
    with TestClient(create_app(desk, start_workers=False)) as client:
        ids = [
            client.post("/api/checks", json={"question": f"Is the tower {n} m tall?"}).json()["id"]
            for n in (300, 310, 330)
        ]
        assert {client.get(f"/api/checks/{i}").json()["status"] for i in ids} == {"queued"}
    with TestClient(create_app(desk)) as client:
        assert {wait_for(client, i)["status"] for i in ids} == {"done"}


def test_refresh_adds_a_version_keeps_the_old_one_and_shows_what_changed(desk, client, index):
    first = check(client)
    index.add([EXPO])
    refresh = client.post(f"/api/checks/{first['report_id']}/refresh")
    assert refresh.status_code == 202
    second = wait_for(client, refresh.json()["id"])
    assert (second["report_id"], second["version"]) == (first["report_id"], 2)
    assert second["url"] == first["url"]
    versions = client.get(f"/api/checks/{first['report_id']}/versions").json()
    assert [v["version"] for v in versions["versions"]] == [1, 2]
    assert [s["title"] for s in versions["changes"]["new_sources"]] == [
        "Exposition Universelle (1889)"
    ]
    old = client.get(f"/api/checks/{first['report_id']}", params={"version": 1}).json()
    assert old["report"] == first["report"] and old["url"].endswith("?version=1")
    assert client.get("/api/checks").json()["total"] == 1


def test_a_second_refresh_while_one_is_queued_returns_the_same_job(desk, client):
    report_id = check(client)["report_id"]
    with TestClient(create_app(desk, start_workers=False)) as idle:
        first = idle.post(f"/api/checks/{report_id}/refresh").json()
        second = idle.post(f"/api/checks/{report_id}/refresh").json()
    assert first["id"] == second["id"] and first["status"] == "queued"
