"""The JSON API with the scripted LLM: checks, progress events, listing, search, errors."""

import json
import re

import pytest
from fastapi.testclient import TestClient
from tests.web.webtools import QUESTION, check, wait_for

from factdesk.backends.llm.scripted import understanding_answer
from factdesk.errors import LLMError
from factdesk.pipeline import STAGES, run_check


def _categorised(llm, categories):
    """Make the scripted understand stage file each question under a category."""

    def understand(request):
        question = request.variables["question"]
        category = next((c for word, c in categories.items() if word in question), "other")
        return understanding_answer(question, category=category)

    llm._answers["understand"] = understand


def _events(client, job_id, last_event_id=None):
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    events, current = [], {}
    with client.stream("GET", f"/api/checks/{job_id}/events", headers=headers) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if not line:
                if "event" in current:
                    events.append(current)
                current = {}
            elif not line.startswith(":"):
                field, _, value = line.partition(": ")
                current[field] = value
    return events


def test_a_posted_check_becomes_a_published_report(client):
    response = client.post("/api/checks", json={"question": QUESTION})
    assert response.status_code == 202
    job = response.json()
    assert job["status"] in ("queued", "running")
    assert response.headers["location"] == f"/api/checks/{job['id']}"
    done = wait_for(client, job["id"])
    assert done["status"] == "done" and done["version"] == 1
    assert re.fullmatch(
        r"/fact-checks/other/was-the-eiffel-tower-built-for-the-1889-worlds-fair-[0-9a-f]{10}",
        done["url"],
    )
    assert done["report"]["verdict"]["label"] == "supported"
    assert [s["stage"] for s in done["stages"] if s["state"] == "finished"] == list(STAGES)
    by_report = client.get(f"/api/checks/{done['report_id']}").json()
    assert by_report["report"] == done["report"]
    assert by_report["url"] == done["url"]


def test_events_stream_every_stage_then_the_end_and_resume(client):
    job_id = client.post("/api/checks", json={"question": QUESTION}).json()["id"]
    events = _events(client, job_id)
    stages = [json.loads(e["data"]) for e in events if e["event"] == "stage"]
    assert [s["stage"] for s in stages if s["state"] == "finished"] == list(STAGES)
    assert [e["id"] for e in events if e["event"] == "stage"] == [
        str(n) for n in range(1, 2 * len(STAGES) + 1)
    ]
    end = json.loads(events[-1]["data"])
    assert events[-1]["event"] == "end"
    assert end["status"] == "done" and end["url"].startswith("/fact-checks/other/")
    resumed = _events(client, job_id, last_event_id=str(2 * len(STAGES) - 2))
    last_two = [str(2 * len(STAGES) - 1), str(2 * len(STAGES))]
    assert [e.get("id") for e in resumed if e["event"] == "stage"] == last_two
    assert resumed[-1]["event"] == "end"


def test_listing_search_categories_and_pages(client, llm):
    _categorised(llm, {"Eiffel": "history", "Liberty": "history", "photosynthesis": "science"})
    for question in (
        QUESTION,
        "Was the Statue of Liberty framework built by Gustave Eiffel?",
        "Does photosynthesis release oxygen?",
    ):
        assert check(client, question)["status"] == "done"
    everything = client.get("/api/checks").json()
    assert everything["total"] == 3
    assert everything["items"][0]["question"] == "Does photosynthesis release oxygen?"
    history = client.get("/api/checks", params={"category": "history"}).json()
    assert {i["category"] for i in history["items"]} == {"history"} and history["total"] == 2
    found = client.get("/api/checks", params={"q": "oxygen"}).json()
    assert [i["question"] for i in found["items"]] == ["Does photosynthesis release oxygen?"]
    assert client.get("/api/checks", params={"q": "the of"}).json()["total"] == 0
    paged = client.get("/api/checks", params={"per_page": 2, "page": 2}).json()
    assert (paged["total"], paged["pages"], len(paged["items"])) == (3, 2, 1)
    assert all(i["url"].startswith(f"/fact-checks/{i['category']}/") for i in everything["items"])


def test_checks_made_with_the_cli_appear_on_the_web(client, desk):
    record = run_check(desk, QUESTION)
    listed = client.get("/api/checks").json()["items"]
    assert [i["id"] for i in listed] == [record.id]
    assert client.get(f"/api/checks/{record.id}").json()["report"]["id"] == record.id


def test_a_failed_job_keeps_its_error_and_can_be_retried(client, llm):
    default_section = llm._answers["section"]

    def broken(request):
        raise LLMError("scripted", "the model crashed")

    llm._answers["section"] = broken
    job_id = client.post("/api/checks", json={"question": QUESTION}).json()["id"]
    failed = wait_for(client, job_id)
    assert failed["status"] == "failed" and "the model crashed" in failed["error"]
    assert failed["report"] is None
    llm._answers["section"] = default_section
    before = len(llm.calls)
    retried = client.post(f"/api/checks/{job_id}/retry")
    assert retried.status_code == 202
    done = wait_for(client, job_id)
    assert done["status"] == "done"
    # the retry continued the job's check after its last finished stage
    kinds = [r.kind for r in llm.calls[before:]]
    assert kinds[0] == "section" and not {"understand", "stance", "judge"} & set(kinds)
    assert done["stages"][0]["stage"] == "write"
    again = client.post(f"/api/checks/{job_id}/retry")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_openapi_schema_documents_the_api(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert {"/api/checks", "/api/checks/{id}", "/api/checks/{id}/events"} <= set(paths)
    assert not [p for p in paths if not p.startswith("/api/")]
    assert "202" in paths["/api/checks"]["post"]["responses"]
    assert "429" in paths["/api/checks"]["post"]["responses"]
    components = schema["components"]["schemas"]
    assert {"CheckRequest", "CheckView", "CheckPage", "ErrorBody", "Report"} <= set(components)
    assert (
        "text/event-stream"
        in paths["/api/checks/{id}/events"]["get"]["responses"]["200"]["content"]
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("get", "/api/checks/nope", None, 404, "not_found"),
        ("get", "/api/nothing-here", None, 404, "not_found"),
        ("post", "/api/checks", {"question": ""}, 422, "invalid_input"),
        ("post", "/api/checks", {"question": "   "}, 422, "invalid_input"),
        ("post", "/api/checks", {"question": "x" * 2001}, 422, "invalid_input"),
        ("post", "/api/checks", {"question": "ok?", "extra": 1}, 422, "invalid_input"),
        ("post", "/api/checks", {"q": "missing"}, 422, "invalid_input"),
        ("post", "/api/checks", [1, 2], 422, "invalid_input"),
        ("get", "/api/checks?category=astrology", None, 422, "invalid_input"),
        ("get", "/api/checks?page=0", None, 422, "invalid_input"),
        ("delete", "/api/checks", None, 405, "method_not_allowed"),
        ("post", "/api/checks/nope/retry", None, 404, "not_found"),
        ("post", "/api/checks/nope/refresh", None, 404, "not_found"),
    ],
)
def test_errors_are_typed_json(client, method, path, body, status, code):
    response = client.request(method, path, json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert "Traceback" not in response.text


def test_malformed_json_is_a_422_not_a_crash(client):
    response = client.post(
        "/api/checks", content=b'{"question": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_an_unexpected_error_is_a_500_json_without_details(app, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        monkeypatch.setattr(app.state.web.reports, "search", explode)
        response = client.get("/api/checks")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret internals" not in response.text and "Traceback" not in response.text
