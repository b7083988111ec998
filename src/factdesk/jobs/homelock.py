"""One embedded server per home: an exclusive lock on HOME/server.lock for its life.

The in-process queue's workers live inside the server, and a server starting on a home
settles the jobs the previous one left running. A second server on the same home would
therefore mark the first one's live jobs interrupted. The lock is an `flock`, which the
kernel drops when its process ends, so a killed server leaves no stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from factdesk.errors import ConflictError


class HomeLock:
    """Holds HOME/server.lock while entered; entering a held lock raises ConflictError."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / "server.lock"
        self._fd: int | None = None

    def __enter__(self) -> HomeLock:
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 20).decode("ascii", "replace").strip()
            os.close(fd)
            pid = f" (process {holder})" if holder.isdigit() else ""
            raise ConflictError(
                f"Another factdesk server{pid} is already serving {self.home}; stop it "
                "first, or give this server its own FACTDESK_HOME."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None
