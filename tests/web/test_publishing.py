"""Publishing like a fact-checking desk: ClaimReview JSON-LD on real pages, in the API and
in the Atom feed, checked with real parsers (extruct, feedparser) against the schema.org
vocabulary generated from its published definition; archived copies; corrections."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import extruct
import feedparser
from tests.web.schemaorg import problems, types_and_properties
from tests.web.webtools import check, wait_for

from factdesk.claimreview import read_claim_reviews
from factdesk.records import ArchivedCopy, Document

HTML = {"accept": "text/html"}
BASE = "http://testserver"


def claim_reviews_on(html: str, url: str) -> list[dict]:
    found = extruct.extract(html, base_url=url, syntaxes=["json-ld"], uniform=False)["json-ld"]
    return [node for node in found if node.get("@type") == "ClaimReview"]


def test_the_vocabulary_check_can_fail():
    bad = {
        "@type": "ClaimReview",
        "claimReviewd": "typo",
        "datePublished": "yesterday",
        "itemReviewed": {"@type": "Claimm"},
        "author": {"@type": "Organization", "bestRating": 5},
    }
    found = problems(bad)
    assert any("claimReviewd" in p for p in found)
    assert any("'yesterday'" in p for p in found)
    assert any("Claimm" in p for p in found)
    assert any("bestRating" in p and "excludes" in p for p in found)
    assert problems({"@type": "Rating", "ratingValue": 3, "bestRating": 5}) == []


def test_a_report_page_carries_exactly_one_valid_claim_review(client):
    view = check(client)
    page = client.get(view["url"])
    reviews = claim_reviews_on(page.text, BASE + view["url"])
    assert len(reviews) == 1
    review = reviews[0]
    assert problems(review) == []
    used = types_and_properties(review)
    assert {"ClaimReview", "Claim", "Rating", "Organization", "reviewRating"} <= used
    rating = review["reviewRating"]
    assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (5, 5, 1)
    assert rating["alternateName"] == "Supported"
    assert review["claimReviewed"] == view["report"]["title"]
    assert review["itemReviewed"] == {"@type": "Claim", "text": view["report"]["title"]}
    assert review["author"]["name"] == "factdesk"
    assert review["url"] == BASE + view["url"]
    assert review["inLanguage"] == "en"
    assert review["datePublished"] <= review["dateModified"]
    assert view["claim_review"] == review  # the API carries the same one


def test_the_publisher_and_its_address_come_from_the_settings(desk):
    from fastapi.testclient import TestClient

    from factdesk.web import create_app

    desk.settings.publisher.name = "Example Checks"
    desk.settings.publisher.url = "https://checks.example.org"
    with TestClient(create_app(desk)) as client:
        view = check(client)
        review = view["claim_review"]
    assert review["author"] == {
        "@type": "Organization",
        "name": "Example Checks",
        "url": "https://checks.example.org",
    }
    assert review["url"] == "https://checks.example.org" + view["url"]
    assert problems(review) == []


def test_the_atom_feed_parses_cleanly_and_carries_each_claim_review(client):
    first = check(client)
    second = check(client, "Does photosynthesis release oxygen?")
    response = client.get("/feed.xml")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.link for e in feed.entries] == [BASE + second["url"], BASE + first["url"]]
    for entry, view in zip(feed.entries, (second, first), strict=True):
        assert entry.summary.startswith("Verdict: ")
        content = entry.content[0]
        assert content.type == "application/ld+json"
        review = json.loads(content.value)
        assert problems(review) == []
        assert review == view["claim_review"]


def test_the_claim_review_data_feed_is_valid_and_reads_back(client):
    check(client)
    check(client, "Does photosynthesis release oxygen?")
    feed = client.get("/api/claim-reviews").json()
    assert problems(feed) == []
    assert [e["@type"] for e in feed["dataFeedElement"]] == ["ClaimReview", "ClaimReview"]
    imported, skipped = read_claim_reviews(feed)
    assert skipped == 0
    assert sorted(r.claim for r in imported) == sorted(
        e["claimReviewed"] for e in feed["dataFeedElement"]
    )
    assert {r.rating for r in imported} <= {"Supported", "Not enough evidence"}


def test_every_source_links_to_its_archived_copy_whose_hash_checks(client, index):
    hostile = Document(
        id="hostile-copy",
        title="Eiffel Tower <b>records</b>",
        text="The Eiffel Tower was built for the 1889 World's Fair. "
        '<script>alert("archived")</script> It opened in 1889.',
        url="https://example.org/eiffel",
    )
    index.add([hostile])
    view = check(client)
    sources = view["report"]["sources"]
    assert sources and all(s["archived_url"] == f"/archive/{s['sha256']}" for s in sources)
    for source in sources:
        text = client.get(source["archived_url"] + ".txt")
        assert text.headers["content-type"].startswith("text/plain")
        assert hashlib.sha256(text.content).hexdigest() == source["sha256"]
        page = client.get(source["archived_url"])
        assert page.status_code == 200
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        assert source["sha256"] in page.text
        assert api_copy(client, source["sha256"])["url"] == source["url"]
    copy = next(s for s in sources if s["url"] == hostile.url)
    page = client.get(copy["archived_url"]).text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;archived&#34;)" in page
    assert client.get("/archive/" + "0" * 64, headers=HTML).status_code == 404
    assert client.get("/archive/not-a-hash").status_code in (404, 422)


def api_copy(client, sha256: str) -> dict:
    response = client.get(f"/api/archive/{sha256}")
    assert response.status_code == 200
    return response.json()


def test_each_source_shows_its_credibility_tier(client):
    view = check(client)
    assert {s["tier"] for s in view["report"]["sources"]} == {"editorial"}  # Wikipedia
    page = client.get(view["url"]).text
    assert '<span class="tier"' in page and ">editorial</span>" in page


def refute_everything(llm) -> None:
    """From now on the scripted model reads every passage as refuting the claim."""
    llm._choices["stance"] = {"Yes": 0.02, "No": 0.95, "Unclear": 0.03}
    llm._choices["judge"] = {"True": 0.02, "False": 0.9, "Mixed": 0.03, "Unknown": 0.05}


def test_a_refresh_that_changes_the_verdict_leaves_a_dated_correction(client, llm):
    view = check(client)
    assert view["report"]["verdict"]["label"] == "supported"
    assert client.get("/api/corrections").json()["total"] == 0
    refute_everything(llm)
    job = client.post(f"/api/checks/{view['report_id']}/refresh").json()
    done = wait_for(client, job["id"])
    assert done["report"]["verdict"]["label"] == "refuted"
    listed = client.get("/api/corrections").json()
    assert listed["total"] == 1
    note = listed["items"][0]
    assert (note["report_id"], note["version"]) == (view["report_id"], 2)
    assert note["verdict_before"] == "supported" and note["verdict_after"] == "refuted"
    assert "changed the verdict from Supported to Refuted" in note["note"]
    page = client.get(view["url"]).text
    assert 'id="corrections"' in page and "changed the verdict from Supported to Refuted" in page
    corrections = client.get("/corrections").text
    assert view["report"]["title"].replace("'", "&#39;") in corrections
    assert f'href="{view["url"]}"' in corrections


def test_a_refresh_that_changes_nothing_is_no_correction(client):
    view = check(client)
    job = client.post(f"/api/checks/{view['report_id']}/refresh").json()
    wait_for(client, job["id"])
    assert client.get("/api/corrections").json()["total"] == 0
    assert 'id="corrections"' not in client.get(view["url"]).text


def test_the_methods_page_is_made_from_the_settings_and_stored_figures(client):
    page = client.get("/methods")
    assert page.status_code == 200
    html = page.text
    for part in (
        "Language model: scripted",
        "embeddings: hashing",
        "Search backends, in the order they are consulted: local",
        "not a finding that the claim is false",
        "0.364",  # AVeriTeC as shipped, from bench/results/shipped/eval-averitec-pipeline.json
        "2026-11-25",
        "Corrections policy",
        "<dt>primary</dt>",
    ):
        assert part in html, part


def test_an_unset_results_folder_shows_no_figures(desk, tmp_path):
    from fastapi.testclient import TestClient

    from factdesk.web import create_app

    desk.settings.publisher.bench_results = tmp_path / "nothing-here"
    with TestClient(create_app(desk)) as client:
        html = client.get("/methods").text
    assert "No measured figures are stored" in html and "0.364" not in html


def test_the_feed_of_an_empty_desk_is_valid(client):
    feed = feedparser.parse(client.get("/feed.xml").content)
    assert feed.bozo == 0 and feed.entries == []


def test_pages_link_the_feed_methods_and_corrections(client):
    home = client.get("/").text
    for link in ('href="/feed.xml"', 'href="/methods"', 'href="/corrections"', 'href="/submit"'):
        assert link in home, link


def test_a_checked_text_carries_one_valid_claim_review_per_checked_claim(client):
    text = (
        "Good evening, everyone. The Eiffel Tower was built for the 1889 World's Fair. "
        "I think it is wonderful. Gustave Eiffel's company designed and built the Eiffel Tower."
    )
    job = client.post("/api/checks", json={"text": text}).json()
    done = wait_for(client, job["id"])
    page = client.get(done["url"])
    reviews = claim_reviews_on(page.text, BASE + done["url"])
    checked = [c for c in done["overview"]["claims"] if c["checked"]]
    assert len(reviews) == len(checked) == 2
    for review, claim in zip(reviews, checked, strict=True):
        assert problems(review) == []
        assert review["url"] == f"{BASE}{done['url']}#claim-{claim['n']}"
        assert review["reviewRating"]["alternateName"] == "Supported"
        assert f'id="claim-{claim["n"]}"' in page.text
        archived = [c["archivedAt"] for c in review["citation"] if "archivedAt" in c]
        assert archived and client.get(archived[0].removeprefix(BASE)).status_code == 200


def test_an_archived_local_file_keeps_its_path_on_the_server(client, desk):
    text = "A passage read from a file on the server."
    digest = hashlib.sha256(text.encode()).hexdigest()
    copy = ArchivedCopy(
        sha256=digest,
        url="file:///srv/private/notes.txt",
        title="Notes",
        text=text,
        retrieved_at=datetime.now(UTC),
    )
    desk.store.archive.keep([copy])
    api = client.get(f"/api/archive/{digest}").json()
    page = client.get(f"/archive/{digest}", headers=HTML).text
    assert api["url"] == "" and api["text"] == text
    assert "/srv/private" not in page and text in page
