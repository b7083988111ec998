"""Beyond one machine, on a real PostgreSQL: `factdesk worker` processes, a worker killed
with SIGKILL in the middle of checks, two server replicas streaming each other's
progress, cancelling a running job, and token limits shared by replicas."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from tests.scale_tools import Fleet, scale_env, start_worker, stop, wait_until

from factdesk import tokens
from factdesk.backends.embed.hashing import HashingEmbedder
from factdesk.backends.llm.scripted import ScriptedLLM
from factdesk.backends.search.local import LocalIndex
from factdesk.jobs.procrastinate import ensure_schema
from factdesk.jobs.service import JobService
from factdesk.pipeline import STAGES, Desk
from factdesk.plugins import BuildContext, build_queue
from factdesk.settings import Settings
from factdesk.store.postgres import PostgresStore
from factdesk.web import create_app
from factdesk.web.server import serve_in_thread


@pytest.fixture
def scaled(settings: Settings, index: LocalIndex, database_url: str) -> Settings:
    """The test settings on PostgreSQL, with the corpus indexed under their home."""
    settings.database_url = SecretStr(database_url)
    settings.server.write_rate_per_minute = 0
    settings.server.read_rate_per_minute = 0
    settings.server.allowed_hosts = ["testserver"]  # the TestClient's host name
    return settings


def _desk(settings: Settings) -> Desk:
    embedder = HashingEmbedder()
    return Desk(
        settings=settings,
        llm=ScriptedLLM(),
        embedder=embedder,
        searchers=[LocalIndex(settings.index_path, embedder)],
        store=PostgresStore(settings.database_url.get_secret_value()),
    )


@pytest.fixture
def service(scaled: Settings) -> Iterator[JobService]:
    desk = _desk(scaled)
    jobs = JobService(desk, build_queue(BuildContext(scaled, embedder=desk.embedder)))
    yield jobs
    jobs.stop()
    desk.store.close()


def _count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
        assert row is not None
        return int(row[0])


def test_a_worker_killed_mid_check_three_times_loses_and_doubles_nothing(
    scaled: Settings, service: JobService, tmp_path: Path
) -> None:
    """Jobs come in waves, each once the (restarted) victim is up, so that the victim is
    killed while it holds a job part-way through its stages, three times."""
    url = scaled.database_url.get_secret_value()
    ids: list[str] = []

    def wave() -> None:
        for _ in range(4):
            ids.append(service.submit(f"Was the Eiffel Tower finished in {1800 + len(ids)}?").id)

    ensure_schema(url)
    fleet = Fleet(url, scale_env(scaled.home, url, delay_s=0.03), tmp_path)
    try:
        fleet.start("steady")
        victim = fleet.start("victim")
        for _kill in range(3):
            fleet.kill_when_busy(victim, wave)
            victim = fleet.start("victim")
        wave()
        wait_until(lambda: all(service.get(i).finished for i in ids), 240, "all finished", 0.2)
    finally:
        fleet.stop()
    jobs = [service.get(i) for i in ids]
    assert {j.status for j in jobs} == {"done"}, [(j.id, j.status, j.error) for j in jobs]
    assert _count(url, "SELECT COUNT(*) FROM report_versions") == len(ids)
    assert _count(url, "SELECT COUNT(*) FROM reports") == len(ids)
    assert _count(url, "SELECT COUNT(*) FROM checks") == len(ids)
    assert len({j.report_id for j in jobs}) == len(ids)
    retried = sum(j.attempts - 1 for j in jobs)
    assert 1 <= retried <= 3  # killed jobs ran again (a job killed before its claim needs none)
    for job in jobs:  # ... each continuing its own check rather than starting another
        assert job.check_id == job.report_id


def test_a_replica_streams_the_progress_of_a_job_submitted_to_another(
    scaled: Settings, tmp_path: Path
) -> None:
    url = scaled.database_url.get_secret_value()
    first, second = _desk(scaled), _desk(scaled)
    app_a, app_b = create_app(first), create_app(second)
    worker = start_worker(scale_env(scaled.home, url, delay_s=0.05), log=tmp_path / "w.log")
    try:
        with serve_in_thread(app_a) as url_a, serve_in_thread(app_b) as url_b:
            hub = app_b.state.web.progress
            assert hub.pushed
            hub.fallback_s = 300  # a stream that is not pushed would stall for minutes
            question = "Was the Eiffel Tower built for the 1889 World's Fair?"
            job = httpx.post(f"{url_a}/api/checks", json={"question": question}).json()
            started = time.monotonic()
            events: list[tuple[str, dict[str, object]]] = []
            events_url = f"{url_b}/api/checks/{job['id']}/events"
            with httpx.stream("GET", events_url, timeout=240) as r:
                kind = ""
                for line in r.iter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        events.append((kind, json.loads(line[6:])))
                        if kind == "end":
                            break
            elapsed = time.monotonic() - started
    finally:
        stop(worker)
        first.store.close()
        second.store.close()
    finished = [e["stage"] for kind, e in events if kind == "stage" and e["state"] == "finished"]
    assert finished == list(STAGES)
    assert events[-1] == ("end", {"status": "done", "url": events[-1][1]["url"], "error": None})
    assert elapsed < 240  # pushed: a stream left to poll would wait 300 s per change


def test_a_running_job_cancelled_on_one_replica_stops_after_its_stage(
    scaled: Settings, service: JobService, tmp_path: Path
) -> None:
    url = scaled.database_url.get_secret_value()
    worker = start_worker(scale_env(scaled.home, url, delay_s=0.4), log=tmp_path / "w.log")
    try:
        job = service.submit("Was the Eiffel Tower built for the 1889 World's Fair?")
        wait_until(lambda: len(service.get(job.id).events) >= 1, 180, "the job started")
        other = _desk(scaled)
        with TestClient(create_app(other, start_workers=False)) as client:
            asked = client.post(f"/api/checks/{job.id}/cancel").json()
            assert asked["status"] == "running" and asked["cancel_requested"] is True
        other.store.close()
        wait_until(lambda: service.get(job.id).finished, 120, "the job stopped")
    finally:
        stop(worker)
    stopped = service.get(job.id)
    assert stopped.status == "cancelled" and "Cancelled on request" in (stopped.error or "")
    record = service.store.checks.load(stopped.check_id or "")
    assert record.status == "failed" and 0 < len(record.trail.stages_done) < len(STAGES)


def test_a_whole_text_is_checked_by_a_worker_and_its_overview_kept_in_postgres(
    scaled: Settings, service: JobService, tmp_path: Path
) -> None:
    url = scaled.database_url.get_secret_value()
    text = (
        "Good evening, everyone. The Eiffel Tower was built for the 1889 World's Fair. "
        "I think it is wonderful. Gustave Eiffel's company designed and built the Eiffel Tower."
    )
    worker = start_worker(scale_env(scaled.home, url), log=tmp_path / "w.log")
    try:
        job = service.submit_text(text=text, url=None)
        wait_until(lambda: service.get(job.id).finished, 180, "the text checked")
    finally:
        stop(worker)
    done = service.get(job.id)
    assert (done.status, done.kind, done.check_id) == ("done", "text", job.check_id)
    stored = service.store.texts.load(job.check_id or "")
    assert stored.status == "done" and stored.overview is not None
    assert [c.label for c in stored.overview.claims] == [None, "supported", None, "supported"]
    stages = [e.stage for e in done.events if e.state == "finished"]
    assert stages == ["extract", "claim 2", "claim 4"]


def test_token_limits_hold_across_two_replicas(scaled: Settings) -> None:
    first, second = _desk(scaled), _desk(scaled)
    _, presented = tokens.create(first.store.tokens, "desk", rate_per_minute=3, daily_quota=4)
    bearer = {"Authorization": f"Bearer {presented}"}
    question = {"question": "Was the Eiffel Tower built for the 1889 World's Fair?"}
    with (
        TestClient(create_app(first, start_workers=False)) as a,
        TestClient(create_app(second, start_workers=False)) as b,
    ):
        assert a.post("/api/checks", json=question, headers=bearer).status_code == 202
        batch = {"questions": ["Is Paris in France?", "Is Rome in Italy?", "Is Oslo cold?"]}
        assert b.post("/api/batches", json=batch, headers=bearer).status_code == 202
        over_quota = a.post("/api/checks", json=question, headers=bearer)
        assert over_quota.status_code == 429 and "4 checks a day" in over_quota.text
        over_rate = b.post("/api/checks", json=question, headers=bearer)
        assert over_rate.status_code == 429 and "3 writes a minute" in over_rate.text
        wrong = {"Authorization": f"Bearer {presented[:-2]}xx"}
        assert a.post("/api/checks", json=question, headers=wrong).status_code == 401
    assert len(first.store.jobs.with_status("queued")) == 4
    first.store.close()
    second.store.close()


def test_a_worker_refuses_to_start_without_a_distributed_queue(cli_env: dict[str, str]) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "factdesk.cli", "worker"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "workers need FACTDESK_DATABASE_URL" in result.stderr


def test_scripted_delay_is_a_setting_of_the_llm_role(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTDESK_LLM__BACKEND", "scripted")
    monkeypatch.setenv("FACTDESK_LLM__SCRIPTED_DELAY_S", "0.25")
    llm = Desk.from_settings(Settings(home=settings.home, embedder={"backend": "hashing"})).llm
    assert isinstance(llm, ScriptedLLM) and llm.delay_s == 0.25
    started = time.perf_counter()
    llm.classify(_stance_request(), ["Yes", "No", "Unclear"])
    assert time.perf_counter() - started >= 0.25


def _stance_request():
    from factdesk.protocols import ChatMessage, LLMRequest

    return LLMRequest(
        kind="stance",
        messages=[ChatMessage(role="user", content="?")],
        variables={"claim": "a b", "passage": "a b"},
    )
