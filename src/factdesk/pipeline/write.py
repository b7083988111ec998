"""Stage 8: write the report's sections, each answering one question from the passages.

Only passages about the claim's subject are written from. The first section answers
the claim's exact point ("When was the Berlin Wall built?") from the passages closest
to it; the others answer what the remaining passages, grouped by the side they take
and the kind of source they are, say about the subject, so officials, news and
fact-checkers are not mixed. Each section sees at most a few passages, where the local
model stays within its strength. The sentences that decide the verdict (`facts`) are
kept apart for the summary (the point's answer here; after grounding, the first
sentence of the next section too); the compose stage writes the summary and the limits
in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from factdesk import citations
from factdesk.pipeline.agreement import numbers, words
from factdesk.pipeline.answers import parse_labelled, whole_sentences
from factdesk.prompts import SECTION, evidence_block
from factdesk.protocols import LLM
from factdesk.records import Draft, Evidence, PointCheck, Section, Understanding


def group_evidence(
    evidence: Sequence[Evidence], per_section: int, min_sections: int, max_sections: int
) -> list[list[Evidence]]:
    """Groups of evidence that share a stance and a kind of source (officials, news,
    fact-checkers...), so each section speaks for one side and one kind of actor:
    supporting first, then refuting, then context. Groups are split, a passage each,
    until there are `min_sections` when the passages allow."""
    groups: list[list[Evidence]] = []
    for stance in ("supports", "refutes", "context"):
        members = [e for e in evidence if e.stance() == stance]
        kinds = sorted(
            {e.passage.source_type for e in members},
            key=lambda k: -max(e.relevance for e in members if e.passage.source_type == k),
        )
        for kind in kinds:
            same = sorted(
                (e for e in members if e.passage.source_type == kind), key=lambda e: -e.relevance
            )
            groups += [same[i : i + per_section] for i in range(0, len(same), per_section)]
    while len(groups) < min_sections and any(len(g) > 1 for g in groups):
        largest = max(range(len(groups)), key=lambda i: len(groups[i]))
        group = groups.pop(largest)
        groups[largest:largest] = [group[:1], group[1:]]
    return groups[:max_sections]


def _section(
    llm: LLM, subject: str, question: str, group: Sequence[Evidence], max_tokens: int
) -> tuple[str, str]:
    """(heading, body) of one section that answers `question` from `group`."""
    passages = "\n\n".join(
        evidence_block(e.key, e.passage.title, e.passage.outlet or e.passage.domain, e.passage.text)
        for e in group
    )
    request = SECTION.render(
        max_tokens=max_tokens, passages=passages, subject=subject, question=question
    )
    written = parse_labelled(llm.name, llm.complete(request), ("Heading", "Text"), "Text")
    heading = written["Heading"].strip(" *#.") or group[0].passage.title
    return heading, whole_sentences(written["Text"])


def _repeats(sentence: str, others: Sequence[str]) -> bool:
    """Says nothing the others do not: mostly their words, or only their numbers."""
    said, figures = words(sentence), numbers(sentence)
    for other in others:
        if said and len(said & words(other)) / len(said | words(other)) >= 0.6:
            return True
        if figures and figures <= numbers(other):
            return True
    return False


_DANGLING = re.compile(
    r"(?:[^,]{0,60},\s*){0,3}(?:he|she|it|they|this|these|those|his|her|its|their|him|them|there)\b",
    re.I,
)


_SOURCES = r"(?:these|the|this|both|all|each) (?:passages?|sources?|texts?|articles?|excerpts?)"
_ABOUT_THE_SOURCES = re.compile(
    rf"(?:according to {_SOURCES}(?: \[\d+\])?,?|(?:in )?{_SOURCES}(?: \[\d+\])?,?\s*"
    r"(?:it is |it was )?(?:says?|states?|shows?|indicates?|reports?|mentions?|notes?"
    r"|explains?|confirms?|said|stated|showed|indicated|reported|mentioned|noted|confirmed)\b"
    r"(?: that)?,?)\s*",
    re.I,
)
_ABOUT_NOTHING = re.compile(
    rf"{_SOURCES}(?: \[\d+\])? (?:discuss|describe|talk|focus|do not|does not|don't|doesn't"
    r"|provide|contain|mention|refer|is about|are about|give|offer)",
    re.I,
)
MIN_FACT_WORDS = 4


def as_fact(sentence: str) -> str:
    """The sentence as a statement about the world, or "" when it states none. A small
    model often frames its answer by the sources ("These passages say that the World
    Bank was established in 1944 [1].") or answers the question itself ("Yes [1].", "The
    passage discusses the reason for the red sky [2]."); a reader needs the fact, not
    the frame, and a summary may not lead with a sentence that states nothing."""
    text = sentence.strip()
    if _ABOUT_NOTHING.match(text):
        return ""
    framed = _ABOUT_THE_SOURCES.match(text)
    if framed is not None:
        text = text[framed.end() :]
        text = text[:1].upper() + text[1:]
    if len(citations.strip_citations(text).split()) < MIN_FACT_WORDS:
        return ""
    return text


def stands_alone(sentence: str) -> bool:
    """A summary sentence cannot open with a pronoun, nor give one as the subject after
    an opening phrase: its referent was in the section ("He is best known for..." led a
    summary about the Eiffel Tower; "Like Saturn's largest moon, Titan, it is larger than
    Mercury" one about Mercury, "it" being Ganymede)."""
    return _DANGLING.match(citations.strip_citations(sentence).lstrip()) is None


_PERSON = re.compile(r"(?:(he|she)|(his|her))\b\s*", re.I)


def name_the_subject(sentence: str, previous: str, subject: str) -> str:
    """`sentence` with an opening he/she/his/her replaced by a name, when the sentence
    before it makes the referent certain, so that it may lead a summary:

    - the previous sentence opens with the subject's name ("Tesla moved ...": "He is
      known for the alternating current system" becomes "Nikola Tesla is known for ...");
    - or it defines another person by name ("Alexandre Gustave Eiffel was a French civil
      engineer ...": "He is best known for the Eiffel Tower ..." becomes "Alexandre Gustave
      Eiffel is best known for ..."), with no object pronoun that could be the "he".

    Anything else is unchanged ("Thomas Edison hired him. He left": "he" may be either)."""
    found = _PERSON.match(sentence.lstrip())
    if found is None:
        return sentence
    name = subject if _opens_with_subject(previous, subject) else _defined_name(previous)
    if not name:
        return sentence
    rest = sentence.lstrip()[found.end() :]
    return f"{name} {rest}" if found.group(1) else f"{name}'s {rest}"


_DEFINITION = re.compile(r"((?:[A-Z][\w.'\u2019-]*\s+){1,3}[A-Z][\w'\u2019-]*)\s+(?:was|is)\s")
_OBJECT_PRONOUN = re.compile(r"\b(?:him|her|them)\b", re.I)


def _defined_name(sentence: str) -> str:
    """The name of a person a sentence opens by defining ("Alexandre Gustave Eiffel was a
    ..."), when nothing in it could be another "he" or "she"; else empty."""
    plain = citations.strip_citations(sentence).strip()
    found = _DEFINITION.match(plain)
    if found is None or found.group(1).split()[0] == "The" or _OBJECT_PRONOUN.search(plain):
        return ""
    return found.group(1)


def _opens_with_subject(sentence: str, subject: str) -> bool:
    """The first run of capitalised words in the sentence's first four (after a leading
    "The") is made only of the subject's capitalised words."""
    words = citations.strip_citations(sentence).split()[:4]
    if words and words[0] == "The":
        words = words[1:]
    named = {word for word in subject.split() if word[:1].isupper()}
    run: list[str] = []
    for word in words:
        if word[:1].isupper():
            run.append(word.strip(",;:").removesuffix("'s").removesuffix("\u2019s"))
        elif run:
            break
    return bool(run) and set(run) <= named


def _cited_sentences(section: Section, subject: str) -> list[str]:
    """The section's cited sentences, a pronoun opening named where it is certain."""
    sentences = [citations.render_sentence(c) for c in citations.split_cited(section.body)]
    named = [
        name_the_subject(sentence, sentences[n - 1], subject) if n else sentence
        for n, sentence in enumerate(sentences)
        if citations.parse_keys(sentence)
    ]
    return [fact for fact in map(as_fact, named) if fact]


def deciding_facts(
    facts: Sequence[str], sections: Sequence[Section], claim: str, subject: str = ""
) -> list[str]:
    """The sentences a summary states first, once grounding has kept only supported ones:
    the evidence's answer to the claim's point when it survived, else the cited sentence
    of the sections that says most of what the claim is about, its words and its numbers
    (Napoleon's "1804 ... 1815" over Napoleon III's "Emperor of France"); then one more cited
    sentence that adds to it and is about the claim too (shares one of its words), from
    the point section or the next. Sentences that open with a pronoun are never chosen
    while another one can be, unless the pronoun is certainly the subject
    (`name_the_subject`)."""
    cited = [_cited_sentences(s, subject) for s in sections if s.kind == "evidence"]
    said, dates = words(claim), numbers(claim)
    kept = list(facts[:1])
    if not kept and any(cited):
        candidates = [sentence for found in cited for sentence in found]
        alone = [c for c in candidates if stands_alone(c)] or candidates
        kept = [max(alone, key=lambda c: len(words(c) & said) + len(numbers(c) & dates))]
    for found in cited:
        fresh = [
            sentence
            for sentence in found
            if not _repeats(sentence, kept) and stands_alone(sentence) and words(sentence) & said
        ]
        if fresh:
            kept.append(fresh[0])
            break
    return kept


def answer_the_point(
    sections: Sequence[Section], facts: Sequence[str], point: PointCheck | None
) -> list[Section]:
    """The grounded sections, the point's own first: when grounding removed every
    sentence written under the point's question (asked which continent is the largest,
    the writer answered "Antarctica" against its passage), the verified statement of
    the evidence's answer, the first fact, stands in for them, so the report still
    answers its own question in a section."""
    if point is None or not point.keys or not facts:
        return list(sections)
    if any(s.heading == point.question for s in sections):
        return list(sections)
    return [Section(heading=point.question, body=facts[0]), *sections]


def write(
    llm: LLM,
    understanding: Understanding,
    evidence: Sequence[Evidence],
    point: PointCheck | None,
    *,
    per_section: int,
    min_sections: int,
    max_sections: int,
    section_max_tokens: int,
) -> Draft:
    """Sections from the on-topic passages, the point's first; off-topic passages are
    never written from."""
    usable = [e for e in evidence if e.on_topic]
    subject = understanding.subjects[0] if understanding.subjects else "the claim"
    sections: list[Section] = []
    rest = list(usable)
    if point is not None and point.keys:
        first = [e for e in usable if e.key in point.keys]
        first += [e for e in usable if e not in first][: max(0, per_section - len(first))]
        _, body = _section(llm, subject, point.question, first, section_max_tokens)
        sections.append(Section(heading=point.question, body=body))
        rest = [e for e in usable if e not in first]
    for group in group_evidence(
        rest, per_section, min_sections - len(sections), max_sections - len(sections)
    ):
        question = f"What do these passages say about {subject}?"
        heading, body = _section(llm, subject, question, group, section_max_tokens)
        sections.append(Section(heading=heading, body=body))
    fact = as_fact(point.statement) if point is not None and point.keys else ""
    return Draft(sections=sections, facts=[fact] if fact else [])
