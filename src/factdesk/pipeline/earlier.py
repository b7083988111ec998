"""Earlier checks first: before researching a question, look for an earlier check of the
same claim among the desk's published reports.

Questions are compared by the cosine similarity of their embeddings, only with
questions in the same language and embedded by the same model, so a paraphrase counts
and a question in another language does not. Similarity alone also finds related
questions that are not the same claim ("John Coleman refuted man-made warming" / "John
Coleman calls global warming a hoax"), so the closest candidates are put to the model,
which must say that both make the same claim. Every published check's question is
remembered; checks published before this existed (or under another embedder) are
remembered the first time a search needs them.
"""

from __future__ import annotations

import re
from datetime import datetime

from factdesk.pipeline.desk import Desk
from factdesk.pipeline.understand import detect_language
from factdesk.prompts import SAME_CLAIM
from factdesk.published import EarlierMatch
from factdesk.records import CheckRecord, utcnow
from factdesk.untrusted import clean_untrusted

BACKFILL_BATCH = 256


def _catch_up(desk: Desk) -> None:
    """Remember the questions of published checks that have no vector yet."""
    earlier, embedder = desk.store.earlier, desk.embedder
    while missing := earlier.unremembered(embedder.name, BACKFILL_BATCH):
        vectors = embedder.embed([question for _, question, _ in missing])
        for (check_id, _, language), vector in zip(missing, vectors, strict=True):
            earlier.remember(check_id, language, embedder.name, vector)
        if len(missing) < BACKFILL_BATCH:
            return


def remember(desk: Desk, record: CheckRecord) -> None:
    """Keep a published check's question so later checks of the same claim find it."""
    if record.report is None:
        return
    vector = desk.embedder.embed([record.question])[0]
    desk.store.earlier.remember(record.id, record.report.language, desk.embedder.name, vector)


def find_earlier(desk: Desk, question: str, now: datetime | None = None) -> EarlierMatch | None:
    """The published report that best matches `question`, if it is similar enough."""
    cfg = desk.settings.earlier
    if not cfg.enabled:
        return None
    _catch_up(desk)
    vector = desk.embedder.embed([question])[0]
    earlier, name = desk.store.earlier, desk.embedder.name
    close = earlier.nearest(vector, None, name, limit=1)
    if not close or close[0][1] < cfg.min_similarity:
        return None  # nothing close in any language: no need to detect this one's
    found = earlier.nearest(vector, detect_language(question), name, limit=cfg.candidates)
    for report_id, similarity in found:
        if similarity < cfg.min_similarity:
            break
        summary = desk.store.reports.summary(report_id)
        same = same_claim(desk, summary.question, question)
        if same is not None and same < cfg.same_claim_yes:
            continue
        age_days = ((now or utcnow()) - summary.checked_at).total_seconds() / 86400
        return EarlierMatch(
            report_id=report_id,
            url=summary.url,
            question=summary.question,
            verdict=summary.verdict,
            checked_at=summary.checked_at,
            similarity=round(similarity, 4),
            same_claim=None if same is None else round(same, 4),
            age_days=round(age_days, 2),
            reuse=age_days < cfg.reuse_max_age_days,
        )
    return None


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def same_claim(desk: Desk, earlier: str, question: str) -> float | None:
    """The model's probability that two questions make the same claim; None when the
    settings leave the decision to embedding similarity alone. Two questions that both
    give numbers, none of them shared ("in 1900" / "in 1901"), are different claims
    without asking."""
    if desk.settings.earlier.same_claim_yes <= 0:
        return None
    ours, theirs = _numbers(earlier), _numbers(question)
    if ours and theirs and not ours & theirs:
        return 0.0
    request = SAME_CLAIM.render(
        first=clean_untrusted(earlier, 600), second=clean_untrusted(question, 600)
    )
    return desk.judge_llm.classify(request, ("Yes", "No")).probs["Yes"]
