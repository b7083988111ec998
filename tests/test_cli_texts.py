"""`factdesk check --text/--url` as a user meets it, with the scripted model."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tests.test_cli import assert_clean_error, corpus, factdesk  # noqa: F401

from factdesk.store.sqlite import SQLiteStore

TEXT = (
    "Good evening, everyone. The Eiffel Tower was built for the 1889 World's Fair. "
    "I think it is wonderful. Share this post!"
)


@pytest.fixture
def env(cli_env, corpus):  # noqa: F811
    assert factdesk(cli_env, "ingest", str(corpus)).returncode == 0
    return cli_env


def test_a_text_file_gets_an_overview_with_a_claim_list(env, tmp_path):
    path = tmp_path / "speech.txt"
    path.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "overview.json"
    done = factdesk(env, "check", "--text", str(path), "--format", "json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "✓ extract" in done.stderr and "✓ claim 2" in done.stderr
    claims = json.loads(out.read_text())["claims"]
    assert [(c["checked"], c["reason"], c["label"]) for c in claims] == [
        (False, "greeting", None),
        (True, "", "supported"),
        (False, "opinion", None),
        (False, "call to action", None),
    ]
    start, end = claims[1]["span"]
    assert TEXT[start:end] == "The Eiffel Tower was built for the 1889 World's Fair."
    assert claims[1]["sources"] == [1]


def test_a_checked_text_is_stored_listed_shown_and_resumed(env, settings, tmp_path):
    path = tmp_path / "speech.txt"
    path.write_text(TEXT, encoding="utf-8")
    done = factdesk(env, "check", "--text", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    overview = json.loads(done.stdout)
    assert f"Stored as {overview['id']}" in done.stderr
    listed = factdesk(env, "list")
    assert overview["id"] in listed.stdout and "1 claim checked" in listed.stdout
    assert "text:" in listed.stdout  # the title follows, wrapped to the terminal
    shown = factdesk(env, "show", overview["id"], "--format", "json")
    assert shown.returncode == 0 and json.loads(shown.stdout) == overview
    # a text whose check was stopped: shown with its error, then finished by resume
    store = SQLiteStore(settings.db_path)
    stopped = store.texts.load(overview["id"]).model_copy(
        update={"id": "e5c0000002", "status": "failed", "overview": None, "error": "stopped"}
    )
    store.texts.save(stopped)
    store.close()
    failed = factdesk(env, "show", "e5c0000002")
    assert failed.returncode == 1 and "Text e5c0000002 is failed: stopped" in failed.stderr
    resumed = factdesk(env, "resume", "e5c0000002", "--format", "json")
    assert resumed.returncode == 0, resumed.stderr
    again = json.loads(resumed.stdout)
    assert again["id"] == "e5c0000002" and again["claims"][1]["label"] == "supported"
    assert factdesk(env, "show", "e5c0000002").returncode == 0


def test_standard_input_and_max_claims(env):
    done = factdesk(env, "check", "--text", "-", "--max-claims", "0", stdin=TEXT)
    assert done.returncode == 0, done.stderr
    assert "ranked below the 0 claims checked" in done.stdout
    assert "## The text" in done.stdout


@pytest.fixture
def page_server():
    body = (
        "<html><head><title>A speech</title></head><body><article><p>"
        + TEXT
        + "</p></article></body></html>"
    ).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            found = self.path == "/speech"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body if found else b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_page_is_read_through_the_guarded_fetcher(env, page_server):
    refused = factdesk(env, "check", "--url", f"{page_server}/speech")
    assert_clean_error(refused, 2, "could not be read (refused)")
    allowed = {**env, "FACTDESK_FETCH__ALLOW_HOSTS": '["127.0.0.1"]'}
    done = factdesk(allowed, "check", "--url", f"{page_server}/speech", "--format", "html")
    assert done.returncode == 0, done.stderr
    assert 'class="claim-mark supported" href="#claim-2"' in done.stdout
    assert "<title>A speech · factdesk</title>" in done.stdout
    missing = factdesk(allowed, "check", "--url", f"{page_server}/gone")
    assert_clean_error(missing, 2, "HTTP 404")


def test_bad_text_input_gets_one_sentence_and_exit_2(cli_env, tmp_path):
    empty, binary = tmp_path / "empty.txt", tmp_path / "photo.txt"
    empty.write_text("  \n")
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert_clean_error(factdesk(cli_env, "check", "--text", str(empty)), 2, "is empty")
    assert_clean_error(factdesk(cli_env, "check", "--text", str(binary)), 2, "binary")
    assert_clean_error(factdesk(cli_env, "check", "--text", "nope.txt"), 2, "not a file")
    small = {**cli_env, "FACTDESK_TEXTS__MAX_CHARS": "100"}
    assert_clean_error(factdesk(small, "check", "--text", "-", stdin="word " * 50), 2, "MAX_CHARS")
    assert_clean_error(factdesk(cli_env, "check", "Q?", "--text", "-"), 2, "one of them")
    assert_clean_error(factdesk(cli_env, "check"), 2, "one of them")
    assert_clean_error(factdesk(cli_env, "check", "--url", "ftp://x.example/a"), 2, "not an http")
    assert "text:" not in factdesk(cli_env, "list").stdout  # nothing stored half-done
