"""The app under uvicorn: in the foreground for `factdesk serve`, or in a background
thread on a free local port for browser tests, benchmarks and screenshots.

Either way the server holds its home while it runs (see `JobService.serving`), and
uvicorn believes X-Forwarded-For only from the configured `trusted_proxies`: its own
default trusts any local process, which could then pick its own rate-limit bucket.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from factdesk.web.deps import WebState


def _options(app: FastAPI) -> dict[str, Any]:
    """What every server of the app shares: proxy headers only from trusted proxies, and
    five seconds for open progress streams to close on shutdown."""
    proxies = _state(app).settings.trusted_proxies
    return {
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": list(proxies) or None,
        "timeout_graceful_shutdown": 5,
    }


def _state(app: FastAPI) -> WebState:
    state: WebState = app.state.web
    return state


def serve(app: FastAPI, host: str, port: int) -> None:
    """Serve until interrupted, in one process: the job workers live inside it.

    A job still running at shutdown is marked interrupted at the next start.
    """
    with _state(app).jobs.serving():
        uvicorn.run(app, host=host, port=port, log_level="info", **_options(app))


@contextmanager
def serve_in_thread(app: FastAPI, *, access_log: bool = False) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 at a free port; yield its base URL; stop on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=access_log, **_options(app))
    server = uvicorn.Server(config)
    with _state(app).jobs.serving():
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
