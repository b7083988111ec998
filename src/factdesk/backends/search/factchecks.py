"""Published fact-checks: other publishers' ClaimReviews, imported with
`factdesk factchecks import`, kept in their own SQLite file and searched first.

A hit is the review itself ("PolitiFact rated the claim ... as False"), cited with
source type fact_checker and the review's URL. Only reviews whose claim is close in
meaning to the query are returned: a fact-check about another claim is no evidence.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from factdesk.plugins import Backend, BuildContext, Registry
from factdesk.protocols import Embedder
from factdesk.records import Hit, Passage, PublishedFactCheck
from factdesk.sourcemeta import domain_of
from factdesk.sqlitedb import Database

FACTCHECK_MIGRATIONS: tuple[str, ...] = (
    # 1: imported ClaimReviews and the embeddings of their claims
    """
    CREATE TABLE reviews (
        id TEXT PRIMARY KEY,
        record TEXT NOT NULL,
        embedder TEXT NOT NULL,
        vector BLOB NOT NULL,
        added_at TEXT NOT NULL
    );
    """,
)


def review_passage(review: PublishedFactCheck) -> Passage:
    """A fact-check as a citable passage: who rated which claim how, and when."""
    publisher = review.publisher or domain_of(review.url) or "A fact-checker"
    by = f" (made by {review.claimant})" if review.claimant else ""
    when = f" on {review.date_published.isoformat()}" if review.date_published else ""
    return Passage(
        id=f"factcheck:{review.id}",
        doc_id=f"factcheck:{review.id}",
        title=f"Fact-check: {review.claim}",
        text=f"{publisher} checked the claim “{review.claim}”{by} and rated it "
        f"“{review.rating}”{when}.",
        url=review.url,
        domain=domain_of(review.url),
        outlet=publisher,
        published=review.date_published,
        source_type="fact_checker",
    )


class FactCheckCollection:
    """The desk's collection of published fact-checks, searched by claim similarity."""

    name = "factchecks"
    is_web = False
    supplementary = True  # adds to the other backends; the search stage never relies on it

    def __init__(self, path: Path, embedder: Embedder, min_similarity: float = 0.55) -> None:
        self.path = path
        self.embedder = embedder
        self.min_similarity = min_similarity
        self._db = Database(path, FACTCHECK_MIGRATIONS, "factchecks")
        self._lock = threading.Lock()
        self._loaded: tuple[list[PublishedFactCheck], npt.NDArray[np.float32]] | None = None

    def add(self, reviews: Iterable[PublishedFactCheck]) -> int:
        """Store reviews (one already stored is replaced); return how many were given."""
        batch = list({r.id: r for r in reviews}.values())
        if not batch:
            return 0
        vectors = self.embedder.embed([r.claim for r in batch])
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._db.transaction():
            for review, vector in zip(batch, vectors, strict=True):
                self._db.execute(
                    "INSERT OR REPLACE INTO reviews(id, record, embedder, vector, added_at) "
                    "VALUES (?,?,?,?,?)",
                    (
                        review.id,
                        review.model_dump_json(),
                        self.embedder.name,
                        vector.tobytes(),
                        now,
                    ),
                )
        with self._lock:
            self._loaded = None
        return len(batch)

    def count(self) -> int:
        row = self._db.row("SELECT COUNT(*) AS n FROM reviews")
        return int(row["n"]) if row else 0

    def reviews(self) -> list[PublishedFactCheck]:
        return self._matrix()[0]

    def _matrix(self) -> tuple[list[PublishedFactCheck], npt.NDArray[np.float32]]:
        with self._lock:
            if self._loaded is None:
                rows = self._db.rows(
                    "SELECT record, vector FROM reviews WHERE embedder=? ORDER BY added_at, id",
                    (self.embedder.name,),
                )
                reviews = [PublishedFactCheck.model_validate_json(r["record"]) for r in rows]
                matrix = np.zeros((len(rows), self.embedder.dimension), dtype=np.float32)
                for i, row in enumerate(rows):
                    matrix[i] = np.frombuffer(row["vector"], dtype=np.float32)
                self._loaded = (reviews, matrix)
            return self._loaded

    def search(self, query: str, limit: int) -> list[Hit]:
        reviews, matrix = self._matrix()
        if not reviews:
            return []
        scores = matrix @ self.embedder.embed([query])[0]
        order = [int(i) for i in np.argsort(-scores)[:limit] if scores[i] >= self.min_similarity]
        return [
            Hit(
                passage=review_passage(reviews[i]),
                score=float(scores[i]),
                backend=self.name,
                query=query,
                rank=rank,
            )
            for rank, i in enumerate(order)
        ]

    def close(self) -> None:
        self._db.close()


class FactCheckSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_similarity: float = Field(
        default=0.55,
        ge=0.0,
        le=1.0,
        description="Embedding similarity of a query and a reviewed claim needed for a hit.",
    )


def open_collection(
    context: BuildContext, options: FactCheckSettings | None = None
) -> FactCheckCollection:
    options = options or FactCheckSettings()
    return FactCheckCollection(
        context.settings.factchecks_path, context.embedder, options.min_similarity
    )


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="search",
            name="factchecks",
            summary="Published fact-checks (other publishers' ClaimReview), searched first.",
            factory=lambda context, options: open_collection(context, options),
            settings=FactCheckSettings,
        )
    )
