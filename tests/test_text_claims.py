"""Claims of a whole text: sentences, spans found by code, kinds, standalone claims,
repeats merged, ranking, and the model extraction with its fallback."""

import json

import pytest

from factdesk.backends.llm.scripted import ScriptedLLM
from factdesk.pipeline.align import align
from factdesk.pipeline.claims import extract_claims, faithful, split_sentences, standalone
from factdesk.records import SourceText
from factdesk.settings import TextSettings

TEXT = (
    "Good evening, everyone. The Eiffel Tower was built for the 1889 World's Fair. "
    "It is 330 metres tall. I think it is the most beautiful tower in the world. "
    "Will it stand for another century? Share this post!"
)


def _source(text=TEXT):
    return SourceText(text=text, kind="text")


def _sentences(text):
    return [text[s:e] for s, e in split_sentences(text)]


def test_sentences_are_spans_of_the_text_split_per_line():
    text = "A heading without a stop\nDr. Smith arrived at 10 a.m. on Monday. He left.\n“Why?”"
    assert _sentences(text) == [
        "A heading without a stop",
        "Dr. Smith arrived at 10 a.m. on Monday.",
        "He left.",
        "“Why?”",
    ]


def test_a_run_on_transcript_is_cut_into_pieces():
    text = ", ".join(["and then the tower was painted again"] * 40)
    pieces = split_sentences(text)
    assert len(pieces) > 1
    assert all(end - start <= 500 for start, end in pieces)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)


def test_quotes_are_aligned_exactly_loosely_then_by_the_closest_sentence():
    sentences = split_sentences(TEXT)
    exact = align("It is 330 metres tall.", TEXT, sentences)
    assert TEXT[exact[0] : exact[1]] == "It is 330 metres tall."
    loose = align("the eiffel   tower was built for the 1889 world’s fair", TEXT, sentences)
    assert TEXT[loose[0] : loose[1]] == "The Eiffel Tower was built for the 1889 World's Fair"
    fuzzy = align("The Eiffel tower got built for the World Fair in 1889.", TEXT, sentences)
    assert TEXT[fuzzy[0] : fuzzy[1]] == "The Eiffel Tower was built for the 1889 World's Fair."
    assert align("Bananas are berries, botanists say.", TEXT, sentences) is None
    assert align("...", TEXT, sentences) is None


def test_alignment_prefers_the_sentence_it_was_told():
    text = "The tower is tall. Paris is big. The tower is tall."
    sentences = split_sentences(text)
    assert align("The tower is tall.", text, sentences, within=sentences[2]) == (33, 51)


def test_every_sentence_is_kept_with_its_kind_and_only_factual_ones_are_checked():
    found = extract_claims(ScriptedLLM(), _source(), TextSettings())
    assert found.sentences == 6
    rows = [(c.n, c.category, c.checked, c.reason) for c in found.claims]
    assert rows == [
        (1, "greeting", False, "greeting"),
        (2, "factual", True, ""),
        (3, "factual", True, ""),
        (4, "opinion", False, "opinion"),
        (5, "question", False, "question"),
        (6, "call_to_action", False, "call to action"),
    ]
    for claim in found.claims:
        start, end = claim.span
        assert TEXT[start:end] == claim.quote


def test_the_best_ranked_claims_are_checked_and_the_rest_say_why_not():
    text = (
        "The tower is made of wrought iron. The tower opened in 1889 in Paris. "
        "Paris has 2 million people."
    )
    found = extract_claims(ScriptedLLM(), _source(text), TextSettings(max_claims=2))
    checked = [c.text for c in found.claims if c.checked]
    assert checked == ["The tower opened in 1889 in Paris.", "Paris has 2 million people."]
    assert found.claims[0].reason == "ranked below the 2 claims checked"


def test_near_repeats_are_merged_keeping_every_span():
    text = (
        "The Eiffel Tower was built in 1889. Paris hosted a fair. "
        "The Eiffel Tower was built in 1889!"
    )
    llm = ScriptedLLM(choices={"worth": {"Fact": 0.9, "Opinion": 0.1}})
    found = extract_claims(llm, _source(text), TextSettings())
    assert [c.text for c in found.claims] == [
        "The Eiffel Tower was built in 1889.",
        "Paris hosted a fair.",
    ]
    assert found.claims[0].spans == [(0, 35), (57, 92)]


def test_pronouns_are_resolved_from_the_sentences_before():
    text = "Gustave Eiffel ran an engineering company. He built the tower in 1889."

    def rewrite(request):
        assert "Gustave Eiffel ran" in request.variables["context"]
        return json.dumps({"claim": "Gustave Eiffel built the tower in 1889."})

    llm = ScriptedLLM({"standalone": rewrite})
    found = extract_claims(llm, _source(text), TextSettings())
    second = found.claims[1]
    assert second.text == "Gustave Eiffel built the tower in 1889."
    assert second.quote == "He built the tower in 1889."
    assert llm.kinds().count("standalone") == 1  # the first sentence has no pronoun


@pytest.mark.parametrize(
    ("rewrite", "kept"),
    [
        ("Gustave Eiffel built the tower in 1889.", True),
        ("Gustave Eiffel built the tower in 1899.", False),  # a number changed
        ("Gustave Eiffel designed a famous bridge in Porto.", False),  # other words
        ("Gustave Eiffel, a fraudster, built the tower in 1889.", True),  # one stray word
        ("Gustave Eiffel, a notorious fraudster, built the tower in 1889.", False),
    ],
)
def test_a_rewrite_must_stay_faithful(rewrite, kept):
    context = "Gustave Eiffel ran an engineering company."
    assert faithful("He built the tower in 1889.", rewrite, context) is kept


def test_a_broken_rewrite_keeps_the_sentence():
    llm = ScriptedLLM({"standalone": "no json here"})
    assert (
        standalone(llm, "It opened in 1889.", "The tower stands in Paris.") == "It opened in 1889."
    )


def test_the_fact_bias_decides_borderline_sentences():
    llm = ScriptedLLM(choices={"worth": {"Fact": 0.3, "Opinion": 0.7}})
    text = "Flu shots make people unsafe."
    assert (
        extract_claims(llm, _source(text), TextSettings(fact_log_bias=0.0)).claims[0].category
        == "opinion"
    )
    assert (
        extract_claims(llm, _source(text), TextSettings(fact_log_bias=1.0)).claims[0].category
        == "factual"
    )


def test_model_extraction_splits_atomic_claims_with_spans_from_its_quotes():
    text = "Welcome back. Eiffel built the tower in 1889 and he built a bridge in Porto."

    def extract(request):
        assert "[2] Eiffel built the tower" in request.variables["sentences"]
        return json.dumps(
            {
                "claims": [
                    {
                        "sentence": 1,
                        "quote": "Welcome back.",
                        "kind": "greeting",
                        "claim": "Welcome back.",
                    },
                    {
                        "sentence": 2,
                        "quote": "Eiffel built the tower in 1889",
                        "kind": "factual",
                        "claim": "Eiffel built the tower in 1889.",
                    },
                    {
                        "sentence": 2,
                        "quote": "he built a bridge in porto",
                        "kind": "factual",
                        "claim": "Eiffel built a bridge in Porto.",
                    },
                    {
                        "sentence": 9,
                        "quote": "Bananas are berries.",
                        "kind": "factual",
                        "claim": "Bananas are berries.",
                    },
                ]
            }
        )

    llm = ScriptedLLM({"extract": extract})
    found = extract_claims(llm, _source(text), TextSettings(extraction="model"))
    assert [(c.text, text[c.span[0] : c.span[1]]) for c in found.claims] == [
        ("Welcome back.", "Welcome back."),
        ("Eiffel built the tower in 1889.", "Eiffel built the tower in 1889"),
        ("Eiffel built a bridge in Porto.", "he built a bridge in Porto"),
    ]
    assert "worth" not in llm.kinds()  # every sentence was covered


def test_sentences_the_model_leaves_out_are_classified_one_by_one():
    text = "Welcome back. The tower opened in 1889. Paris has 2 million people."
    answer = {
        "claims": [
            {
                "sentence": 2,
                "quote": "The tower opened in 1889.",
                "kind": "factual",
                "claim": "The tower opened in 1889.",
            }
        ]
    }
    llm = ScriptedLLM({"extract": json.dumps(answer)})
    found = extract_claims(llm, _source(text), TextSettings(extraction="model"))
    assert [(c.category, c.quote) for c in found.claims] == [
        ("greeting", "Welcome back."),
        ("factual", "The tower opened in 1889."),
        ("factual", "Paris has 2 million people."),
    ]
    assert llm.kinds().count("worth") == 2


def test_unreadable_model_extraction_falls_back_to_sentences():
    llm = ScriptedLLM({"extract": "I cannot do that."})
    found = extract_claims(llm, _source(), TextSettings(extraction="model"))
    assert len(found.claims) == 6 and llm.kinds().count("worth") == 6


def test_progress_is_reported_per_sentence():
    seen = []
    extract_claims(
        ScriptedLLM(), _source(), TextSettings(), progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(n, 6) for n in range(1, 7)]


def test_transcript_claims_carry_their_times():
    from factdesk.records import Cue

    text = "Good evening.\nThe tower opened in 1889."
    source = SourceText(
        text=text,
        kind="subtitles",
        cues=[
            Cue(start=0, end=13, start_s=0.0, end_s=2.0),
            Cue(start=14, end=39, start_s=2.0, end_s=5.5),
        ],
    )
    found = extract_claims(ScriptedLLM(), source, TextSettings())
    assert [c.times for c in found.claims] == [(0.0, 2.0), (2.0, 5.5)]


def test_a_statement_with_nothing_specific_is_shown_as_vague_not_checked():
    """The scripted model calls both sentences facts; only one gives something to look up."""
    text = "Some things never change. The Eiffel Tower opened in 1889."
    found = extract_claims(ScriptedLLM(), _source(text), TextSettings())
    assert [(c.category, c.checked, c.reason) for c in found.claims] == [
        ("vague", False, "nothing specific to check"),
        ("factual", True, ""),
    ]
