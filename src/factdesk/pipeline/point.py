"""Stage 6b: check the claim's exact point against what the passages answer.

The understand stage put the point as a question a reference work answers ("When was the
Berlin Wall built?") with the answer the claim gives ("1975"). Here the model answers
that question from the on-topic passages closest to it, quoting the passage, and the two
answers are compared: by code for numbers, dates, opposites and names (`agreement`), by
a yes/no question to the model only when the words differ without a clear sign. A false
premise ("the prize for relativity") is caught here, where a judge asked "do these
passages agree with the claim?" says yes because the names agree; so is a rank the
statement gives lower than the question's ("the fifth-largest continent", asked which is
the largest), where the answer names the claim's own subject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import numpy as np

from factdesk import citations
from factdesk.pipeline.agreement import compare, outranked
from factdesk.pipeline.answers import parse_labelled
from factdesk.prompts import AGREE, POINT, evidence_block
from factdesk.protocols import LLM, Embedder
from factdesk.records import AgreementLabel, Evidence, PointCheck

PASSAGES = 3
NOT_STATED = re.compile(r"^(?:not stated|unknown|none|n/?a)\b", re.I)


def closest(
    embedder: Embedder, question: str, evidence: Sequence[Evidence], k: int
) -> list[Evidence]:
    """The on-topic passages closest in meaning to the question, best first."""
    asked = [e for e in evidence if e.on_topic]
    if not asked:
        return []
    vectors = embedder.embed([question, *(f"{e.passage.title}. {e.passage.text}" for e in asked)])
    scores = vectors[1:] @ vectors[0]
    return [asked[i] for i in np.argsort(-scores)[:k]]


def check_point(
    llm: LLM,
    embedder: Embedder,
    point: PointCheck,
    evidence: Sequence[Evidence],
    *,
    agree_at: float,
    differ_at: float,
) -> PointCheck:
    """The point with the evidence's answer, the statement that gives it, and the outcome.
    When the model compares, a Yes probability of at least `agree_at` is agreement, at
    most `differ_at` a difference, and anything between leaves the point undecided."""
    passages = closest(embedder, point.question, evidence, PASSAGES)
    if not passages:
        return point.model_copy(update={"outcome": "unanswered"})
    block = "\n\n".join(
        evidence_block(e.key, e.passage.title, e.passage.outlet or e.passage.domain, e.passage.text)
        for e in passages
    )
    request = POINT.render(passages=block, question=point.question)
    fields = parse_labelled(llm.name, llm.complete(request), ("Answer", "Statement"), "Answer")
    found = fields["Answer"].strip(" .")
    keys = [k for k in citations.parse_keys(fields["Statement"]) if k in {e.key for e in passages}]
    if not found or NOT_STATED.match(found) or not keys:
        return point.model_copy(update={"outcome": "unanswered", "answer": found})
    compared = compare(point.claimed, found)
    outcome: AgreementLabel = "unanswered"
    decided_by: Literal["code", "model"] = "code"
    rank = outranked(point.question, fields["Statement"])
    if rank is not None:
        outcome, found = "differ", f"{found}, the {rank}"
    elif compared != "unsure":
        outcome = compared
    else:
        request = AGREE.render(question=point.question, claimed=point.claimed, found=found)
        yes = llm.classify(request, ("Yes", "No")).probs["Yes"]
        decided_by = "model"
        if yes >= agree_at:
            outcome = "agree"
        elif yes <= differ_at:
            outcome = "differ"
    return point.model_copy(
        update={
            "answer": found,
            "statement": fields["Statement"].strip(),
            "keys": keys,
            "outcome": outcome,
            "decided_by": decided_by,
        }
    )
