"""How a report is judged as a reader would judge it (../shared/benchmarks/README.md,
"Report quality" and "Other languages"). Pure functions over a Report, so they are
tested (tests/test_report_scoring.py) apart from the model runs in report_quality.py.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pydantic import BaseModel

from factdesk.citations import split_cited, split_sentences, strip_citations
from factdesk.records import Report

ABOUT_THE_REPORT = re.compile(
    r"\b(?:the|these|this|our|its) (?:sources?|claim|evidence|report|fact-?check)\b", re.I
)
MIN_WORDS_FOR_LANGUAGE = 4
NEGATION = re.compile(r"\b(?:not|no|never|false|incorrect|wrong|myth)\b|n't", re.I)


class ReportQuestion(BaseModel):
    q: str
    expect: str
    article: str | None = None
    subject: list[str] = []
    key: list[str] = []
    false_premise: list[str] = []


class MultilingualQuestion(BaseModel):
    q: str
    lang: str
    expect: str
    basis: str = ""


def _fold(text: str) -> str:
    """Lower case without diacritics, for matching terms in any spelling."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).lower()


def names_any(text: str, terms: list[str]) -> bool:
    folded = _fold(text)
    return any(_fold(term) in folded for term in terms)


def cited_sentences(text: str, language: str) -> list[str]:
    return [s.text for s in split_cited(text, language) if s.keys]


def key_fact_up_front(report: Report, key: list[str]) -> bool:
    """A deciding fact in a cited sentence of the executive summary or the bottom line."""
    sentences = cited_sentences(report.executive_summary, report.language)
    sentences += cited_sentences(report.bottom_line, report.language)
    return any(names_any(s, key) for s in sentences)


def evidence_sections_on_topic(report: Report, subject: list[str]) -> tuple[int, int]:
    """(sections naming the subject, evidence sections)."""
    sections = [s for s in report.sections if s.kind == "evidence"]
    named = [s for s in sections if names_any(f"{s.heading} {s.body}", subject)]
    return len(named), len(sections)


def source_on_topic(report: Report, n: int, subject: list[str]) -> bool:
    """A source names the subject in its title or in a sentence that cites it."""
    source = next(s for s in report.sources if s.n == n)
    if names_any(source.title, subject):
        return True
    texts = [report.executive_summary, report.bottom_line, *(s.body for s in report.sections)]
    for text in texts:
        for sentence in split_cited(text, report.language):
            if n in sentence.keys and names_any(sentence.text, subject):
                return True
    return False


def followup_problems(report: Report, false_premise: list[str]) -> list[str]:
    """Follow-up questions that repeat a false premise or ask about the report itself."""
    problems = []
    for question in report.followups:
        if names_any(question, false_premise):
            problems.append(f"false premise: {question}")
        elif ABOUT_THE_REPORT.search(question):
            problems.append(f"about the report: {question}")
    return problems


def asserted_false_premises(report: Report, false_premise: list[str]) -> list[str]:
    """Sentences of the summary, sections or bottom line that state a false premise
    without negating it (a refuted claim restated as fact)."""
    texts = [report.executive_summary, report.bottom_line]
    texts += [s.body for s in report.sections if s.kind == "evidence"]
    found = []
    for text in texts:
        for sentence in split_sentences(strip_citations(text), report.language):
            negated = re.search(
                r"\b(?:not|no|never|false|incorrect|wrong|myth)\b|n't", sentence, re.I
            )
            if names_any(sentence, false_premise) and not negated:
                found.append(sentence)
    return found


def report_sentences(report: Report) -> list[str]:
    """Every sentence a reader reads, citations removed."""
    texts = [
        report.title,
        report.disclaimer,
        report.verdict.summary,
        report.executive_summary,
        *(f"{s.heading}. {s.body}" for s in report.sections),
        report.bottom_line,
        *report.followups,
    ]
    return [
        s
        for text in texts
        for s in split_sentences(strip_citations(text), report.language)
        if len(s.split()) >= MIN_WORDS_FOR_LANGUAGE
    ]


@lru_cache(maxsize=1)
def _detector() -> object:
    from lingua import Language, LanguageDetectorBuilder

    languages = [Language.ENGLISH, Language.SPANISH, Language.FRENCH, Language.GERMAN]
    languages += [Language.ITALIAN, Language.PORTUGUESE, Language.DUTCH]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def language_of(sentence: str) -> str:
    found = _detector().detect_language_of(sentence)  # type: ignore[attr-defined]
    return "" if found is None else str(found.iso_code_639_1.name).lower()


def language_share(report: Report, lang: str) -> tuple[int, int]:
    """(sentences in `lang`, sentences of at least four words)."""
    sentences = report_sentences(report)
    return sum(1 for s in sentences if language_of(s) == lang), len(sentences)


def score_report(report: Report, question: ReportQuestion) -> dict[str, object]:
    on_topic, sections = evidence_sections_on_topic(report, question.subject)
    sources = [s.n for s in report.sources]
    topical = [n for n in sources if source_on_topic(report, n, question.subject)]
    off_topic_with_stance = [
        s.n for s in report.sources if s.n not in topical and s.stance != "context"
    ]
    decisive = question.expect in ("supported", "refuted")
    return {
        "q": question.q,
        "expect": question.expect,
        "verdict": report.verdict.label,
        "confidence": report.verdict.confidence,
        "verdict_right": report.verdict.label == question.expect,
        "key_fact_up_front": key_fact_up_front(report, question.key) if decisive else None,
        "evidence_sections": sections,
        "evidence_sections_on_topic": on_topic,
        "sources": len(sources),
        "sources_on_topic": len(topical) if question.subject else len(sources),
        "off_topic_sources_with_stance": off_topic_with_stance if question.subject else [],
        "followup_problems": followup_problems(report, question.false_premise),
        "asserted_false_premises": asserted_false_premises(report, question.false_premise),
    }
