"""Is a statement specific enough to check? Code's answer, beside the model's.

The local model calls almost any declarative sentence a fact: "Some things never
change.", "Wake up, people." and "I have always loved a good debate." all came back
"Fact" (0.53 to 0.88). What a fact-checker can look up is specific: it gives a number,
names someone or something, or uses a word precise enough to search for ("ivermectin",
"troposphere", "masks"); filler is made of the commonest words of its language and often
speaks of the writer or to the reader. Word frequencies come from `wordfreq` (Zipf scale:
6 is "people", 3.9 "masks", 1.8 "biriyani"); for a language it does not know every word
reads as rare, so the model alone decides there.
"""

from __future__ import annotations

import re
from functools import cache

from wordfreq import available_languages, zipf_frequency

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_DIGIT = re.compile(r"\d")
_NUMBER_WORDS = frozenset({
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand", "million", "billion", "trillion", "percent", "half", "twice",
    "double", "triple", "dozen",
})  # fmt: skip
_PERSONAL = {
    "en": "i i'm i’m i've i’ve me my mine we we're we’re us our you you're you’re your "
    "yourself yourselves let let's let’s",
    "es": "yo me mi mis nosotros nosotras nos nuestro nuestra tú te tu tus usted ustedes",
    "fr": "je j me moi mon ma mes nous notre nos tu te toi ton ta tes vous votre vos",
    "de": "ich mich mir mein meine wir uns unser unsere du dich dir dein deine euch euer",
    "it": "io mi mio mia miei mie noi ci nostro nostra tu ti tuo tua voi vi vostro vostra",
    "pt": "eu me meu minha meus minhas nós nos nosso nossa tu te teu tua você vocês",
}


@cache
def _known(language: str) -> bool:
    return language in available_languages()


@cache
def _zipf(word: str, language: str) -> float:
    return float(zipf_frequency(word, language)) if _known(language) else 0.0


def _words(sentence: str) -> list[str]:
    return _WORD.findall(sentence)


def names_something(sentence: str) -> bool:
    """A capitalised word after the first ("the New York Post"); "I" is no name. A name
    that opens the sentence ("Kasab was fed biriyani") is found by its rarity instead."""
    return any(
        w[:1].isupper() and w != "I" and not w.startswith(("I'", "I’"))
        for w in _words(sentence)[1:]
    )


def rarest(sentence: str, language: str = "en") -> float:
    """The Zipf frequency of the sentence's least common word (9.0 without words)."""
    return min((_zipf(w.lower(), language) for w in _words(sentence)), default=9.0)


def specific(sentence: str, language: str = "en", rare_below: float = 4.0) -> bool:
    """Gives a number, a name, or a word rarer than `rare_below` on the Zipf scale."""
    if _DIGIT.search(sentence) or names_something(sentence):
        return True
    if language == "en" and {w.lower() for w in _words(sentence)} & _NUMBER_WORDS:
        return True
    return rarest(sentence, language) < rare_below


def personal(sentence: str, language: str = "en") -> bool:
    """Speaks of the writer or to the reader ("I hope you found this interesting")."""
    pronouns = set(_PERSONAL.get(language, "").split())
    return any(w.lower() in pronouns for w in _words(sentence))


def vague(
    sentence: str, fact_probability: float, language: str, rare_below: float, sure: float
) -> bool:
    """A statement the model called factual that has nothing specific to check: no
    number, name or rare word, and either personal or not called a fact with at least
    `sure` probability ("Smoking causes cancer." is kept by the model's certainty)."""
    if specific(sentence, language, rare_below):
        return False
    return personal(sentence, language) or fact_probability < sure
