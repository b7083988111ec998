"""Stage 4: pool hits, drop duplicates, rerank by meaning, and pick a diverse set.

Ranking pools every query's list by reciprocal rank, reranks by the embedding
similarity of each passage to the claims, then picks with maximal marginal relevance
and a per-document cap, so the writer does not get five chunks of one page. Preferred
passages (the source policy's priority domains, published fact-checks) get a small lift
in the ranking; they still need the relevance every passage needs.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from factdesk.pipeline.topic import on_topic
from factdesk.protocols import Embedder, SearchBackend, VectorLookup
from factdesk.records import Claim, Evidence, Hit, Passage, PassageRef

NEAR_DUPLICATE = 0.95
PREFERRED_LIFT = 0.05
POOL_SIZE = 40
MIN_EVIDENCE = 3
TOPIC_BONUS = 0.1  # a passage naming the subject outranks one a little closer in meaning


class EvidenceSet(BaseModel):
    evidence: list[Evidence] = Field(default_factory=list)
    considered: list[PassageRef] = Field(default_factory=list)


def pool_hits(hits: Sequence[Hit], rrf_k: int) -> list[tuple[Passage, float]]:
    """Unique passages with reciprocal-rank scores summed over every result list."""
    scores: dict[str, float] = {}
    passages: dict[str, Passage] = {}
    for hit in hits:
        passages.setdefault(hit.passage.id, hit.passage)
        scores[hit.passage.id] = scores.get(hit.passage.id, 0.0) + 1.0 / (rrf_k + hit.rank + 1)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    return [(passages[pid], score) for pid, score in ranked]


def _fingerprint(passage: Passage) -> str:
    """The passage's words, lower-cased: equal for copies that differ only in markup."""
    return " ".join(re.findall(r"\w+", passage.text.lower()))


def passage_text(passage: Passage) -> str:
    """The text a passage is embedded as (the local index embeds the same)."""
    return f"{passage.title}. {passage.text}"


def stored_vectors(
    backends: Sequence[SearchBackend], hits: Sequence[Hit]
) -> dict[str, npt.NDArray[np.float32]]:
    """Embeddings the backends already hold for the hit passages."""
    known: dict[str, npt.NDArray[np.float32]] = {}
    for backend in backends:
        if isinstance(backend, VectorLookup):
            known.update(backend.vectors([h.passage.id for h in hits if h.backend == backend.name]))
    return known


def embed_passages(
    embedder: Embedder, passages: Sequence[Passage], known: Mapping[str, npt.NDArray[np.float32]]
) -> npt.NDArray[np.float32]:
    vectors = np.zeros((len(passages), embedder.dimension), dtype=np.float32)
    missing = [i for i, p in enumerate(passages) if p.id not in known]
    for i, p in enumerate(passages):
        if p.id in known:
            vectors[i] = known[p.id]
    if missing:
        vectors[missing] = embedder.embed([passage_text(passages[i]) for i in missing])
    return vectors


def select_evidence(
    embedder: Embedder,
    claims: Sequence[Claim],
    hits: Sequence[Hit],
    *,
    k: int,
    max_per_document: int,
    min_relevance: float,
    mmr_lambda: float,
    rrf_k: int,
    known_vectors: Mapping[str, npt.NDArray[np.float32]] | None = None,
    subjects: Sequence[str] = (),
    close: float = 1.0,
    preferred: Collection[str] = (),
) -> EvidenceSet:
    """`known_vectors` (passage id to embedding, e.g. from the local index) saves
    embedding those passages again. Passages about the `subjects` (see `topic`) rank
    first; the others are kept as context only. `preferred` passage ids (priority
    domains of the source policy) rank a little higher."""
    pooled = pool_hits(hits, rrf_k)[:POOL_SIZE]
    if not pooled:
        return EvidenceSet()
    vectors = embed_passages(embedder, [p for p, _ in pooled], known_vectors or {})
    claim_vectors = embedder.embed([c.text for c in claims])
    relevance = (vectors @ claim_vectors.T).max(axis=1)
    fused = np.array([score for _, score in pooled])
    topical = np.array(
        [
            on_topic(p.title, p.text, float(r), subjects, close, claims[0].text if claims else "")
            for (p, _), r in zip(pooled, relevance, strict=True)
        ]
    )
    relevant = relevance >= min_relevance
    if not (topical & relevant).any():
        # No relevant passage names the subject: sources may name it otherwise ("flu
        # shots" / "influenza vaccine"), so the name test cannot tell and closeness in
        # meaning decides, as it did before subjects were known.
        topical = relevant
    lift = np.array([PREFERRED_LIFT if p.id in preferred else 0.0 for p, _ in pooled])
    combined = relevance + 0.1 * fused / fused.max() + TOPIC_BONUS * topical + lift

    considered = [
        PassageRef(passage_id=p.id, title=p.title, url=p.url, score=round(float(r), 4))
        for (p, _), r in zip(pooled, relevance, strict=True)
    ]
    order = [int(i) for i in np.argsort(-combined)]
    eligible = [i for i in order if relevant[i]]
    if len(eligible) < MIN_EVIDENCE:  # keep a little context even when nothing is on topic
        eligible += [i for i in order if i not in eligible][: MIN_EVIDENCE - len(eligible)]

    chosen: list[int] = []
    seen_texts: set[str] = set()
    per_doc: dict[str, int] = {}
    candidates = list(eligible)
    while candidates and len(chosen) < k:
        best, best_score = -1, -np.inf
        for i in candidates:
            doc = pooled[i][0].doc_id
            if per_doc.get(doc, 0) >= max_per_document or _fingerprint(pooled[i][0]) in seen_texts:
                continue
            overlap = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            if overlap >= NEAR_DUPLICATE:
                continue
            score = mmr_lambda * combined[i] - (1 - mmr_lambda) * overlap
            if score > best_score:
                best, best_score = i, score
        if best < 0:
            break
        chosen.append(best)
        seen_texts.add(_fingerprint(pooled[best][0]))
        candidates.remove(best)
        doc = pooled[best][0].doc_id
        per_doc[doc] = per_doc.get(doc, 0) + 1

    evidence = [
        Evidence(
            key=n,
            passage=pooled[i][0],
            relevance=round(float(relevance[i]), 4),
            on_topic=bool(topical[i]),
        )
        for n, i in enumerate(chosen, start=1)
    ]
    return EvidenceSet(evidence=evidence, considered=considered)
