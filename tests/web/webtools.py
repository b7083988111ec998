"""Helpers for the web tests: start a check over the API and wait for it."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

QUESTION = "Was the Eiffel Tower built for the 1889 World's Fair?"


def wait_for(client: TestClient, job_id: str, timeout: float = 30.0) -> dict:
    """Poll a job until it has finished; return its last view."""
    deadline = time.monotonic() + timeout
    while True:
        view = client.get(f"/api/checks/{job_id}").json()
        if view["status"] in ("done", "failed", "interrupted"):
            return view
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {view['status']} after {timeout} s")
        time.sleep(0.05)


def check(client: TestClient, question: str = QUESTION) -> dict:
    """Start a check over the API and wait for it."""
    response = client.post("/api/checks", json={"question": question})
    assert response.status_code == 202, response.text
    return wait_for(client, response.json()["id"])
