"""Citation handling: parsing, placement, numbering and renumbering. Pure functions only.

Writers cite evidence keys ("[2]", "[S2]", "[1, 3]"). Before publishing, keys are
mapped to numbered sources in order of first appearance, several keys that point at
one source collapse into one number, and keys that name no evidence are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import pysbd
from pysbd.languages import LANGUAGE_CODES

_KEY = r"[Ss]?\d{1,3}"
CITATION_GROUP = re.compile(rf"\[\s*({_KEY}(?:\s*[,;]\s*{_KEY})*)\s*\]")
_GROUP_BODY = rf"\[\s*{_KEY}(?:\s*[,;]\s*{_KEY})*\s*\]"
_GROUP_RUN = re.compile(rf"{_GROUP_BODY}(?:\s*{_GROUP_BODY})*")
_GROUPS_AFTER_STOP = re.compile(rf"([.!?])((?:\s*{_GROUP_BODY})+)")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])")
_MULTISPACE = re.compile(r"[ \t]{2,}")
# pysbd has no rules for some languages; these use the closest language's rules
_SBD_STAND_IN = {"pt": "es", "ca": "es", "gl": "es", "ro": "it", "sv": "da", "no": "da"}


@dataclass
class CitedSentence:
    """A sentence with its citation keys taken out of the text."""

    text: str
    keys: list[int] = field(default_factory=list)


def parse_group(group: str) -> list[int]:
    """The keys inside one bracket group, e.g. "S1, 3" -> [1, 3]."""
    return [int(part.strip().lstrip("Ss")) for part in re.split(r"[,;]", group)]


def parse_keys(text: str) -> list[int]:
    """All keys cited in `text`, in order of appearance, repeats removed."""
    seen: list[int] = []
    for match in CITATION_GROUP.finditer(text):
        for key in parse_group(match.group(1)):
            if key not in seen:
                seen.append(key)
    return seen


def strip_citations(text: str) -> str:
    """The text with every citation group removed and spacing repaired."""
    without = CITATION_GROUP.sub("", text)
    without = _SPACE_BEFORE_PUNCT.sub(r"\1", without)
    return _MULTISPACE.sub(" ", without).strip()


def move_citations_inside(text: str) -> str:
    """Move citation groups that follow a sentence's final stop to just before it.

    "It rained. [1]" becomes "It rained [1]." so that sentence splitting keeps a
    citation with the sentence it belongs to.
    """
    return _GROUPS_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", text)


@lru_cache(maxsize=16)
def _segmenter(language: str) -> pysbd.Segmenter:
    language = _SBD_STAND_IN.get(language, language)
    return pysbd.Segmenter(language=language if language in LANGUAGE_CODES else "en", clean=False)


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Sentences of plain text (no citation handling)."""
    text = text.strip()
    if not text:
        return []
    return [s.strip() for s in _segmenter(language).segment(text) if s.strip()]


def split_cited(text: str, language: str = "en") -> list[CitedSentence]:
    """Split text into sentences, each with the keys it cites."""
    sentences: list[CitedSentence] = []
    for raw in split_sentences(move_citations_inside(text), language):
        keys = parse_keys(raw)
        plain = strip_citations(raw)
        if not plain or not re.search(r"\w", plain):
            if sentences:  # a stray citation group belongs to the sentence before it
                sentences[-1].keys.extend(k for k in keys if k not in sentences[-1].keys)
            continue
        sentences.append(CitedSentence(plain, keys))
    return sentences


def format_group(numbers: Iterable[int]) -> str:
    """Render numbers the way reports show them: "[1] [3]"."""
    return " ".join(f"[{n}]" for n in sorted(set(numbers)))


def render_sentence(sentence: CitedSentence) -> str:
    """Put the sentence's citations just before its final punctuation."""
    if not sentence.keys:
        return sentence.text
    text = sentence.text.rstrip()
    stop = ""
    if text and text[-1] in ".!?":
        text, stop = text[:-1].rstrip(), text[-1]
    return f"{text} {format_group(sentence.keys)}{stop}"


def join_sentences(sentences: Sequence[CitedSentence]) -> str:
    return " ".join(render_sentence(s) for s in sentences)


def number_sources(
    cited_in_order: Iterable[Sequence[int]], key_to_source: Mapping[int, str]
) -> dict[str, int]:
    """Number sources by the first appearance of any key that points at them.

    `key_to_source` maps an evidence key to a source identity (e.g. a document id);
    keys not in it are ignored.
    """
    numbers: dict[str, int] = {}
    for keys in cited_in_order:
        for key in keys:
            source = key_to_source.get(key)
            if source is not None and source not in numbers:
                numbers[source] = len(numbers) + 1
    return numbers


def map_keys(
    keys: Sequence[int], key_to_source: Mapping[int, str], numbers: Mapping[str, int]
) -> list[int]:
    """Source numbers for a sentence's keys: unknown keys dropped, repeats merged."""
    mapped: list[int] = []
    for key in keys:
        source = key_to_source.get(key)
        if source is None or source not in numbers:
            continue
        if numbers[source] not in mapped:
            mapped.append(numbers[source])
    return sorted(mapped)


def renumber_text(text: str, mapping: Mapping[int, int]) -> str:
    """Rewrite every run of citation groups through `mapping`, merged and sorted;
    runs left empty disappear."""

    def replace(match: re.Match[str]) -> str:
        numbers = {mapping[k] for k in parse_keys(match.group(0)) if k in mapping}
        return format_group(numbers)

    rewritten = _GROUP_RUN.sub(replace, text)
    rewritten = _SPACE_BEFORE_PUNCT.sub(r"\1", rewritten)
    return _MULTISPACE.sub(" ", rewritten).strip()


def citation_problems(texts: Iterable[str], source_numbers: Iterable[int]) -> list[str]:
    """Why a set of texts and a source list break the citation contract (empty if none).

    The contract: every [n] names a listed source and every listed source is cited.
    """
    listed = set(source_numbers)
    cited: set[int] = set()
    for text in texts:
        cited.update(parse_keys(text))
    problems = [f"[{n}] cites no listed source" for n in sorted(cited - listed)]
    problems += [f"source {n} is never cited" for n in sorted(listed - cited)]
    return problems
