"""Synthetic passages and vectors shaped like the bundled Wikipedia sample, at any size.

Embedding a million passages with MiniLM would take about five hours on a 2-core
machine (the sample ingests at about 53 passages a second), so the scale benchmarks
make theirs from the sample's own: each synthetic passage joins the sentences of one
sample passage and of one of its nearest neighbours (about 100 words), and its vector
mixes the two passages' real MiniLM vectors plus a little noise, normalised. The vectors
therefore cluster as real ones do (about a hundred near copies around each real passage,
on the real embedding manifold: a hard case for an approximate index, since the copies
are nearly equidistant from a query), real MiniLM query embeddings land among them, and
the words keep the sample's frequencies, multiplied. Seeded: every run makes the same
corpus, and the vectors do not depend on whether the texts are made too.
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from factdesk.backends.search.local import open_index
from factdesk.ingest import ingest_sample
from factdesk.plugins import BuildContext
from factdesk.settings import Settings

CACHE = Path(os.environ.get("FACTDESK_SCALE_CACHE", "/tmp/factdesk-scale"))
NEIGHBOURS = 8  # a synthetic passage mixes a sample passage with one of its 8 nearest
NOISE = 0.015  # per dimension: about 0.3 in norm, next to unit vectors
WORDS = 100
MAX_WORDS = 150  # the index keeps a text of up to 156 words (chunk_words 120) in one passage
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

Vectors = npt.NDArray[np.float32]


@dataclass
class Seed:
    titles: list[str]
    sentences: list[list[str]]
    vectors: Vectors
    neighbours: npt.NDArray[np.int64]


def sample_index(settings: Settings) -> Path:
    """The bundled sample ingested with the configured (real) embedder, cached in CACHE."""
    path = CACHE / "sample.sqlite3"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        building = Path(tmp) / "sample.sqlite3"
        index = open_index(BuildContext(settings), building)
        started = time.perf_counter()
        report = ingest_sample(index, settings.models_dir)
        index.close()
        print(f"sample: {report.passages} passages in {time.perf_counter() - started:.0f} s")
        sqlite3.connect(building).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
        building.rename(path)
    return path


def load_seed(index_path: Path) -> Seed:
    conn = sqlite3.connect(f"file:{index_path}?mode=ro", uri=True)
    rows = conn.execute("SELECT title, text, vector FROM passages ORDER BY rowid").fetchall()
    conn.close()
    vectors = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    neighbours = np.zeros((len(rows), NEIGHBOURS), dtype=np.int64)
    for start in range(0, len(rows), 1024):
        scores = vectors[start : start + 1024] @ vectors.T
        scores[np.arange(len(scores)), np.arange(start, start + len(scores))] = -np.inf
        neighbours[start : start + 1024] = np.argpartition(-scores, NEIGHBOURS, axis=1)[
            :, :NEIGHBOURS
        ]
    return Seed(
        titles=[r[0] for r in rows],
        sentences=[_SENTENCE.split(r[1]) for r in rows],
        vectors=vectors,
        neighbours=neighbours,
    )


def synthetic(
    seed: Seed, count: int, *, texts: bool = True, chunk: int = 10_000
) -> Iterator[tuple[list[tuple[str, str]], Vectors]]:
    """`count` passages in chunks: ([(title, text)] or [] when not `texts`, vectors)."""
    rng = np.random.default_rng(7)
    words = random.Random(7)
    n, dim = seed.vectors.shape
    for start in range(0, count, chunk):
        m = min(chunk, count - start)
        base = rng.integers(n, size=m)
        other = seed.neighbours[base, rng.integers(NEIGHBOURS, size=m)]
        weight = rng.uniform(0.55, 0.95, size=(m, 1)).astype(np.float32)
        vectors = weight * seed.vectors[base] + (1 - weight) * seed.vectors[other]
        vectors += rng.normal(0.0, NOISE, size=(m, dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        passages = (
            [(seed.titles[b], _text(seed, b, o, words)) for b, o in zip(base, other, strict=True)]
            if texts
            else []
        )
        yield passages, vectors


def _text(seed: Seed, base: int, other: int, rng: random.Random) -> str:
    """The base passage's sentences (one may be left out), then the other's from a random
    start, until about WORDS words and never more than MAX_WORDS."""
    own = seed.sentences[base]
    if len(own) > 2:
        skip = rng.randrange(len(own))
        own = own[:skip] + own[skip + 1 :]
    more = seed.sentences[other]
    start = rng.randrange(len(more))
    chosen: list[str] = []
    count = 0
    for sentence in [*own, *more[start:], *more[:start]]:
        if count >= WORDS:
            break
        if count + len(sentence.split()) <= MAX_WORDS:
            chosen.append(sentence)
            count += len(sentence.split())
    return " ".join(chosen)


def questions(seed: Seed, count: int) -> list[str]:
    """Questions of the kinds a check asks, about the sample's subjects."""
    templates = (
        "When was {t} founded?",
        "What is {t} known for?",
        "Is {t} in Europe?",
        "Who created {t}?",
        "{t} history",
        "How many people live in {t}?",
        "Did {t} win an award?",
    )
    rng = random.Random(11)
    return [rng.choice(templates).format(t=rng.choice(seed.titles)) for _ in range(count)]


def exact_top(matrix_chunks: Iterator[Vectors], queries: Vectors, k: int) -> npt.NDArray[np.int64]:
    """Row numbers of each query's k nearest vectors by inner product, in order."""
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(queries), k), dtype=np.int64)
    offset = 0
    for chunk in matrix_chunks:
        scores = queries @ chunk.T
        top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        merged_scores = np.concatenate([best_scores, np.take_along_axis(scores, top, 1)], 1)
        merged_rows = np.concatenate([best_rows, top + offset], 1)
        order = np.argsort(-merged_scores, axis=1)[:, :k]
        best_scores = np.take_along_axis(merged_scores, order, 1)
        best_rows = np.take_along_axis(merged_rows, order, 1)
        offset += len(chunk)
    return best_rows
