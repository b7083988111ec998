"""Stage 9: three "Want to dive deeper?" questions."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from factdesk.citations import strip_citations
from factdesk.pipeline.answers import parse_json
from factdesk.pipeline.write import LANGUAGE_NAMES, VERDICT_WORDS
from factdesk.prompts import FOLLOWUP
from factdesk.protocols import LLM
from factdesk.records import Section, Understanding, Verdict

COUNT = 3


class _Questions(BaseModel):
    questions: list[str]


def _as_question(text: str) -> str:
    """One question: citations dropped, cut after its first question mark."""
    text = strip_citations(" ".join(text.split()))
    if "?" in text:
        return text[: text.index("?") + 1]
    return text.rstrip(".") + "?"


def _fallbacks(understanding: Understanding, sections: Sequence[Section]) -> list[str]:
    """Plain questions about the subjects the report covers, for when the model falls short."""
    subjects = [s.heading for s in sections if s.kind == "evidence"]
    claim = strip_citations(understanding.claims[0].text).rstrip(".")
    return [
        *(f"What else is known about {subject}?" for subject in subjects),
        f"Which primary records could confirm or correct the claim that {claim}?",
        f"How has reporting on the claim that {claim} changed over time?",
        f"Who first made the claim that {claim}, and on what evidence?",
    ]


def followups(
    llm: LLM, understanding: Understanding, verdict: Verdict, sections: Sequence[Section]
) -> list[str]:
    request = FOLLOWUP.render(
        language=LANGUAGE_NAMES.get(understanding.language, "English"),
        claim=understanding.claims[0].text,
        verdict=VERDICT_WORDS[verdict.label],
        headings="; ".join(s.heading for s in sections),
    )
    answer = parse_json(llm.name, llm.complete(request), _Questions)
    unique: list[str] = []
    for question in [*answer.questions, *_fallbacks(understanding, sections)]:
        cleaned = _as_question(question)
        if len(cleaned) > 10 and cleaned.lower() not in (q.lower() for q in unique):
            unique.append(cleaned)
    return unique[:COUNT]
