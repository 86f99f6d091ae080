"""Several workers on one results folder, and the results store they share.

The workers: every run recorded exactly once, none trained twice, none lost to a kill. The store, at the end,
on hand-made rows (no training): records, the study's table, finding an equal run, and reading a run's
predictions and log back, following a copied run to the one that trained it."""

from __future__ import annotations

import dataclasses
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
from helpers.studies import claims, store, trained
from helpers.training.settings import Settings
from tests.conftest import TEST_IMAGE_CACHE

PAPER = Settings()

#: A worker: the smoke profile shrunk to seconds, one small study of 2 values x 2 seeds on gender.
WORKER = textwrap.dedent("""
    import dataclasses, sys
    from helpers import environment
    from helpers.studies import runner
    from helpers.studies import catalogue
    environment.setup(data_dir=sys.argv[1], verbose=False)
    from helpers import profiles
    profile = dataclasses.replace(profiles.get_profile("smoke", sys.argv[1]), image_size=48, crop_size=40,
                                  max_epochs=int(sys.argv[2]), batch_size=64)
    study = catalogue.Study("shared", {"wide": {"hidden_units": 64}, "narrow": {"hidden_units": 16}}, tasks=("gender",))
    runner.run_study(study, profile, seeds=(0, 1), verbose=True)
""")


def _environment(tmp_path, **extra):
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "AGE_GENDER_KIT_RESULTS": str(tmp_path / "results"),
            "AGE_GENDER_KIT_CACHE": str(TEST_IMAGE_CACHE), "AGE_GENDER_KIT_POLL": "0.5", **extra}


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
    keys = table[store.KEY].astype(str).agg(" ".join, axis=1)
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
    assert len(table) == 4 and table[store.KEY].astype(str).agg(" ".join, axis=1).is_unique
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


@pytest.mark.parametrize("note", ["not a note", '{"host": "lab-3"}', ""])
def test_a_held_claim_whose_note_cannot_be_read_is_held_by_someone_unknown(tmp_path, note):
    path = tmp_path / "run.claim"
    with claims.claim(path):
        path.write_text(note)  # the same file, still locked: a note cut short, or written by another program
        assert claims.holder(path) == "unknown"
        assert claims.claim(path) is None


HOLD_A_CLAIM = textwrap.dedent("""
    import sys, time
    from helpers.studies import claims
    held = claims.claim(sys.argv[1])
    print("held" if held else "refused", flush=True)
    time.sleep(600)
""")


def test_a_claim_held_by_a_live_process_is_refused_and_one_whose_process_died_is_free_at_once(tmp_path):
    path = tmp_path / "run.claim"
    other = subprocess.Popen([sys.executable, "-c", HOLD_A_CLAIM, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "held"
        assert claims.claim(path) is None and claims.holder(path) == f"{claims.HOST}:{other.pid}"
    finally:
        other.kill()
        other.wait()
    assert path.exists() and claims.holder(path) is None  # its file stays, its lock went with it
    taken = claims.claim(path)  # no time-out to wait for
    assert taken is not None and claims.holder(path) == claims.worker()
    taken.release()
    assert not path.exists()


def test_records_of_three_writers_all_reach_the_table(synthetic_tiny, tmp_path):
    script = textwrap.dedent("""
        import sys
        from helpers import profiles
        from helpers.studies import store
        profile = profiles.get_profile("smoke", sys.argv[1])
        for seed in range(15):
            store.append(profile, "many", {"variant": sys.argv[2], "task": "gender", "fold": 0, "seed": seed,
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
    store.results_path(profile, "old").parent.mkdir(parents=True)
    old.to_csv(store.results_path(profile, "old"), index=False)
    assert store.read_results(profile, "old").variant.tolist() == ["16"]  # read as it is
    table = store.append(profile, "old", {"variant": "32", "task": "age", "fold": 0, "seed": 0, "accuracy": 0.5,
                                          "finished": "2"})
    assert table.variant.tolist() == ["16", "32"] and store.is_recorded(profile, "old", "16", "age", 0, 0)
    assert list(table.columns) == list(old.columns)  # each old row became a record as it was, no column added


# The results store on hand-made rows


@pytest.fixture()
def results_profile(tmp_path, monkeypatch):
    """A profile whose results go to the test's own folder; no data, no training."""
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    return profiles.get_profile("smoke", tmp_path / "no-data")


def _row(variant, seed=0, task="gender", fold=0, settings=PAPER, **scores) -> dict:
    """A recorded run as the runner writes it: key, settings, scores."""
    return {"study": "s", "variant": variant, "task": task, "fold": fold, "seed": seed,
            **dataclasses.asdict(settings), "accuracy": 0.5, "accuracy_10crop": 0.5, "reused_from": "",
            "finished": f"2026-01-01 00:00:{seed:02d}", **scores}


def test_each_run_is_one_record_and_the_table_holds_them_in_the_order_they_finished(results_profile, monkeypatch):
    written, write = [], store.atomic.write

    def watched(path, content):  # the store's writes, each still made: atomic.write is watched, not replaced
        written.append(os.path.basename(path))
        write(path, content)

    monkeypatch.setattr(store.atomic, "write", watched)
    store.append(results_profile, "s", _row("16", seed=2, accuracy=0.7))
    # with no other worker writing, one record and one table, written once
    assert written == ["16_gender_fold0_seed2.csv", "s.csv"]
    table = store.append(results_profile, "s", _row("16", seed=1, accuracy=0.6))
    assert table.seed.tolist() == [1, 2]  # by the time they finished, not by when they were written
    assert table.variant.tolist() == ["16", "16"]  # a number-like variant stays text
    assert sorted(path.name for path in store.records_dir(results_profile, "s").iterdir()) == [
        "16_gender_fold0_seed1.csv", "16_gender_fold0_seed2.csv"]
    view = pd.read_csv(store.results_path(results_profile, "s"))
    assert view.accuracy.tolist() == [0.6, 0.7]  # the table students read, rewritten after each record
    assert list(view.columns) == list(_row("16"))  # the recorded columns, no index column
    again = store.append(results_profile, "s", _row("16", seed=1, accuracy=0.65))  # the same key again replaces it
    assert len(again) == 2 and again.set_index("seed").accuracy.to_dict() == {1: 0.65, 2: 0.7}
    assert store.finished_keys(again) == {("16", "gender", "0", "1"), ("16", "gender", "0", "2")}
    assert store.is_recorded(results_profile, "s", "16", "gender", 0, 1)
    assert not store.is_recorded(results_profile, "s", "16", "age", 0, 1)
    assert not store.is_recorded(results_profile, "s", "16", "gender", 1, 1)


def test_a_study_with_no_runs_reads_as_an_empty_table_with_the_key_columns(results_profile):
    empty = store.read_results(results_profile, "never")
    assert len(empty) == 0 and list(empty.columns) == store.KEY
    assert store.finished_keys(empty) == set()


def test_runs_that_finished_in_the_same_second_keep_the_order_of_their_names(results_profile):
    for seed in range(20):  # workers finishing together, or a two-headed network's two rows, share a second
        store.append(results_profile, "s", _row("16", seed=seed, finished=f"2026-01-01 00:00:0{1 - seed % 2}"))
    names = sorted(path.name for path in store.records_dir(results_profile, "s").iterdir())
    by_name = [int(re.search(r"seed(\d+)", name).group(1)) for name in names]
    expected = [seed for seed in by_name if seed % 2] + [seed for seed in by_name if not seed % 2]
    assert store.read_results(results_profile, "s").seed.tolist() == expected


def test_run_names_keep_keys_apart_and_are_file_names(results_profile):
    names = {store.run_name(variant, task, fold, seed) for variant in ("16", "32 wide", "1e-3")
             for task in ("gender", "age") for fold in (0, 4) for seed in (0, 1)}
    assert len(names) == 24
    assert store.run_name("learning rate 1e-3 / step", "age", 4, 1) == "learning-rate-1e-3-step_age_fold4_seed1"
    assert store.run_name("16", "gender", "0", 1.0) == "16_gender_fold0_seed1"  # as a CSV reads the key back
    # the study variants' own names: capitals kept, a bracket at the end leaves no dash
    assert [store.run_name(variant, "gender", 0, 0).split("_")[0] for variant in (
        "CLAHE", "Otsu threshold", "none (paper)", "XL head")] == ["CLAHE", "Otsu-threshold", "none-paper", "XL-head"]
    assert store.run_directory(results_profile, "s", "32 wide", "age", 2, 0) == (
        store.results_dir(results_profile) / "runs" / "s" / "32-wide_age_fold2_seed0")


def test_studies_recorded_lists_tables_and_record_folders(results_profile):
    store.append(results_profile, "new", _row("a"))
    old = store.results_path(results_profile, "old")
    pd.DataFrame([_row("b")]).to_csv(old, index=False)  # a table from before records
    assert store.studies_recorded(results_profile) == ["new", "old"]
    tables = store.recorded_tables(results_profile)
    assert set(tables) == {"new", "old"} and tables["old"].variant.tolist() == ["b"]
    # a worker stopped between writing its run's record and the study's table: the record still counts
    store.results_path(results_profile, "new").unlink()
    assert store.studies_recorded(results_profile) == ["new", "old"]
    assert store.recorded_tables(results_profile)["new"].variant.tolist() == ["a"]


def test_an_equal_run_is_found_in_any_study_and_only_with_every_setting_equal(results_profile):
    store.append(results_profile, "first", _row("paper", accuracy=0.61))
    store.append(results_profile, "first", _row("wide", settings=dataclasses.replace(PAPER, hidden_units=1024)))
    found = store.same_run(results_profile, "gender", 0, 0, PAPER)
    assert found["variant"] == "paper" and found["accuracy"] == 0.61 and found["study"] == "s"
    wide = store.same_run(results_profile, "gender", 0, 0, dataclasses.replace(PAPER, hidden_units=1024))
    assert wide["variant"] == "wide"
    assert store.same_run(results_profile, "gender", 0, 0, dataclasses.replace(PAPER, hidden_units=256)) is None
    assert store.same_run(results_profile, "age", 0, 0, PAPER) is None
    assert store.same_run(results_profile, "gender", 1, 0, PAPER) is None
    assert store.same_run(results_profile, "gender", 0, 1, PAPER) is None
    tables = store.comparable(store.recorded_tables(results_profile))
    assert store.same_run(results_profile, "gender", 0, 0, PAPER, tables)["variant"] == "paper"
    # given the tables (one reading for many lookups), it answers from them: a run recorded since is not seen
    narrow = dataclasses.replace(PAPER, hidden_units=256)
    store.append(results_profile, "later", _row("narrow", settings=narrow))
    assert store.same_run(results_profile, "gender", 0, 0, narrow, tables) is None
    assert store.same_run(results_profile, "gender", 0, 0, narrow)["variant"] == "narrow"


def test_a_run_recorded_before_a_setting_existed_had_its_default(results_profile):
    row = _row("paper")
    del row["preprocessing"], row["age_loss_weight"]  # settings added to the kit after this run
    store.append(results_profile, "old", row)
    assert store.same_run(results_profile, "gender", 0, 0, PAPER)["variant"] == "paper"
    assert store.same_run(results_profile, "gender", 0, 0, dataclasses.replace(PAPER, preprocessing="clahe")) is None


def test_a_table_without_ten_crop_scores_is_too_old_to_reuse(results_profile):
    row = _row("paper")
    del row["accuracy_10crop"]
    store.append(results_profile, "older", row)
    assert store.same_run(results_profile, "gender", 0, 0, PAPER) is None
    store.append(results_profile, "recent", _row("again"))  # a study read after the old table: its run is found
    assert store.studies_recorded(results_profile) == ["older", "recent"]
    assert store.same_run(results_profile, "gender", 0, 0, PAPER)["variant"] == "again"


def test_predictions_and_logs_are_read_from_the_run_that_trained_them(results_profile):
    two_settings = "crop/flip"  # a variant named after two settings: the slash is part of its name
    store.append(results_profile, "first", _row(two_settings))
    store.append(results_profile, "later", _row("baseline", reused_from=f"first/{two_settings}"))
    first = store.run_directory(results_profile, "first", two_settings, "gender", 0, 0)
    faces = {"label": [0, 1, 1], "predicted": [0, 1, 0], "predicted_10crop": [0, 1, 1]}
    store.write_predictions(first, faces)
    pd.DataFrame({"epoch": [0, 1], "loss": [0.7, 0.6], "val_accuracy": [0.5, 0.6]}).to_csv(first / "log.csv",
                                                                                        index=False)
    for study, variant in (("first", two_settings), ("later", "baseline")):
        assert store.predictions(results_profile, study, variant, "gender", 0, 0).equals(pd.DataFrame(faces))
        run = trained.recorded_run(results_profile, study, variant, "gender", 0, 0)
        assert run.history.index.tolist() == [1, 2] and run.history.index.name == "epoch"
        assert list(run.history.columns) == ["loss", "val_accuracy"] and run.model is None
        assert run.row.variant == variant
    store.append(results_profile, "first", _row("diverged", seed=1))  # a run that kept no predictions
    assert store.predictions(results_profile, "first", "diverged", "gender", 0, 1) is None
    for key in (("absent", "gender", 0, 0), (two_settings, "age", 0, 0), (two_settings, "gender", 1, 0),
                (two_settings, "gender", 0, 1)):
        with pytest.raises(LookupError, match=r"no first run of .* in .*first\.csv: run the study first"):
            store.predictions(results_profile, "first", *key)


def test_without_flock_as_on_windows_a_claim_is_a_note_that_never_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(claims, "fcntl", None)
    path = tmp_path / "run.claim"
    first = claims.claim(path)
    second = claims.claim(path)  # no lock to refuse it: both may train, the record is still written once
    assert first is not None and second is not None and claims.holder(path) == claims.worker()
    first.release()
    second.release()
    assert not path.exists() and claims.holder(path) is None
