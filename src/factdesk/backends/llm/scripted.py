"""A scripted LLM: canned answers per prompt kind, for tests, demos and overhead benchmarks.

Each kind answers from a script entry (a string, or a function of the request). The
default script derives plausible answers from the prompt's own variables (it copies a
sentence of the first passage into a section, says "Yes" when a passage shares most
of a claim's words), so the whole pipeline runs end to end with no model at all.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from factdesk.errors import LLMError
from factdesk.plugins import Backend, Registry
from factdesk.protocols import LLMRequest, LLMResponse
from factdesk.settings import UNHASHED

Responder = Callable[[LLMRequest], str]
Chooser = Callable[[LLMRequest, Sequence[str]], dict[str, float]]

_BLOCK = re.compile(r"<<<PASSAGE \[(\d+)\] from [^:]*: (.*?)>>>\n(.*?)\n<<<END", re.S)
_WORDS = re.compile(r"[a-z0-9]+")
_STOP = {
    "the",
    "a",
    "an",
    "of",
    "in",
    "on",
    "for",
    "to",
    "and",
    "is",
    "was",
    "were",
    "by",
    "it",
    "that",
    "with",
    "as",
    "at",
    "be",
    "are",
    "from",
    "this",
    "its",
}


def _words(text: str) -> set[str]:
    return {w for w in _WORDS.findall(text.lower()) if w not in _STOP}


def _overlap(claim: str, passage: str) -> float:
    words = _words(claim)
    return len(words & _words(passage)) / len(words) if words else 0.0


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0].rstrip(".")


def _statement(question: str) -> str:
    return question.strip().rstrip("?").strip() + "."


_NAMES = re.compile(r"(?<=\s)[A-Z][\w']+(?: [A-Z][\w']+)*")  # capitalised, not the first word


def understanding_answer(asked: str, /, **fields: object) -> str:
    """The understand stage's JSON answer as this script gives it: the question as its
    own claim, its first capitalised name as the subject, and no point (tests that
    exercise the point stage give one); `fields` replace any of these."""
    names = _NAMES.findall(asked)
    answer: dict[str, object] = {
        "normalized": asked,
        "category": "other",
        "claim": _statement(asked),
        "question": "",
        "claimed": "",
        "subject": names[:1] or [_statement(asked)],
    }
    return json.dumps({**answer, **fields})


def _understand(request: LLMRequest) -> str:
    return understanding_answer(request.variables["question"])


def _plan(request: LLMRequest) -> str:
    return json.dumps(
        {
            "queries": [
                {
                    "angle": "background",
                    "query": " ".join(sorted(_words(request.variables["claim"]))),
                }
            ]
        }
    )


def _section(request: LLMRequest) -> str:
    blocks = _BLOCK.findall(request.variables["passages"])
    if not blocks:
        return "Heading: Background\nText:"
    key, title, text = blocks[0]
    return f"Heading: {title}\nText: {_first_sentence(text)} [{key}]."


def _translate(request: LLMRequest) -> str:
    """An identity "translation": the lines as they came."""
    return request.variables["lines"]


def _followup(request: LLMRequest) -> str:
    topic = request.variables["subject"]
    questions = [
        f"What do primary records say about {topic}?",
        f"How has {topic} changed over time?",
        f"Which experts have studied {topic}, and what did they find?",
    ]
    return json.dumps({"questions": questions})


def _stance(request: LLMRequest, choices: Sequence[str]) -> dict[str, float]:
    yes = _overlap(request.variables["claim"], request.variables["passage"]) >= 0.6
    return (
        {"Yes": 0.85, "No": 0.05, "Unclear": 0.10}
        if yes
        else {"Yes": 0.05, "No": 0.05, "Unclear": 0.90}
    )


def _verify(request: LLMRequest, choices: Sequence[str]) -> dict[str, float]:
    yes = _overlap(request.variables["sentence"], request.variables["passage"]) >= 0.5
    return {"Yes": 0.9, "No": 0.1} if yes else {"Yes": 0.1, "No": 0.9}


def _judge(request: LLMRequest, choices: Sequence[str]) -> dict[str, float]:
    passages = request.variables["passages"].split("\n")
    best = max(_overlap(request.variables["claim"], line) for line in passages)
    if best >= 0.6:
        return {"True": 0.8, "False": 0.05, "Mixed": 0.05, "Unknown": 0.1}
    return {"True": 0.05, "False": 0.05, "Mixed": 0.05, "Unknown": 0.85}


_KINDS = (  # how this script sorts sentences: the first pattern that matches decides
    (re.compile(r"\?\s*$"), "Question", "question"),
    (
        re.compile(r"^(hello|hi|welcome|thanks|thank you|good (morning|evening))\b", re.I),
        "Greeting",
        "greeting",
    ),
    (
        re.compile(r"!\s*$|^(share|subscribe|click|stay|wake|join|let's|please)\b", re.I),
        "Request",
        "call_to_action",
    ),
    (
        re.compile(
            r"\b(i think|i believe|i love|in my opinion|opinion|wonderful|terrible)\b", re.I
        ),
        "Opinion",
        "opinion",
    ),
    (re.compile(r"\bwill\b", re.I), "Prediction", "prediction"),
)


def sentence_kind(sentence: str) -> tuple[str, str]:
    """The worth prompt's answer word and the statement kind this script gives a sentence."""
    for pattern, word, kind in _KINDS:
        if pattern.search(sentence.strip()):
            return word, kind
    return "Fact", "factual"


def _worth(request: LLMRequest, choices: Sequence[str]) -> dict[str, float]:
    word = sentence_kind(request.variables["sentence"])[0]
    return {choice: 0.9 if choice == word else 0.1 / (len(choices) - 1) for choice in choices}


def _standalone(request: LLMRequest) -> str:
    """The sentence as it was: this script resolves no pronouns."""
    return json.dumps({"claim": request.variables["sentence"]})


def _extract(request: LLMRequest) -> str:
    """One statement per numbered sentence, quoting it whole."""
    items = []
    for number, sentence in re.findall(r"^\[(\d+)\] (.*)$", request.variables["sentences"], re.M):
        kind = sentence_kind(sentence)[1]
        items.append({"sentence": int(number), "quote": sentence, "kind": kind, "claim": sentence})
    return json.dumps({"claims": items})


def _same_claim(request: LLMRequest, choices: Sequence[str]) -> dict[str, float]:
    """The same claim when the two requests share most of their words."""
    quoted = r"<<<REQUEST>>>\n(.*?)\n<<<END>>>"
    first, second = re.findall(quoted, request.messages[1].content, re.S)
    shared = min(_overlap(first, second), _overlap(second, first))
    return {"Yes": 0.9, "No": 0.1} if shared >= 0.5 else {"Yes": 0.1, "No": 0.9}


DEFAULT_ANSWERS: dict[str, Responder] = {
    "understand": _understand,
    "plan": _plan,
    "section": _section,
    "point": lambda request: "Answer: not stated",
    "followup": _followup,
    "translate": _translate,
    "standalone": _standalone,
    "extract": _extract,
}
DEFAULT_CHOICES: dict[str, Chooser] = {
    "stance": _stance,
    "verify": _verify,
    "judge": _judge,
    "agree": lambda request, choices: {"Yes": 0.5, "No": 0.5},
    "same_claim": _same_claim,
    "worth": _worth,
}


class ScriptedLLM:
    """Answers from a script; records every request in `calls`."""

    name = "scripted"

    def __init__(
        self,
        answers: Mapping[str, str | Responder] | None = None,
        choices: Mapping[str, Mapping[str, float] | Chooser] | None = None,
        *,
        defaults: bool = True,
        delay_s: float = 0.0,
    ) -> None:
        self.delay_s = delay_s
        self._answers: dict[str, str | Responder] = dict(DEFAULT_ANSWERS) if defaults else {}
        self._answers.update(answers or {})
        self._choices: dict[str, Mapping[str, float] | Chooser] = (
            dict(DEFAULT_CHOICES) if defaults else {}
        )
        self._choices.update(choices or {})
        self.calls: list[LLMRequest] = []

    def complete(self, request: LLMRequest) -> LLMResponse:
        self.calls.append(request)
        time.sleep(self.delay_s)
        answer = self._answers.get(request.kind)
        if answer is None:
            raise LLMError(self.name, f"no scripted answer for prompt kind {request.kind!r}")
        text = answer if isinstance(answer, str) else answer(request)
        return LLMResponse(text=text, prompt_tokens=0, completion_tokens=len(text.split()))

    def classify(self, request: LLMRequest, choices: Sequence[str]) -> LLMResponse:
        self.calls.append(request)
        time.sleep(self.delay_s)
        entry = self._choices.get(request.kind)
        if entry is None:
            raise LLMError(self.name, f"no scripted choice for prompt kind {request.kind!r}")
        given = dict(entry) if isinstance(entry, Mapping) else entry(request, choices)
        probs = {c: float(given.get(c, 0.0)) for c in choices}
        return LLMResponse(text=max(probs, key=lambda c: probs[c]), probs=probs)

    def kinds(self) -> list[str]:
        return [r.kind for r in self.calls]


class ScriptedSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scripted_delay_s: float = Field(
        default=0.0,
        ge=0,
        description="Seconds every call waits before answering, like a model would (fault "
        "tests kill a worker in the middle of a check; benchmarks weigh queue overhead).",
        json_schema_extra=UNHASHED,
    )


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="llm",
            name="scripted",
            summary="Canned answers derived from each prompt: tests, demos, overhead benchmarks.",
            factory=lambda context, options: ScriptedLLM(delay_s=options.scripted_delay_s),
            settings=ScriptedSettings,
        )
    )
