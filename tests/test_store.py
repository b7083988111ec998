"""Both stores behind the Store protocol: checks, the catalogue they publish to, jobs,
batches, webhook deliveries, tokens. Each shared test runs on SQLite and on a real
PostgreSQL (`engine_desk`); a few cover what only one engine has."""

import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from factdesk.errors import NotFoundError
from factdesk.pipeline import run_check
from factdesk.protocols import Store
from factdesk.published import ApiToken, Batch, Job, WebhookDelivery
from factdesk.records import CheckRecord
from factdesk.sqlitedb import Database
from factdesk.store.migrations import STORE_MIGRATIONS, sqlite_scripts
from factdesk.store.sqlite import SQLiteStore

QUESTION = "Was the Eiffel Tower built for the 1889 World's Fair?"


def _job(job_id, **values):
    base = {"kind": "check", "question": "q?", "status": "queued", "created_at": datetime.now(UTC)}
    return Job(id=job_id, **(base | values))


def test_each_store_implements_the_protocol_at_the_latest_schema_version(engine_desk):
    assert isinstance(engine_desk.store, Store)
    assert engine_desk.store.schema_version == len(STORE_MIGRATIONS) == 6


def test_a_finished_check_is_published_as_it_is_saved(engine_desk):
    record = run_check(engine_desk, QUESTION)
    assert engine_desk.store.reports.version_of(record.id) == (record.id, 1)
    summary = engine_desk.store.reports.summary(record.id)
    assert (summary.verdict, summary.question) == ("supported", QUESTION)
    found = engine_desk.store.reports.search("eiffel")
    assert [item.id for item in found.items] == [record.id]


def test_a_refresh_becomes_the_next_version_of_its_page(engine_desk):
    first = run_check(engine_desk, QUESTION)
    second = run_check(engine_desk, QUESTION, page_id=first.id)
    assert engine_desk.store.reports.version_of(second.id) == (first.id, 2)
    assert [v.check_id for v in engine_desk.store.reports.versions(first.id)] == [
        first.id,
        second.id,
    ]
    version, report = engine_desk.store.reports.report(first.id, 1)
    assert (version.version, report.id) == (1, first.id)
    assert engine_desk.store.reports.search().total == 1


def test_a_refresh_of_an_unknown_page_fails_without_storing_a_page(engine_desk):
    with pytest.raises(NotFoundError):
        run_check(engine_desk, QUESTION, page_id="nosuchpage")
    assert engine_desk.store.reports.search().total == 0
    failed = engine_desk.store.checks.recent(1)[0]
    assert failed.status == "failed" and "nosuchpage" in (failed.error or "")


def test_running_checks_fail_only_once(engine_desk):
    moment = datetime.now(UTC)
    record = CheckRecord(
        id="abc", question="q?", status="running", created_at=moment, updated_at=moment
    )
    engine_desk.store.checks.save(record)
    assert engine_desk.store.checks.mark_running_failed("abc", "stopped") is True
    assert engine_desk.store.checks.mark_running_failed("abc", "again") is False
    assert engine_desk.store.checks.load("abc").error == "stopped"
    assert engine_desk.store.checks.mark_running_failed("missing", "x") is False


def test_jobs_are_claimed_once_and_refreshes_are_not_doubled(engine_desk):
    moment = datetime.now(UTC)
    jobs = engine_desk.store.jobs
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
    before = Database(settings.db_path, sqlite_scripts()[:2], "store")
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


def test_jobs_finish_only_while_running_and_count_per_client(engine_desk):
    jobs = engine_desk.store.jobs
    for n, status in enumerate(["queued", "running", "done"]):
        jobs.add(_job(f"c{n}", status=status, client="10.0.0.9"))
    assert jobs.open_jobs("10.0.0.9") == 2
    assert jobs.finish("c0", "interrupted") is False  # queued: not running
    assert jobs.finish("c2", "interrupted") is False  # done stays done
    assert jobs.finish("c1", "done", error=None) is True and jobs.get("c1").status == "done"
    assert jobs.open_jobs("10.0.0.9") == 1


def test_a_job_keeps_the_token_it_was_asked_with_unpublished(engine_desk):
    jobs = engine_desk.store.jobs
    jobs.add(_job("t1", token_id="a1b2c3d4"))
    jobs.add(_job("t2"))
    assert (jobs.get("t1").token_id, jobs.get("t2").token_id) == ("a1b2c3d4", None)
    assert "token_id" not in jobs.get("t1").model_dump()  # never published


def test_a_finished_check_is_never_overwritten_by_a_second_attempt(engine_desk):
    first = run_check(engine_desk, QUESTION)
    again = engine_desk.store.checks.load(first.id)
    again.report.executive_summary = "A second worker's different summary."
    engine_desk.store.checks.save(again)
    kept = engine_desk.store.checks.load(first.id)
    assert kept.report.executive_summary == first.report.executive_summary
    assert [v.check_id for v in engine_desk.store.reports.versions(first.id)] == [first.id]


def test_racing_saves_of_one_check_publish_it_once(engine_desk):
    first = run_check(engine_desk, QUESTION)
    twins = [engine_desk.store.checks.load(first.id) for _ in range(4)]
    with engine_desk.store.checks._db.transaction():  # a fresh, unpublished copy
        engine_desk.store.checks._db.execute("DELETE FROM reports_fts")
        engine_desk.store.checks._db.execute("DELETE FROM report_versions")
        engine_desk.store.checks._db.execute("DELETE FROM reports")
        engine_desk.store.checks._db.execute("UPDATE checks SET status='running'")
    threads = [threading.Thread(target=engine_desk.store.checks.save, args=(t,)) for t in twins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert engine_desk.store.reports.versions(first.id)[0].check_id == first.id
    assert len(engine_desk.store.reports.versions(first.id)) == 1
    assert engine_desk.store.reports.search("eiffel").total == 1


def test_jobs_are_taken_over_and_cancelled_only_from_the_right_state(engine_desk):
    jobs = engine_desk.store.jobs
    jobs.add(_job("q1"))
    jobs.add(_job("r1"))
    assert jobs.take_over("r1") is False  # queued: nothing to take over
    assert jobs.claim("r1") is True
    assert jobs.take_over("r1") is True and jobs.get("r1").attempts == 2
    assert jobs.cancel("q1") is True and jobs.get("q1").status == "cancelled"
    assert jobs.cancel("r1") is True
    running = jobs.get("r1")
    assert (running.status, running.cancel_requested) == ("running", True)
    jobs.update("r1", status="done")
    assert jobs.cancel("r1") is False and jobs.cancel("missing") is False
    assert jobs.requeue("q1") is True and jobs.get("q1").status == "queued"


def test_a_batch_is_stored_with_its_jobs_and_finishes_once(engine_desk):
    store = engine_desk.store
    batch = Batch(id="b1", total=3, created_at=datetime.now(UTC), webhook_url="http://x.test/")
    store.batches.add(batch, [_job(f"b1-{n}", batch_id="b1", batch_index=n) for n in range(3)])
    assert store.batches.get("b1").total == 3 and store.batches.get("nope") is None
    assert [j.id for j in store.jobs.in_batch("b1")] == ["b1-0", "b1-1", "b1-2"]
    assert store.batches.finish("b1") is False  # jobs still queued
    for n in range(3):
        store.jobs.update(f"b1-{n}", status="done")
    assert store.batches.finish("b1") is True
    assert store.batches.finish("b1") is False
    assert store.batches.get("b1").finished_at is not None


def test_a_batch_with_a_broken_job_is_not_stored_at_all(engine_desk):
    store = engine_desk.store
    store.jobs.add(_job("taken"))
    batch = Batch(id="b2", total=2, created_at=datetime.now(UTC))
    with pytest.raises(Exception):  # noqa: B017 - each engine names its own integrity error
        store.batches.add(batch, [_job("fresh", batch_id="b2"), _job("taken", batch_id="b2")])
    assert store.batches.get("b2") is None and store.jobs.get("fresh") is None


def test_due_deliveries_are_leased_to_one_sender(engine_desk):
    deliveries = engine_desk.store.deliveries
    now = datetime.now(UTC)
    for n in range(3):
        deliveries.add(
            WebhookDelivery(
                id=f"d{n}", target_id="j1", event="check.finished", url="http://x.test/",
                payload="{}", status="pending", next_attempt_at=now + timedelta(seconds=n * 60),
                created_at=now + timedelta(seconds=n),
            )
        )  # fmt: skip
    first = deliveries.due(now, lease_s=30, limit=10)
    assert [d.id for d in first] == ["d0"]
    assert deliveries.due(now + timedelta(seconds=1), lease_s=30, limit=10) == []
    deliveries.update("d0", status="delivered", attempts=1, last_status=200, delivered_at=now)
    later = deliveries.due(now + timedelta(seconds=200), lease_s=30, limit=10)
    assert [d.id for d in later] == ["d1", "d2"]
    assert [d.status for d in deliveries.for_target("j1")] == ["delivered", "pending", "pending"]
    with pytest.raises(ValueError, match="no column"):
        deliveries.update("d0", url="http://elsewhere.test/")


def test_tokens_are_revoked_once_and_counters_add_up_across_threads(engine_desk):
    tokens = engine_desk.store.tokens
    token = ApiToken(
        id="t1", name="newsroom", secret_sha256="00" * 32, rate_per_minute=5, daily_quota=100,
        created_at=datetime.now(UTC),
    )  # fmt: skip
    tokens.add(token)
    assert tokens.get("t1").name == "newsroom" and [t.id for t in tokens.all()] == ["t1"]
    assert tokens.revoke("t1") is True and tokens.revoke("t1") is False
    assert tokens.get("t1").revoked_at is not None
    threads = [
        threading.Thread(target=lambda: [tokens.count("t1", "m1") for _ in range(10)])
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tokens.count("t1", "m1", 0) == 40
    assert tokens.count("t1", "m2", 5) == 5


def test_only_postgresql_pushes_job_changes_from_another_connection(settings, postgres_store):
    assert SQLiteStore(settings.db_path).jobs.subscribe(lambda job_id: None) is None
    seen: list[str] = []
    arrived = threading.Event()

    def listener(job_id):
        seen.append(job_id)
        arrived.set()

    stop = postgres_store.jobs.subscribe(listener)
    postgres_store.jobs.add(_job("pushed"))
    assert arrived.wait(5) and seen == ["pushed"]
    stop()
    postgres_store.jobs.update("pushed", status="running")
    assert not arrived.wait(0.5) or seen == ["pushed"]


def test_both_engines_apply_the_same_numbered_migrations():
    assert [m.title for m in STORE_MIGRATIONS][:3] == [
        "stored checks with their reports, errors and partial trails",
        "the web app: jobs, report pages with every version, search over reports",
        "the client each job was asked for from, to cap its open jobs",
    ]
    for migration in STORE_MIGRATIONS:
        sqlite_tables = set(_tables(migration.sqlite))
        assert sqlite_tables == set(_tables(migration.postgres))


def _tables(script):
    import re

    return re.findall(r"CREATE (?:VIRTUAL )?TABLE (\w+)", script)
