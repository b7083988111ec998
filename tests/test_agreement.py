"""Comparing the answer a claim gives with the answer the evidence gives."""

import pytest

from factdesk.pipeline.agreement import compare, fold, numbers, outranked


@pytest.mark.parametrize(
    ("claimed", "found", "expected"),
    [
        ("1975", "Construction of the wall began on 13 August 1961.", "differ"),
        ("1889", "It was built from 1887 to 1889 for the World's Fair.", "agree"),
        ("July 4, 1776", "The Declaration was adopted on July 4, 1776.", "agree"),
        ("2005", "The last naturally occurring case was diagnosed in 1977.", "differ"),
        ("in the 14th century", "It struck Europe from 1346 to 1353.", "agree"),
        ("in the 15th century", "It struck Europe from 1346 to 1353.", "differ"),
        ("two", "She won two Nobel Prizes, in 1903 and 1911.", "agree"),
        ("two", "She won the 1903 prize and the 1911 prize.", "unsure"),
        ("three", "She won two Nobel Prizes.", "differ"),
        ("the largest", "Mercury is the smallest planet in the Solar System.", "differ"),
        ("south", "The Nile flows north into the Mediterranean.", "differ"),
        ("Yuri Gagarin", "Yuri Gagarin was the first human in space.", "agree"),
        ("Genghis Khan", "The empire was founded by Genghis Khan in 1206.", "agree"),
        (
            "the Mediterranean Sea and the Red Sea",
            "It links the Mediterranean Sea to the Red Sea.",
            "agree",
        ),
        ("the United States", "The Soviet Union launched Sputnik 1.", "unsure"),
        ("his theory of relativity", "for his discovery of the photoelectric effect", "unsure"),
        ("Júpiter", "Jupiter is the largest planet.", "agree"),
        ("about 12 per 1,000 people", "a birth rate of 10.94 per 1000 in 2018", "differ"),
        ("12 per 1,000", "12 births per 1000 residents", "agree"),
    ],
)
def test_compare(claimed, found, expected):
    assert compare(claimed, found) == expected


def test_numbers_in_digits_and_words():
    assert numbers("two prizes in 1903 and 1,911 votes") == {2, 1903, 1911}
    assert fold("Brasília") == "brasilia"
    assert numbers("3 in every 10 voters, 5 out of 6 and 8 per 100,000") == {3, 5, 8}


def test_a_lower_rank_is_found_only_against_an_outright_superlative():
    asked = "What is the largest continent on Earth?"
    assert outranked(asked, "Antarctica is the fifth-largest continent [1].") == (
        "fifth-largest continent"
    )
    assert outranked("Which is the most populous city?", "Tokyo is the 2nd most populous city")
    assert outranked(asked, "Asia is the largest continent [1].") is None
    assert (
        outranked("What is the second largest continent?", "Africa is the second-largest.") is None
    )
    assert outranked(asked, "Mount Elbrus is the fifth-highest peak.") is None  # another rank
