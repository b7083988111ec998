"""The app under uvicorn: in the foreground for `factdesk serve`, or in a background
thread on a free local port for browser tests, benchmarks and screenshots."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


def serve(app: FastAPI, host: str, port: int) -> None:
    """Serve until interrupted, in one process: the job workers live inside it.

    Open progress streams get five seconds to close on shutdown; a job still running
    then is marked interrupted at the next start.
    """
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)


@contextmanager
def serve_in_thread(app: FastAPI, *, access_log: bool = False) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 at a free port; yield its base URL; stop on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", access_log=access_log, timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
