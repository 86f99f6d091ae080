"""Atomic writes and setting aside (``helpers.atomic``): what reaches the disk, what an interrupted write leaves,
and the one warning line of a file set aside."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from helpers import atomic


def test_text_bytes_and_a_writer_function_each_reach_the_file_whole_in_new_folders(tmp_path):
    text = tmp_path / "a" / "b" / "notes.txt"
    atomic.write(text, "âge, 25 ans\n")
    assert text.read_bytes() == "âge, 25 ans\n".encode()  # UTF-8 whatever the locale
    atomic.write(tmp_path / "raw.bin", b"\x00\xff")
    assert (tmp_path / "raw.bin").read_bytes() == b"\x00\xff"
    atomic.write(tmp_path / "written.bin", lambda handle: handle.write(b"by the writer"))
    assert (tmp_path / "written.bin").read_bytes() == b"by the writer"
    atomic.write(text, "replaced")
    assert text.read_text() == "replaced" and sorted(path.name for path in text.parent.iterdir()) == ["notes.txt"]


def test_an_interrupted_write_leaves_the_old_file_and_a_hidden_temporary_named_after_this_worker(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old")

    def fail(handle):
        handle.write(b"half a ro")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic.write(target, fail)
    assert target.read_text() == "old"
    left = tmp_path / f".table.csv.{socket.gethostname()}.{os.getpid()}.{threading.get_ident()}.tmp"
    assert sorted(tmp_path.iterdir()) == [left, target] and left.read_bytes() == b"half a ro"


def test_a_file_set_aside_moves_beside_itself_and_is_named_in_one_warning_line(tmp_path, capsys):
    damaged = tmp_path / "best.keras"
    damaged.write_bytes(b"not a zip")
    aside = atomic.set_aside(damaged, "not a network Keras can load", "training it again")
    assert aside == tmp_path / "best.keras.damaged" and aside.read_bytes() == b"not a zip" and not damaged.exists()
    assert capsys.readouterr().err == (f"WARNING {damaged}: not a network Keras can load. Set aside as "
                                       "best.keras.damaged; training it again.\n")
    assert atomic.set_aside(damaged, "gone", "nothing") is None and capsys.readouterr().err == ""  # moved already
