"""Hostile requests: foreign hosts and origins, forged client addresses, odd headers and
questions, and clients that hold too many jobs or progress streams."""

import json
import sqlite3
import time
from contextlib import ExitStack

import httpx
from fastapi.testclient import TestClient
from tests.web.webtools import QUESTION, check

from factdesk.web import create_app
from factdesk.web.server import serve_in_thread

HTML = {"accept": "text/html"}


def _jobs(desk):
    with sqlite3.connect(desk.settings.db_path) as db:
        return db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]


def test_requests_for_a_foreign_host_name_are_refused(desk):
    with TestClient(create_app(desk, start_workers=False)) as client:
        rebound = {"host": "attacker.example"}
        refused = client.post("/api/checks", json={"question": QUESTION}, headers=rebound)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        page = client.get("/", headers={**rebound, **HTML})
        assert page.status_code == 403 and "does not answer to that host name" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "testserver"):
            assert client.get("/api/checks", headers={"host": host}).status_code == 200, host
        assert _jobs(desk) == 0


def test_writes_from_pages_of_other_origins_are_refused(desk):
    question = {"question": QUESTION}
    with TestClient(create_app(desk, start_workers=False)) as client:
        for foreign in (
            {"origin": "http://evil.example"},
            {"origin": "null"},
            {"origin": "http://testserver.evil.example"},
            {"referer": "http://evil.example/cats.html"},
        ):
            refused = client.post("/api/checks", json=question, headers=foreign)
            assert refused.status_code == 403, foreign
            assert refused.json()["error"]["message"].startswith("Writes are accepted only")
            form = client.post("/checks", data=question, headers={**foreign, **HTML})
            assert form.status_code == 403 and "own pages" in form.text
        assert _jobs(desk) == 0
        own = {"origin": "http://testserver", "referer": "http://testserver/"}
        assert client.post("/api/checks", json=question, headers=own).status_code == 202
        assert client.post("/api/checks", json=question).status_code == 202  # curl sends neither
        assert client.get("/", headers={"origin": "http://evil.example"}).status_code == 200


def test_an_allowed_host_name_is_answered_and_may_post(desk):
    desk.settings.server.allowed_hosts = ["factdesk.example.org"]
    with TestClient(create_app(desk, start_workers=False)) as client:
        proxied = {"host": "127.0.0.1:8000", "origin": "https://factdesk.example.org"}
        assert (
            client.post("/api/checks", json={"question": QUESTION}, headers=proxied).status_code
            == 202
        )
        named = {"host": "factdesk.example.org"}
        assert client.get("/api/checks", headers=named).status_code == 200


def _two_posts_from_forged_addresses(desk):
    with serve_in_thread(create_app(desk, start_workers=False)) as url:
        return [
            httpx.post(
                f"{url}/api/checks",
                json={"question": QUESTION},
                headers={"X-Forwarded-For": forged},
                timeout=30,
            ).status_code
            for forged in ("198.51.100.1", "198.51.100.2")
        ]


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(desk):
    desk.settings.server.write_rate_per_minute = 1
    assert _two_posts_from_forged_addresses(desk) == [202, 429]
    desk.settings.server.trusted_proxies = ["127.0.0.1"]
    assert _two_posts_from_forged_addresses(desk) == [202, 202]


def test_odd_last_event_ids_restart_the_stream_instead_of_failing(client):
    job_id = check(client)["id"]
    # "²" as latin-1, the way a server decodes header bytes: str.isdigit() says yes
    for odd in ("²".encode("latin-1"), b"9" * 5000, b"-1", b"1e3", b"0x4"):
        with client.stream(
            "GET", f"/api/checks/{job_id}/events", headers={"Last-Event-ID": odd}
        ) as stream:
            assert stream.status_code == 200, odd
            lines = list(stream.iter_lines())
        assert "id: 1" in lines and "event: end" in lines, odd


def test_a_lone_surrogate_is_refused_and_control_characters_are_dropped(client):
    body = b'{"question": "Was the Eiffel Tower \\ud800 built in 1889?"}'
    refused = client.post("/api/checks", content=body, headers={"content-type": "application/json"})
    assert refused.status_code == 422 and "surrogate" in refused.json()["error"]["message"]
    sneaky = "Was the\x00 Eiffel\x1b[2J Tower\u202e built for the 1889\x9b World's Fair?"
    done = check(client, sneaky)
    assert done["question"] == "Was the Eiffel[2J Tower built for the 1889 World's Fair?"
    page = client.get(done["url"]).text
    assert not any(c in page for c in "\x00\x1b\u202e\x9b")


def _open_stream(http, job_id, stack, held):
    """Open a progress stream and keep reading it (`held` keeps its line iterator: a
    dropped iterator closes the connection); return its status."""
    response = stack.enter_context(http.stream("GET", f"/api/checks/{job_id}/events"))
    if response.status_code == 200:
        lines = response.iter_lines()
        assert next(lines) == "retry: 1000"
        held.append(lines)
    return response.status_code


def test_a_client_holds_a_bounded_number_of_progress_streams(desk):
    desk.settings.server.streams_per_client = 2
    with serve_in_thread(create_app(desk, start_workers=False)) as url:
        job_id = httpx.post(f"{url}/api/checks", json={"question": QUESTION}).json()["id"]
        held: list = []
        with httpx.Client(base_url=url, timeout=10) as http, ExitStack() as streams:
            assert [_open_stream(http, job_id, streams, held) for _ in range(2)] == [200, 200]
            time.sleep(0.5)  # both streams keep polling the job; neither has ended
            refused = streams.enter_context(http.stream("GET", f"/api/checks/{job_id}/events"))
            assert refused.status_code == 429
            assert json.loads(refused.read())["error"]["code"] == "rate_limited"
            other = httpx.get(f"{url}/api/checks/{job_id}", timeout=10)
            assert other.status_code == 200  # plain reads are not streams
        held.clear()
        # the client closed its streams: their slots come back
        with httpx.Client(base_url=url, timeout=10) as http, ExitStack() as again:
            deadline = time.monotonic() + 10
            while _open_stream(http, job_id, again, held) != 200:
                assert time.monotonic() < deadline, "closed streams were never released"
                time.sleep(0.2)
            assert _open_stream(http, job_id, again, held) == 200
