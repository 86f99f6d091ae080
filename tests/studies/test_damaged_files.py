"""Damaged files never stop the course: a record that is not one of the kit's is set aside, named in one warning
line with what was wrong, and its run counts as not recorded, so a study trains it again (checked by the resume
test of tests/studies/test_runner.py); everything else in the results folder stays as it was. A damaged
image-cache entry is tested with the cache, in tests/data/test_pipeline.py, where `make mutation` judges
helpers/data/image_cache.py."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers import profiles
from helpers.studies import store, trained

ROW = {"variant": "16", "task": "gender", "fold": 0, "seed": 0, "accuracy": 0.7, "accuracy_10crop": 0.71,
       "one_off_accuracy": float("nan"), "n_test": 200, "diverged": False, "batch_size": 16, "seconds": 12.5,
       "finished": "2026-12-04 10:00:00"}

#: Each damage, and what the warning must say was wrong.
DAMAGES = {
    "empty": (lambda text: "", "it cannot be read as a table (EmptyDataError: No columns to parse from file)"),
    "not a record": (lambda text: "The quick brown fox\njumps over\nthe lazy dog\n", "it holds 2 rows, not one"),
    "cut short": (lambda text: text.splitlines()[0] + "\n" + text.splitlines()[1][:20],
                  "its diverged an empty cell is neither True nor False"),
    "other columns": (lambda text: "name,score\nalice,3\n", "it lacks the column(s) variant, task, fold, seed"),
    "types that do not parse": (lambda text: text.replace(",0,0,0.7,", ",zero,0,0.7,"),
                                "its fold 'zero' or seed 0 is not a whole number"),
    "a word for diverged": (lambda text: text.replace(",False,", ",maybe,"),
                            "its diverged 'maybe' is neither True nor False"),
    "accuracy out of range": (lambda text: text.replace(",0.7,", ",7.0,"),
                              "its accuracy 7.0 is not a number from 0 to 1"),
    "accuracy just above 1": (lambda text: text.replace(",0.7,", ",1.5,"),
                              "its accuracy 1.5 is not a number from 0 to 1"),
    "a word for accuracy": (lambda text: text.replace(",0.7,", ",high,"),
                            "its accuracy 'high' is not a number from 0 to 1"),
    "another run's key": (lambda text: text.replace("16,gender", "32,gender", 1),
                          "its key (32, gender, fold 0, seed 0) is not the run its name says"),
}


@pytest.fixture()
def profile(tmp_path, monkeypatch):
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    return profiles.get_profile("smoke", data_dir=tmp_path / "no-data")  # reads and writes results only


def snapshot(folder) -> dict:
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_record_is_set_aside_named_and_its_run_no_longer_counts(profile, damage, capsys):
    make, words = DAMAGES[damage]
    store.append(profile, "batch_size", ROW)
    store.append(profile, "batch_size", {**ROW, "variant": "32", "batch_size": 32, "accuracy": 0.6})
    record = store.records_dir(profile, "batch_size") / f"{store.run_name('16', 'gender', 0, 0)}.csv"
    assert re.search(r",0,0,0\.7,", record.read_text())  # what the damages above edit
    record.write_text(make(record.read_text()))
    folder = store.results_dir(profile)
    before = snapshot(folder)

    read = store.read_results(profile, "batch_size")

    assert read.variant.tolist() == ["32"] and read.accuracy.tolist() == [0.6]  # the other run, whole
    warning = capsys.readouterr().err.strip()
    assert warning == (f"WARNING {record}: not a record of this kit: {words}. Set aside as {record.name}.damaged; its "
                       "run counts as not recorded and will be trained again.")
    aside = record.with_name(record.name + ".damaged")
    assert not record.exists() and aside.read_bytes() == before[record.relative_to(folder)]
    after = snapshot(folder)
    del before[record.relative_to(folder)], after[aside.relative_to(folder)]
    assert after == before  # nothing else in the results folder changed
    assert not store.is_recorded(profile, "batch_size", "16", "gender", 0, 0)  # so the study trains it again
    assert store.read_results(profile, "batch_size").equals(read) and capsys.readouterr().err == ""  # once


def test_a_record_written_by_an_older_kit_still_reads(profile, capsys):
    """Records written before the majority floor, the iterations and the 10-crop figures existed."""
    store.append(profile, "batch_size", ROW)
    folder = store.records_dir(profile, "batch_size")
    old = {key: value for key, value in ROW.items() if key not in ("accuracy_10crop", "seconds")}
    (folder / f"{store.run_name('32', 'gender', 0, 0)}.csv").write_text(
        pd.DataFrame([{**old, "variant": "32", "finished": "2026-11-01 09:00:00"}]).to_csv(index=False))
    read = store.read_results(profile, "batch_size")
    assert read.variant.tolist() == ["32", "16"] and read.accuracy_10crop.isna().tolist() == [True, False]
    assert capsys.readouterr().err == ""


def test_a_study_whose_only_record_is_damaged_reads_as_an_empty_table_of_runs(profile, capsys):
    store.append(profile, "batch_size", ROW)
    (store.records_dir(profile, "batch_size") / f"{store.run_name('16', 'gender', 0, 0)}.csv").write_text("")
    read = store.read_results(profile, "batch_size")
    assert read.empty and read.columns.tolist() == ["variant", "task", "fold", "seed"]  # what finished_keys reads
    assert capsys.readouterr().err.startswith("WARNING ")


def test_accuracies_of_0_and_1_are_records_like_any_other(profile, capsys):
    store.append(profile, "batch_size", {**ROW, "accuracy": 0.0})
    store.append(profile, "batch_size", {**ROW, "variant": "32", "batch_size": 32, "accuracy": 1.0})
    assert store.read_results(profile, "batch_size").accuracy.tolist() == [0.0, 1.0]
    assert capsys.readouterr().err == ""


def small_network():
    import keras

    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))


def test_a_kept_pretrained_network_that_cannot_be_loaded_is_set_aside_and_trained_again(profile, monkeypatch,
                                                                                         capsys):
    import json

    from helpers.studies import pretraining

    directory = pretraining.pretraining_directory(profile, "gender", 0)
    directory.mkdir(parents=True)
    (directory / "best.keras").write_bytes(b"PK\x03\x04 a zip cut short by a full disk")
    (directory / "scores.json").write_text(json.dumps({"task": "gender", "accuracy": 0.8}))
    trained = []

    def pretrain(profile, task, seed, directory, verbose):  # stands in for 15 epochs on CelebA: writes a real network
        trained.append(task)
        small_network().save(directory / "best.keras")
        (directory / "scores.json").write_text(json.dumps({"task": task, "accuracy": 0.7}))

    monkeypatch.setattr(pretraining, "_pretrain", pretrain)
    network = pretraining.pretrained_model(profile, "gender", 0)
    assert trained == ["gender"] and network.count_params() == small_network().count_params()
    warning = capsys.readouterr().err.strip()
    assert warning.startswith(f"WARNING {directory / 'best.keras'}: not a network Keras can load") and len(
        warning.splitlines()) == 1
    assert (directory / "best.keras.damaged").read_bytes().startswith(b"PK\x03\x04 a zip cut short")
    pretraining.pretrained_model(profile, "gender", 0)
    assert trained == ["gender"] and capsys.readouterr().err == ""  # kept, and loaded from now on


def test_a_pretraining_cut_short_before_its_scores_is_never_taken_for_a_finished_one(profile, monkeypatch):
    import json

    from helpers.studies import pretraining

    directory = pretraining.pretraining_directory(profile, "age", 0)
    directory.mkdir(parents=True)
    small_network().save(directory / "best.keras")  # a network was saved, then the worker was killed
    trained = []

    def pretrain(profile, task, seed, directory, verbose):
        trained.append(task)
        (directory / "scores.json").write_text(json.dumps({"task": task}))

    monkeypatch.setattr(pretraining, "_pretrain", pretrain)
    pretraining.pretrained_model(profile, "age", 0)
    assert trained == ["age"]


def test_a_study_model_that_cannot_be_loaded_is_named_with_what_to_do(profile):
    store.append(profile, "baseline", {**ROW, "variant": "paper"})
    directory = store.run_directory(profile, "baseline", "paper", "gender", 0, 0)
    directory.mkdir(parents=True)
    (directory / "log.csv").write_text("epoch,accuracy\n0,0.6\n")
    (directory / "best.keras").write_bytes(b"not a zip at all")
    record = store.records_dir(profile, "baseline") / f"{store.run_name('paper', 'gender', 0, 0)}.csv"
    with pytest.raises(RuntimeError, match="not a network Keras can load") as raised:
        trained.recorded_run(profile, "baseline", "paper", "gender", 0, 0)
    assert str(directory / "best.keras") in str(raised.value) and str(record) in str(raised.value)
