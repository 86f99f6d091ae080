"""Claims: how several workers share one results folder without training a run twice.

Before a worker trains a run it *claims* it: it creates ``<name>.claim`` with ``O_CREAT | O_EXCL``, which
succeeds for exactly one process even across machines that share the folder (NFS included), and writes
who it is (host, process id) into it. While the run trains, a background thread touches the file every
``heartbeat`` seconds; when the run is recorded the claim is deleted. Another worker that finds a claim
leaves the run alone unless the claim is *stale*:

- its worker ran on this machine and that process is gone (killed, crashed): stale at once;
- its file was not touched for ``timeout()`` seconds (``AGE_GENDER_KIT_CLAIM_TIMEOUT``, default 600): the
  worker on another machine is taken to be dead.

A stale claim is taken over under a short take-over lock (one worker at a time) by deleting it and claiming
afresh. The run's record
is written by an atomic rename to a name fixed by its key (``helpers.studies.store``), so even a run
trained twice after a wrong time-out is recorded once.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from pathlib import Path

HOST = socket.gethostname()


def worker() -> str:
    """This process as a worker: ``host:pid``."""
    return f"{HOST}:{os.getpid()}"


def timeout() -> float:
    """Seconds without a heartbeat after which another machine's claim is taken over."""
    return float(os.environ.get("AGE_GENDER_KIT_CLAIM_TIMEOUT", 600))


def poll() -> float:
    """Seconds between looks at work another worker holds (``AGE_GENDER_KIT_POLL``, default 10)."""
    return float(os.environ.get("AGE_GENDER_KIT_POLL", 10))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def is_stale(path: Path) -> bool:
    """Whether the claim at ``path`` was left by a worker that is gone (see the module docstring)."""
    try:
        owner = json.loads(path.read_text())
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False  # released meanwhile
    except (OSError, ValueError):
        owner, age = {}, time.time() - path.stat().st_mtime  # half-written by a worker killed at that moment
    if owner.get("host") == HOST and isinstance(owner.get("pid"), int) and owner["pid"] != os.getpid():
        return not _alive(owner["pid"])
    return age > timeout()


class Claim:
    """A held claim: refreshed in the background while held, deleted on release."""

    def __init__(self, path: Path):
        self.path = path
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat, daemon=True)
        self._beat.start()

    def _heartbeat(self) -> None:
        interval = max(0.5, min(30.0, timeout() / 4))
        while not self._stop.wait(interval):
            with contextlib.suppress(OSError):
                os.utime(self.path)

    def release(self) -> None:
        self._stop.set()
        self._beat.join()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def _create(path: Path) -> Claim | None:
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return None
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"host": HOST, "pid": os.getpid(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}, handle)
    return Claim(path)


def claim(path) -> Claim | None:
    """Claim the work named by ``path`` (a ``.claim`` file): a :class:`Claim`, or None when a live worker holds it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    held = _create(path)
    if held is None and is_stale(path):
        # One worker at a time takes a stale claim over, so that two cannot both see it stale, one replace it
        # with a fresh claim, and the other delete that fresh one. A take-over lock is itself left behind only
        # if its worker died within these few lines: after a minute it is cleared.
        lock = path.with_name(path.name + ".takeover")
        try:
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            with contextlib.suppress(FileNotFoundError):
                if time.time() - lock.stat().st_mtime > 60:
                    lock.unlink()
            return None
        try:
            if is_stale(path):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                held = _create(path)
        finally:
            lock.unlink()
    return held


def holder(path) -> str | None:
    """Who holds the claim at ``path`` (``host:pid``), or None when nobody does."""
    try:
        owner = json.loads(Path(path).read_text())
        return f"{owner['host']}:{owner['pid']}"
    except (OSError, ValueError, KeyError):
        return None
