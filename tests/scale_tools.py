"""Shared by the scale-out tests and benchmarks: worker processes, a webhook receiver on
127.0.0.1, and waiting for a condition."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FAST_RESCUE = {  # a dead worker is noticed within about six seconds
    "FACTDESK_QUEUE__HEARTBEAT_S": "0.5",
    "FACTDESK_QUEUE__STALLED_AFTER_S": "5",
    "FACTDESK_QUEUE__STALLED_CHECK_S": "0.5",
    "FACTDESK_QUEUE__RETRY_BACKOFF_S": "1",
}


def scale_env(home: Path, database_url: str, delay_s: float = 0.0, **extra: str) -> dict[str, str]:
    """Environment of a `factdesk` process on the scripted model and a shared database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")}
    env.update(
        FACTDESK_HOME=str(home),
        FACTDESK_LLM__BACKEND="scripted",
        FACTDESK_LLM__SCRIPTED_DELAY_S=str(delay_s),
        FACTDESK_EMBEDDER__BACKEND="hashing",
        FACTDESK_MODELS__DIR=str(home / "no-models"),
        FACTDESK_DATABASE_URL=database_url,
        **FAST_RESCUE,
        **extra,
    )
    return env


def start_worker(
    env: dict[str, str], concurrency: int = 1, log: Path | None = None
) -> subprocess.Popen[bytes]:
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the process owns it
    return subprocess.Popen(
        [sys.executable, "-m", "factdesk.cli", "worker", "--concurrency", str(concurrency)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, every: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout} s")
        time.sleep(every)


class Receiver:
    """What a webhook receiver got: (headers, body) per request; it answers `statuses` in
    turn (200 once they run out)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses = list(statuses or [])
        self.lock = threading.Lock()
        self.url = ""

    def bodies(self) -> list[dict[str, object]]:
        with self.lock:
            return [json.loads(body) for _, body in self.received]


@contextmanager
def webhook_receiver(statuses: list[int] | None = None) -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 that records every POST."""
    receiver = Receiver(statuses)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with receiver.lock:
                receiver.received.append((dict(self.headers.items()), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


class Fleet:
    """Worker processes on one database, watched through one connection: who is up, who
    runs what, and a victim to kill with SIGKILL while it holds a job (fault tests)."""

    def __init__(self, url: str, env: dict[str, str], logs: Path) -> None:
        import psycopg

        self.url, self.env, self.logs = url, env, logs
        self.processes: list[subprocess.Popen[bytes]] = []
        self._conn = psycopg.connect(url, autocommit=True)

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        return self._conn.execute(sql).fetchall()  # type: ignore[arg-type]

    def count(self, sql: str) -> int:
        return int(self.rows(sql)[0][0])  # type: ignore[arg-type]

    def workers(self) -> set[int]:
        return {int(row[0]) for row in self.rows("SELECT id FROM procrastinate_workers")}  # type: ignore[call-overload]

    def start(self, name: str, timeout: float = 300) -> int:
        """Start a worker; return its id once it has registered (it registers when warm)."""
        known = self.workers()
        self.processes.append(start_worker(self.env, log=self.logs / f"{name}.log"))
        found: list[int] = []
        wait_until(lambda: bool(found.extend(self.workers() - known) or found), timeout, name, 0.5)
        return found[0]

    def busy(self, worker_id: int) -> bool:
        return bool(
            self.count(
                "SELECT COUNT(*) FROM procrastinate_jobs "
                f"WHERE status = 'doing' AND worker_id = {int(worker_id)}"
            )
        )

    def kill_when_busy(
        self, worker_id: int, feed: Callable[[], None], timeout: float = 120
    ) -> None:
        """SIGKILL the worker `worker_id` while it holds a job part-way through its stages;
        `feed` is called whenever no job is waiting, so that the worker gets one."""

        def ready() -> bool:
            if not self.count("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')"):
                feed()
            return self.busy(worker_id)

        wait_until(ready, timeout, "the victim running a job", 0.1)
        time.sleep(0.2)
        process = self.processes.pop()  # the victim is always the newest process
        process.send_signal(9)
        process.wait()

    def stop(self) -> None:
        for process in self.processes:
            stop(process)
        self.processes.clear()
        self._conn.close()
