from factdesk.pipeline import run_check
from factdesk.render import link_citations, linkable, render, to_html, to_markdown

HOSTILE = '<script>alert("x")</script>" onmouseover="alert(1)'


def _report(desk):
    return run_check(desk, "Was the Eiffel Tower built for the 1889 World's Fair?").report


def test_html_escapes_every_value_from_sources_and_users(desk):
    report = _report(desk)
    source = report.sources[0].model_copy(update={"title": HOSTILE, "url": "javascript:alert(1)"})
    hostile = report.model_copy(
        update={
            "title": HOSTILE,
            "question": HOSTILE,
            "sources": [source, *report.sources[1:]],
            "followups": [HOSTILE, "b?", "c?"],
        }
    )
    html = to_html(hostile)
    assert "<script>" not in html
    assert 'onmouseover="alert' not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert "Content-Security-Policy" in html


def test_citations_become_links_to_sources():
    assert str(link_citations("Built in 1889 [1] [2].")) == (
        'Built in 1889 <a class="cite" href="#source-1">[1]</a> '
        '<a class="cite" href="#source-2">[2]</a>.'
    )
    assert "&lt;b&gt;" in str(link_citations("<b>bold</b> [1]"))


def test_only_web_urls_are_linked():
    assert linkable("https://example.org/a") and linkable("HTTP://Example.org/a")
    for url in (" JavaScript:alert(1)", "data:text/html,x", "file:///srv/notes.txt", ""):
        assert not linkable(url), url


def test_a_local_source_is_named_but_not_linked_in_html(desk):
    report = _report(desk)
    local = report.sources[0].model_copy(
        update={"title": "Tower notes", "url": "file:///srv/factdesk/private/notes.txt"}
    )
    html = to_html(report.model_copy(update={"sources": [local, *report.sources[1:]]}))
    assert "Tower notes" in html
    assert "file:" not in html


def test_markdown_has_the_full_anatomy(desk):
    report = _report(desk)
    md = to_markdown(report)
    for part in (
        "# Was the Eiffel Tower",
        "Checked on ",
        "> factdesk is an automated",
        "**Verdict: Supported**",
        "## Executive summary",
        "## 1. ",
        "## Bottom line",
        "## Sources",
        "## Want to dive deeper?",
        "## Method",
        "settings hash",
    ):
        assert part in md
    assert render(report, "json").startswith("{")


def test_the_method_trail_says_why_a_rule_set_the_verdict(desk):
    report = _report(desk)
    reason = 'The sources answer "When was it built?" with "1887-1889", not "<1975>".'
    ruled = report.verdict.per_claim[0].model_copy(update={"reason": reason})
    verdict = report.verdict.model_copy(update={"per_claim": [ruled]})
    explained = report.model_copy(update={"verdict": verdict})
    assert f"- Why the verdict: {reason}" in to_markdown(explained)
    assert "Why the verdict: The sources answer" in to_html(explained)
    assert "&lt;1975&gt;" in to_html(explained)
    assert "Why the verdict" not in to_markdown(report)
