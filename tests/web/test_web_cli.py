"""`factdesk serve` as a user starts it: a real server process over the CLI's store."""

import socket
import subprocess
import sys
import time

import httpx
from tests.conftest import CORPUS


def _factdesk(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "factdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_serve_rejects_bad_options_in_one_sentence(cli_env):
    result = _factdesk(cli_env, "serve", "--workers", "0")
    assert result.returncode == 2
    assert "Setting server.workers is invalid" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_publishes_checks_made_with_the_cli(tmp_path, cli_env):
    env = cli_env
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(d.model_dump_json(include={"id", "title", "text"}) for d in CORPUS))
    assert _factdesk(env, "ingest", str(corpus)).returncode == 0
    checked = _factdesk(env, "check", "Was the Eiffel Tower built for the 1889 World's Fair?")
    assert checked.returncode == 0, checked.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "factdesk.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                listed = httpx.get(f"{base}/api/checks", timeout=2).json()
                break
            except httpx.HTTPError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert listed["total"] == 1
        page = httpx.get(base + listed["items"][0]["url"], timeout=30)
        assert page.status_code == 200 and "Verdict: Supported" in page.text
        job = httpx.post(f"{base}/api/checks", json={"question": "Is Paris in France?"}, timeout=30)
        job = job.json()
        assert job["status"] in ("queued", "running")
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert "Traceback" not in stderr
