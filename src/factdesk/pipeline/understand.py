"""Stage 1: clean the question, detect its language and category, restate it as claims."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from pydantic import BaseModel

from factdesk.errors import InputError
from factdesk.pipeline.answers import parse_json
from factdesk.prompts import UNDERSTAND
from factdesk.protocols import LLM
from factdesk.records import CATEGORIES, Category, Claim, Understanding

_LANGUAGES = ("ENGLISH", "FRENCH", "SPANISH", "GERMAN", "ITALIAN", "PORTUGUESE", "DUTCH")


class _Answer(BaseModel):
    normalized: str
    category: str
    claims: list[str]


def clean_question(raw: str, max_chars: int) -> str:
    """Collapse whitespace and refuse questions that cannot be checked."""
    text = re.sub(r"\s+", " ", raw or "").strip()
    if not text:
        raise InputError("The question is empty; ask a question or state a claim to check.")
    if len(text) > max_chars:
        raise InputError(
            f"The question is {len(text)} characters long; the limit is {max_chars}. "
            "Shorten it to the claim you want checked."
        )
    if not re.search(r"\w{2,}", text):
        raise InputError("The question has no words to check; ask a question or state a claim.")
    return text


@lru_cache(maxsize=1)
def _detector() -> object:
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in _LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language; English when unsure."""
    detector = _detector()
    language = detector.detect_language_of(text)  # type: ignore[attr-defined]
    if language is None:
        return "en"
    return str(language.iso_code_639_1.name).lower()


def accept_rewrite(original: str, rewrite: str) -> str:
    """Keep a model's spelling/case fix only if it stays close to what the user wrote."""
    rewrite = re.sub(r"\s+", " ", rewrite).strip()
    if not rewrite:
        return original
    similarity = difflib.SequenceMatcher(None, original.lower(), rewrite.lower()).ratio()
    return rewrite if similarity >= 0.8 else original


def answer_budget(question: str) -> int:
    """Tokens for the JSON answer, which restates the question up to four times (the
    normalized question and up to three claims, at roughly four characters a token): an
    answer cut short is unreadable JSON, and generation stops at the closing brace anyway."""
    return UNDERSTAND.max_tokens + len(question)


def understand(llm: LLM, text: str, max_claims: int) -> Understanding:
    """`text` is the question as `clean_question` returned it."""
    language = detect_language(text)
    request = UNDERSTAND.render(question=text, max_tokens=answer_budget(text))
    answer = parse_json(llm.name, llm.complete(request), _Answer)
    normalized = accept_rewrite(text, answer.normalized)
    category: Category = next((c for c in CATEGORIES if c == answer.category), "other")
    claims = [c.strip() for c in answer.claims if len(c.strip()) > 3][:max_claims]
    if not claims:
        claims = [normalized]
    return Understanding(
        question=text,
        normalized=normalized,
        language=language,
        category=category,
        claims=[Claim(id=f"C{i}", text=claim) for i, claim in enumerate(claims, start=1)],
    )
