"""Do two short answers to one question agree? Decided by code where code can decide.

The point stage compares the answer a claim gives to its own question ("1975") with the
answer the evidence gives ("construction began on 13 August 1961"). A small model
judging whole passages says "yes" whenever the names agree; comparing two short answers
is a task code does reliably for numbers, dates and names, and the model is asked only
when the words differ without a clear contradiction (synonyms, paraphrases).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from factdesk.text import STOPWORDS, stem

Agreement = Literal["agree", "differ", "unsure"]

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_RATE_BASE = re.compile(r"\b(?:per|in every|out of)\s+\d+(?:[.,]\d+)*", re.IGNORECASE)
_CENTURY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)[ -]century\b")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "first": 1, "second": 2, "third": 3,
    "fourth": 4, "fifth": 5, "once": 1, "twice": 2, "single": 1, "both": 2, "double": 2,
}  # fmt: skip
_OPPOSITES = (
    ("largest", "smallest"),
    ("biggest", "smallest"),
    ("highest", "lowest"),
    ("longest", "shortest"),
    ("oldest", "youngest"),
    ("first", "last"),
    ("north", "south"),
    ("east", "west"),
    ("northward", "southward"),
    ("northwards", "southwards"),
    ("hottest", "coldest"),
    ("before", "after"),
    ("more", "less"),
)
_SUFFIXES = ("ing", "ed", "es", "s")


def fold(text: str) -> str:
    """Lower case without diacritics ("Júpiter" and "Jupiter" compare equal)."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).lower()


def words(text: str) -> set[str]:
    found = _WORD.findall(fold(text))
    return {stem(w, _SUFFIXES) for w in found if w not in STOPWORDS and len(w) > 1}


def numbers(text: str) -> set[int]:
    """Whole numbers a text states, in digits or (small ones) in words. The base of a
    rate ("12 per 1,000") is a unit, not a value: read as one, "12 per 1,000" and "10.94
    per 1000" shared the "year" 1000 and were called agreeing."""
    values = _RATE_BASE.sub(" ", text)
    found = {int(n.replace(",", "").split(".")[0]) for n in _NUMBER.findall(values)}
    found |= {_NUMBER_WORDS[w] for w in _WORD.findall(fold(values)) if w in _NUMBER_WORDS}
    return found


def _centuries(text: str) -> list[range]:
    return [range((int(n) - 1) * 100 + 1, int(n) * 100 + 1) for n in _CENTURY.findall(fold(text))]


def _opposed(claimed: set[str], found: set[str]) -> bool:
    return any(
        (a in claimed and b in found) or (b in claimed and a in found) for a, b in _OPPOSITES
    )


def opposes(claim: str, sentence: str) -> bool:
    """The sentence uses the opposite of one of the claim's words and not the word itself
    ("Mercury is the smallest planet" against "Mercury is the largest planet"): it
    states another fact, however many words the two share."""
    claimed, stated = words(claim), words(sentence)
    return any(
        (a in claimed and b in stated and a not in stated)
        or (b in claimed and a in stated and b not in stated)
        for a, b in _OPPOSITES
    )


_SUPERLATIVE = (
    r"(largest|biggest|smallest|highest|lowest|longest|shortest|oldest|youngest|tallest|"
    r"deepest|hottest|coldest|busiest|richest|poorest|fastest|heaviest|most populous)"
)
_ORDINAL = r"(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))"
_RANKED = re.compile(rf"\b{_ORDINAL}[- ]{_SUPERLATIVE}(?:\s+[^\W\d_]+)?")
_FIRST_RANK = re.compile(rf"\b{_SUPERLATIVE}\b")


def outranked(question: str, statement: str) -> str | None:
    """The lower rank the statement gives ("fifth-largest continent") for the superlative
    the question asks about outright ("What is the largest continent?"), else None. An
    answer that names the claim's subject agrees by its words, but the sentence that
    gives it ranks the subject fifth: that is the contradiction."""
    outright = _RANKED.sub(" ", fold(question))  # "the second largest" asks no first rank
    asked = {m.group(1) for m in _FIRST_RANK.finditer(outright)}
    for ranked in _RANKED.finditer(fold(statement)):
        if ranked.group(1) in asked:
            return ranked.group(0)
    return None


def _by_kind(values: set[int]) -> tuple[set[int], set[int]]:
    """Years (100-2200) apart from counts and other numbers: "two prizes" is not a year."""
    years = {v for v in values if 100 <= v <= 2200}
    return years, values - years - {0}


def compare(claimed: str, found: str) -> Agreement:
    """Whether `found` (the evidence's answer) agrees with `claimed` (the claim's answer)."""
    claimed_years, claimed_counts = _by_kind(numbers(claimed))
    found_years, found_counts = _by_kind(numbers(found))
    centuries = _centuries(claimed)
    if centuries and found_years:
        inside = all(any(y in c for c in centuries) for y in found_years)
        return "agree" if inside else "differ"
    for said, stated in ((claimed_years, found_years), (claimed_counts, found_counts)):
        if said and stated:
            if said <= stated:
                return "agree"
            if not said & stated:
                return "differ"
    claimed_words, found_words = words(claimed), words(found)
    if _opposed(claimed_words, found_words):
        return "differ"
    if claimed_words and claimed_words <= found_words:
        return "agree"
    return "unsure"
