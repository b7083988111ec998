"""The local index's approximate vector search, with the size threshold lowered so a
few hundred passages use it: same answers as exact search, never a removed passage,
always a new one, and a saved file that a new process reuses."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from factdesk.backends.embed.hashing import HashingEmbedder
from factdesk.backends.search import vectors
from factdesk.backends.search.local import LocalIndex
from factdesk.records import Document

WORDS = (  # noqa: SIM905 (a sentence reads better than 39 quoted words)
    "river castle engine violin glacier harbour senate comet orchard bridge cathedral "
    "volcano tramway lighthouse monsoon parliament tundra quarry canal observatory "
    "meadow locomotive reef citadel prairie telescope vineyard archipelago foundry "
    "monastery delta savanna aqueduct marathon saffron typhoon granary ferry pagoda"
).split()


def documents(count: int, seed: int = 1, prefix: str = "doc") -> list[Document]:
    rng = random.Random(seed)
    return [
        Document(
            id=f"{prefix}-{i}",
            title=f"{prefix.title()} {i}",
            text=" ".join(rng.choice(WORDS) for _ in range(12)) + ".",
        )
        for i in range(count)
    ]


def open_index(path: Path, threshold: int = 100, effort: int = 2) -> LocalIndex:
    """300 passages make 7 IVF lists: scanning 2 per query is really approximate."""
    return LocalIndex(
        path,
        HashingEmbedder(),
        ann_min_passages=threshold,
        ann_search_effort=effort,
        vector_candidates=10,
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "index.sqlite3"


@pytest.fixture
def big(path: Path) -> LocalIndex:
    index = open_index(path)
    index.add(documents(300))
    return index


def queries(count: int = 40) -> list[str]:
    rng = random.Random(9)
    return [" ".join(rng.choice(WORDS) for _ in range(4)) for _ in range(count)]


def ids(index: LocalIndex, query: str) -> list[str]:
    rowids = index._nearest(query)
    found = index._passages(rowids)
    return [found[r].id for r in rowids]


def similarities(index: LocalIndex, query: str, found: list[str]) -> list[float]:
    """Exact similarities of the query to the passages found (ties make ids unstable)."""
    vector = index.embedder.embed([query])[0]
    stored = index.vectors(found)
    return [float(stored[i] @ vector) for i in found]


def test_above_the_threshold_the_file_is_built_and_answers_as_exact_search(big, path):
    assert (path.parent / "index.sqlite3.faiss").exists()
    big = open_index(path, effort=7)  # every list: it must then agree with exact search
    exact = open_index(path, threshold=10_000)
    recalls = []
    for query in queries():
        approximate, truth = ids(big, query), ids(exact, query)
        assert big._vectors.approximate and not exact._vectors.approximate
        found, best = similarities(big, query, approximate), similarities(big, query, truth)
        # ties make ids unstable: compare similarities, within half-precision rounding
        assert found[0] == pytest.approx(best[0], abs=0.005)
        recalls.append(sum(s >= best[-1] - 0.005 for s in found) / len(best))
    assert sum(recalls) / len(recalls) >= 0.98
    # the hybrid ranking over it: the same passages but for a near-tie at the edge
    for query in queries(10):
        fused = {h.passage.id for h in big.search(query, 5)}
        assert len(fused & {h.passage.id for h in exact.search(query, 5)}) >= 4


def test_below_the_threshold_search_stays_exact_and_keeps_no_file(path):
    index = open_index(path, threshold=1_000)
    index.add(documents(300))
    ids(index, "river castle")
    assert not index._vectors.approximate
    assert not (path.parent / "index.sqlite3.faiss").exists()


def test_replaced_and_deleted_passages_are_never_returned_and_new_ones_are_found(big, path):
    target = "volcano volcano glacier glacier comet"
    before = ids(big, target)
    replaced, deleted = before[0].split("#")[0], before[1].split("#")[0]
    # replace the last document too: its passage's rowid is freed and reused
    big.add(
        [
            Document(id=replaced, title="Replaced", text="saffron pagoda typhoon ferry."),
            Document(id="doc-299", title="Last", text="granary granary aqueduct tramway."),
        ]
    )
    other = sqlite3.connect(path)  # another process deletes one without factdesk
    other.execute("PRAGMA foreign_keys=ON")
    other.execute("DELETE FROM documents WHERE id=?", (deleted,))
    other.commit()
    big.add([Document(id="new", title="New", text="volcano volcano glacier glacier comet.")])

    after = ids(big, target)
    assert big._vectors.approximate
    assert after[0] == "new#0"
    assert deleted + "#0" not in after
    assert all(big.get([i])[i].title != "Replaced" for i in after)
    assert ids(big, "granary granary aqueduct tramway")[0] == "doc-299#0"
    exact = open_index(path, threshold=10_000)
    assert after[0] == ids(exact, target)[0]
    assert set(big.get(after)) == set(after)  # every passage returned still exists


def test_a_new_process_reuses_the_saved_file(big, path, monkeypatch):
    expected = {q: ids(big, q) for q in queries(10)}
    big.add([Document(id="late", title="Late", text="marathon marathon reef citadel.")])
    big.close()

    def no_build(self: vectors.VectorSearch) -> None:
        raise AssertionError("rebuilt a file that was saved")

    monkeypatch.setattr(vectors.VectorSearch, "_rebuild", no_build)
    reopened = open_index(path)
    assert ids(reopened, "marathon marathon reef citadel")[0] == "late#0"
    assert reopened._vectors.approximate
    for query, found in expected.items():
        assert ids(reopened, query)[0] == found[0]


def test_a_large_delta_is_folded_into_the_file_and_the_log_trimmed(big, path, monkeypatch):
    monkeypatch.setattr(vectors, "FOLD_MIN", 20)
    big.add(documents(30, seed=2, prefix="extra"))
    conn = sqlite3.connect(path)
    meta = dict(conn.execute("SELECT key, value FROM meta WHERE key LIKE 'ann_%'").fetchall())
    assert int(meta["ann_size"]) == big.count() == 330
    assert conn.execute("SELECT count(*) FROM passage_log").fetchone()[0] == 0
    extra = documents(30, seed=2, prefix="extra")[0]
    assert ids(big, extra.text)[0] == "extra-0#0"


def test_a_file_that_does_not_match_the_index_is_rebuilt(big, path):
    big.close()
    stranger = open_index(path.parent / "other.sqlite3")
    stranger.add(documents(150, seed=5, prefix="other"))
    (path.parent / "other.sqlite3.faiss").replace(path.parent / "index.sqlite3.faiss")
    reopened = open_index(path)
    found = ids(reopened, "river castle engine")
    assert all(i.startswith("doc-") for i in found)
    assert len(found) == 10


def test_shrinking_below_the_threshold_drops_the_file_and_the_log(big, path):
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("DELETE FROM documents WHERE id NOT IN ('doc-1', 'doc-2')")
    conn.commit()
    big.add([Document(id="doc-3", title="Again", text="orchard meadow vineyard.")])
    assert not (path.parent / "index.sqlite3.faiss").exists()
    assert conn.execute("SELECT count(*) FROM passage_log").fetchone()[0] == 0
    assert sorted(ids(big, "orchard meadow vineyard")) == ["doc-1#0", "doc-2#0", "doc-3#0"]
    assert not big._vectors.approximate
