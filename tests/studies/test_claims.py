"""Claims (``helpers.studies.claims``): how often a worker looks again at a run another worker holds, and letting a
claim go. Two workers at once are tried in ``test_workers.py``."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time

from helpers.studies import claims


def test_the_poll_is_ten_seconds_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv("AGE_GENDER_KIT_POLL", raising=False)
    assert claims.poll() == 10.0
    monkeypatch.setenv("AGE_GENDER_KIT_POLL", "0.25")
    assert claims.poll() == 0.25


def test_a_claim_let_go_twice_lets_go_once_and_leaves_a_later_claim_alone(tmp_path):
    """The runner lets a claim go when the run is recorded and again on an error: the second time does nothing,
    even when another worker has claimed the same run in between."""
    path = tmp_path / "run.claim"
    first = claims.claim(path)
    first.release()
    later = claims.claim(path)
    first.release()
    assert path.exists() and claims.holder(path) == claims.worker() and claims.claim(path) is None
    later.release()
    assert not path.exists()


LET_GO_ON_DESCRIPTOR_0 = textwrap.dedent("""
    import os, sys
    from helpers.studies import claims
    os.close(0)  # a worker started without a standard input: the claim file gets descriptor 0
    held = claims.claim(sys.argv[1])
    print(os.fstat(0).st_ino == os.stat(sys.argv[1]).st_ino, flush=True)
    held.release()
    print(os.path.exists(sys.argv[1]), flush=True)
""")


def test_a_claim_on_descriptor_0_is_let_go_as_any_other(tmp_path):
    path = tmp_path / "run.claim"
    said = subprocess.run([sys.executable, "-c", LET_GO_ON_DESCRIPTOR_0, str(path)], capture_output=True, text=True,
                          check=True).stdout
    assert said.split() == ["True", "False"]  # the claim held descriptor 0, and letting it go deleted its file


def test_a_claim_file_is_a_note_anyone_may_read_and_only_its_owner_write(tmp_path):
    old_umask = os.umask(0o022)
    try:
        with claims.claim(tmp_path / "run.claim"):
            assert stat.S_IMODE((tmp_path / "run.claim").stat().st_mode) == 0o644  # rw-r--r--, not a program
    finally:
        os.umask(old_umask)


def test_a_claim_file_says_who_holds_the_run_and_since_when(tmp_path):
    before = time.strftime("%Y-%m-%d %H:%M:%S")
    with claims.claim(tmp_path / "run.claim"):
        note = json.loads((tmp_path / "run.claim").read_text())
        after = time.strftime("%Y-%m-%d %H:%M:%S")
    assert sorted(note) == ["host", "pid", "since"] and f"{note['host']}:{note['pid']}" == claims.worker()
    assert before <= note["since"] <= after and time.strptime(note["since"], "%Y-%m-%d %H:%M:%S")
