"""Stage 10: three "Want to dive deeper?" questions a curious reader would ask next.

They are about the topic, never about the report ("How did the sources support the
claim?"), and never presuppose what the report found false ("What caused the Berlin
Wall to be built in 1975?"): the model is told the deciding fact, and questions that
break either rule are dropped for plain questions about the subject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

from factdesk.citations import strip_citations
from factdesk.pipeline.answers import parse_json
from factdesk.pipeline.ground import restates
from factdesk.prompts import FOLLOWUP
from factdesk.protocols import LLM
from factdesk.records import Understanding, Verdict

COUNT = 3
PRESUPPOSES = 0.6  # a question repeating this share of a rejected claim's words assumes it
VERDICT_WORDS = {
    "supported": "true",
    "refuted": "false",
    "conflicting": "disputed",
    "not_enough_evidence": "not settled by the sources found",
}
ABOUT_THE_REPORT = re.compile(
    r"\b(?:the|these|this|our|its|other|more|further) (?:sources?|claims?|evidence|reports?|"
    r"fact-?checks?|verdicts?|passages?)\b",
    re.I,
)


class _Questions(BaseModel):
    questions: list[str]


def _as_question(text: str) -> str:
    """One question: citations dropped, cut after its first question mark."""
    text = strip_citations(" ".join(text.split()))
    if "?" in text:
        return text[: text.index("?") + 1]
    return text.rstrip(".") + "?"


def _fallbacks(subject: str) -> list[str]:
    """Plain questions about the subject, for when the model's fall short."""
    return [
        f"What else is known about {subject}?",
        f"How is {subject} remembered today?",
        f"Where can one read more about {subject}?",
    ]


def acceptable(question: str, claim: str, upheld: bool) -> bool:
    """About the topic, not the report, and not repeating a claim the report rejects."""
    if len(question) <= 10 or ABOUT_THE_REPORT.search(question):
        return False
    return upheld or not restates(question, claim, PRESUPPOSES)


def followups(
    llm: LLM, understanding: Understanding, verdict: Verdict, facts: Sequence[str]
) -> list[str]:
    """Questions in English; the compose stage puts them in the reader's language."""
    claim = understanding.claims[0].text
    subject = understanding.subjects[0] if understanding.subjects else "this topic"
    request = FOLLOWUP.render(
        subject=subject,
        claim=claim,
        verdict=VERDICT_WORDS[verdict.label],
        fact=strip_citations(facts[0]) if facts else "",
    )
    answer = parse_json(llm.name, llm.complete(request), _Questions)
    upheld = verdict.label == "supported"
    unique: list[str] = []
    for question in [*answer.questions, *_fallbacks(subject)]:
        cleaned = _as_question(question)
        fresh = cleaned.lower() not in (q.lower() for q in unique)
        if fresh and acceptable(cleaned, claim, upheld):
            unique.append(cleaned)
    return unique[:COUNT]
