"""The per-client cap on open jobs holds across processes, on SQLite and on PostgreSQL.

Each replica here is a separate app over its own store object, so its own database
connection(s), as two `factdesk serve` processes (or a server and a worker) would be:
a lock inside one process cannot serialise them, only the database can. Counting is
slowed down so that, were counting and adding not one transaction under the client's
lock, every submission would count the same empty slots and be accepted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factdesk.backends.llm.scripted import ScriptedLLM
from factdesk.backends.search.local import LocalIndex
from factdesk.pipeline import Desk
from factdesk.settings import Settings
from factdesk.store.jobs import SQLJobs
from factdesk.store.postgres import PostgresStore
from factdesk.store.sqlite import SQLiteStore
from factdesk.web import create_app

CAP = 3
SUBMISSIONS = 8
REPLICAS = 3
QUESTION = "Was the Eiffel Tower built for the 1889 World's Fair?"


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(
    request: pytest.FixtureRequest, settings: Settings
) -> Iterator[Callable[[], SQLiteStore | PostgresStore]]:
    """A function that opens one more store object (one more connection) on the same
    database: an SQLite file, or a fresh PostgreSQL database."""
    opened: list[SQLiteStore | PostgresStore] = []

    def open_one() -> SQLiteStore | PostgresStore:
        if request.param == "sqlite":
            store: SQLiteStore | PostgresStore = SQLiteStore(settings.db_path)
        else:
            store = PostgresStore(url)
        opened.append(store)
        return store

    url = request.getfixturevalue("database_url") if request.param == "postgres" else ""
    yield open_one
    for store in opened:
        store.close()


def _slow_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count a client's open jobs, then wait: a wide gap between counting and adding."""
    count = SQLJobs.open_jobs

    def slowly(self: SQLJobs, client: str) -> int:
        held = count(self, client)
        time.sleep(0.2)
        return held

    monkeypatch.setattr(SQLJobs, "open_jobs", slowly)


def test_replicas_submitting_at_once_for_one_client_accept_exactly_the_cap(
    settings: Settings,
    index: LocalIndex,
    open_store: Callable[[], SQLiteStore | PostgresStore],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.server.write_rate_per_minute = 0
    settings.server.read_rate_per_minute = 0
    settings.server.jobs_per_client = CAP
    settings.server.allowed_hosts = ["testserver"]
    _slow_count(monkeypatch)
    desks = [
        Desk(
            settings=settings,
            llm=ScriptedLLM(),
            embedder=index.embedder,
            searchers=[index],
            store=open_store(),
        )
        for _ in range(REPLICAS)
    ]
    start = threading.Barrier(SUBMISSIONS)
    answers: list[tuple[int, dict[str, Any]]] = []

    with ExitStack() as stack:
        clients = [
            stack.enter_context(TestClient(create_app(desk, start_workers=False))) for desk in desks
        ]

        def submit(n: int) -> None:
            start.wait()
            answer = clients[n % REPLICAS].post("/api/checks", json={"question": QUESTION})
            answers.append((answer.status_code, answer.json()))

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(SUBMISSIONS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)

    assert sorted(status for status, _ in answers) == [202] * CAP + [429] * (SUBMISSIONS - CAP)
    for status, body in answers:
        if status == 429:
            assert body["error"]["code"] == "rate_limited"
            assert f"already has {CAP} checks queued or running" in body["error"]["message"]
    accepted = {body["id"] for status, body in answers if status == 202}
    assert {job.id for job in open_store().jobs.with_status("queued")} == accepted
