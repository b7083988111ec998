import pytest

from factdesk.backends.embed.hashing import HashingEmbedder
from factdesk.backends.search.local import LocalIndex
from factdesk.errors import BackendError, EmptyIndexError
from factdesk.records import Document
from factdesk.sqlitedb import fts_query
from factdesk.text import chunk_text


def test_short_text_stays_one_chunk():
    assert chunk_text("One sentence. Two sentences.", 120, 20) == ["One sentence. Two sentences."]


def test_long_text_is_cut_on_sentence_boundaries_with_overlap():
    sentences = [f"Sentence number {i} has exactly seven words." for i in range(40)]
    chunks = chunk_text(" ".join(sentences), 50, 10)
    assert len(chunks) > 4
    assert all(chunk.endswith(".") for chunk in chunks)
    assert all(len(chunk.split()) <= 60 for chunk in chunks)
    # the last sentence of one chunk opens the next
    assert chunks[1].startswith(chunks[0].split(". ")[-1].rstrip("."))


def test_fts_query_quotes_terms_so_syntax_cannot_leak():
    query = fts_query('Eiffel AND tower* NEAR("xy" OR) -- 1889 x')
    assert query == '"eiffel" OR "tower" OR "near" OR "xy" OR "1889"'
    assert fts_query("the of and") == ""


def test_search_finds_the_relevant_passage_first(index):
    hits = index.search("When was the Eiffel Tower built?", 3)
    assert hits[0].passage.doc_id in {"eiffel-tower", "gustave-eiffel"}
    assert hits[0].passage.url.startswith("https://en.wikipedia.org/")
    assert [h.rank for h in hits] == [0, 1, 2]


def test_search_survives_fts_syntax_in_user_text(index):
    assert index.search('"unbalanced AND (NEAR photosynthesis*', 2)


def test_reingesting_a_document_replaces_its_passages(index):
    before = index.count()
    index.add([Document(id="photosynthesis", title="Photosynthesis", text="Plants make sugar.")])
    assert index.count() == before
    hits = index.search("plants sugar", 5)
    texts = [h.passage.text for h in hits if h.passage.doc_id == "photosynthesis"]
    assert texts == ["Plants make sugar."]


def test_empty_index_says_how_to_fill_it(tmp_path):
    empty = LocalIndex(tmp_path / "i.sqlite3", HashingEmbedder())
    with pytest.raises(EmptyIndexError, match="ingest --sample"):
        empty.search("anything", 5)


def test_index_refuses_a_different_embedder(index):
    index.close()
    with pytest.raises(BackendError, match="built with embedder hashing:256"):
        LocalIndex(index.path, HashingEmbedder(dimension=64))


def test_get_returns_passages_by_id(index):
    found = index.get(["eiffel-tower#0", "missing#0", "eiffel-tower#0"])
    assert list(found) == ["eiffel-tower#0"]
    assert found["eiffel-tower#0"].title == "Eiffel Tower"
    assert index.get([]) == {}


def test_bm25_leaves_out_words_too_common_to_rank_by(tmp_path):
    cities = [
        Document(id=f"city-{i}", title=f"Town {i}", text=f"A city on a river, number {i}.")
        for i in range(6)
    ]
    mpls = Document(id="mpls", title="Minneapolis", text="Minneapolis is a city.")
    capped = LocalIndex(tmp_path / "i.sqlite3", HashingEmbedder(), bm25_common_passages=3)
    capped.add([*cities, mpls])
    default = LocalIndex(tmp_path / "i.sqlite3", HashingEmbedder())

    def ids(index: LocalIndex, query: str) -> list[str]:
        rowids = index._bm25(query)
        found = index._passages(rowids)
        return [found[r].id for r in rowids]

    # "city" is in 7 passages: over the cap only the rare word ranks
    assert ids(capped, "city Minneapolis") == ["mpls#0"]
    assert ids(default, "city Minneapolis")[0] == "mpls#0"
    assert len(ids(default, "city Minneapolis")) == 7
    # every word common: at most 3 matches per word are ranked
    assert len(ids(capped, "city river")) == 6
    assert len(ids(default, "city river")) == 7
