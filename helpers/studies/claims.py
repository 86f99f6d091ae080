"""Claims: how two notebooks on one results folder never train the same run at once.

One notebook (with or without Ray behind it) trains a study's runs and alone writes its results folder. Two
notebooks of the same study started at once on the same folder, say by two students on one lab machine, must
still not train a run twice. Before a notebook trains a run it *claims* it: it opens ``<name>.claim`` and takes
the operating system's exclusive lock on it (``flock``). Exactly one process holds that lock; the others leave
the run alone and look again later. The lock dies with its process, so a notebook that was killed or crashed
leaves no claim behind that anyone must time out or take over: the file may stay, the lock does not. When the
run is recorded the claim file is deleted.

The run's record is written by an atomic rename to a name fixed by its key (``helpers.studies.store``), so even
a run trained twice is recorded once. Windows has no ``flock``: there a claim is only a note of who trains the
run, and two notebooks of one study started at once may both train it (it is still recorded once). Spreading
runs over several GPUs or machines is Ray's job (``helpers.studies.cluster``), not this module's.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

HOST = socket.gethostname()


def worker() -> str:
    """This process as a worker: ``host:pid``."""
    return f"{HOST}:{os.getpid()}"


def poll() -> float:
    """Seconds between looks at work another notebook holds (``AGE_GENDER_KIT_POLL``, default 10)."""
    return float(os.environ.get("AGE_GENDER_KIT_POLL", 10))


class Claim:
    """A held claim: the open, locked claim file; deleted on release. Its descriptor is None once let go (a number
    may be 0, in a worker started without a standard input)."""

    def __init__(self, path: Path, descriptor: int):
        self.path = path
        self._descriptor: int | None = descriptor

    def release(self) -> None:
        if self._descriptor is None:
            return
        if fcntl is None:  # Windows deletes no open file
            os.close(self._descriptor)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # before the lock goes, so that a waiting process finds no file to lock
        if fcntl is not None:
            os.close(self._descriptor)
        self._descriptor = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def claim(path) -> Claim | None:
    """Claim the work named by ``path`` (a ``.claim`` file): a :class:`Claim`, or None when a live process holds it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # The holder may have released the claim between our open and our lock: it deleted the file we opened,
        # and a third process may hold a new one at the same path. Ours counts only while it is the file there.
        if os.fstat(descriptor).st_ino != os.stat(path).st_ino:
            raise BlockingIOError
    except (BlockingIOError, FileNotFoundError):
        os.close(descriptor)
        return None
    os.ftruncate(descriptor, 0)
    os.write(descriptor, json.dumps({"host": HOST, "pid": os.getpid(),
                                     "since": time.strftime("%Y-%m-%d %H:%M:%S")}).encode())
    return Claim(path, descriptor)


def holder(path) -> str | None:
    """Who holds the claim at ``path`` (``host:pid``), or None when nobody does: no file, or a file whose
    process is gone (its lock went with it)."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        if fcntl is None:  # Windows: the note in the file is all there is
            raise BlockingIOError
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return None  # nobody holds the exclusive lock
    except BlockingIOError:
        with contextlib.suppress(ValueError, KeyError):
            owner = json.loads(Path(path).read_text())
            return f"{owner['host']}:{owner['pid']}"
        return "unknown"
    finally:
        os.close(descriptor)
