"""Text helpers the stages, backends and store share: stopwords, passages, keywords.

Plain functions over strings with no dependency on any backend, so a stage can cut a
page into passages exactly as the local index cuts a document.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“'(\[A-Z0-9À-Ý])")
_WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(
    """
    a an and are as at be been being but by can could did do does doing for from had has
    have having he her hers him his how i if in into is it its itself just me more most my
    no nor not of off on once only or other our out over own same she should so some such
    than that the their them then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    about above after again against all any because before below between both down during
    each few further here isn't wasn't aren't weren't true false really claim claims say
    says said
    """.split()  # noqa: SIM905
)


def chunk_text(text: str, words_per_chunk: int, overlap_words: int) -> list[str]:
    """Cut text into passages of about `words_per_chunk` words on sentence boundaries.

    Consecutive passages share up to `overlap_words` words of context (whole sentences).
    A text that is not much longer than one passage stays whole.
    """
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    if len(text.split()) <= words_per_chunk * 1.3:
        return [text]
    sentences = _SENTENCE_END.split(text)
    chunks: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in sentences:
        n = len(sentence.split())
        if current and count + n > words_per_chunk:
            chunks.append(" ".join(current))
            carried: list[str] = []
            carried_words = 0
            for previous in reversed(current):
                carried_words += len(previous.split())
                if carried_words > overlap_words:
                    break
                carried.insert(0, previous)
            current, count = carried, sum(len(s.split()) for s in carried)
        current.append(sentence)
        count += n
    if current:
        chunks.append(" ".join(current))
    return chunks


def keywords(text: str, limit: int = 8) -> str:
    """The content words of a text, in order, as a keyword query."""
    words: list[str] = []
    for word in re.findall(r"[\w'-]+", text):
        if word.lower() not in STOPWORDS and word.lower() not in (w.lower() for w in words):
            words.append(word)
    return " ".join(words[:limit])


def content_word_set(text: str) -> set[str]:
    """Lower-cased words of a text that are not stopwords."""
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def stem(word: str, suffixes: tuple[str, ...]) -> str:
    """`word` without the first of `suffixes` it ends with, when at least four letters
    remain: a crude stemmer, enough to match "built"/"builds" or "rules"/"ruled"."""
    for suffix in suffixes:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word
