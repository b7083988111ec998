"""Per-client rate limits and open-job caps, the optional API token, and body limits."""

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from tests.web.webtools import QUESTION

from factdesk.errors import RateLimitedError
from factdesk.web import create_app
from factdesk.web.guards import TOKEN_COOKIE, RateLimiter

HTML = {"accept": "text/html"}


def test_rate_limiter_refills_over_time():
    now = [0.0]
    limiter = RateLimiter(per_minute=2, clock=lambda: now[0])
    limiter.take("a")
    limiter.take("a")
    with pytest.raises(RateLimitedError) as refused:
        limiter.take("a")
    assert refused.value.retry_after == 30
    limiter.take("b")  # another client has its own allowance
    now[0] = 30.0
    limiter.take("a")
    RateLimiter(per_minute=0).take("a")  # 0 turns the limit off


@pytest.mark.parametrize(
    ("limit", "said"),
    [("write_rate_per_minute", "Too many requests"), ("jobs_per_client", "2 checks queued")],
)
def test_writes_over_the_limit_get_429_with_retry_after(desk, limit, said):
    setattr(desk.settings.server, limit, 2)
    app = create_app(desk, start_workers=False)
    with TestClient(app) as client, TestClient(app, client=("10.0.0.2", 1)) as other:
        for _ in range(2):
            assert client.post("/api/checks", json={"question": QUESTION}).status_code == 202
        refused = client.post("/api/checks", json={"question": QUESTION})
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert said in refused.json()["error"]["message"]
        assert int(refused.headers["retry-after"]) == 30
        assert client.post("/checks", data={"question": QUESTION}, headers=HTML).status_code == 429
        assert client.get("/api/checks").status_code == 200  # reads have their own allowance
        assert other.post("/api/checks", json={"question": QUESTION}).status_code == 202


def test_reads_over_the_limit_get_429(desk):
    desk.settings.server.read_rate_per_minute = 3
    with TestClient(create_app(desk, start_workers=False)) as client:
        assert [client.get("/api/checks").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert client.get("/static/app.css").status_code == 200  # static files are not counted


def test_the_api_token_guards_every_write_when_set(desk):
    desk.settings.server.api_token = SecretStr("s3cret-token")
    with TestClient(create_app(desk, start_workers=False)) as client:
        missing = client.post("/api/checks", json={"question": QUESTION})
        assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
        assert missing.headers["www-authenticate"] == "Bearer"
        wrong = {"Authorization": "Bearer nope"}
        assert (
            client.post("/api/checks", json={"question": QUESTION}, headers=wrong).status_code
            == 401
        )
        right = {"Authorization": "Bearer s3cret-token"}
        accepted = client.post("/api/checks", json={"question": QUESTION}, headers=right)
        assert accepted.status_code == 202
        job_id = accepted.json()["id"]
        assert client.get(f"/api/checks/{job_id}").status_code == 200  # reads stay open
        assert client.post(f"/api/checks/{job_id}/retry").status_code == 401
        assert 'name="token"' in client.get("/").text


def test_the_form_token_is_remembered_in_a_strict_cookie(desk):
    desk.settings.server.api_token = SecretStr("s3cret-token")
    with TestClient(create_app(desk, start_workers=False)) as client:
        refused = client.post("/checks", data={"question": QUESTION}, headers=HTML)
        assert refused.status_code == 401 and "API token" in refused.text
        posted = client.post(
            "/checks", data={"question": QUESTION, "token": "s3cret-token"}, follow_redirects=False
        )
        assert posted.status_code == 303
        cookie = posted.headers["set-cookie"]
        assert cookie.startswith(f"{TOKEN_COOKIE}=") and "HttpOnly" in cookie
        assert "samesite=strict" in cookie.lower()
        again = client.post("/checks", data={"question": QUESTION}, follow_redirects=False)
        assert again.status_code == 303  # the cookie carries the token now
        assert 'name="token"' not in client.get("/").text


def test_bodies_over_the_limit_are_refused_before_parsing(desk):
    desk.settings.server.max_body_bytes = 1024
    desk.settings.server.max_text_body_bytes = 1024  # /api/checks also takes whole texts
    big = {"question": "x" * 2000}
    with TestClient(create_app(desk, start_workers=False)) as client:
        declared = client.post("/api/checks", json=big)
        assert declared.status_code == 413
        assert declared.json()["error"]["code"] == "too_large"

        def chunks():
            yield b'{"question": "'
            yield b"y" * 2000
            yield b'"}'

        streamed = client.post(
            "/api/checks", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
        small = client.post("/api/checks", json={"question": QUESTION})
        assert small.status_code == 202
