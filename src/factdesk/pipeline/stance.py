"""Stage 5: each chosen passage's stance toward each claim.

The model is asked a yes/no/unclear question and its next-token probabilities are
read instead of a sampled word, so the scores can be calibrated and thresholded.
Passages below the relevance gate are not asked: unrelated text is silence, and
silence must never count as refutation. Relevant passages that do not name the claim's
subject are asked, for the verdict; the report shows them as context (Evidence.stance).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from factdesk.prompts import JUDGE, STANCE, numbered_passages, passage_block
from factdesk.protocols import LLM
from factdesk.records import (
    Claim,
    ClaimAssessment,
    Evidence,
    StanceJudgement,
    StanceLabel,
    StanceScores,
)

CHOICES = ("Yes", "No", "Unclear")
SILENT = StanceScores(supports=0.0, refutes=0.0, context=1.0)


def label_for(scores: StanceScores, threshold: float) -> StanceLabel:
    if scores.supports >= threshold and scores.supports > scores.refutes:
        return "supports"
    if scores.refutes >= threshold and scores.refutes > scores.supports:
        return "refutes"
    return "context"


def calibrate(probs: dict[str, float], log_bias: Sequence[float]) -> StanceScores:
    """Shift the model's Yes/No/Unclear probabilities by per-answer log offsets.

    A small model leans towards one answer whatever the evidence; offsets fitted on
    labelled pairs (see bench/) undo that lean.
    """
    weights = [probs[c] * math.exp(b) for c, b in zip(CHOICES, log_bias, strict=True)]
    total = sum(weights) or 1.0
    supports, refutes, context = (w / total for w in weights)
    return StanceScores(supports=supports, refutes=refutes, context=context)


def judge(
    llm: LLM,
    claims: Sequence[Claim],
    evidence: Sequence[Evidence],
    *,
    threshold: float,
    min_relevance: float,
    log_bias: Sequence[float] = (0.0, 0.0, 0.0),
) -> list[Evidence]:
    """Evidence with `judgements` filled in. Instructions and examples open every prompt,
    so all calls share the model's cached prefix."""
    judged = {e.key: e.model_copy(update={"judgements": []}) for e in evidence}
    for claim in claims:
        for item in evidence:
            raw = None
            if item.relevance < min_relevance:
                scores = SILENT
            else:
                passage = passage_block(item.passage.title, item.passage.text)
                probs = llm.classify(
                    STANCE.render(claim=claim.text, passage=passage), CHOICES
                ).probs
                raw = calibrate(probs, (0.0, 0.0, 0.0))
                scores = calibrate(probs, log_bias)
            judged[item.key].judgements.append(
                StanceJudgement(
                    claim_id=claim.id,
                    passage_id=item.passage.id,
                    stance=label_for(scores, threshold),
                    scores=scores,
                    raw=raw,
                    relevance=item.relevance,
                )
            )
    return [judged[e.key] for e in evidence]


JUDGE_CHOICES = ("True", "False", "Mixed", "Unknown")
JUDGE_PASSAGES = 6


def assess(
    llm: LLM, claims: Sequence[Claim], evidence: Sequence[Evidence], *, min_relevance: float
) -> list[ClaimAssessment]:
    """Each claim judged against all its relevant passages in one prompt.

    Reading the passages together lets the model weigh them against each other, which
    one-passage questions cannot. Passages that do not name the claim's subject are read
    too (news about the Act a person is said to have written does not name the person;
    dropping them cost AVeriTeC dev claims their refuting evidence); only the report keeps
    them as context. With no relevant passage the model is not asked: the assessment is
    "unknown", because silence is not evidence either way.
    """
    relevant = sorted(
        (e for e in evidence if e.relevance >= min_relevance),
        key=lambda e: -e.relevance,
    )[:JUDGE_PASSAGES]
    if not relevant:
        return [ClaimAssessment(claim_id=c.id) for c in claims]
    passages = numbered_passages([(e.passage.title, e.passage.text) for e in relevant])
    assessments = []
    for claim in claims:
        probs = llm.classify(JUDGE.render(claim=claim.text, passages=passages), JUDGE_CHOICES).probs
        assessments.append(
            ClaimAssessment(
                claim_id=claim.id,
                true=probs["True"],
                false=probs["False"],
                mixed=probs["Mixed"],
                unknown=probs["Unknown"],
                passages=len(relevant),
            )
        )
    return assessments
