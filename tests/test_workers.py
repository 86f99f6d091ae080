"""Several workers on one results folder: every run recorded exactly once, none trained twice, none lost to a kill."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from helpers import profiles
from helpers.experiments import claims, results

#: A worker: the smoke profile shrunk to seconds, one small study of 2 values x 2 seeds on gender.
WORKER = textwrap.dedent("""
    import dataclasses, sys
    from helpers import environment
    from helpers.experiments import runner, studies
    environment.setup(data_dir=sys.argv[1], verbose=False)
    from helpers import profiles
    profile = dataclasses.replace(profiles.get_profile("smoke", sys.argv[1]), image_size=48, crop_size=40,
                                  max_epochs=int(sys.argv[2]), batch_size=64)
    study = studies.Study("shared", {"wide": {"hidden_units": 64}, "narrow": {"hidden_units": 16}}, tasks=("gender",))
    runner.run_study(study, profile, seeds=(0, 1), verbose=True)
""")


def _environment(tmp_path, **extra):
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "AGE_GENDER_KIT_RESULTS": str(tmp_path / "results"),
            "AGE_GENDER_KIT_CACHE": str(tmp_path / "cache"), "AGE_GENDER_KIT_POLL": "0.5", **extra}


def _start(synthetic, tmp_path, epochs=1, **extra):
    return subprocess.Popen([sys.executable, "-c", WORKER, str(synthetic), str(epochs)],
                            env=_environment(tmp_path, **extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _trained_lines(output: str) -> list[str]:
    """The runs a worker trained itself: its lines "  gender fold 0 seed 1 wide  accuracy 0.53, 1 epochs, 3 s, 9 s
    left" (a copied run says "the same run as ..." instead of its seconds)."""
    return [line for line in output.splitlines() if re.search(r" accuracy [0-9.]+, \d+ epochs, \d+ s, ", line)]


@pytest.mark.slow
def test_two_workers_share_a_study_and_train_each_run_once(synthetic_tiny, tmp_path):
    workers = [_start(synthetic_tiny, tmp_path) for _ in range(2)]
    outputs = [worker.communicate(timeout=600) for worker in workers]
    for worker, (_, stderr) in zip(workers, outputs):
        assert worker.returncode == 0, stderr[-3000:]
    table = pd.read_csv(tmp_path / "results" / "smoke" / "shared.csv", dtype={"variant": str})
    keys = table[results.KEY].astype(str).agg(" ".join, axis=1)
    assert len(table) == 4 and keys.is_unique  # every run of 2 values x 2 seeds, once
    trained = [_trained_lines(stdout) for stdout, _ in outputs]
    assert sum(map(len, trained)) == 4, trained  # and trained once: the two workers' runs add up to four
    assert set(table.worker) == {f"{claims.HOST}:{worker.pid}" for worker, lines in zip(workers, trained) if lines}
    assert not list((tmp_path / "results" / "smoke" / "claims").rglob("*.claim"))  # every claim released


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_taken_over_and_every_run_recorded_once(synthetic_tiny, tmp_path):
    claims_dir = tmp_path / "results" / "smoke" / "claims" / "shared"
    victim = _start(synthetic_tiny, tmp_path, epochs=30)  # long runs: it is killed inside the first
    deadline = time.time() + 300
    while not list(claims_dir.glob("*.claim")) and time.time() < deadline:
        time.sleep(0.2)
    held = list(claims_dir.glob("*.claim"))
    assert held and json.loads(held[0].read_text())["pid"] == victim.pid
    time.sleep(2)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    rescuer = _start(synthetic_tiny, tmp_path, epochs=1)
    stdout, stderr = rescuer.communicate(timeout=600)
    assert rescuer.returncode == 0, stderr[-3000:]
    table = pd.read_csv(tmp_path / "results" / "smoke" / "shared.csv", dtype={"variant": str})
    assert len(table) == 4 and table[results.KEY].astype(str).agg(" ".join, axis=1).is_unique
    assert set(table.worker) == {f"{claims.HOST}:{rescuer.pid}"}  # the dead worker's run was trained again
    assert len(_trained_lines(stdout)) == 4


def test_a_claim_is_exclusive_and_released(tmp_path):
    path = tmp_path / "claims" / "run.claim"
    first = claims.claim(path)
    assert first is not None and claims.holder(path) == claims.worker()
    assert claims.claim(path) is None  # held by a live worker (this one)
    first.release()
    assert not path.exists()
    with claims.claim(path) as again:
        assert again is not None and path.exists()
    assert not path.exists()


def test_a_claim_from_another_machine_is_left_until_it_times_out(tmp_path, monkeypatch):
    path = tmp_path / "run.claim"
    path.write_text(json.dumps({"host": "elsewhere", "pid": 1, "since": "then"}))
    monkeypatch.setenv("AGE_GENDER_KIT_CLAIM_TIMEOUT", "60")
    assert claims.claim(path) is None  # touched just now: its worker may still be training
    old = time.time() - 120
    os.utime(path, (old, old))
    taken = claims.claim(path)
    assert taken is not None and claims.holder(path) == claims.worker()
    taken.release()


def test_a_held_claim_is_kept_fresh_while_its_run_trains(tmp_path, monkeypatch):
    monkeypatch.setenv("AGE_GENDER_KIT_CLAIM_TIMEOUT", "2")  # heartbeat every 0.5 s
    path = tmp_path / "run.claim"
    with claims.claim(path):
        old = time.time() - 100
        os.utime(path, (old, old))
        time.sleep(1.5)
        assert time.time() - path.stat().st_mtime < 1.5
        assert not claims.is_stale(path)


def test_records_of_three_writers_all_reach_the_table(synthetic_tiny, tmp_path):
    script = textwrap.dedent("""
        import sys
        from helpers import profiles
        from helpers.experiments import results
        profile = profiles.get_profile("smoke", sys.argv[1])
        for seed in range(15):
            results.append(profile, "many", {"variant": sys.argv[2], "task": "gender", "fold": 0, "seed": seed,
                                             "accuracy": 0.5, "finished": str(seed)})
    """)
    writers = [subprocess.Popen([sys.executable, "-c", script, str(synthetic_tiny), name], env=_environment(tmp_path))
               for name in ("a", "b", "c")]
    assert [writer.wait(timeout=300) for writer in writers] == [0, 0, 0]
    table = pd.read_csv(tmp_path / "results" / "smoke" / "many.csv", dtype={"variant": str})
    assert len(table) == 45 and sorted(table.variant.unique()) == ["a", "b", "c"]


def test_a_results_folder_from_before_records_is_read_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    profile = profiles.get_profile("smoke", tmp_path / "no-data")
    old = pd.DataFrame([{"variant": "16", "task": "age", "fold": 0, "seed": 0, "accuracy": 0.4, "finished": "1"}])
    results.results_path(profile, "old").parent.mkdir(parents=True)
    old.to_csv(results.results_path(profile, "old"), index=False)
    assert results.read_results(profile, "old").variant.tolist() == ["16"]  # read as it is
    table = results.append(profile, "old", {"variant": "32", "task": "age", "fold": 0, "seed": 0, "accuracy": 0.5,
                                            "finished": "2"})
    assert table.variant.tolist() == ["16", "32"] and results.is_recorded(profile, "old", "16", "age", 0, 0)
