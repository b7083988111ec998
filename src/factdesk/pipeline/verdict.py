"""Stage 6: one verdict from the claim assessments and passage stances, with a confidence.

The claim-level assessment (the model reading all relevant passages at once) gives a
probability for each verdict; the strongest single-passage support and refutation add
to "supported" and "refuted"; per-verdict offsets, fitted on labelled dev claims
(bench/calibrate.py), correct the model's lean. The rule that matters most is applied
before any of that: with no relevant passage the verdict is not_enough_evidence,
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
    PointCheck,
    StanceJudgement,
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


def _on_topic_judgements(claim: Claim, evidence: Sequence[Evidence]) -> list[StanceJudgement]:
    """The claim's judgements of passages about its subject: the only ones a reader is
    shown taking a side, so the only ones the rules below may cite."""
    return [j for e in evidence if e.on_topic for j in e.judgements if j.claim_id == claim.id]


def _clearest_refutation(
    on_topic: Sequence[StanceJudgement],
    claim: Claim,
    evidence: Sequence[Evidence],
    clear_refutation: float,
) -> float:
    """The refutation that may overturn "supported", or 0.0 when none may: an on-topic
    passage's at `clear_refutation` or above; or, when an on-topic passage refutes and no
    passage read supports, the clearest of any of them (Cleopatra's own page refuted her
    being queen of the Roman Empire at 0.65, the pages on Augustus and Mark Antony at
    0.8, and the assessment still leaned "true")."""
    refuting = [j.scores.refutes for j in on_topic if j.stance == "refutes"]
    if not refuting:
        return 0.0
    if max(refuting) >= clear_refutation:
        return max(refuting)
    read = [j for e in evidence for j in e.judgements if j.claim_id == claim.id]
    if any(j.stance == "supports" for j in read):
        return 0.0
    clearest = max(j.scores.refutes for j in read if j.stance == "refutes")
    return clearest if clearest >= clear_refutation else 0.0


def reconcile(
    verdict: ClaimVerdict,
    claim: Claim,
    evidence: Sequence[Evidence],
    point: PointCheck | None,
    decided_confidence: float,
    clear_refutation: float = 0.75,
) -> ClaimVerdict:
    """The verdict after what the passages state about the exact point, and never against
    every passage that takes a side without saying why.

    A point the evidence answers differently refutes the claim: the sources say the wall
    was begun in 1961, not built in 1975. A point the evidence answers the same way can
    only lift "not enough evidence" when a passage also supports the claim (an answer may
    rest on the question's own assumption). A "supported" verdict that every on-topic
    passage taking a side contradicts becomes "refuted" when one of them does so clearly
    (`clear_refutation`; on AVeriTeC dev claims, passages that barely passed the stance
    threshold turned two right "supported" verdicts wrong this way), or when no passage
    supports it and one not about the subject contradicts it clearly
    (`_clearest_refutation`).
    """
    if verdict.assessment is None or verdict.assessment.passages == 0:
        return verdict  # nothing relevant was read: silence decides
    judgements = _on_topic_judgements(claim, evidence)
    stances = {j.stance for j in judgements}
    if point is not None and point.outcome == "differ":
        reason = (
            f'The sources answer "{point.question}" with "{point.answer}", not "{point.claimed}".'
        )
        confidence = max(
            verdict.confidence if verdict.label == "refuted" else 0.0,
            decided_confidence if point.decided_by == "code" else 0.75,
        )
        return verdict.model_copy(
            update={"label": "refuted", "confidence": round(confidence, 3), "reason": reason}
        )
    if (
        point is not None
        and point.outcome == "agree"
        and verdict.label == "not_enough_evidence"
        and "supports" in stances
    ):
        reason = f'The sources answer "{point.question}" with "{point.answer}", as the claim does.'
        return verdict.model_copy(
            update={"label": "supported", "confidence": 0.75, "reason": reason}
        )
    clearest = _clearest_refutation(judgements, claim, evidence, clear_refutation)
    if verdict.label == "supported" and clearest and "supports" not in stances:
        reason = "Every passage that takes a side contradicts the claim."
        return verdict.model_copy(
            update={"label": "refuted", "confidence": round(clearest, 3), "reason": reason}
        )
    if verdict.label == "refuted" and "supports" in stances and "refutes" not in stances:
        reason = (
            "Read together, the passages contradict the claim, although each one read alone "
            "seemed to support it."
        )
        return verdict.model_copy(update={"reason": reason})
    if verdict.label == "not_enough_evidence" and len(set(stances) - {"context"}) == 1:
        side = "support" if "supports" in stances else "contradict"
        reason = (
            f"Some passages, each read alone, seemed to {side} the claim, but read together "
            "they were not enough to decide it."
        )
        return verdict.model_copy(update={"reason": reason})
    return verdict


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
    point: PointCheck | None = None,
    point_confidence: float = 0.9,
    clear_refutation: float = 0.75,
) -> Verdict:
    """`point` (the first claim's exact point, checked) can override the calibrated
    scores, as `reconcile` says; `point_confidence` is the confidence of a point that
    numbers or names decided."""
    by_claim = {a.claim_id: a for a in assessments}
    per_claim = [
        reconcile(
            claim_verdict(
                c,
                evidence,
                by_claim.get(c.id, ClaimAssessment(claim_id=c.id)),
                log_bias,
                passage_weight,
                min_top_relevance,
            ),
            c,
            evidence,
            point if n == 0 else None,
            point_confidence,
            clear_refutation,
        )
        for n, c in enumerate(claims)
    ]
    label, confidence = combine(per_claim)
    return Verdict(
        label=label,
        confidence=round(min(max(confidence, 0.0), 1.0), 3),
        summary=verdict_summary(language, label),
        per_claim=per_claim,
    )
