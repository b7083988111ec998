"""Check-worthiness by code: a number, a name or a rare word, and who a sentence speaks of."""

import pytest

from factdesk.pipeline.specific import names_something, personal, rarest, specific, vague


@pytest.mark.parametrize(
    "sentence",
    [
        "Unemployment fell to 3.5 percent.",
        "The New York Post endorsed the bid.",
        "Kasab was fed biriyani.",  # a name opening the sentence, found by its rarity
        "Ivermectin is a treatment for coronavirus.",
        "Masks do not stop viruses.",
        "Over thirty million people had to file for unemployment.",
    ],
)
def test_specific_statements(sentence):
    assert specific(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["Some things never change.", "Wake up, people.", "That is all for today.", "I love it."],
)
def test_statements_made_of_common_words_are_not_specific(sentence):
    assert not specific(sentence)


def test_names_rarity_and_persons():
    assert names_something("He met Angela Merkel.") and not names_something("I think so.")
    assert not names_something("I'm sure.")
    assert rarest("people") > 5.5 > 2 > rarest("biriyani")
    assert personal("I hope you found this interesting.") and personal("Let that sink in.")
    assert not personal("Smoking causes cancer.")
    assert personal("Je pense que oui.", "fr") and not personal("Je pense que oui.", "xx")


def test_vague_needs_nothing_specific_and_either_a_person_or_an_unsure_model():
    assert vague("I have always loved a good debate.", 0.99, "en", 4.0, 0.95)
    assert vague("Some things never change.", 0.88, "en", 4.0, 0.95)
    assert not vague("Smoking causes cancer.", 0.97, "en", 4.0, 0.95)  # the model is sure
    assert not vague("I was born in Kenya in 1961.", 0.5, "en", 4.0, 0.95)  # specific
    assert not vague("Tout est dit.", 0.5, "xx", 4.0, 0.95)  # unknown language: all words rare
