"""One way to write a file that other processes may be reading: all of it appears at once, or none of it.

The content goes to a temporary file in the same folder, is flushed to disk, and is renamed over the
target; a rename within one file system is atomic on POSIX and Windows, so a reader (another notebook, a
second worker, a resumed study) sees the old file or the new one, never half a row. An interrupted write
leaves at most a hidden ``.<name>.<host>.<pid>.<thread>.tmp`` file behind (named so that workers on
several machines or threads never share one).

A file the kit wrote that can no longer be read back (a full disk, a copy gone wrong, a hand edit) is never
deleted: :func:`set_aside` moves it beside itself as ``<name>.damaged`` and says so in one warning line.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import zipfile
from pathlib import Path

#: What reading back a saved file raises when its bytes are damaged (cut short, not a zip, other content):
#: Keras' ``load_model`` raises each of these for some damage.
UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


def write(path, content) -> None:
    """Write ``content`` (str, bytes, or a function that writes to an open binary file) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(temporary, "wb") as handle:
        if isinstance(content, str):
            handle.write(content.encode("utf-8"))
        elif isinstance(content, bytes):
            handle.write(content)
        else:
            content(handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def set_aside(path, what: str, then: str) -> Path | None:
    """Move ``path`` to ``<name>.damaged`` beside it and print ``WARNING <path>: <what>. Set aside as
    <name>.damaged; <then>.`` on standard error. None, and no warning, when another process moved it first."""
    path = Path(path)
    aside = path.with_name(f"{path.name}.damaged")
    try:
        path.replace(aside)
    except FileNotFoundError:
        return None
    print(f"WARNING {path}: {what}. Set aside as {aside.name}; {then}.", file=sys.stderr, flush=True)
    return aside
