"""Webhook deliveries show the webhook's URL (which may carry its receiver's secret) and
the signed body, so only the credential a job or batch was created with may read them.
Any other request gets the very 404 of an id that does not exist.

Jobs are cancelled while queued, which writes their (and their batch's) delivery as a
finished job does, without running a check."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from tests.web.webtools import QUESTION

from factdesk import tokens
from factdesk.pipeline import Desk
from factdesk.web import create_app

HOOK = "http://127.0.0.1:9/hook?key=receiver-secret"


@pytest.fixture
def hooked(desk: Desk) -> Desk:
    desk.settings.webhooks.secret = SecretStr("test-webhook-secret")
    desk.settings.webhooks.allow_hosts = ["127.0.0.1"]
    return desk


def _bearer(presented: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {presented}"}


def _token(desk: Desk, name: str) -> str:
    return tokens.create(desk.store.tokens, name, rate_per_minute=0, daily_quota=0)[1]


def _unknown(id: str) -> dict[str, object]:
    """The body of a 404 for an id nobody has."""
    return {"error": {"code": "not_found", "message": f"No job or batch has the id {id!r}."}}


def _cancelled_check(client: TestClient, headers: dict[str, str]) -> str:
    job = client.post(
        "/api/checks", json={"question": QUESTION, "webhook_url": HOOK}, headers=headers
    )
    assert job.status_code == 202, job.text
    assert client.post(f"/api/checks/{job.json()['id']}/cancel", headers=headers).status_code == 202
    return str(job.json()["id"])


def _cancelled_batch(client: TestClient, headers: dict[str, str]) -> str:
    body = {"questions": ["Is Paris in France?", "Is Rome in Italy?"], "webhook_url": HOOK}
    batch_id = str(client.post("/api/batches", json=body, headers=headers).json()["id"])
    for line in client.get(f"/api/batches/{batch_id}/results.jsonl").text.splitlines():
        client.post(f"/api/checks/{json.loads(line)['job_id']}/cancel", headers=headers)
    return batch_id


def test_only_the_token_that_created_a_check_or_batch_reads_its_deliveries(hooked: Desk) -> None:
    owner, other = _token(hooked, "owner"), _token(hooked, "other")
    revoked = _token(hooked, "revoked")
    with TestClient(create_app(hooked, start_workers=False)) as client:
        check_id = _cancelled_check(client, _bearer(owner))
        batch_id = _cancelled_batch(client, _bearer(revoked))
        hooked.store.tokens.revoke(revoked.split("_")[1])
        batch_by_owner = _cancelled_batch(client, _bearer(owner))
        seen = {
            (target, who): client.get(f"/api/checks/{target}/deliveries", headers=headers)
            for target in (check_id, batch_by_owner, batch_id, "nosuchid")
            for who, headers in {
                "owner": _bearer(owner),
                "other": _bearer(other),
                "forged": _bearer(owner[:-1] + ("A" if owner[-1] != "A" else "B")),
                "its revoked creator": _bearer(revoked),
                "nobody": {},
                "not a bearer": {"Authorization": f"Basic {owner}"},
            }.items()
        }
        progress = client.get(f"/api/batches/{batch_by_owner}").json()
        job_view = client.get(f"/api/checks/{check_id}").text
    for target, event in ((check_id, "check.finished"), (batch_by_owner, "batch.finished")):
        found = seen[(target, "owner")]
        assert found.status_code == 200, found.text
        assert [(d["event"], d["url"], d["status"]) for d in found.json()] == [
            (event, HOOK, "pending")
        ]
    for (target, who), answer in seen.items():
        if who == "owner" and target in (check_id, batch_by_owner):
            continue
        assert (answer.status_code, answer.json()) == (404, _unknown(target)), (target, who)
    assert "receiver-secret" not in job_view
    assert "receiver-secret" not in json.dumps(progress)
    assert progress["deliveries_url"] == f"/api/checks/{batch_by_owner}/deliveries"


def test_without_a_token_of_its_own_only_the_servers_token_reads_deliveries(
    hooked: Desk,
) -> None:
    with TestClient(create_app(hooked, start_workers=False)) as client:
        anonymous = _cancelled_check(client, {})
        hooked.settings.server.api_token = SecretStr("server-token")  # read by a new app
        with TestClient(create_app(hooked, start_workers=False)) as guarded:
            with_server_token = _cancelled_check(guarded, _bearer("server-token"))
            answers = {
                (target, who): guarded.get(f"/api/checks/{target}/deliveries", headers=headers)
                for target in (with_server_token, anonymous)
                for who, headers in {
                    "server": _bearer("server-token"),
                    "wrong": _bearer("server-tokeN"),
                    "a store token": _bearer(_token(hooked, "someone")),
                    "nobody": {},
                }.items()
            }
        # on an open server, a check asked for with no credential has no owner to prove
        open_answer = client.get(f"/api/checks/{anonymous}/deliveries")
    for (target, who), answer in answers.items():
        if who == "server":
            assert answer.status_code == 200 and answer.json()[0]["url"] == HOOK, target
        else:
            assert (answer.status_code, answer.json()) == (404, _unknown(target)), (target, who)
    assert (open_answer.status_code, open_answer.json()) == (404, _unknown(anonymous))
