"""A real PostgreSQL for tests and benchmarks: Debian's server binaries, a cluster in a
temporary folder, run as an unprivileged user, listening on 127.0.0.1 only.

Tests get it through the `postgres` fixtures in conftest.py; without the binaries they
skip, unless FACTDESK_REQUIRE_POSTGRES=1 (as in CI), which makes that a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

UNPRIVILEGED = "postgres"  # Debian's package creates this user


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps it off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing() -> str | None:
    """Why no test server can start here, or None."""
    if server_binaries() is None:
        return "PostgreSQL's server is not installed (apt-get install postgresql)"
    if os.getuid() == 0:
        try:
            pwd.getpwnam(UNPRIVILEGED)
        except KeyError:
            return f"running as root and there is no {UNPRIVILEGED!r} user to run PostgreSQL"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One throw-away cluster; `database()` makes a fresh, empty database in it."""

    def __init__(self) -> None:
        binaries = server_binaries()
        assert binaries is not None, missing()
        self._bin = binaries
        self.root = Path(tempfile.mkdtemp(prefix="factdesk-pg-"))
        self.port = free_port()
        self._names = itertools.count(1)
        self._as_user: list[str] = []
        if os.getuid() == 0:  # PostgreSQL refuses to run as root
            user = pwd.getpwnam(UNPRIVILEGED)
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", UNPRIVILEGED, "--"]
        self.root.chmod(0o755)

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        data = self.root / "data"
        self._run(
            str(self._bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run(
            str(self._bin / "pg_ctl"), "-D", str(data), "-l", str(self.root / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def database(self, prefix: str = "t") -> str:
        """A new empty database; its URL."""
        name = f"{prefix}{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(
                str(self._bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
