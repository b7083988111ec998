"""The statements of a whole text: what kind each is, claims that stand alone, ranked.

Every sentence of the text is a candidate, so no statement is lost when a small model
misses it: in `sentences` extraction the model only says what kind of statement each
sentence is (one choice, its probabilities ranking the factual ones) and rewrites the
best ranked so their pronouns name who they mean. In `model` extraction it also splits
sentences into atomic claims, quoting each one's words; sentences it leaves out are
classified as in `sentences` extraction. Spans always come from aligning words of the
text (`align`), never from offsets a model gives. Statements that are not factual stay
in the list with their kind as the reason they are not checked; repeats are merged.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from pydantic import BaseModel

from factdesk import citations
from factdesk.errors import LLMError
from factdesk.pipeline.align import align
from factdesk.pipeline.answers import parse_json
from factdesk.pipeline.specific import vague
from factdesk.pipeline.understand import detect_language
from factdesk.prompts import EXTRACT, STANDALONE, WORTH, WORTH_CHOICES
from factdesk.protocols import LLM
from factdesk.records import WORTH as WORTH_KINDS
from factdesk.records import SourceText, Span, TextClaim, Worth
from factdesk.settings import TextSettings
from factdesk.text import content_word_set
from factdesk.untrusted import clean_untrusted

Progress = Callable[[int, int], None]
MAX_SENTENCE_CHARS = 500
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<=\s)[A-Z][a-z]+")
_REFERS = re.compile(
    r"\b(he|she|it|they|him|her|his|its|their|them)\b|^(this|that|these|those|the same)\b",
    re.I,
)
REASONS: dict[Worth, str] = {
    "factual": "factual",
    "opinion": "opinion",
    "prediction": "prediction",
    "question": "question",
    "greeting": "greeting",
    "joke": "joke",
    "call_to_action": "call to action",
    "vague": "nothing specific to check",
}


@dataclass
class Candidate:
    """A statement before numbering: where it is, its words, and what kind it is."""

    spans: list[Span]
    quote: str
    claim: str
    kind: Worth
    worth: float
    standalone: bool = False  # its claim already names what its pronouns meant
    context: str = field(default="", repr=False)


@dataclass(frozen=True)
class Extraction:
    claims: list[TextClaim]
    sentences: int


def _cut_long(text: str, span: Span) -> list[Span]:
    """A run-on sentence (a transcript without stops) in pieces of at most
    MAX_SENTENCE_CHARS, cut after a comma or semicolon when there is one."""
    pieces: list[Span] = []
    start, end = span
    while end - start > MAX_SENTENCE_CHARS:
        window = text[start : start + MAX_SENTENCE_CHARS]
        cut = max(window.rfind(", "), window.rfind("; "))
        if cut < MAX_SENTENCE_CHARS // 3:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = MAX_SENTENCE_CHARS - 1
        pieces.append((start, start + cut + 1))
        start += cut + 1
        while start < end and text[start].isspace():
            start += 1
    return [*pieces, (start, end)]


def split_sentences(text: str, language: str = "en") -> list[Span]:
    """Sentence spans, in order: each line is split on its own (a heading or a cue is
    never joined to the next), and a piece without words (a closing quotation mark)
    joins the sentence before it."""
    spans: list[Span] = []
    for line in re.finditer(r"[^\n]+", text):
        cursor, first = 0, len(spans)
        for piece in citations.split_sentences(line.group(), language):
            found = line.group().find(piece, cursor)
            if found < 0:
                continue
            cursor = found + len(piece)
            start, end = line.start() + found, line.start() + cursor
            if not re.search(r"\w{2,}", piece):
                if len(spans) > first:
                    spans[-1] = (spans[-1][0], end)
                continue
            spans.extend(_cut_long(text, (start, end)))
    return spans


def _worth(probs: dict[str, float], fact_log_bias: float) -> tuple[Worth, float]:
    """The kind of statement, and the probability that it is factual, after the bias."""
    scores = {
        word: math.log(max(p, 1e-9)) + (fact_log_bias if word == "Fact" else 0.0)
        for word, p in probs.items()
    }
    top = max(scores.values())
    weights = {word: math.exp(s - top) for word, s in scores.items()}
    best = max(weights, key=lambda word: weights[word])
    return WORTH_CHOICES[best], weights["Fact"] / sum(weights.values())


def rank_score(text: str, probability: float) -> float:
    """How check-worthy a factual statement is: mostly the model's probability that it
    is factual, a little more for the numbers and names that sources can confirm."""
    bonus = 0.1 * bool(_NUMBER.search(text)) + 0.05 * bool(_NAME.search(text))
    return round(0.85 * probability + bonus, 4)


def classify(llm: LLM, sentence: str, cfg: TextSettings, language: str) -> tuple[Worth, float]:
    """The kind of statement and its rank; a "factual" one with nothing specific to check
    is "vague" (`specific.vague`, with the model's own Fact probability, before the bias)."""
    request = WORTH.render(sentence=clean_untrusted(sentence, MAX_SENTENCE_CHARS + 100))
    probs = llm.classify(request, tuple(WORTH_CHOICES)).probs
    kind, probability = _worth(probs, cfg.fact_log_bias)
    sure = cfg.vague_fact_probability
    if kind == "factual" and vague(sentence, probs["Fact"], language, cfg.rare_word_zipf, sure):
        kind = "vague"
    return kind, rank_score(sentence, probability)


def faithful(sentence: str, claim: str, context: str) -> bool:
    """A rewrite keeps the sentence's numbers and most of its words, and adds only
    words of its context (the names its pronouns meant), one stray word at most."""
    if len(claim) < 3 or not set(_NUMBER.findall(sentence)) <= set(_NUMBER.findall(claim)):
        return False
    said, written = content_word_set(sentence), content_word_set(claim)
    if said and len(said & written) / len(said) < 0.7:
        return False
    return len(written - said - content_word_set(context)) <= 1


class _Standalone(BaseModel):
    claim: str


def standalone(llm: LLM, sentence: str, context: str) -> str:
    """The sentence with its pronouns replaced by the names they mean in `context`; the
    sentence itself when it has none, or when the rewrite is not faithful to it."""
    if not context or not _REFERS.search(sentence):
        return sentence
    request = STANDALONE.render(
        context=clean_untrusted(context, 600),
        sentence=clean_untrusted(sentence, MAX_SENTENCE_CHARS + 100),
        max_tokens=40 + len(sentence) // 2,
    )
    try:
        claim = " ".join(parse_json(llm.name, llm.complete(request), _Standalone).claim.split())
    except LLMError:
        return sentence
    return claim if faithful(sentence, claim, context) else sentence


class _Item(BaseModel):
    sentence: int
    quote: str
    kind: str
    claim: str


class _Items(BaseModel):
    claims: list[_Item]


def _chunks(text: str, sentences: Sequence[Span], chunk_chars: int) -> list[list[int]]:
    chunks: list[list[int]] = []
    size = 0
    for number, (start, end) in enumerate(sentences):
        if chunks and size + end - start <= chunk_chars:
            chunks[-1].append(number)
            size += end - start
        else:
            chunks.append([number])
            size = end - start
    return chunks


def _context(text: str, sentences: Sequence[Span], number: int, count: int) -> str:
    before = sentences[max(0, number - count) : number]
    return " ".join(text[s:e] for s, e in before)


def _modelled(
    llm: LLM,
    text: str,
    sentences: Sequence[Span],
    chunk: list[int],
    cfg: TextSettings,
    language: str,
) -> tuple[list[Candidate], set[int]]:
    """The model's atomic claims of one chunk, and which of its sentences they cover."""
    lines = "\n".join(
        f"[{k}] {clean_untrusted(text[sentences[n][0] : sentences[n][1]], 700)}"
        for k, n in enumerate(chunk, start=1)
    )
    earlier = _context(text, sentences, chunk[0], cfg.context_sentences)
    context = (
        f"<<<PASSAGE>>>\nEarlier: {clean_untrusted(earlier, 600)}\n<<<END>>>\n" if earlier else ""
    )
    budget = min(2000, 60 + len(lines) // 2)
    request = EXTRACT.render(context=context, sentences=lines, max_tokens=budget)
    try:
        items = parse_json(llm.name, llm.complete(request), _Items).claims
    except LLMError:
        return [], set()
    found: list[Candidate] = []
    covered: set[int] = set()
    for item in items:
        within = sentences[chunk[item.sentence - 1]] if 1 <= item.sentence <= len(chunk) else None
        span = align(item.quote or item.claim, text, sentences, within) or within
        if span is None:
            continue  # words that are nowhere in the text
        kind: Worth = next((k for k in WORTH_KINDS if k == item.kind), "factual")
        quote = text[span[0] : span[1]]
        if kind == "factual" and vague(quote, 1.0, language, cfg.rare_word_zipf, 1.0):
            kind = "vague"
        claim = " ".join(item.claim.split())
        claim = claim if faithful(quote, claim, earlier + " " + lines) else quote
        probability = 1.0 if kind == "factual" else 0.0
        found.append(Candidate([span], quote, claim, kind, rank_score(quote, probability), True))
        covered.update(n for n, s in enumerate(sentences) if s[0] < span[1] and span[0] < s[1])
    return found, covered


def _similar(a: str, b: str, threshold: float) -> bool:
    first, second = a.lower().split(), b.lower().split()
    return difflib.SequenceMatcher(None, first, second, autojunk=False).ratio() >= threshold


def merge_repeats(candidates: Sequence[Candidate], threshold: float) -> list[Candidate]:
    """Candidates in reading order, a near-repeat folded into the first statement of it
    (which keeps every span and the higher worth)."""
    kept: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: c.spans[0]):
        same = next((k for k in kept if _similar(k.claim, candidate.claim, threshold)), None)
        if same is None:
            kept.append(replace(candidate, spans=list(candidate.spans)))
        else:
            same.spans.extend(candidate.spans)
            same.worth = max(same.worth, candidate.worth)
    return kept


def _choose(
    llm: LLM, candidates: list[Candidate], cfg: TextSettings
) -> tuple[list[Candidate], set[int]]:
    """The candidates with repeats merged and the ids of the checked ones: the best
    ranked factual ones, made standalone first (which may reveal more repeats)."""
    while True:
        merged = merge_repeats(candidates, cfg.duplicate_similarity)
        factual = sorted(
            (c for c in merged if c.kind == "factual"), key=lambda c: (-c.worth, c.spans[0])
        )
        chosen = factual[: cfg.max_claims]
        pending = [c for c in chosen if not c.standalone]
        if not pending:
            return merged, {id(c) for c in chosen}
        for candidate in pending:
            candidate.claim = standalone(llm, candidate.claim, candidate.context)
            candidate.standalone = True
        candidates = merged


def extract_claims(
    llm: LLM, source: SourceText, cfg: TextSettings, progress: Progress | None = None
) -> Extraction:
    """Every statement of the text in reading order, the check-worthy ones ranked and
    the best `cfg.max_claims` of them marked to be checked."""
    text = source.text
    sentences = split_sentences(text)
    language = detect_language(text[:2000])
    candidates: list[Candidate] = []
    covered: set[int] = set()
    if cfg.extraction == "model":
        chunks = _chunks(text, sentences, cfg.chunk_chars)
        for done, chunk in enumerate(chunks, start=1):
            found, seen = _modelled(llm, text, sentences, chunk, cfg, language)
            candidates += found
            covered |= seen
            if progress:
                progress(done, len(chunks))
    left = [n for n in range(len(sentences)) if n not in covered]
    for done, number in enumerate(left, start=1):
        start, end = sentences[number]
        sentence = text[start:end]
        kind, worth = classify(llm, sentence, cfg, language)
        context = _context(text, sentences, number, cfg.context_sentences)
        candidates.append(
            Candidate([(start, end)], sentence, sentence, kind, worth, False, context)
        )
        if progress:
            progress(done, len(left))
    merged, checked = _choose(llm, candidates, cfg)
    claims = [
        TextClaim(
            n=n,
            text=c.claim,
            quote=c.quote,
            spans=c.spans,
            category=c.kind,
            worth=c.worth,
            checked=id(c) in checked,
            reason=_reason(c, id(c) in checked, cfg.max_claims),
            times=source.times(c.spans[0]),
        )
        for n, c in enumerate(merged, start=1)
    ]
    return Extraction(claims=claims, sentences=len(sentences))


def _reason(candidate: Candidate, checked: bool, max_claims: int) -> str:
    if checked:
        return ""
    if candidate.kind != "factual":
        return REASONS[candidate.kind]
    return f"ranked below the {max_claims} claims checked"
