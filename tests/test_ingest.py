import json

import pytest

from factdesk.errors import InputError
from factdesk.ingest import ingest_paths, read_text


def test_text_markdown_html_and_jsonl_are_ingested(index, tmp_path):
    (tmp_path / "note.txt").write_text("Bridges\nThe Garabit Viaduct is a railway arch bridge.")
    (tmp_path / "doc.md").write_text("# Volcanoes\n\nMount Etna is an active volcano in Sicily.")
    (tmp_path / "page.html").write_text(
        "<html><head><title>Tides</title><script>alert(1)</script></head><body><article>"
        "<p>Tides are the rise and fall of sea levels caused by the Moon's gravity. "
        "They occur twice a day on most coasts of the world.</p></article></body></html>"
    )
    (tmp_path / "items.jsonl").write_text(
        json.dumps(
            {
                "id": "j1",
                "title": "Glaciers",
                "text": "Glaciers are slow rivers of ice.",
                "url": "https://www.reuters.com/x",
            }
        )
        + "\n"
    )
    report = ingest_paths(index, [tmp_path])
    assert report.problems == []
    assert report.files == 4 and report.documents == 4
    titles = {
        h.passage.title
        for q in ("Garabit viaduct", "Etna volcano", "tides moon", "glaciers ice")
        for h in index.search(q, 1)
    }
    assert titles == {"Bridges", "Volcanoes", "Tides", "Glaciers"}
    glacier = index.search("glaciers ice", 1)[0].passage
    assert (glacier.outlet, glacier.source_type) == ("Reuters", "news")
    tide = index.search("tides moon", 1)[0].passage
    assert "alert" not in tide.text


def test_non_utf8_and_binary_files_are_reported_not_ingested(index, tmp_path):
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "good.txt").write_text("Good file about quartz crystals.")
    before = index.count()
    report = ingest_paths(index, [tmp_path])
    assert report.documents == 1
    assert any("not valid UTF-8" in p for p in report.problems)
    assert any("not a text file" in p for p in report.problems)
    assert index.count() == before + 1


def test_bad_jsonl_line_is_named(index, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "title": "A", "text": "ok"}\n{"id": "b", "text": "no title"}\n')
    report = ingest_paths(index, [path])
    assert report.problems == [f"{path} line 2: title: Field required."]


def test_unsupported_and_missing_paths(index, tmp_path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    report = ingest_paths(index, [tmp_path / "image.png"])
    assert "unsupported file type" in report.problems[0]
    with pytest.raises(InputError, match="does not exist"):
        ingest_paths(index, [tmp_path / "missing.txt"])


def test_read_text_strips_bom(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfhello")
    assert read_text(path) == "hello"
