"""The command line as a user meets it: exit codes, one-line errors, no tracebacks."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.conftest import CORPUS

from factdesk.records import CheckRecord, Trail
from factdesk.store.sqlite import SQLiteStore

QUESTION = "Was the Eiffel Tower built for the 1889 World's Fair?"


@pytest.fixture
def env(cli_env):
    return cli_env


def factdesk(env, *args, stdin=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "factdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=timeout,
    )


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text(
        "\n".join(d.model_dump_json(include={"id", "title", "text", "url"}) for d in CORPUS)
    )
    return path


def assert_clean_error(result, code, phrase):
    assert result.returncode == code, result.stderr
    assert phrase in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("question", ["", "   ", "x" * 2001])
def test_bad_questions_get_one_sentence_and_exit_2(env, question):
    assert_clean_error(factdesk(env, "check", question), 2, "Error:")


def test_empty_index_without_sample_says_how_to_fill_it(env):
    assert_clean_error(factdesk(env, "check", QUESTION), 3, "ingest --sample")


def test_missing_local_model_says_how_to_install_it(env):
    env = {**env, "FACTDESK_LLM__BACKEND": "llama_cpp"}
    assert_clean_error(factdesk(env, "check", QUESTION), 3, "factdesk models install")


def test_unknown_format_and_bad_settings(env):
    assert_clean_error(factdesk(env, "check", QUESTION, "--format", "pdf"), 2, "Unknown format")
    bad = {**env, "FACTDESK_PIPELINE__EVIDENCE_K": "many"}
    assert_clean_error(factdesk(bad, "check", QUESTION), 2, "pipeline.evidence_k")
    assert_clean_error(factdesk(env, "check", QUESTION, "--preset", "nope"), 2, "Unknown preset")


def test_ingest_check_list_show(env, corpus, tmp_path):
    ingested = factdesk(env, "ingest", str(corpus))
    assert ingested.returncode == 0, ingested.stderr
    assert "5 document(s)" in ingested.stderr

    checked = factdesk(env, "check", QUESTION, "--format", "json")
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    for stage in ("understand", "search", "ground", "followup"):
        assert f"✓ {stage}" in checked.stderr
    assert report["verdict"]["label"] == "supported"
    assert set(report) >= {
        "id",
        "question",
        "language",
        "category",
        "checked_on",
        "disclaimer",
        "verdict",
        "executive_summary",
        "sections",
        "bottom_line",
        "sources",
        "followups",
        "method",
        "grounding",
    }

    listed = factdesk(env, "list")
    assert report["id"] in listed.stdout

    out = tmp_path / "r.html"
    shown = factdesk(env, "show", report["id"], "--format", "html", "--out", str(out))
    assert shown.returncode == 0, shown.stderr
    assert "<h2>Bottom line</h2>" in out.read_text()

    md = factdesk(env, "show", report["id"])
    assert md.stdout.startswith(f"# {QUESTION}")

    assert_clean_error(factdesk(env, "show", "nope"), 4, "No stored check")


def test_ingesting_again_reports_the_unchanged_documents_it_skipped(env, corpus):
    assert "0 unchanged document(s) skipped" in factdesk(env, "ingest", str(corpus)).stderr
    again = factdesk(env, "ingest", str(corpus))
    assert again.returncode == 0, again.stderr
    assert "Ingested 0 document(s)" in again.stderr
    assert "5 unchanged document(s) skipped" in again.stderr


def test_ingest_reports_bad_files_and_keeps_good_ones(env, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text("# Quartz\nQuartz is a hard mineral.")
    (folder / "bad.txt").write_bytes(b"\xff\xfe\xfa not utf8")
    result = factdesk(env, "ingest", str(folder))
    assert_clean_error(result, 2, "not valid UTF-8")
    assert "1 document(s)" in result.stderr
    assert_clean_error(factdesk(env, "ingest"), 2, "--sample")
    assert_clean_error(
        factdesk(env, "ingest", str(Path(tmp_path) / "missing")), 2, "does not exist"
    )


def test_a_question_that_is_not_unicode_is_one_sentence(env):
    # invalid UTF-8 on the command line reaches Python as lone surrogates
    result = factdesk(env, "check", b"Was the tower \xed\xa0\x80 built in 1889?")
    assert_clean_error(result, 2, "lone surrogate")


def test_stored_text_cannot_drive_the_terminal(env, settings):
    moment = datetime.now(UTC)
    SQLiteStore(settings.db_path).checks.save(
        CheckRecord(
            id="e5c0000001",
            question="\x1b]0;owned\x07Was the \x1b[2Jtower\u202e built\x9b in 1889?",
            status="failed",
            created_at=moment,
            updated_at=moment,
            error="search: \x1b[31mboom\x1b[0m",
            trail=Trail(),
        )
    )
    listed = factdesk(env, "list")
    assert listed.returncode == 0, listed.stderr
    assert "e5c0000001" in listed.stdout and "[2Jtower" in listed.stdout
    shown = factdesk(env, "show", "e5c0000001")
    assert shown.returncode == 1 and "[31mboom" in shown.stderr
    for output in (listed.stdout, listed.stderr, shown.stdout, shown.stderr):
        assert not any(c in output for c in "\x1b\x07\u202e\x9b"), output
