"""Shared by the web tests, the browser tests and bench/screenshots.py: a question, a
source that a refresh can discover, chromium's flags, a gate that holds the pipeline,
and a way to run a check over the API and wait for it."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from factdesk.backends.llm.scripted import DEFAULT_ANSWERS, ScriptedLLM
from factdesk.records import Document

QUESTION = "Was the Eiffel Tower built for the 1889 World's Fair?"
EXPO = Document(
    id="expo-1889",
    title="Exposition Universelle (1889)",
    text="The Exposition Universelle of 1889 was a world's fair held in Paris. "
    "The Eiffel Tower was built for the 1889 World's Fair as its entrance arch.",
    url="https://en.wikipedia.org/wiki/Exposition_Universelle_(1889)",
    domain="en.wikipedia.org",
    outlet="Wikipedia",
    source_type="encyclopedia",
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def gate(llm: ScriptedLLM, kind: str) -> threading.Event:
    """Hold every call of one prompt kind until the returned event is set."""
    release = threading.Event()
    default = DEFAULT_ANSWERS[kind]

    def held(request):  # type: ignore[no-untyped-def]
        assert release.wait(30), "the gate was never released"
        return default(request)

    llm._answers[kind] = held
    return release


def wait_for(client: TestClient, job_id: str, timeout: float = 30.0) -> dict:
    """Poll a job until it has finished; return its last view."""
    deadline = time.monotonic() + timeout
    while True:
        view = client.get(f"/api/checks/{job_id}").json()
        if view["status"] in ("done", "failed", "interrupted", "cancelled"):
            return view
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {view['status']} after {timeout} s")
        time.sleep(0.05)


def check(client: TestClient, question: str = QUESTION) -> dict:
    """Start a check over the API and wait for it."""
    response = client.post("/api/checks", json={"question": question})
    assert response.status_code == 202, response.text
    return wait_for(client, response.json()["id"])
