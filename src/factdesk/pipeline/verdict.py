"""Stage 6: one verdict from the claim assessments and passage stances, with a confidence.

The claim-level assessment (the model reading all on-topic passages at once) gives a
probability for each verdict; the strongest single-passage support and refutation add
to "supported" and "refuted"; per-verdict offsets, fitted on labelled dev claims
(bench/calibrate.py), correct the model's lean. The rule that matters most is applied
before any of that: with no on-topic passage the verdict is not_enough_evidence,
never refuted, because silence in the sources is not evidence. "On-topic" can be made
stricter for the verdict (`min_top_relevance`): when even the closest passage is only
loosely related, the model's opinion of it is not evidence either.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from factdesk.i18n import verdict_summary
from factdesk.records import (
    VERDICT_LABELS,
    Claim,
    ClaimAssessment,
    ClaimVerdict,
    Evidence,
    Verdict,
    VerdictLabel,
)

EPSILON = 1e-6


def passage_extremes(claim: Claim, evidence: Sequence[Evidence]) -> tuple[float, float]:
    """The strongest calibrated support and refutation any single passage gives."""
    support = refute = 0.0
    for item in evidence:
        for judgement in item.judgements:
            if judgement.claim_id == claim.id:
                support = max(support, judgement.scores.supports)
                refute = max(refute, judgement.scores.refutes)
    return support, refute


def label_scores(
    assessment: ClaimAssessment,
    support: float,
    refute: float,
    log_bias: Sequence[float],
    passage_weight: float,
) -> list[float]:
    """Unnormalised log scores for the four verdicts, in VERDICT_LABELS order."""
    probs = (assessment.true, assessment.false, assessment.mixed, assessment.unknown)
    scores = [math.log(p + EPSILON) + b for p, b in zip(probs, log_bias, strict=True)]
    scores[0] += passage_weight * support
    scores[1] += passage_weight * refute
    return scores


def claim_verdict(
    claim: Claim,
    evidence: Sequence[Evidence],
    assessment: ClaimAssessment,
    log_bias: Sequence[float],
    passage_weight: float,
    min_top_relevance: float = 0.0,
) -> ClaimVerdict:
    support, refute = passage_extremes(claim, evidence)
    closest = max((e.relevance for e in evidence), default=0.0)
    if assessment.passages == 0 or closest < min_top_relevance:
        return ClaimVerdict(
            claim_id=claim.id, label="not_enough_evidence", confidence=1.0, assessment=assessment
        )
    scores = label_scores(assessment, support, refute, log_bias, passage_weight)
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    best = scores.index(top)
    return ClaimVerdict(
        claim_id=claim.id,
        label=VERDICT_LABELS[best],
        confidence=round(weights[best] / sum(weights), 3),
        support=round(support, 3),
        refute=round(refute, 3),
        assessment=assessment,
    )


def combine(per_claim: Sequence[ClaimVerdict]) -> tuple[VerdictLabel, float]:
    """The first claim is the question's own; the others can only make it conflicting."""
    main = per_claim[0]
    others = {v.label for v in per_claim[1:]}
    if main.label == "supported" and "refuted" in others:
        return "conflicting", main.confidence * 0.8
    if main.label == "refuted" and "supported" in others:
        return "conflicting", main.confidence * 0.8
    return main.label, main.confidence


def decide(
    claims: Sequence[Claim],
    evidence: Sequence[Evidence],
    assessments: Sequence[ClaimAssessment],
    *,
    log_bias: Sequence[float],
    passage_weight: float,
    min_top_relevance: float = 0.0,
    language: str = "en",
) -> Verdict:
    by_claim = {a.claim_id: a for a in assessments}
    per_claim = [
        claim_verdict(
            c,
            evidence,
            by_claim.get(c.id, ClaimAssessment(claim_id=c.id)),
            log_bias,
            passage_weight,
            min_top_relevance,
        )
        for c in claims
    ]
    label, confidence = combine(per_claim)
    return Verdict(
        label=label,
        confidence=round(min(max(confidence, 0.0), 1.0), 3),
        summary=verdict_summary(language, label),
        per_claim=per_claim,
    )
