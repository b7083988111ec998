"""A whole text checked end to end with the scripted model: claims checked on one desk,
sources numbered across the text, the overview's anatomy and its three renderings."""

import json
import re

import pytest

from factdesk.errors import ConflictError, NotFoundError
from factdesk.pipeline.wholetext import check_text, recheck_claim
from factdesk.records import SourceText
from factdesk.render_overview import markdown_escape, render_overview

TEXT = (
    "Good evening, everyone.\n"
    "The Eiffel Tower was built for the 1889 World's Fair. I think it is wonderful. "
    "Gustave Eiffel's company designed and built the Eiffel Tower. "
    "Bananas grow on the Moon in 1850. Share this post!"
)


@pytest.fixture
def source():
    return SourceText(text=TEXT, kind="text", origin="speech.txt")


class Recorder:
    def __init__(self):
        self.events = []

    def check_created(self, check_id):
        self.events.append(("created", check_id))

    def stage_started(self, stage):
        self.events.append(("start", stage))

    def stage_finished(self, stage, seconds, note):
        self.events.append(("end", stage, note))


def test_a_text_gets_a_verdict_per_checked_claim(desk, source):
    recorder = Recorder()
    overview = check_text(desk, source, recorder)
    rows = [(c.n, c.category, c.checked, c.label) for c in overview.claims]
    assert rows == [
        (1, "greeting", False, None),
        (2, "factual", True, "supported"),
        (3, "opinion", False, None),
        (4, "factual", True, "supported"),
        (5, "factual", True, "not_enough_evidence"),
        (6, "call_to_action", False, None),
    ]
    assert [e[1] for e in recorder.events if e[0] == "end"] == [
        "extract",
        "claim 2",
        "claim 4",
        "claim 5",
    ]
    assert recorder.events[-1][2].startswith("not_enough_evidence (")
    for claim in overview.claims:
        assert TEXT[claim.span[0] : claim.span[1]] == claim.quote
    checked = [c for c in overview.claims if c.checked]
    assert all(c.report is not None and c.seconds > 0 for c in checked)
    # one shortened report per claim: one evidence section and the limits
    assert all(len(c.report.sections) <= 2 for c in checked)
    assert overview.method.statements == 6 and overview.method.checked == 3
    assert set(overview.method.timings) == {"extract", "claim 2", "claim 4", "claim 5"}
    assert overview.method.usage["extract"].calls == 6  # one classification per sentence


def test_sources_are_numbered_once_across_the_text(desk, source):
    overview = check_text(desk, source)
    numbers = [s.n for s in overview.sources]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len({s.url for s in overview.sources}) == len(numbers)
    cited = set()
    for claim in overview.claims:
        found = {int(n) for n in re.findall(r"\[(\d+)\]", claim.paragraph)}
        assert found == set(claim.sources)
        cited |= found
    assert cited == set(numbers)  # every source listed is cited, every citation listed
    first, second = overview.claims[1], overview.claims[3]
    assert first.sources and second.sources


def test_the_overview_has_the_usual_anatomy(desk, source):
    overview = check_text(desk, source)
    assert overview.disclaimer.startswith("factdesk is an automated")
    assert overview.title == "Good evening, everyone."
    assert overview.executive_summary == (
        "This text makes 6 statements, 3 of them facts that sources could confirm or refute. "
        "3 were checked: 2 supported, 1 not enough evidence."
    )
    assert overview.bottom_line == (
        "The sources support 2 of the 3 claims checked and do not settle the others."
    )
    assert [s.heading for s in overview.sections][:3] == [
        c.text for c in overview.claims if c.checked
    ]
    assert overview.sections[-1].kind == "limits"
    assert "claims 5" in overview.sections[-1].body
    assert len(overview.followups) == 3  # asked of the best ranked claim only
    assert overview.grounding.sentences >= 2


def test_the_follow_ups_come_from_the_best_ranked_claim_wherever_it_is(desk):
    """The best ranked claim (a number and a name) comes second in reading order here;
    its follow-ups were asked, the first claim's were not, and the overview showed none."""
    text = (
        "Gustave Eiffel's company designed and built the Eiffel Tower. "
        "The Eiffel Tower was built for the 1889 World's Fair."
    )
    overview = check_text(desk, SourceText(text=text, kind="text"))
    first, best = (c for c in overview.claims if c.checked)
    assert best.worth > first.worth and not first.report.followups
    assert len(overview.followups) == 3 and overview.followups == best.report.followups
    assert "## Want to dive deeper?" in render_overview(overview, "md")


def test_a_failed_claim_keeps_its_error_and_the_others_go_on(desk, source, llm):
    from factdesk.backends.llm.scripted import DEFAULT_ANSWERS
    from factdesk.errors import LLMError

    def understand(request):
        if "Bananas" in request.variables["question"]:
            raise LLMError("scripted", "the model stopped")
        return DEFAULT_ANSWERS["understand"](request)

    llm._answers["understand"] = understand
    overview = check_text(desk, source)
    bananas = overview.claims[4]
    assert bananas.label is None and "the model stopped" in bananas.error
    assert overview.claims[1].label == "supported"
    assert "The check of this claim failed." not in overview.executive_summary


def test_one_claim_can_be_checked_again(desk, source, llm):
    overview = check_text(desk, source)
    before = overview.claims[4]
    refreshed = recheck_claim(desk, overview, 5)
    assert refreshed.id == overview.id
    assert refreshed.claims[4].report.id != before.report.id
    assert [c.label for c in refreshed.claims] == [c.label for c in overview.claims]
    with pytest.raises(ConflictError):
        recheck_claim(desk, overview, 3)
    with pytest.raises(NotFoundError):
        recheck_claim(desk, overview, 99)


def test_json_lists_every_statement_in_reading_order(desk, source):
    data = json.loads(render_overview(check_text(desk, source), "json"))
    claims = data["claims"]
    assert [c["span"][0] for c in claims] == sorted(c["span"][0] for c in claims)
    for claim in claims:
        assert {"text", "span", "checked", "reason", "label", "confidence", "sources"} <= set(claim)
        start, end = claim["span"]
        assert TEXT[start:end] == claim["quote"]
    assert claims[2]["checked"] is False and claims[2]["reason"] == "opinion"
    assert claims[1]["label"] == "supported" and 0 < claims[1]["confidence"] <= 1
    assert "report" not in claims[1]
    assert data["source"]["text"] == TEXT


def test_html_highlights_every_claim_and_links_it_to_its_section(desk, source):
    html = render_overview(check_text(desk, source), "html")
    marks = re.findall(r'<a class="claim-mark (\w+)" href="#claim-(\d+)"', html)
    assert marks == [
        ("unchecked", "1"),
        ("supported", "2"),
        ("unchecked", "3"),
        ("supported", "4"),
        ("not_enough_evidence", "5"),
        ("unchecked", "6"),
    ]
    for n in ("2", "4", "5"):
        assert f'id="claim-{n}"' in html
    assert 'id="claim-3"' not in html  # an opinion has no verdict section
    assert "not checked: opinion" in html


def test_hostile_text_stays_inert_in_every_format(desk):
    hostile = (
        'The Eiffel Tower was built for the 1889 World\'s Fair <script>alert("x")</script>. '
        "<img src=x onerror=alert(1)> Gustave Eiffel built it [click](javascript:alert(1))."
    )
    overview = check_text(desk, SourceText(text=hostile, kind="text"))
    html = render_overview(overview, "html")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    markdown = render_overview(overview, "md")
    assert "<script>" not in markdown and "<img" not in markdown
    assert "[click](javascript:" not in markdown
    assert markdown_escape("*a* [b](c) <i>") == r"\*a\* \[b\](c) &lt;i&gt;"


def test_markdown_links_highlights_to_claim_anchors(desk, source):
    markdown = render_overview(check_text(desk, source), "md")
    assert '<a id="claim-2"></a>2. The Eiffel Tower was built' in markdown
    assert (
        "[The Eiffel Tower was built for the 1889 World's Fair.](#claim-2 \"2: Supported"
        in markdown
    )
    assert "| 3 | I think it is wonderful. | not checked: opinion |  |" in markdown


def test_transcript_claims_say_when_they_were_said(desk):
    from factdesk.records import Cue

    text = "Good evening.\nThe Eiffel Tower was built for the 1889 World's Fair."
    cues = [
        Cue(start=0, end=13, start_s=0, end_s=2),
        Cue(start=14, end=len(text), start_s=62, end_s=70),
    ]
    overview = check_text(desk, SourceText(text=text, kind="subtitles", cues=cues))
    assert overview.claims[1].times == (62, 70)
    assert "said at 1:02" in render_overview(overview, "md")
