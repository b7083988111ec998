"""Batches, webhooks, cancelling and API tokens on the embedded stack (SQLite, workers in
the server): what a client of the API and a webhook receiver on 127.0.0.1 see."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from tests.scale_tools import wait_until, webhook_receiver
from tests.web.webtools import QUESTION, check, gate, wait_for

from factdesk import tokens
from factdesk.web import create_app
from factdesk.webhooks import SIGNATURE_HEADER, sign, verify

SECRET = "test-webhook-secret"
QUESTIONS = [f"Was the Eiffel Tower finished in {1880 + n}?" for n in range(6)]


@pytest.fixture
def hooked(desk):
    """The scripted desk with webhooks signed, allowed to reach 127.0.0.1, sent quickly."""
    desk.settings.webhooks.secret = SecretStr(SECRET)
    desk.settings.webhooks.allow_hosts = ["127.0.0.1"]
    desk.settings.webhooks.poll_s = 0.05
    desk.settings.webhooks.backoff_s = 0.1
    desk.settings.server.workers = 2
    return desk


def _owner(desk):
    """The headers of a new API token: the webhook deliveries of what it creates are its."""
    _, presented = tokens.create(desk.store.tokens, "owner", rate_per_minute=0, daily_quota=0)
    return {"Authorization": f"Bearer {presented}"}


def _finished(client, batch_id, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        progress = client.get(f"/api/batches/{batch_id}").json()
        if progress["finished"]:
            return progress
        assert time.monotonic() < deadline, progress
        time.sleep(0.05)


def test_a_json_batch_runs_every_question_and_signs_its_webhook(hooked):
    owner = _owner(hooked)
    with webhook_receiver() as receiver, TestClient(create_app(hooked)) as client:
        body = {"questions": QUESTIONS, "webhook_url": receiver.url}
        started = client.post("/api/batches", json=body, headers=owner)
        assert started.status_code == 202, started.text
        batch_id = started.json()["id"]
        assert started.headers["location"] == f"/api/batches/{batch_id}"
        progress = _finished(client, batch_id)
        assert progress["counts"] == {"done": 6} and progress["total"] == 6
        wait_until(lambda: len(receiver.received) == 1, 30, "the batch webhook")
        lines = client.get(f"/api/batches/{batch_id}/results.jsonl").text.splitlines()
        table = list(
            csv.DictReader(io.StringIO(client.get(f"/api/batches/{batch_id}/results.csv").text))
        )
        deliveries = client.get(f"/api/checks/{batch_id}/deliveries", headers=owner).json()
    results = [json.loads(line) for line in lines]
    assert [r["question"] for r in results] == QUESTIONS
    assert [r["index"] for r in results] == list(range(6))
    assert all(r["status"] == "done" and r["verdict"] and r["url"] for r in results)
    assert [row["job_id"] for row in table] == [r["job_id"] for r in results]
    headers, raw = receiver.received[0]
    assert json.loads(raw) == {
        "event": "batch.finished",
        "sent_for": batch_id,
        "batch_id": batch_id,
        "total": 6,
        "counts": {"done": 6},
    }
    assert verify(SECRET, headers[SIGNATURE_HEADER], raw)
    assert not verify("another-secret", headers[SIGNATURE_HEADER], raw)
    assert not verify(SECRET, headers[SIGNATURE_HEADER], raw.replace(b"6", b"7"))
    assert [(d["status"], d["attempts"], d["last_status"]) for d in deliveries] == [
        ("delivered", 1, 200)
    ]


def test_csv_jsonl_and_multipart_uploads_are_read_in_order(hooked):
    csv_body = "claim,source\n" + "".join(f'"{q}",x\n' for q in QUESTIONS[:2])
    jsonl_body = "".join(json.dumps({"question": q}) + "\n" for q in QUESTIONS[2:4])
    with TestClient(create_app(hooked, start_workers=False)) as client:
        by_csv = client.post("/api/batches", content=csv_body, headers={"content-type": "text/csv"})
        by_jsonl = client.post(
            "/api/batches", content=jsonl_body, headers={"content-type": "application/x-ndjson"}
        )
        upload = {"file": ("claims.csv", "\n".join(QUESTIONS[4:]).encode(), "text/plain")}
        by_form = client.post("/api/batches", files=upload)
        found = [
            [r["question"] for r in map(json.loads, client.get(
                f"/api/batches/{r.json()['id']}/results.jsonl").text.splitlines())]
            for r in (by_csv, by_jsonl, by_form)
        ]  # fmt: skip
    assert [r.status_code for r in (by_csv, by_jsonl, by_form)] == [202, 202, 202]
    assert found == [QUESTIONS[:2], QUESTIONS[2:4], QUESTIONS[4:]]


def test_bad_batches_get_one_sentence_and_store_nothing(hooked):
    hooked.settings.server.batch_max_questions = 3
    with TestClient(create_app(hooked, start_workers=False)) as client:
        too_many = client.post("/api/batches", json=QUESTIONS)
        blank = client.post("/api/batches", json=["Is Paris in France?", "   "])
        broken = client.post(
            "/api/batches", content=b"{nope", headers={"content-type": "application/json"}
        )
        unknown = client.post("/api/batches", content=b"x", headers={"content-type": "text/plain"})
        ftp = {"questions": ["Is Paris in France?"], "webhook_url": "ftp://example.invalid/"}
        unsigned = client.post("/api/batches", json=ftp)
    assert too_many.status_code == 422 and "at most 3 questions" in too_many.text
    assert blank.status_code == 422 and "Question 2 of the batch" in blank.text
    assert broken.status_code == 422 and "not valid JSON" in broken.text
    assert unknown.status_code == 422 and "text/csv" in unknown.text
    assert unsigned.status_code == 422 and "http(s) URL" in unsigned.text
    assert hooked.store.jobs.with_status("queued") == []


def test_a_batch_may_be_larger_than_a_single_request_but_not_unbounded(hooked):
    hooked.settings.server.batch_max_bytes = 64 * 1024
    long_questions = [f"{'Was the tower really built ' * 6}in {1000 + n}?" for n in range(300)]
    with TestClient(create_app(hooked, start_workers=False)) as client:
        accepted = client.post("/api/batches", json=long_questions)
        refused = client.post("/api/batches", json=long_questions * 2)
        # the largest single request is a whole text's
        too_long = "x" * (hooked.settings.server.max_text_body_bytes + 1)
        single = client.post("/api/checks", json={"text": too_long})
    assert accepted.status_code == 202 and accepted.json()["total"] == 300
    assert refused.status_code == 413
    assert single.status_code == 413


def test_a_check_webhook_is_retried_with_backoff_until_delivered(hooked):
    owner = _owner(hooked)
    with (
        webhook_receiver(statuses=[500, 503]) as receiver,
        TestClient(create_app(hooked)) as client,
    ):
        body = {"question": QUESTION, "webhook_url": receiver.url}
        job = client.post("/api/checks", json=body, headers=owner)
        done = wait_for(client, job.json()["id"])
        wait_until(lambda: len(receiver.received) == 3, 30, "three tries")
        deliveries = client.get(f"/api/checks/{done['id']}/deliveries", headers=owner).json()
    assert [(d["status"], d["attempts"], d["last_status"]) for d in deliveries] == [
        ("delivered", 3, 200)
    ]
    bodies = receiver.bodies()
    assert bodies[0] == bodies[2] and bodies[0]["event"] == "check.finished"
    assert bodies[0]["verdict"] == done["report"]["verdict"]["label"]
    assert bodies[0]["url"] == done["url"]
    signatures = [headers[SIGNATURE_HEADER] for headers, _ in receiver.received]
    assert all(verify(SECRET, sig, receiver.received[0][1]) for sig in signatures)


def test_a_webhook_to_a_private_address_is_refused_by_the_ssrf_guard(hooked):
    hooked.settings.webhooks.allow_hosts = []
    hooked.settings.webhooks.attempts = 1
    owner = _owner(hooked)
    with webhook_receiver() as receiver, TestClient(create_app(hooked)) as client:
        body = {"question": QUESTION, "webhook_url": receiver.url}
        job = client.post("/api/checks", json=body, headers=owner)
        deliveries = f"/api/checks/{job.json()['id']}/deliveries"
        wait_for(client, job.json()["id"])

        def tried():
            found = client.get(deliveries, headers=owner).json()
            return found and found[0]["status"] == "failed"

        wait_until(tried, 30, "the refused delivery")
        delivery = client.get(deliveries, headers=owner).json()[0]
    assert receiver.received == []
    assert "127.0.0.1" in delivery["last_error"] and "loopback" in delivery["last_error"]


def test_signatures_carry_a_timestamp_that_expires():
    body = b'{"event": "check.finished"}'
    header = sign(SECRET, body, 1_000_000)
    assert verify(SECRET, header, body, now=1_000_100)
    assert not verify(SECRET, header, body, now=1_000_000 + 301)
    assert not verify(SECRET, "t=1000000", body, now=1_000_000)
    assert not verify(SECRET, "v1=abc", body, now=1_000_000)


def test_queued_and_running_jobs_can_be_cancelled_finished_ones_not(hooked, llm):
    release = gate(llm, "understand")  # plans a local search without the model
    with TestClient(create_app(hooked)) as client:
        running = client.post("/api/checks", json={"question": QUESTION}).json()
        wait_until(
            lambda: client.get(f"/api/checks/{running['id']}").json()["status"] == "running",
            10,
            "running",
        )
        asked = client.post(f"/api/checks/{running['id']}/cancel").json()
        assert asked["cancel_requested"] is True
        release.set()
        stopped = wait_for(client, running["id"])
        finished = check(client, "Is Paris the capital of France?")
        again = client.post(f"/api/checks/{finished['id']}/cancel")
    assert stopped["status"] == "cancelled" and "before its plan stage" in stopped["error"]
    assert again.status_code == 409
    with TestClient(create_app(hooked, start_workers=False)) as idle:
        queued = idle.post("/api/checks", json={"question": QUESTION}).json()
        cancelled = idle.post(f"/api/checks/{queued['id']}/cancel").json()
        assert cancelled["status"] == "cancelled"
        retried = idle.post(f"/api/checks/{queued['id']}/retry").json()
        assert retried["status"] == "queued"


def test_api_tokens_need_the_right_secret_and_obey_their_limits(hooked):
    hooked.settings.server.tokens_required = True
    _, presented = tokens.create(hooked.store.tokens, "bureau", rate_per_minute=2, daily_quota=0)
    revoked, other = tokens.create(hooked.store.tokens, "old", rate_per_minute=0, daily_quota=0)
    hooked.store.tokens.revoke(revoked.id)
    body = {"question": QUESTION}
    with TestClient(create_app(hooked, start_workers=False)) as client:
        anonymous = client.post("/api/checks", json=body)
        forged = client.post(
            "/api/checks", json=body, headers={"Authorization": f"Bearer {presented[:-1]}A"}
        )
        gone = client.post("/api/checks", json=body, headers={"Authorization": f"Bearer {other}"})
        bearer = {"Authorization": f"Bearer {presented}"}
        allowed = [client.post("/api/checks", json=body, headers=bearer) for _ in range(3)]
    assert anonymous.status_code == 401 and "fdk_" in anonymous.text
    assert forged.status_code == 401 and gone.status_code == 401
    assert [r.status_code for r in allowed] == [202, 202, 429]
    assert int(allowed[2].headers["retry-after"]) <= 60


def test_a_batch_counts_against_its_address_open_jobs_unless_a_token_sends_it(hooked):
    hooked.settings.server.jobs_per_client = 4
    _, presented = tokens.create(hooked.store.tokens, "desk", rate_per_minute=0, daily_quota=0)
    with TestClient(create_app(hooked, start_workers=False)) as client:
        single = client.post("/api/checks", json={"question": QUESTION})
        refused = client.post("/api/batches", json=QUESTIONS[:4])
        fits = client.post("/api/batches", json=QUESTIONS[:3])
        full = client.post("/api/checks", json={"question": QUESTION})
        bearer = {"Authorization": f"Bearer {presented}"}
        sent_with_a_token = client.post("/api/batches", json=QUESTIONS, headers=bearer)
    assert single.status_code == 202
    assert refused.status_code == 429, refused.text
    assert "4 more are too many" in refused.json()["error"]["message"]
    assert fits.status_code == 202 and fits.json()["total"] == 3
    assert full.status_code == 429 and "already has 4 checks" in full.text
    assert sent_with_a_token.status_code == 202 and sent_with_a_token.json()["total"] == 6
    assert len(hooked.store.jobs.with_status("queued")) == 1 + 3 + 6


def test_resuming_a_batch_on_a_live_server_leaves_its_running_jobs_running(hooked, llm):
    hooked.settings.server.workers = 1
    release = gate(llm, "understand")
    with TestClient(create_app(hooked)) as client:
        batch_id = client.post("/api/batches", json=QUESTIONS[:2]).json()["id"]
        lines = client.get(f"/api/batches/{batch_id}/results.jsonl").text.splitlines()
        first, second = (json.loads(line)["job_id"] for line in lines)
        wait_until(
            lambda: client.get(f"/api/checks/{first}").json()["status"] == "running",
            10,
            "running",
        )
        assert client.post(f"/api/checks/{second}/cancel").json()["status"] == "cancelled"
        resumed = client.post(f"/api/batches/{batch_id}/resume")
        still = client.get(f"/api/checks/{first}").json()["status"]
        release.set()
        progress = _finished(client, batch_id)
    assert resumed.status_code == 202 and resumed.json()["counts"] == {"running": 1, "queued": 1}
    assert still == "running"  # this server's own worker runs it: it is not settled
    assert progress["counts"] == {"done": 2}
