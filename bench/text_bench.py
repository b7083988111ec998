"""One real-looking article checked as a whole text: claims found, checked, and time.

    python bench/text_bench.py                 # the configured model and index
    python bench/text_bench.py --dry-run       # scripted model, throw-away home: plumbing only
    python bench/text_bench.py --max-claims 5

Serves `fixtures/space_race_article.html` (about 1,600 words on the Space Race, written
for this bench from subjects in the bundled Wikipedia sample, with true and false
claims, opinions, questions, greetings and calls to action) from a fixture HTTP server
on 127.0.0.1, and runs `factdesk check --url` on it, the fetcher allowed to read
127.0.0.1 and nothing else private. Without --dry-run it uses FACTDESK_HOME's index and
model (the sample is ingested first if the index is empty) and saves the figures to
results/text-bench.json. The dry run indexes the article itself with the scripted model
and hashing embedder: it shows the command works, its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common import save

ARTICLE = Path(__file__).resolve().parent / "fixtures" / "space_race_article.html"
ARTICLE_PATH = "/2024/racing-for-the-moon"


class ArticleHandler(BaseHTTPRequestHandler):
    """The article at ARTICLE_PATH, a robots.txt that allows it, and 404 elsewhere."""

    def do_GET(self) -> None:
        if self.path == ARTICLE_PATH:
            self._answer(200, "text/html; charset=utf-8", ARTICLE.read_bytes())
        elif self.path == "/robots.txt":
            self._answer(200, "text/plain", b"User-agent: *\nAllow: /\n")
        else:
            self._answer(404, "text/plain", b"not found")

    def _answer(self, status: int, media: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the bench prints its own progress


@contextmanager
def article_server() -> Iterator[str]:
    """The article's URL on 127.0.0.1, served until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ArticleHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{ARTICLE_PATH}"
    finally:
        server.shutdown()
        server.server_close()


def _dry_env(home: Path) -> dict[str, str]:
    """A throw-away home with the scripted model and the article itself as the index."""
    env = {
        **os.environ,
        "FACTDESK_HOME": str(home),
        "FACTDESK_LLM__BACKEND": "scripted",
        "FACTDESK_EMBEDDER__BACKEND": "hashing",
        "FACTDESK_MODELS__DIR": str(home / "no-models"),
    }
    ingest = [sys.executable, "-m", "factdesk.cli", "ingest", str(ARTICLE)]
    subprocess.run(ingest, env=env, check=True, capture_output=True)
    return env


def run(url: str, env: dict[str, str], max_claims: int | None) -> dict[str, object]:
    """`factdesk check --url` on the article; the overview's figures and the time."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "overview.json"
        command = [sys.executable, "-m", "factdesk.cli", "check", "--url", url]
        command += ["--format", "json", "--out", str(out)]
        command += ["--max-claims", str(max_claims)] if max_claims is not None else []
        started = time.perf_counter()
        done = subprocess.run(command, env=env, text=True, stderr=subprocess.PIPE, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"check --url failed ({done.returncode}):\n{done.stderr}")
        overview = json.loads(out.read_text(encoding="utf-8"))
    claims = overview["claims"]
    timings = overview["method"]["timings"]
    per_claim = sorted(v for k, v in timings.items() if k.startswith("claim "))
    return {
        "url": url,
        "words": len(overview["source"]["text"].split()),
        "claims_found": len(claims),
        "check_worthy": sum(c["category"] == "factual" for c in claims),
        "checked": sum(c["checked"] for c in claims),
        "not_checked": dict(Counter(c["category"] for c in claims if not c["checked"])),
        "verdicts": dict(Counter(c["label"] for c in claims if c["checked"])),
        "total_seconds": round(seconds, 1),
        "extract_seconds": timings.get("extract"),
        "claim_seconds_median": per_claim[len(per_claim) // 2] if per_claim else None,
        "model": overview["method"]["model"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dry-run", action="store_true", help="scripted model, throw-away home")
    parser.add_argument("--max-claims", type=int, default=None, help="claims to check")
    args = parser.parse_args()
    env = {**os.environ, "FACTDESK_FETCH__ALLOW_HOSTS": '["127.0.0.1"]'}
    with tempfile.TemporaryDirectory() as home, article_server() as url:
        if args.dry_run:
            env = {**_dry_env(Path(home)), "FACTDESK_FETCH__ALLOW_HOSTS": '["127.0.0.1"]'}
        figures = run(url, env, args.max_claims)
    for name, value in figures.items():
        print(f"{name:>22}: {value}")
    if not args.dry_run:
        save("text-bench", figures)


if __name__ == "__main__":
    main()
