"""Stage 6: one verdict from the stance judgements, with a confidence.

The rule that matters most: when no passage takes a side, the verdict is
not_enough_evidence, never refuted. A claim is only refuted by a passage that
contradicts it.
"""

from __future__ import annotations

from collections.abc import Sequence

from factdesk.i18n import verdict_summary
from factdesk.models import Claim, ClaimVerdict, Evidence, Verdict, VerdictLabel


def claim_verdict(
    claim: Claim, evidence: Sequence[Evidence], min_support: float, min_refute: float
) -> ClaimVerdict:
    support = refute = 0.0
    for item in evidence:
        for judgement in item.judgements:
            if judgement.claim_id == claim.id:
                support = max(support, judgement.scores.supports)
                refute = max(refute, judgement.scores.refutes)
    label: VerdictLabel
    if support >= min_support and refute >= min_refute:
        label, confidence = "conflicting", min(support, refute)
    elif support >= min_support:
        label, confidence = "supported", support * (1 - 0.5 * refute)
    elif refute >= min_refute:
        label, confidence = "refuted", refute * (1 - 0.5 * support)
    else:
        label, confidence = "not_enough_evidence", 1 - max(support, refute)
    return ClaimVerdict(
        claim_id=claim.id,
        label=label,
        confidence=round(confidence, 3),
        support=round(support, 3),
        refute=round(refute, 3),
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
    min_support: float,
    min_refute: float,
    language: str = "en",
) -> Verdict:
    per_claim = [claim_verdict(c, evidence, min_support, min_refute) for c in claims]
    label, confidence = combine(per_claim)
    return Verdict(
        label=label,
        confidence=round(min(max(confidence, 0.0), 1.0), 3),
        summary=verdict_summary(language, label),
        per_claim=per_claim,
    )
