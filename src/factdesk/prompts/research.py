"""The prompts that research and judge one claim: understanding the question,
planning searches, each passage's stance, and the claim-level judgements."""

from __future__ import annotations

import json

from factdesk.prompts.base import UNTRUSTED_RULE, Prompt
from factdesk.records import CATEGORIES

_UNDERSTAND_EXAMPLES = [
    (
        "Did Einstein get the Nobel Prize for relativity?",
        {
            "normalized": "Did Einstein get the Nobel Prize for relativity?",
            "category": "science",
            "claim": "Albert Einstein received the Nobel Prize for his theory of relativity.",
            "question": "What did Albert Einstein receive the Nobel Prize for?",
            "claimed": "his theory of relativity",
            "subject": ["Albert Einstein", "Einstein"],
        },
    ),
    (
        "Is Jupiter the smallest planet?",
        {
            "normalized": "Is Jupiter the smallest planet?",
            "category": "science",
            "claim": "Jupiter is the smallest planet.",
            "question": "How large is Jupiter compared with the other planets?",
            "claimed": "the smallest",
            "subject": ["Jupiter"],
        },
    ),
    (
        "¿Fue construida la torre Eiffel en 1920?",
        {
            "normalized": "¿Fue construida la Torre Eiffel en 1920?",
            "category": "history",
            "claim": "The Eiffel Tower was built in 1920.",
            "question": "When was the Eiffel Tower built?",
            "claimed": "1920",
            "subject": ["Eiffel Tower"],
        },
    ),
]

UNDERSTAND = Prompt(
    kind="understand",
    system=(
        "You prepare questions for a fact-checking desk. Fix the spelling and capitalisation "
        "of the question without changing its meaning or its language, and choose a topic "
        "category. Then, in English whatever the question's language: restate it as one "
        "short declarative claim, keeping every name, date and number it gives (a yes/no "
        "question becomes the statement it asks about); write the question about the "
        "claim's subject that a reference work on that subject answers and that decides the "
        "claim's exact point: a who, what, when, where, which or how question, never a "
        "yes/no question; copy from the claim the answer it gives to that question; and name "
        "the subject, the person, place, organisation, event or thing the claim is about, "
        "with the short names sources also use. Do not answer the question yourself."
        + "".join(
            f"\n\nExample.\nQuestion: {question}\n"
            + json.dumps(answer, ensure_ascii=False).replace("{", "{{").replace("}", "}}")
            for question, answer in _UNDERSTAND_EXAMPLES
        )
    ),
    user="Question: {question}\n\nReturn JSON.",
    max_tokens=200,
    schema={
        "type": "object",
        "properties": {
            "normalized": {"type": "string"},
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "claim": {"type": "string"},
            "question": {"type": "string"},
            "claimed": {"type": "string"},
            "subject": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
        },
        "required": ["normalized", "category", "claim", "question", "claimed", "subject"],
    },
)

UNDERSTAND_INSIST = (
    "\nThe claim must say what the question says, not what you know: keep its numbers "
    "({numbers}) and its words."
)

PLAN = Prompt(
    kind="plan",
    system=(
        "You plan searches for a fact-checker. Write short keyword search queries (2 to 6 "
        "words, not questions) that look at the claim from different angles: what "
        "officials or primary records say, what critics or opponents say, data and "
        "statistics, existing fact-checks, and background on the people, places or things "
        "named. Example for the claim 'The city banned cars downtown in 2020': "
        '{{"queries": [{{"angle": "official", "query": "city council downtown car ban vote"}}, '
        '{{"angle": "critics", "query": "downtown car ban opposition"}}, '
        '{{"angle": "data", "query": "downtown traffic 2020 figures"}}]}}'
    ),
    user="Claim: {claim}\n\nReturn JSON with up to {count} queries.",
    max_tokens=100,
    schema={
        "type": "object",
        "properties": {
            "queries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "angle": {
                            "type": "string",
                            "enum": ["official", "critics", "data", "fact_check", "background"],
                        },
                        "query": {"type": "string"},
                    },
                    "required": ["angle", "query"],
                },
                "minItems": 1,
                "maxItems": 5,
            }
        },
        "required": ["queries"],
    },
)


def _example(passage: str, claim: str, answer: str) -> str:
    return f"<<<PASSAGE>>>\n{passage}\n<<<END>>>\nClaim: {claim}\nAnswer: {answer}"


STANCE_EXAMPLES = "\n\n".join(
    [
        _example(
            "Great Wall of China: The wall cannot be seen from the Moon with the naked eye, "
            "as Apollo astronauts have confirmed.",
            "The Great Wall of China is visible from the Moon.",
            "No",
        ),
        _example(
            "Water: At standard atmospheric pressure, pure water boils at 100 °C (212 °F).",
            "Water boils at 100 degrees Celsius at sea level.",
            "Yes",
        ),
        _example(
            "Measles vaccine: The vaccine was introduced in 1963 and is given to children "
            "in two doses.",
            "Vaccines cause autism.",
            "Unclear",
        ),
        _example(
            "Sea level rise: Global mean sea level rose about 20 cm between 1900 and 2018.",
            "Sea levels have risen over the last century.",
            "Yes",
        ),
        _example(
            "Arctic sea ice: Arctic sea ice extent has declined by about 13% per decade "
            "since satellite records began in 1979.",
            "Arctic sea ice has been growing since 1980.",
            "No",
        ),
        _example(
            "Amazon rainforest: The Amazon is the largest tropical rainforest and covers "
            "much of the Amazon basin of South America.",
            "The Amazon rainforest produces 20% of the world's oxygen.",
            "Unclear",
        ),
    ]
)

STANCE = Prompt(
    kind="stance",
    system=(
        "You check a claim against one passage of evidence. Answer Yes if the passage "
        "states or clearly implies the claim, No if the passage states or clearly implies "
        "the opposite of the claim, Unclear if the passage is about something else or does "
        "not decide the claim. Judge only from the passage, not from what you know. "
        + UNTRUSTED_RULE
        + "\n\nExamples:\n\n"
        + STANCE_EXAMPLES
    ),
    user="{passage}\nClaim: {claim}\nAnswer:",
    max_tokens=1,
)

JUDGE = Prompt(
    kind="judge",
    system=(
        "You are a fact-checker. Read the evidence passages, then judge the claim using only "
        "the evidence. Answer True if the evidence shows the claim is true, False if the "
        "evidence shows it is false, Mixed if the evidence points both ways or shows it is "
        "only partly true, Unknown if the evidence does not say. " + UNTRUSTED_RULE
    ),
    user=(
        "Evidence:\n{passages}\n\nClaim: {claim}\n\nBased only on the evidence, is the "
        "claim true? Answer True, False, Mixed or Unknown."
    ),
    max_tokens=1,
)


CLAIM_ONLY = Prompt(
    kind="claim_only",
    system=(
        "You are a fact-checker. Judge the claim from your own knowledge; no sources are given."
    ),
    user=(
        "Claim: {claim}\n\nIs the claim true? Answer True, False, Mixed (partly true or "
        "disputed), or Unknown (you cannot tell)."
    ),
    max_tokens=1,
)
