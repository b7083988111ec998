"""Canonical URLs and source metadata from the shipped, editable domain list."""

import json
from collections import Counter

import pytest

from factdesk.sourcemeta import canonical_url, describe, load_domain_list


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.Example.com/a/?utm_source=x&b=2&a=1#top", "http://example.com/a?a=1&b=2"),
        ("https://example.com:443/story/", "https://example.com/story"),
        ("https://example.com/p?fbclid=abc&gclid=1", "https://example.com/p"),
    ],
)
def test_spellings_of_one_page_share_a_canonical_url(a, b):
    assert canonical_url(a) == canonical_url(b)


def test_different_pages_stay_different():
    assert canonical_url("https://example.com/a?id=1") != canonical_url(
        "https://example.com/a?id=2"
    )
    assert canonical_url("https://example.com:8080/a") != canonical_url("https://example.com/a")


@pytest.mark.parametrize(
    ("url", "outlet", "kind"),
    [
        ("https://www.reuters.com/world/europe/x", "Reuters", "news"),
        ("https://www.reuters.com/fact-check/claim-idUS1", "Reuters Fact Check", "fact_checker"),
        ("https://factcheck.afp.com/doc.afp.com.1", "AFP Fact Check", "fact_checker"),
        ("https://www.lemonde.fr/les-decodeurs/article/x", "Les Décodeurs", "fact_checker"),
        ("https://www.tagesschau.de/inland/x", "tagesschau", "news"),
        ("https://www.ons.gov.uk/economy", "Office for National Statistics", "government"),
        ("https://pubmed.ncbi.nlm.nih.gov/123/", "PubMed", "academic"),
        ("https://fr.wikipedia.org/wiki/Tour_Eiffel", "Wikipedia", "encyclopedia"),
        ("https://someone.substack.com/p/x", "Substack", "blog_social"),
        ("https://www.environment.gov.au/x", "environment.gov.au", "government"),
        ("https://physics.ox.ac.uk/x", "University of Oxford", "academic"),
        ("https://dept.uni.edu.au/x", "dept.uni.edu.au", "academic"),
        ("https://unknown.example/x", "unknown.example", "other"),
    ],
)
def test_outlet_and_source_type(url, outlet, kind):
    assert describe(url)[1:] == (outlet, kind)


def test_the_shipped_list_covers_every_source_type_widely():
    counts = Counter(info.type for info in load_domain_list().domains.values())
    assert counts["news"] >= 200 and counts["fact_checker"] >= 50
    assert counts["government"] >= 100 and counts["academic"] >= 60


def test_an_extra_domains_file_wins(tmp_path, monkeypatch):
    extra = tmp_path / "domains.json"
    extra.write_text(json.dumps({"domains": {"reuters.com": {"outlet": "Wire", "type": "other"}}}))
    monkeypatch.setenv("FACTDESK_DOMAINS_FILE", str(extra))
    assert describe("https://reuters.com/x")[1:] == ("Wire", "other")
