"""Stage 8: every factual sentence must rest on the passages it cites.

Each sentence of the draft is checked against each passage it cites: first
lexically (its content words and every number must appear in the passage), and
where that is inconclusive by asking the model a yes/no question about that one
passage. A sentence whose citations fail is re-cited to a passage that does
support it, or removed. The evidence keys then become source numbers (`sources`),
and the contract here (every [n] names a source, every source is cited) is checked
before anything is published.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from factdesk import citations
from factdesk.errors import FactdeskError
from factdesk.pipeline.agreement import opposes, words
from factdesk.pipeline.topic import mentions
from factdesk.prompts import VERIFY, evidence_block
from factdesk.protocols import LLM
from factdesk.records import (
    Draft,
    Evidence,
    Grounding,
    GroundOutcome,
    Report,
    Section,
    SentenceCheck,
    Verdict,
)
from factdesk.text import STOPWORDS, stem

_WORD = re.compile(r"[^\W_]+(?:[.,]\d+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SUFFIXES = ("ing", "ed", "es", "s", "ly")
MAX_RECITE_CANDIDATES = 2
RESTATEMENT = 0.8  # share of the claim's content words a sentence repeats to restate it


def content_words(text: str) -> set[str]:
    found = (m.lower() for m in _WORD.findall(text))
    return {stem(w, _SUFFIXES) for w in found if w not in STOPWORDS}


def numbers_in(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


_NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|none|without)\b|n't\b", re.I)


def lexical_support(sentence: str, passage: str) -> float:
    """Share of the sentence's content words found in the passage.

    At most 0.2 when the sentence has a number the passage lacks, and at most 0.5 (so
    the model decides) when only the sentence is negated: word overlap cannot see that
    "was not built in 1889" contradicts "was built in 1889".
    """
    words = content_words(sentence)
    if not words:
        return 0.0
    score = len(words & content_words(passage)) / len(words)
    if not numbers_in(sentence) <= numbers_in(passage):
        score = min(score, 0.2)
    if _NEGATION.search(sentence) and not _NEGATION.search(passage):
        score = min(score, 0.5)
    return score


@dataclass
class GroundingPolicy:
    with_llm: bool = True
    lexical_pass: float = 0.75
    lexical_fail: float = 0.25
    llm_pass: float = 0.5


@dataclass
class _Sentence:
    text: str
    written_keys: list[int]
    verified: list[int] = field(default_factory=list)
    outcome: GroundOutcome = "removed"


def restates(sentence: str, claim: str, share: float = RESTATEMENT) -> bool:
    """The sentence says what the claim says: nearly all the claim's content words, no
    negation. Word overlap passes it against any passage that names the same things, so
    such a sentence is always put to the model, and is never published when the verdict
    does not support the claim ("Einstein received the prize for relativity [1]")."""
    said = content_words(claim)
    if not said or _NEGATION.search(sentence) or opposes(claim, sentence):
        return False
    claimed, stated = numbers_in(claim), numbers_in(sentence)
    if claimed and stated and not claimed & stated:
        return False  # other numbers: another fact ("built in 1961", not "in 1975")
    return len(said & content_words(sentence)) / len(said) >= share


_OPENING_NAME = re.compile(r"^(?:(?:The|A|An|In|On|At|By|From)\s+(?:\S+\s+)?)?([A-Z][\w'-]+)")


def borrowed_subject(sentence: str, title: str, text: str) -> bool:
    """The sentence opens with a name its passage's title and opening do not have:
    "Mercury is a large, rounded astronomical body [1]" written from the article
    "Planet". Word overlap passes such a sentence; the model must read it."""
    match = _OPENING_NAME.match(sentence.strip())
    if match is None:
        return False
    name = match.group(1).lower()
    opening = " ".join(text.split()[:12]).lower()
    return name not in title.lower() and name not in opening


_HEAD = re.compile(
    r"^((?:[A-Z][\w'-]*\s+){0,3}[A-Z][\w'-]+)\s+(?:was|is|were|are|has|had|became|remains)\b"
)
_PRONOUNS = {"he", "she", "it", "they", "this", "these", "that", "there", "his", "her", "its"}


def _head(sentence: str) -> tuple[list[str], str] | None:
    """The name a sentence opens with ("Batu Khan" in "Batu Khan was ..."), lower-cased
    word by word, and what follows it; None when it opens otherwise."""
    found = _HEAD.match(sentence.strip())
    if found is None or found.group(1).split()[0].lower() in _PRONOUNS:
        return None
    return found.group(1).lower().split(), sentence.strip()[found.end(1) :]


def swapped_subject(sentence: str, text: str) -> bool:
    """The sentence is one of the passage's sentences with another name at its head:
    "Genghis Khan was a Mongol ruler and founder of the Golden Horde" written from
    "Batu Khan was a Mongol ruler and founder of the Golden Horde". Every other word is
    the passage's, so word overlap passes it, and a small model reading it says yes.
    A shorter form of the same name ("Tesla was" for "Nikola Tesla was") is no swap."""
    written = _head(citations.strip_citations(sentence))
    if written is None:
        return False
    name, rest = written[0], content_words(written[1])
    for source in citations.split_sentences(text):
        found = _head(source)
        if found is None or name[0] in found[0] or not rest:
            continue
        if len(rest & content_words(found[1])) / len(rest) >= 0.8:
            return True
    return False


class _Checker:
    """Caches verdicts per (sentence, passage) so no pair is judged twice."""

    def __init__(
        self,
        llm: LLM,
        evidence: dict[int, Evidence],
        policy: GroundingPolicy,
        claim: str = "",
        claim_upheld: bool = True,
    ) -> None:
        self.llm, self.evidence, self.policy = llm, evidence, policy
        self.claim, self.claim_upheld = claim, claim_upheld
        self._cache: dict[tuple[str, int], float] = {}

    def lexical(self, sentence: str, key: int) -> float:
        return lexical_support(
            sentence, self.evidence[key].passage.text + " " + self.evidence[key].passage.title
        )

    def supports(self, sentence: str, key: int) -> float:
        """A support score in [0, 1]; above `lexical_pass` or `llm_pass` means supported."""
        if (sentence, key) in self._cache:
            return self._cache[(sentence, key)]
        lexical = self.lexical(sentence, key)
        passage = self.evidence[key].passage
        if swapped_subject(sentence, passage.text):
            self._cache[(sentence, key)] = 0.0
            return 0.0
        doubtful = restates(sentence, self.claim) or borrowed_subject(
            sentence, passage.title, passage.text
        )
        if doubtful and self.policy.with_llm:
            lexical = min(lexical, self.policy.lexical_pass - 0.01)  # let the model read it
        if lexical >= self.policy.lexical_pass or lexical <= self.policy.lexical_fail:
            score = 1.0 if lexical >= self.policy.lexical_pass else 0.0
        elif not self.policy.with_llm:
            score = 1.0 if lexical >= 0.5 else 0.0
        else:
            block = evidence_block(
                key, passage.title, passage.outlet or passage.domain, passage.text
            )
            probs = self.llm.classify(
                VERIFY.render(passage=block, sentence=sentence), ("Yes", "No")
            ).probs
            score = 1.0 if probs["Yes"] >= self.policy.llm_pass else 0.0
        self._cache[(sentence, key)] = score
        return score


def _check_sentence(checker: _Checker, sentence: _Sentence) -> None:
    if not checker.claim_upheld and restates(sentence.text, checker.claim):
        sentence.outcome = "removed"  # a report never asserts what its verdict rejects
        return
    known = [k for k in sentence.written_keys if k in checker.evidence]
    sentence.verified = [k for k in known if checker.supports(sentence.text, k) > 0]
    if sentence.verified:
        sentence.outcome = "verified"
        return
    ranked = sorted(checker.evidence, key=lambda k: -checker.lexical(sentence.text, k))
    for key in ranked[:MAX_RECITE_CANDIDATES]:
        if key not in known and checker.supports(sentence.text, key) > 0:
            sentence.verified, sentence.outcome = [key], "recited"
            return
    sentence.outcome = "removed"


_PRONOUN_START = re.compile(r"^(?:it|its|they|their|he|his|she|her|this|these)\b", re.I)


def _unclear_referent(
    checker: _Checker, sentence: _Sentence, previous: citations.CitedSentence | None
) -> bool:
    """A sentence that opens with a pronoun but rests on a different source than the
    sentence before it reads as if it were about that sentence's subject: "It served as
    a royal residence [2]" after a sentence about the Eiffel Tower [1]."""
    if previous is None or not _PRONOUN_START.match(sentence.text):
        return False
    documents = {checker.evidence[k].passage.doc_id for k in sentence.verified}
    before = {checker.evidence[k].passage.doc_id for k in previous.keys if k in checker.evidence}
    return not documents & before


def _ground_text(checker: _Checker, text: str, language: str, grounding: Grounding) -> str:
    kept: list[citations.CitedSentence] = []
    for cited in citations.split_cited(text, language):
        sentence = _Sentence(cited.text, cited.keys)
        _check_sentence(checker, sentence)
        if sentence.outcome != "removed" and _unclear_referent(
            checker, sentence, kept[-1] if kept else None
        ):
            sentence.outcome, sentence.verified = "removed", []
        grounding.sentences += 1
        grounding.cited += int(any(k in checker.evidence for k in cited.keys))
        grounding.verified += int(sentence.outcome == "verified")
        grounding.recited += int(sentence.outcome == "recited")
        grounding.removed += int(sentence.outcome == "removed")
        grounding.checks.append(
            SentenceCheck(text=cited.text, citations=sentence.verified, outcome=sentence.outcome)
        )
        if sentence.outcome != "removed":
            kept.append(citations.CitedSentence(cited.text, sentence.verified))
    return citations.join_sentences(kept)


def ground(
    llm: LLM,
    draft: Draft,
    evidence: Sequence[Evidence],
    verdict: Verdict,
    language: str,
    policy: GroundingPolicy,
    claim: str = "",
    subjects: Sequence[str] = (),
) -> tuple[Draft, Grounding]:
    """The draft with only supported sentences, each citing evidence keys it rests on.

    `claim` is what is checked: while the verdict does not support it, a sentence that
    restates it is removed whatever it cites. A section left about something other than
    the claim's `subjects` is dropped."""
    checker = _Checker(
        llm, {e.key: e for e in evidence}, policy, claim, verdict.label == "supported"
    )
    grounding = Grounding()
    summary = _ground_text(checker, draft.executive_summary, language, grounding)
    sections: list[Section] = []
    for section in draft.sections:
        if section.kind == "limits":
            sections.append(section)
            continue
        body = _ground_text(checker, section.body, language, grounding)
        if body and _about_subject(checker, body, subjects):
            sections.append(section.model_copy(update={"body": body}))
    facts = [_ground_text(checker, fact, language, grounding) for fact in draft.facts]
    return Draft(
        executive_summary=summary,
        sections=sections,
        bottom_line=_ground_text(checker, draft.bottom_line, language, grounding),
        facts=[fact for fact in facts if fact],
    ), grounding


def _about_subject(checker: _Checker, body: str, subjects: Sequence[str]) -> bool:
    """Whether a grounded section still speaks of the claim: it names the subject, states
    two of the claim's other words ("a world's fair held in Paris in 1889" for the tower
    built for the 1889 World's Fair), or rests on a source titled after the subject. A
    passage that names the subject in passing can yield a section about something else
    ("The Kazakh Khanate emerged after the fragmentation of the Golden Horde [3]" under
    "Genghis Khan"); a reader would call it padding."""
    if not subjects or mentions(body, subjects):
        return True
    named = words(" ".join(subjects))
    if len((words(checker.claim) - named) & words(body)) >= 2:
        return True
    keys = [k for k in citations.parse_keys(body) if k in checker.evidence]
    return any(mentions(checker.evidence[k].passage.title, subjects) for k in keys)


def check_contract(report: Report) -> None:
    """Refuse to publish a report whose citations and sources do not match."""
    texts = [report.executive_summary, *(s.body for s in report.sections), report.bottom_line]
    problems = citations.citation_problems(texts, [s.n for s in report.sources])
    if [s.n for s in report.sources] != list(range(1, len(report.sources) + 1)):
        problems.append("sources are not numbered 1..n")
    if problems:
        raise FactdeskError("The report breaks the citation contract: " + "; ".join(problems))
