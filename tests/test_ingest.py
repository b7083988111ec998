import json
import os
import threading

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


def test_links_inside_a_folder_are_skipped_and_reported(index, tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    (private / "passwd.txt").write_text("root password: hunter2 for the backup server.")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "quartz.txt").write_text("Quartz is a hard mineral made of silica.")
    (folder / "passwd.txt").symlink_to(private / "passwd.txt")
    (folder / "more").symlink_to(private, target_is_directory=True)
    report = ingest_paths(index, [folder])
    assert (report.documents, report.problems) == (1, [])
    assert sorted(report.notes) == [
        f"{folder / name} is a symbolic link; skipped (links are not followed)."
        for name in ("more", "passwd.txt")
    ]
    assert all("hunter2" not in h.passage.text for h in index.search("root password", 20))


def _in_thread(function, timeout=10.0):
    """function() in a thread; fail (instead of hanging the suite) when it blocks."""
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(result=function()), daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), "blocked"
    return outcome["result"]


def test_fifos_are_refused_not_waited_on(index, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    os.mkfifo(folder / "a.txt")
    (folder / "basalt.txt").write_text("Basalt is a dark volcanic rock.")
    named = _in_thread(lambda: ingest_paths(index, [folder / "a.txt"]))
    assert named.problems == [f"{folder / 'a.txt'} is not a regular file."]
    walked = _in_thread(lambda: ingest_paths(index, [folder]))
    assert walked.documents == 1
    assert walked.notes == [f"{folder / 'a.txt'} is not a regular file; skipped."]


def test_a_folder_nested_1500_deep_is_walked_without_recursion(index, tmp_path):
    top = deepest = tmp_path / "deep"
    top.mkdir()
    for _ in range(1500):
        deepest = deepest / "d"
        deepest.mkdir()
    (deepest / "obsidian.txt").write_text("Obsidian is a natural volcanic glass.")
    try:
        report = ingest_paths(index, [top])
        assert (report.documents, report.problems, report.notes) == (1, [], [])
    finally:  # removed bottom-up: a recursive delete would hit the same limit
        (deepest / "obsidian.txt").unlink()
        while deepest != tmp_path:
            deepest.rmdir()
            deepest = deepest.parent


@pytest.mark.parametrize("empty", ["", "   "])
def test_jsonl_records_with_an_empty_id_are_refused(index, tmp_path, empty):
    path = tmp_path / "items.jsonl"
    good = {"id": "g1", "title": "Granite", "text": "Granite is an igneous rock."}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": empty}) + "\n")
    before = index.count()
    report = ingest_paths(index, [path])
    assert report.problems == [
        f"{path} line 2: id is empty; every record needs its own id "
        "(it identifies the document when it is ingested again)."
    ]
    assert index.count() == before
