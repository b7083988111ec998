"""Ingesting again: unchanged documents are skipped, changed ones replaced, and an index
built before content hashes existed is migrated in place."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tests.conftest import CORPUS

from factdesk.backends.embed.hashing import HashingEmbedder
from factdesk.backends.search.index_schema import INDEX_MIGRATIONS
from factdesk.backends.search.local import LocalIndex
from factdesk.records import Document
from factdesk.sqlitedb import connect, migrate


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, remembering every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.seen.extend(texts)
        return super().embed(texts)


def _stored(index: LocalIndex, doc_id: str) -> list[str]:
    rows = index._conn.execute(
        "SELECT text FROM passages WHERE doc_id=? ORDER BY position", (doc_id,)
    ).fetchall()
    return [row["text"] for row in rows]


def test_an_unchanged_document_is_skipped_without_embedding(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    index = LocalIndex(tmp_path / "i.sqlite3", embedder)
    first = index.add(CORPUS, collection="sample")
    assert (first.documents, first.skipped) == (len(CORPUS), 0)
    embedder.seen.clear()

    again = index.add(CORPUS, collection="sample")

    assert (again.documents, again.passages, again.skipped) == (0, 0, len(CORPUS))
    assert embedder.seen == []
    assert index.document_count() == len(CORPUS)
    assert index.search("Eiffel Tower", 1)[0].passage.doc_id in {"eiffel-tower", "gustave-eiffel"}


def test_a_changed_document_is_embedded_again_and_replaced(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    index = LocalIndex(tmp_path / "i.sqlite3", embedder)
    index.add(CORPUS)
    embedder.seen.clear()
    changed = CORPUS[3].model_copy(update={"text": "Plants turn light into sugar."})
    retitled = CORPUS[4].model_copy(update={"outlet": "Encyclopaedia"})

    stats = index.add([*CORPUS[:3], changed, retitled])

    assert (stats.documents, stats.skipped) == (2, 3)
    assert embedder.seen == [
        "Photosynthesis. Plants turn light into sugar.",
        f"Minneapolis. {CORPUS[4].text}",
    ]
    assert _stored(index, "photosynthesis") == ["Plants turn light into sugar."]
    assert index.count() == len(CORPUS)
    hit = index.search("Minneapolis Minnesota", 1)[0].passage
    assert (hit.doc_id, hit.outlet) == ("minneapolis", "Encyclopaedia")


def test_the_last_of_two_documents_with_one_id_wins(tmp_path: Path) -> None:
    index = LocalIndex(tmp_path / "i.sqlite3", HashingEmbedder())
    old = Document(id="d", title="D", text="First version.")
    new = Document(id="d", title="D", text="Second version.")

    stats = index.add([old, new])

    assert _stored(index, "d") == ["Second version."]
    assert (stats.documents, stats.skipped) == (1, 0)


def test_an_index_built_with_the_first_schema_is_migrated_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    embedder = CountingEmbedder()
    vector = embedder.embed(["Photosynthesis. Plants make sugar."])[0]
    conn = connect(path)
    migrate(conn, INDEX_MIGRATIONS[:1], "index")
    conn.execute(
        "INSERT INTO documents(id, title, added_at) VALUES ('photosynthesis', "
        "'Photosynthesis', '2025-01-01T00:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO passages(id, doc_id, position, title, text, vector) VALUES "
        "('photosynthesis#0', 'photosynthesis', 0, 'Photosynthesis', 'Plants make sugar.', ?)",
        (vector.tobytes(),),
    )
    conn.execute("INSERT INTO meta(key, value) VALUES ('embedder', 'hashing:256')")
    conn.close()
    embedder.seen.clear()

    index = LocalIndex(path, embedder)

    assert index._conn.execute("PRAGMA user_version").fetchone()[0] == len(INDEX_MIGRATIONS)
    assert index.search("plants sugar", 1)[0].passage.id == "photosynthesis#0"
    embedder.seen.clear()
    document = Document(id="photosynthesis", title="Photosynthesis", text="Plants make sugar.")
    # No hash was stored before the migration, so the first ingest embeds it once more.
    assert index.add([document]).documents == 1
    assert index.add([document]).skipped == 1
    assert embedder.seen == ["Photosynthesis. Plants make sugar."]
    assert index.count() == 1
