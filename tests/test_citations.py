import pytest
from hypothesis import given
from hypothesis import strategies as st

from factdesk import citations as c


def test_parse_keys_reads_every_written_form_in_order():
    text = "A [2]. B [S1, 3] and [1;4]. C [s5][2]."
    assert c.parse_keys(text) == [2, 1, 3, 4, 5]


def test_parse_keys_ignores_brackets_that_are_not_citations():
    assert c.parse_keys("An array [a, b] and a year [in 1999] and [] and [x1].") == []


def test_strip_citations_repairs_spacing():
    assert c.strip_citations("It rained [1] , then [2]stopped [3].") == "It rained, then stopped."


def test_move_citations_inside_puts_groups_before_the_stop():
    assert (
        c.move_citations_inside("It rained. [1] [2] Then it stopped.")
        == "It rained [1] [2]. Then it stopped."
    )


def test_split_cited_attaches_trailing_citations_to_their_sentence():
    sentences = c.split_cited("It rained in Paris. [1] It stopped on Monday [2]. [3]")
    assert [(s.text, s.keys) for s in sentences] == [
        ("It rained in Paris.", [1]),
        ("It stopped on Monday.", [2, 3]),
    ]


def test_split_cited_keeps_abbreviations_together():
    sentences = c.split_cited("Dr. Smith met Mr. Jones in the U.S. on Monday [1]. They talked [2].")
    assert len(sentences) == 2
    assert sentences[0].keys == [1]


def test_split_cited_of_empty_text_is_empty():
    assert c.split_cited("   ") == []


def test_render_sentence_places_numbers_before_final_stop():
    assert c.render_sentence(c.CitedSentence("It rained.", [3, 1])) == "It rained [1] [3]."
    assert c.render_sentence(c.CitedSentence("Did it rain?", [2])) == "Did it rain [2]?"
    assert c.render_sentence(c.CitedSentence("No stop", [2])) == "No stop [2]"
    assert c.render_sentence(c.CitedSentence("Uncited.", [])) == "Uncited."


def test_number_sources_by_first_appearance_and_merges_keys_of_one_source():
    key_to_source = {1: "docA", 2: "docB", 3: "docA", 4: "docC"}
    numbers = c.number_sources([[2], [3, 4], [1]], key_to_source)
    assert numbers == {"docB": 1, "docA": 2, "docC": 3}


def test_number_sources_ignores_unknown_keys():
    assert c.number_sources([[9], [1]], {1: "docA"}) == {"docA": 1}


def test_map_keys_drops_unknown_and_merges_duplicates():
    key_to_source = {1: "docA", 3: "docA", 2: "docB"}
    numbers = {"docA": 1, "docB": 2}
    assert c.map_keys([3, 1, 7, 2], key_to_source, numbers) == [1, 2]


def test_renumber_text_rewrites_drops_and_merges_runs():
    text = "First [4]. Second [2, 4] and [9]. Third [S2][2] [4]."
    assert c.renumber_text(text, {4: 1, 2: 2}) == "First [1]. Second [1] [2] and. Third [1] [2]."


def test_citation_problems_reports_both_directions():
    problems = c.citation_problems(["One [1]. Two [3]."], [1, 2])
    assert problems == ["[3] cites no listed source", "source 2 is never cited"]
    assert c.citation_problems(["One [1] [2]."], [1, 2]) == []


def test_format_group_is_sorted_and_unique():
    assert c.format_group([3, 1, 3]) == "[1] [3]"


# Ordinary words only: abbreviations such as "Fig." legitimately do not end a sentence.
words = st.lists(
    st.sampled_from(["rain", "tower", "paris", "built", "river", "green", "city"]),
    min_size=1,
    max_size=6,
).map(" ".join)


@given(st.lists(st.tuples(words, st.lists(st.integers(1, 9), max_size=3)), min_size=1, max_size=6))
def test_join_then_split_round_trips_sentences_and_keys(items):
    sentences = [
        c.CitedSentence(" ".join(text.split()).capitalize() + ".", sorted(set(keys)))
        for text, keys in items
    ]
    again = c.split_cited(c.join_sentences(sentences))
    assert [s.keys for s in again] == [s.keys for s in sentences]
    assert [s.text for s in again] == [s.text for s in sentences]


@given(st.lists(st.lists(st.integers(1, 12), max_size=4), max_size=8))
def test_numbering_is_dense_and_starts_at_one(groups):
    key_to_source = {k: f"doc{k % 5}" for k in range(1, 13)}
    numbers = c.number_sources(groups, key_to_source)
    assert sorted(numbers.values()) == list(range(1, len(numbers) + 1))


def test_labelled_answers_are_parsed_and_cut_to_whole_sentences():
    from factdesk.errors import LLMError
    from factdesk.pipeline.answers import parse_labelled, whole_sentences
    from factdesk.protocols import LLMResponse

    answer = LLMResponse(
        text="**Heading:** City council\nText: It voted [1]. It met aga", completion_tokens=200
    )
    fields = parse_labelled("m", answer, ("Heading", "Text"), "Text")
    assert fields == {"Heading": "City council", "Text": "It voted [1]."}
    whole = LLMResponse(text="Summary: A [1]. B.\nBottom line: C [2].", completion_tokens=9)
    assert parse_labelled("m", whole, ("Summary", "Bottom line"), "Summary") == {
        "Summary": "A [1]. B.",
        "Bottom line": "C [2].",
    }
    labels = ("Summary", "Bottom line")
    only = parse_labelled("m", LLMResponse(text="Summary: only"), labels, "Summary")
    assert only["Bottom line"] == ""
    unlabelled = LLMResponse(text="The tower is tall [1]. It was", completion_tokens=200)
    assert parse_labelled("m", unlabelled, ("Heading", "Text"), "Text") == {
        "Heading": "",
        "Text": "The tower is tall [1].",
    }
    assert whole_sentences("One [2]. Two") == "One [2]."
    assert whole_sentences("No end at all") == "No end at all"
    with pytest.raises(LLMError, match="empty answer"):
        parse_labelled("m", LLMResponse(text="  "), ("Heading", "Text"), "Text")
