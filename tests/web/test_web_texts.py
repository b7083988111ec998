"""Whole texts over the API and the pages: submit, progress per claim, the overview,
a claim refreshed on its own, bad input refused with nothing stored, hostile text inert."""

import json

import pytest
from fastapi.testclient import TestClient
from tests.web.test_web_api import _events
from tests.web.webtools import wait_for

from factdesk.web import create_app

TEXT = (
    "Good evening, everyone. The Eiffel Tower was built for the 1889 World's Fair. "
    "I think it is wonderful. Gustave Eiffel's company designed and built the Eiffel Tower."
)


def _submit(client, **body):
    response = client.post("/api/checks", json=body)
    assert response.status_code == 202, response.text
    return wait_for(client, response.json()["id"], timeout=180)


def test_a_posted_text_becomes_an_overview(client):
    done = _submit(client, text=TEXT)
    assert done["status"] == "done", done
    text_id = done["url"].rsplit("/", 1)[1]
    assert done["url"] == f"/texts/{text_id}"
    claims = done["overview"]["claims"]
    assert [(c["n"], c["checked"], c["label"]) for c in claims] == [
        (1, False, None),
        (2, True, "supported"),
        (3, False, None),
        (4, True, "supported"),
    ]
    stages = [s["stage"] for s in done["stages"] if s["state"] == "finished"]
    assert stages == ["extract", "claim 2", "claim 4"]
    assert "supported (" in done["stages"][-1]["note"]
    by_id = client.get(f"/api/checks/{text_id}").json()
    assert by_id["status"] == "done" and by_id["overview"] == done["overview"]
    assert client.get("/api/checks").json()["items"] == []  # texts are not report pages


def test_progress_events_name_each_claim_as_it_is_checked(client):
    job_id = client.post("/api/checks", json={"text": TEXT}).json()["id"]
    events = _events(client, job_id)
    stages = [json.loads(e["data"]) for e in events if e["event"] == "stage"]
    assert [(s["stage"], s["state"]) for s in stages] == [
        ("extract", "started"),
        ("extract", "finished"),
        ("claim 2", "started"),
        ("claim 2", "finished"),
        ("claim 4", "started"),
        ("claim 4", "finished"),
    ]
    assert stages[1]["note"] == "4 statements, 2 to check"
    end = json.loads(events[-1]["data"])
    assert end["status"] == "done" and end["url"].startswith("/texts/")


def test_one_claim_is_refreshed_on_its_own(client, desk):
    done = _submit(client, text=TEXT)
    text_id = done["url"].rsplit("/", 1)[1]
    before = desk.store.texts.load(text_id).overview
    response = client.post(f"/api/checks/{text_id}/claims/4/refresh")
    assert response.status_code == 202
    refreshed = wait_for(client, response.json()["id"], timeout=180)
    assert refreshed["status"] == "done" and refreshed["url"] == f"/texts/{text_id}"
    assert [s["stage"] for s in refreshed["stages"]] == ["claim 4", "claim 4"]
    after = desk.store.texts.load(text_id).overview
    assert after.claims[3].report.id != before.claims[3].report.id
    assert after.claims[1].report.id == before.claims[1].report.id
    unchecked = client.post(f"/api/checks/{text_id}/claims/3/refresh")
    assert unchecked.status_code == 409 and "opinion" in unchecked.json()["error"]["message"]
    assert client.post(f"/api/checks/{text_id}/claims/9/refresh").status_code == 404
    assert client.post("/api/checks/nope/claims/1/refresh").status_code == 404


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ({"text": ""}, "empty"),
        ({"text": " \n "}, "empty"),
        ({"text": "... ---"}, "no text to check"),
        ({"text": "word " * 30_000}, "MAX_CHARS"),
        ({"url": "http://127.0.0.1/speech"}, "could not be read (refused)"),
        ({"url": "javascript:alert(1)"}, "not an http"),
        ({"text": "A claim.", "url": "https://x.example/"}, "exactly one"),
        ({"question": "Q?", "text": "A claim."}, "exactly one"),
        ({}, "exactly one"),
    ],
)
def test_bad_texts_are_refused_with_nothing_stored(client, desk, body, phrase):
    response = client.post("/api/checks", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    assert phrase in response.json()["error"]["message"]
    assert desk.store.jobs.with_status("queued") == []
    assert desk.store.jobs.with_status("running") == []


def test_the_home_page_offers_a_text_and_a_link(client):
    page = client.get("/").text
    assert "Paste a text / a link" in page
    assert 'action="/texts"' in page and 'name="url"' in page


def test_the_form_checks_a_text_and_shows_the_annotated_overview(client):
    response = client.post("/texts", data={"text": TEXT}, follow_redirects=False)
    assert response.status_code == 303
    job_id = response.headers["location"].rsplit("/", 1)[1]
    page = client.get(f"/jobs/{job_id}", follow_redirects=False)  # running, or done already
    assert "Checking the claims of this text" in page.text or (
        page.status_code == 303 and page.headers["location"].startswith("/texts/")
    )
    done = wait_for(client, job_id, timeout=180)
    redirect = client.get(f"/jobs/{job_id}", follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == done["url"]
    html = client.get(done["url"]).text
    assert '<a class="claim-mark supported" href="#claim-2"' in html
    assert 'id="claim-4"' in html and "Refresh this claim" in html
    assert f'action="{done["url"]}/refresh/2"' in html
    markdown = client.get(done["url"] + ".md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "## The text" in markdown.text
    assert json.loads(client.get(done["url"] + ".json").text)["claims"][1]["span"] == [24, 77]
    assert client.get(done["url"] + ".pdf").status_code == 404
    refreshed = client.post(f"{done['url']}/refresh/2", follow_redirects=False)
    assert refreshed.status_code == 303
    claim_job = refreshed.headers["location"].rsplit("/", 1)[1]
    wait_for(client, claim_job, timeout=180)
    back = client.get(f"/jobs/{claim_job}", follow_redirects=False)
    assert back.headers["location"] == done["url"] + "#claim-2"


def test_the_form_wants_a_text_or_a_link(client):
    response = client.post("/texts", data={"text": "", "url": ""}, headers={"accept": "text/html"})
    assert response.status_code == 422 and "one of them" in response.text


def test_hostile_text_is_escaped_on_the_overview_page(client):
    hostile = (
        "The Eiffel Tower was built for the 1889 World's Fair. "
        '<script>window.pwned = 1</script> "><img src=x onerror=alert(1)>'
    )
    done = _submit(client, text=hostile)
    html = client.get(done["url"]).text
    assert "<script>window.pwned" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in html


def test_texts_may_be_larger_than_other_bodies_but_not_unbounded(desk):
    article = "The Eiffel Tower was built for the 1889 World's Fair. " * 400  # about 21 kB
    with TestClient(create_app(desk, start_workers=False)) as client:
        assert client.post("/api/checks", json={"text": article}).status_code == 202
        assert client.post("/api/checks/x/retry", content=b"x" * 20_000).status_code == 413
        huge = client.post("/api/checks", json={"text": "word " * 120_000})
        assert huge.status_code == 413 and "524288-byte limit" in huge.text
