"""Stage 5: each chosen passage's stance toward each claim.

The model is asked a yes/no/unclear question and its next-token probabilities are
read instead of a sampled word, so the scores can be thresholded and calibrated.
Passages below the relevance gate are not asked: off-topic text is silence, and
silence must never count as refutation.
"""

from __future__ import annotations

from collections.abc import Sequence

from factdesk.models import Claim, Evidence, StanceJudgement, StanceLabel, StanceScores
from factdesk.prompts import STANCE, evidence_block
from factdesk.protocols import LLM

CHOICES = ("Yes", "No", "Unclear")


def label_for(scores: StanceScores, threshold: float) -> StanceLabel:
    if scores.supports >= threshold and scores.supports > scores.refutes:
        return "supports"
    if scores.refutes >= threshold and scores.refutes > scores.supports:
        return "refutes"
    return "context"


def judge(
    llm: LLM,
    claims: Sequence[Claim],
    evidence: Sequence[Evidence],
    *,
    threshold: float,
    min_relevance: float,
) -> list[Evidence]:
    """Evidence with `judgements` filled in; claims outer so the prompt prefix is shared."""
    judged = {e.key: e.model_copy(update={"judgements": []}) for e in evidence}
    for claim in claims:
        for item in evidence:
            if item.relevance < min_relevance:
                scores = StanceScores(supports=0.0, refutes=0.0, context=1.0)
            else:
                passage = evidence_block(
                    item.key,
                    item.passage.title,
                    item.passage.outlet or item.passage.domain,
                    item.passage.text,
                )
                probs = llm.classify(STANCE.render(claim=claim.text, passage=passage), CHOICES)
                scores = StanceScores(
                    supports=probs["Yes"], refutes=probs["No"], context=probs["Unclear"]
                )
            judged[item.key].judgements.append(
                StanceJudgement(
                    claim_id=claim.id,
                    passage_id=item.passage.id,
                    stance=label_for(scores, threshold),
                    scores=scores,
                    relevance=item.relevance,
                )
            )
    return [judged[e.key] for e in evidence]
