"""The SQLite store behind the Store protocol: checks, the catalogue they publish to, jobs."""

import json
import sqlite3
from datetime import UTC, datetime

import pytest

from factdesk.errors import NotFoundError
from factdesk.pipeline import run_check
from factdesk.protocols import Store
from factdesk.published import Job
from factdesk.records import CheckRecord
from factdesk.sqlitedb import Database
from factdesk.store.migrations import STORE_MIGRATIONS
from factdesk.store.sqlite import SQLiteStore

QUESTION = "Was the Eiffel Tower built for the 1889 World's Fair?"


def test_the_sqlite_store_implements_the_protocol(desk):
    assert isinstance(desk.store, Store)


def test_a_finished_check_is_published_as_it_is_saved(desk):
    record = run_check(desk, QUESTION)
    assert desk.store.reports.version_of(record.id) == (record.id, 1)
    summary = desk.store.reports.summary(record.id)
    assert (summary.verdict, summary.question) == ("supported", QUESTION)
    found = desk.store.reports.search("eiffel")
    assert [item.id for item in found.items] == [record.id]


def test_a_refresh_becomes_the_next_version_of_its_page(desk):
    first = run_check(desk, QUESTION)
    second = run_check(desk, QUESTION, page_id=first.id)
    assert desk.store.reports.version_of(second.id) == (first.id, 2)
    assert [v.check_id for v in desk.store.reports.versions(first.id)] == [first.id, second.id]
    version, report = desk.store.reports.report(first.id, 1)
    assert (version.version, report.id) == (1, first.id)
    assert desk.store.reports.search().total == 1


def test_a_refresh_of_an_unknown_page_fails_without_storing_a_page(desk):
    with pytest.raises(NotFoundError):
        run_check(desk, QUESTION, page_id="nosuchpage")
    assert desk.store.reports.search().total == 0
    failed = desk.store.checks.recent(1)[0]
    assert failed.status == "failed" and "nosuchpage" in (failed.error or "")


def test_running_checks_fail_only_once(desk):
    moment = datetime.now(UTC)
    record = CheckRecord(
        id="abc", question="q?", status="running", created_at=moment, updated_at=moment
    )
    desk.store.checks.save(record)
    assert desk.store.checks.mark_running_failed("abc", "stopped") is True
    assert desk.store.checks.mark_running_failed("abc", "again") is False
    assert desk.store.checks.load("abc").error == "stopped"
    assert desk.store.checks.mark_running_failed("missing", "x") is False


def test_jobs_are_claimed_once_and_refreshes_are_not_doubled(desk):
    moment = datetime.now(UTC)
    jobs = desk.store.jobs
    jobs.add(Job(id="j1", kind="check", question="q?", status="queued", created_at=moment))
    assert jobs.claim("j1") is True and jobs.claim("j1") is False
    refresh = Job(
        id="r1", kind="refresh", question="q?", status="queued", report_id="p", created_at=moment
    )
    assert jobs.add_refresh(refresh).id == "r1"
    again = refresh.model_copy(update={"id": "r2"})
    assert jobs.add_refresh(again).id == "r1"
    assert jobs.get("r2") is None
    with pytest.raises(ValueError, match="no column"):
        jobs.update("j1", question="changed")


def test_checks_stored_by_the_first_release_still_load(settings):
    """A 0.1 trail kept a hit count in `hits` and passage references in `evidence`."""
    store = SQLiteStore(settings.db_path)
    legacy = {
        "id": "old0000001",
        "question": "q?",
        "status": "failed",
        "created_at": "2026-11-01T10:00:00+00:00",
        "updated_at": "2026-11-01T10:00:00+00:00",
        "error": "boom",
        "trail": {
            "stages_done": ["understand", "plan", "search", "fetch", "evidence", "stance"],
            "hits": 42,
            "evidence": [{"passage_id": "p#0", "title": "P", "score": 0.7, "stance": "supports"}],
            "timings": {"understand": 1.0},
        },
    }
    with sqlite3.connect(settings.db_path) as db:
        db.execute(
            "INSERT INTO checks(id, question, status, created_at, updated_at, record) "
            "VALUES (?,?,?,?,?,?)",
            (
                "old0000001",
                "q?",
                "failed",
                legacy["created_at"],
                legacy["updated_at"],
                json.dumps(legacy),
            ),
        )
    trail = store.checks.load("old0000001").trail
    assert trail.hit_count == 42
    assert [ref.passage_id for ref in trail.considered] == ["p#0"]
    assert trail.evidence == []


def test_finished_checks_without_a_page_are_published_when_the_store_opens(desk, settings):
    record = run_check(desk, QUESTION)
    with sqlite3.connect(settings.db_path) as db:  # a database from before checks published
        db.execute("DELETE FROM report_versions")
        db.execute("DELETE FROM reports")
    reopened = SQLiteStore(settings.db_path)
    assert reopened.reports.version_of(record.id) == (record.id, 1)


def test_jobs_from_before_migration_3_load_and_count_per_client(settings):
    before = Database(settings.db_path, STORE_MIGRATIONS[:2], "store")
    before.execute(
        "INSERT INTO jobs(id, kind, question, status, created_at) VALUES (?,?,?,?,?)",
        ("old1", "check", "q?", "queued", "2026-11-01T10:00:00+00:00"),
    )
    before.close()
    jobs = SQLiteStore(settings.db_path).jobs
    assert jobs.get("old1").client == "" and jobs.open_jobs("") == 1
    moment = datetime.now(UTC)
    for n, status in enumerate(["queued", "running", "done", "failed"]):
        job = Job(id=f"j{n}", kind="check", question="q?", status=status, created_at=moment)
        jobs.add(job.model_copy(update={"client": "10.0.0.7"}))
    assert jobs.open_jobs("10.0.0.7") == 2 and jobs.open_jobs("10.0.0.8") == 0
    assert "client" not in jobs.get("j0").model_dump()  # never published
