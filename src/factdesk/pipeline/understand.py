"""Stage 1: clean the question, detect its language and category, restate it as claims."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from pydantic import BaseModel

from factdesk.errors import InputError
from factdesk.pipeline.agreement import fold, words
from factdesk.pipeline.answers import parse_json
from factdesk.prompts import UNDERSTAND, UNDERSTAND_INSIST
from factdesk.protocols import LLM, ChatMessage
from factdesk.records import CATEGORIES, Category, Claim, PointCheck, Understanding
from factdesk.untrusted import has_surrogates, printable

_NUMBER = re.compile(r"\d+")
CLAIM_WORDS_KEPT = 0.75
_YEAR = re.compile(r"\b(?:1[0-9]{3}|20[0-9]{2})\b")
_WH = frozenset({"who", "whom", "whose", "what", "when", "where", "which", "how", "why", "in"})
_DATE_WORD = re.compile(
    r"\b(?:century|decade|year|january|february|march|april|may|june|july|august|september|"
    r"october|november|december|spring|summer|autumn|fall|winter|ancient|medieval)\b",
    re.I,
)
_ASKING = re.compile(
    r"(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|shall|may|"
    r"might|must|who|whom|whose|what|when|where|which|why|how)(?:n't)?\b",
    re.I,
)
_LANGUAGES = ("ENGLISH", "FRENCH", "SPANISH", "GERMAN", "ITALIAN", "PORTUGUESE", "DUTCH")


class _Answer(BaseModel):
    normalized: str
    category: str
    claim: str
    question: str
    claimed: str
    subject: list[str]


def clean_question(raw: str, max_chars: int) -> str:
    """Collapse whitespace, drop control and bidirectional characters (a question is shown
    on pages and terminals), and refuse questions that cannot be checked."""
    if has_surrogates(raw or ""):
        raise InputError(
            "The question is not valid Unicode text (it holds a lone surrogate); send it as UTF-8."
        )
    text = printable(re.sub(r"\s+", " ", raw or "")).strip()
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
    """Tokens for the JSON answer, which restates the question about three times (at
    roughly four characters a token): an answer cut short is unreadable JSON, and
    generation stops at the closing brace anyway."""
    return UNDERSTAND.max_tokens + len(question)


def is_statement(text: str, language: str) -> bool:
    """An English claim stated as such (not a question): it is checked in the user's own
    words, because any restatement, however faithful, moves what is searched and judged
    (on AVeriTeC dev claims a small model's restatements added "falsely", dropped
    qualifiers and once turned "lie in state" into "die in state")."""
    if language != "en" or text.rstrip().endswith("?"):
        return False
    return _ASKING.match(text.lstrip()) is None


def _keeps_numbers(question: str, text: str) -> bool:
    """The model may not trade the question's numbers for its own ("until 2005" became
    "after 1989" once)."""
    return set(_NUMBER.findall(question)) <= set(_NUMBER.findall(text))


def faithful_claim(question: str, claim: str, language: str) -> bool:
    """A restatement keeps the question's numbers and, for an English question, adds few
    words of its own: a small model sometimes answers the question instead ("Was Sputnik
    1 launched by the United States?" became "Sputnik 1 was launched by the Soviet Union")."""
    if len(claim) <= 3 or not _keeps_numbers(question, claim):
        return False
    if language != "en":
        return True
    said, restated = words(question), words(claim)
    return not restated or len(restated & said) / len(restated) >= CLAIM_WORDS_KEPT


def _subjects(names: list[str], claimed: str) -> list[str]:
    """The claim's main subject (the first name given) and the names that share a word
    with it ("Albert Einstein", "Einstein"). Other names are what the claim says of the
    subject ("Japan" for "Tokyo is the capital of Japan", "United States" for "Sputnik 1
    was launched by the United States"): a passage naming only them is not about it."""
    given = [n.strip() for n in names if len(n.strip()) > 1]
    if not given:
        return []
    main = given[0]
    kept = [main]
    for name in given[1:]:
        shares = words(name) & words(main)
        if shares and name not in kept and fold(name) not in fold(claimed):
            kept.append(name)
    return kept


def _point(answer: _Answer, claim: str, asked: str) -> PointCheck | None:
    """The point check, when it is one: a wh-question whose claimed answer is words of
    the claim itself (not the model's own answer), and a date for a "when" question. A
    "when" question keeps the one year the user's question gives when the model's
    answer drifted ("until 2005" is the point, whatever the model wrote)."""
    question, claimed = answer.question.strip(), answer.claimed.strip(" .")
    opening = fold(question).split()[0] if question else ""
    years = _YEAR.findall(asked)
    if opening == "when" and len(years) == 1 and years[0] not in claimed:
        claimed = years[0]
    if opening not in _WH or fold(claimed) in ("", "yes", "no", "true", "false"):
        return None
    if fold(claimed) not in fold(claim):
        return None
    if opening == "when" and not (_NUMBER.search(claimed) or _DATE_WORD.search(claimed)):
        return None  # "When did the pandemic start?" cannot be answered "Wuhan"
    return PointCheck(question=question, claimed=claimed)


def _insist(message: ChatMessage, question: str) -> ChatMessage:
    """The user message again, asking for a claim that keeps the question's own words and
    numbers (one retry, when the first restatement did not)."""
    numbers = ", ".join(sorted(set(_NUMBER.findall(question)))) or "none"
    note = UNDERSTAND_INSIST.format(numbers=numbers)
    return message.model_copy(update={"content": message.content + note})


def understand(llm: LLM, text: str) -> Understanding:
    """`text` is the question as `clean_question` returned it."""
    language = detect_language(text)
    request = UNDERSTAND.render(question=text, max_tokens=answer_budget(text))
    answer = parse_json(llm.name, llm.complete(request), _Answer)
    stated = is_statement(text, language)
    if not stated and not faithful_claim(text, answer.claim.strip(), language):
        request = request.model_copy(
            update={"messages": [*request.messages[:-1], _insist(request.messages[-1], text)]}
        )
        answer = parse_json(llm.name, llm.complete(request), _Answer)
    normalized = accept_rewrite(text, answer.normalized)
    if stated and not is_statement(normalized, language):
        normalized = text  # a spelling fix may not turn the claim into a question
    category: Category = next((c for c in CATEGORIES if c == answer.category), "other")
    claim = restatement = answer.claim.strip()
    if stated:
        claim = restatement = text
    elif not faithful_claim(text, claim, language):
        claim = normalized
    point = _point(answer, claim, text)
    return Understanding(
        question=text,
        normalized=normalized,
        language=language,
        category=category,
        claims=[Claim(id="C1", text=claim)],
        subjects=_subjects(answer.subject, point.claimed if point else ""),
        point=point,
        restatement=restatement if restatement != claim else "",
    )
