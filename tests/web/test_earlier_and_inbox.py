"""Earlier checks first, readers' suggestions and claims, and per-check source policies,
over the API and the forms."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.web.webtools import QUESTION, check, gate, wait_for

from factdesk.web import create_app

HTML = {"accept": "text/html"}


def test_a_recent_earlier_check_is_shown_instead_of_checking_again(client, llm):
    first = check(client)
    calls = len(llm.calls)
    again = client.post("/api/checks", json={"question": QUESTION})
    assert again.status_code == 200
    view = again.json()
    assert view["report_id"] == first["report_id"] and view["status"] == "done"
    assert view["earlier"]["report_id"] == first["report_id"]
    assert view["earlier"]["similarity"] >= 0.99 and view["earlier"]["reuse"] is True
    assert view["earlier"]["verdict"] == "supported" and view["earlier"]["same_claim"] == 0.9
    assert llm.kinds()[calls:] == ["same_claim"]  # nothing was researched
    assert client.get("/api/checks").json()["total"] == 1


def test_fresh_or_a_different_claim_checks_anew(client):
    first = check(client)
    fresh = client.post("/api/checks", json={"question": QUESTION, "fresh": True})
    assert fresh.status_code == 202 and fresh.json()["earlier"] is None
    done = wait_for(client, fresh.json()["id"])
    assert done["report_id"] != first["report_id"]
    other = client.post("/api/checks", json={"question": "Does photosynthesis release oxygen?"})
    assert other.status_code == 202 and other.json()["earlier"] is None


def test_an_old_earlier_check_is_refreshed_as_its_next_version(desk):
    desk.settings.earlier.reuse_max_age_days = 0
    with TestClient(create_app(desk)) as client:
        first = check(client)
        again = client.post("/api/checks", json={"question": QUESTION})
        assert again.status_code == 202
        job = again.json()
        assert job["earlier"]["report_id"] == first["report_id"]
        assert job["earlier"]["reuse"] is False
        done = wait_for(client, job["id"])
    assert (done["report_id"], done["version"]) == (first["report_id"], 2)


def test_the_form_shows_an_earlier_check_with_what_was_asked(client):
    first = check(client)
    asked = QUESTION.replace("Was", "was") + "  "
    posted = client.post("/checks", data={"question": asked}, follow_redirects=False)
    assert posted.status_code == 303
    assert posted.headers["location"].startswith(first["url"] + "?asked=")
    page = client.get(posted.headers["location"]).text
    assert "already checked on" in page and "Supported" in page


def test_the_job_page_of_a_refresh_links_the_earlier_check(client, llm):
    first = check(client)
    release = gate(llm, "followup")
    job = client.post(f"/api/checks/{first['report_id']}/refresh").json()
    page = client.get(f"/jobs/{job['id']}", follow_redirects=False)
    release.set()
    assert page.status_code == 200
    assert "Already checked on" in page.text and f'href="{first["url"]}"' in page.text
    wait_for(client, job["id"])


def test_a_check_with_its_own_source_policy_records_it(client):
    check(client)
    response = client.post(
        "/api/checks", json={"question": QUESTION, "sources": {"deny": ["wikipedia.org"]}}
    )
    assert response.status_code == 202  # its own policy: no earlier check is reused
    report = wait_for(client, response.json()["id"])["report"]
    assert report["method"]["source_policy"]["deny"] == ["wikipedia.org"]
    assert report["method"]["excluded_domains"] == ["en.wikipedia.org"]
    assert report["sources"] == []
    assert report["verdict"]["label"] == "not_enough_evidence"
    page = client.get(f"/api/checks/{report['id']}").json()
    assert page["report"]["method"]["source_policy"]["deny"] == ["wikipedia.org"]


def test_a_reader_suggests_a_correction_through_the_form(client, desk):
    view = check(client)
    posted = client.post(
        f"/suggestions/{view['report_id']}",
        data={"text": "The tower <b>opened</b> in May 1889.", "source_url": "https://e.org/x"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == view["url"] + "?suggested=1#suggest"
    page = client.get(posted.headers["location"]).text
    assert "your suggestion reached the editors" in page
    (stored,) = desk.store.inbox.recent()
    assert (stored.kind, stored.report_id) == ("correction", view["report_id"])
    assert stored.text == "The tower <b>opened</b> in May 1889."
    assert stored.source_url == "https://e.org/x"


def test_a_claim_to_check_is_taken_over_the_api_and_the_form(client, desk):
    made = client.post("/api/suggestions", json={"kind": "claim", "text": "The moon is cheese."})
    assert made.status_code == 201
    assert made.json()["kind"] == "claim" and made.json()["report_id"] is None
    sent = client.post("/submit", data={"text": "Bats are blind."}, follow_redirects=False)
    assert (sent.status_code, sent.headers["location"]) == (303, "/submit?sent=true")
    assert "the editors will see your claim" in client.get("/submit?sent=true").text
    assert [s.text for s in desk.store.inbox.recent(kind="claim")] == [
        "Bats are blind.",
        "The moon is cheese.",
    ]


@pytest.mark.parametrize(
    ("body", "status", "phrase"),
    [
        ({"kind": "claim", "text": "   "}, 422, "empty"),
        ({"kind": "claim", "text": "x" * 2001}, 422, "limit is 2000"),
        ({"kind": "claim", "text": "x", "source_url": "javascript:alert(1)"}, 422, "http(s)"),
        ({"kind": "correction", "text": "x"}, 422, "report_id"),
        ({"kind": "correction", "text": "x", "report_id": "ffffffffff"}, 404, "ffffffffff"),
        ({"kind": "rumour", "text": "x"}, 422, "kind"),
    ],
)
def test_bad_suggestions_are_one_sentence_errors(client, desk, body, status, phrase):
    response = client.post("/api/suggestions", json=body)
    assert response.status_code == status
    assert phrase in response.json()["error"]["message"]
    assert desk.store.inbox.recent() == []


def test_suggestions_are_rate_limited_without_a_token(desk):
    desk.settings.server.api_token = desk.settings.server.api_token.__class__("secret")
    desk.settings.server.suggest_rate_per_minute = 2
    with TestClient(create_app(desk)) as client:
        codes = [
            client.post("/api/suggestions", json={"kind": "claim", "text": f"claim {i}"})
            for i in range(3)
        ]
    assert [c.status_code for c in codes] == [201, 201, 429]
    assert int(codes[2].headers["retry-after"]) >= 1
    assert len(desk.store.inbox.recent()) == 2
