"""The report's sources: evidence keys become source numbers by first appearance, and
each source gets the side the reader can see it take.

Apart from grounding because it reads only what grounding kept: the sentences that
survived decide which passages are cited and whether a source is seen to speak of the
claim's subject.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from factdesk import citations
from factdesk.pipeline.topic import mentions
from factdesk.records import Draft, Evidence, PointCheck, Source, StanceLabel
from factdesk.sourcemeta import tier_of


def _source_stance(items: Sequence[Evidence], decided: Mapping[int, StanceLabel]) -> StanceLabel:
    """A passage whose answer to the claim's point decided the verdict takes that side,
    whatever it seemed to say read alone ("Mercury is the smallest planet" refutes
    "Mercury is the largest planet", though a small model reads it as agreeing)."""
    stances = {decided.get(e.key, e.stance()) for e in items}
    if "supports" in stances and "refutes" not in stances:
        return "supports"
    if "refutes" in stances and "supports" not in stances:
        return "refutes"
    return "context"


def _quoted_on_subject(texts: Sequence[str], subjects: Sequence[str]) -> set[int]:
    """The evidence keys cited by a sentence of the report that names the subject."""
    return {
        key
        for text in texts
        for sentence in citations.split_cited(text)
        if mentions(sentence.text, subjects)
        for key in sentence.keys
    }


def number_sources(
    draft: Draft,
    evidence: Sequence[Evidence],
    point: PointCheck | None = None,
    subjects: Sequence[str] = (),
) -> tuple[Draft, list[Source]]:
    """Replace evidence keys with source numbers by first appearance; list the sources.
    The passages a decided `point` cites take its side. A source takes a side in the list
    only when the reader can see it speak of the subject: its title names it, or a
    sentence citing it does ("The Mongol Empire was the largest contiguous empire in
    history" is cited as context to a check of whether Genghis Khan founded it)."""
    side: dict[str, StanceLabel] = {"differ": "refutes", "agree": "supports"}
    decided = (
        {k: side[point.outcome] for k in point.keys} if point and point.outcome in side else {}
    )
    by_key = {e.key: e for e in evidence}
    key_to_doc = {e.key: e.passage.doc_id for e in evidence}
    texts = [
        *draft.facts,
        draft.executive_summary,
        *(s.body for s in draft.sections),
        draft.bottom_line,
    ]
    numbers = citations.number_sources((citations.parse_keys(t) for t in texts), key_to_doc)
    quoted = _quoted_on_subject(texts, subjects) | set(decided)
    mapping = {key: numbers[doc] for key, doc in key_to_doc.items() if doc in numbers}

    sources: list[Source] = []
    for doc, n in sorted(numbers.items(), key=lambda item: item[1]):
        items = [by_key[k] for k, d in key_to_doc.items() if d == doc]
        first = items[0].passage
        seen_on_subject = (
            not subjects or mentions(first.title, subjects) or any(e.key in quoted for e in items)
        )
        sources.append(
            Source(
                n=n,
                title=first.title,
                url=first.url,
                domain=first.domain,
                outlet=first.outlet,
                published=first.published,
                source_type=first.source_type,
                stance=_source_stance(items, decided) if seen_on_subject else "context",
                passage_ids=[e.passage.id for e in items],
                tier=tier_of(first.url),
            )
        )
    numbered = Draft(
        executive_summary=citations.renumber_text(draft.executive_summary, mapping),
        sections=[
            s.model_copy(update={"body": citations.renumber_text(s.body, mapping)})
            for s in draft.sections
        ],
        bottom_line=citations.renumber_text(draft.bottom_line, mapping),
        facts=[citations.renumber_text(fact, mapping) for fact in draft.facts],
    )
    return numbered, sources
