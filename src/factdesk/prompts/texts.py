"""The prompts of a whole text: what kind of statement each sentence is, claims that
stand alone, and (in `model` extraction) the atomic claims of a chunk of sentences."""

from __future__ import annotations

from factdesk.prompts.base import UNTRUSTED_RULE, Prompt
from factdesk.records import Worth

WORTH_CHOICES: dict[str, Worth] = {
    "Fact": "factual",
    "Opinion": "opinion",
    "Prediction": "prediction",
    "Question": "question",
    "Greeting": "greeting",
    "Joke": "joke",
    "Request": "call_to_action",
}
_WORTH_EXAMPLES = [
    ("The Berlin Wall fell in November 1989.", "Fact"),
    ("Unemployment fell to 3.5 percent last year, the lowest in fifty years.", "Fact"),
    ("Vaccines cause autism.", "Fact"),
    ("The senator said the new law had cut crime by half.", "Fact"),
    ("I think this is the best policy we have ever had.", "Opinion"),
    ("Prices will double by next summer.", "Prediction"),
    ("Who really benefits from all this?", "Question"),
    ("Good evening, everyone, and thanks for tuning in.", "Greeting"),
    ("Share this post before they delete it!", "Request"),
    ("My doctor says I have the heart of a lion, which explains the fur.", "Joke"),
]

WORTH = Prompt(
    kind="worth",
    system=(
        "You sort the sentences of a text for a fact-checker. Answer with one word: Fact if "
        "the sentence states something about the world that sources could confirm or "
        "refute, true or false (a number, an event, what someone said or did, a cause, a "
        "record); Opinion for a judgement or feeling; Prediction for what will happen; "
        "Question for a question; Greeting for a greeting, thanks or sign-off; Request for "
        "a call to action or an instruction to the reader; Joke for a joke. "
        + UNTRUSTED_RULE
        + "\n\nExamples:\n"
        + "\n".join(f"Sentence: {s}\nAnswer: {a}" for s, a in _WORTH_EXAMPLES)
    ),
    user="<<<PASSAGE>>>\nSentence: {sentence}\n<<<END>>>\nAnswer:",
    max_tokens=1,
)

STANDALONE = Prompt(
    kind="standalone",
    system=(
        "You rewrite one sentence of a text so that it can be fact-checked alone: replace "
        "each pronoun and vague reference (he, she, it, they, this, the company) with the "
        "name it refers to in the context. Keep every other word, name, date and number; "
        "add nothing else, and do not judge the sentence. "
        + UNTRUSTED_RULE
        + "\n\nExample.\nContext: Marie Curie moved to Paris in 1891.\nSentence: She won the "
        'Nobel Prize in Physics in 1903.\n{{"claim": "Marie Curie won the Nobel Prize in '
        'Physics in 1903."}}'
    ),
    user="<<<PASSAGE>>>\nContext: {context}\nSentence: {sentence}\n<<<END>>>\n\nReturn JSON.",
    max_tokens=120,
    schema={
        "type": "object",
        "properties": {"claim": {"type": "string"}},
        "required": ["claim"],
    },
)

EXTRACT = Prompt(
    kind="extract",
    system=(
        "You break the numbered sentences of a text into the statements a fact-checker "
        "would list. For each sentence give one item per distinct statement it makes: "
        "`sentence` (its number), `quote` (the exact words of the sentence the statement "
        "comes from, copied), `kind` (factual for something sources could confirm or "
        "refute; otherwise opinion, prediction, question, greeting, joke or "
        "call_to_action) and `claim` (the statement alone, in one sentence, with pronouns "
        "replaced by the names they refer to and every name, date and number kept). "
        + UNTRUSTED_RULE
        + "\n\nExample.\n<<<PASSAGE>>>\n[1] Welcome back to the show.\n[2] Ada Lovelace "
        "was born in London in 1815, and she wrote the first computer program.\n<<<END>>>\n"
        '{{"claims": [{{"sentence": 1, "quote": "Welcome back to the show.", "kind": '
        '"greeting", "claim": "Welcome back to the show."}}, {{"sentence": 2, "quote": '
        '"Ada Lovelace was born in London in 1815", "kind": "factual", "claim": "Ada '
        'Lovelace was born in London in 1815."}}, {{"sentence": 2, "quote": "she wrote the '
        'first computer program", "kind": "factual", "claim": "Ada Lovelace wrote the first '
        'computer program."}}]}}'
    ),
    user="{context}<<<PASSAGE>>>\n{sentences}\n<<<END>>>\n\nReturn JSON.",
    max_tokens=600,
    schema={
        "type": "object",
        "properties": {
            "claims": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "sentence": {"type": "integer"},
                        "quote": {"type": "string"},
                        "kind": {
                            "type": "string",
                            "enum": list(dict.fromkeys(WORTH_CHOICES.values())),
                        },
                        "claim": {"type": "string"},
                    },
                    "required": ["sentence", "quote", "kind", "claim"],
                },
            }
        },
        "required": ["claims"],
    },
)
