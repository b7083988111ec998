"""Careless deployment: two servers on one home, configuration in public errors, and
server paths on public pages."""

import socket
import subprocess
import sys
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
from fastapi.testclient import TestClient
from tests.web.webtools import QUESTION, check

from factdesk.errors import LLMError, SearchError
from factdesk.ingest import ingest_paths
from factdesk.jobs.service import INTERRUPTED, UNEXPECTED, JobService
from factdesk.published import Job
from factdesk.web import create_app
from factdesk.web.server import serve_in_thread

CONFIGURED = "http://admin:hunter2@searx.internal:8888/search?api_key=k-55501&format=json"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_second_server_on_the_same_home_refuses_to_start_and_settles_nothing(desk, cli_env):
    with serve_in_thread(create_app(desk, start_workers=False)) as url:
        # a job the first server is running (its workers are held off, so it stays so)
        job_id = httpx.post(f"{url}/api/checks", json={"question": QUESTION}).json()["id"]
        assert desk.store.jobs.claim(job_id)
        second = subprocess.run(
            [sys.executable, "-m", "factdesk.cli", "serve", "--port", str(_free_port())],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 2, second.stderr
        assert "Another factdesk server" in second.stderr and "already serving" in second.stderr
        assert "Traceback" not in second.stderr
        assert desk.store.jobs.get(job_id).status == "running"  # not marked interrupted
    with TestClient(create_app(desk, start_workers=False)):  # the next server, once it is free
        assert desk.store.jobs.get(job_id).status == "interrupted"


class _StaleList:
    """The real job store, but `with_status` answers as it did a moment ago: the view a
    second server has when the first finishes a job while it looks."""

    def __init__(self, jobs, stale):
        self._jobs, self._stale = jobs, stale

    def with_status(self, status):
        return [job for job in self._stale if job.status == status]

    def __getattr__(self, name):
        return getattr(self._jobs, name)


def test_a_job_already_done_is_never_marked_interrupted(desk):
    moment = datetime.now(UTC)
    jobs = desk.store.jobs
    jobs.add(Job(id="j1", kind="check", question=QUESTION, status="running", created_at=moment))
    seen = jobs.with_status("running")
    assert jobs.finish("j1", "done", finished_at=moment) is True
    assert jobs.finish("j1", "interrupted", error=INTERRUPTED) is False
    service = JobService(desk, queue=SimpleNamespace(embedded=True))  # settles its home
    service.jobs = _StaleList(jobs, seen)
    service.recover()
    assert (jobs.get("j1").status, jobs.get("j1").error) == ("done", None)


class _MisconfiguredSearch:
    name, is_web = "searxng", True

    def search(self, query, limit):
        raise SearchError(self.name, f"{CONFIGURED} does not serve JSON")


def test_configuration_in_backend_errors_is_not_published(desk, client):
    desk.searchers.append(_MisconfiguredSearch())
    done = check(client)
    assert done["status"] == "done"
    errors = done["report"]["method"]["backend_errors"]
    assert any("[redacted]" in e for e in errors), errors
    for text in (str(done), client.get(done["url"]).text, client.get(done["url"] + ".md").text):
        assert "hunter2" not in text and "k-55501" not in text


def test_configuration_and_internals_in_job_errors_are_not_published(desk, llm, client):
    def leaky(request):
        raise LLMError("openai", f"request to {CONFIGURED} failed: Bearer sk-live-0123456789")

    llm._answers["section"] = leaky
    failed = check(client)
    assert failed["status"] == "failed"
    assert "hunter2" not in failed["error"] and "k-55501" not in failed["error"]
    assert "sk-live-0123456789" not in failed["error"] and "[redacted]" in failed["error"]
    page = client.get(f"/jobs/{failed['id']}").text
    assert "hunter2" not in page and "k-55501" not in page

    def broken(request):
        raise RuntimeError("cannot open /srv/factdesk/secrets.env")

    llm._answers["section"] = broken
    crashed = check(client)
    assert (crashed["status"], crashed["error"]) == ("failed", UNEXPECTED)


def test_local_files_keep_their_title_but_not_their_path_on_the_web(desk, index, tmp_path):
    notes = tmp_path / "private" / "tower-notes.txt"
    notes.parent.mkdir()
    notes.write_text(
        "Tower notes\nThe Eiffel Tower was built for the 1889 World's Fair in Paris, "
        "the Exposition Universelle, as its entrance arch."
    )
    assert ingest_paths(index, [notes]).documents == 1
    with TestClient(create_app(desk)) as client:
        done = check(client)
        titles = [s["title"] for s in done["report"]["sources"]]
        assert "Tower notes" in titles  # the local file is a source of this report
        page = client.get(done["url"]).text
        assert "Tower notes" in page
        for text in (
            str(done),
            page,
            client.get(done["url"] + ".md").text,
            client.get(done["url"] + ".json").text,
        ):
            assert "file://" not in text and str(notes.parent) not in text
    stored = desk.store.checks.load(done["report"]["id"]).report
    assert any(s.url.startswith("file://") for s in stored.sources)  # kept, not published
