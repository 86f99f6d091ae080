"""The results store's view of time: which records were written before a moment (the synthetic mirror's last
writing, for ``helpers.environment``'s warning); the mean image kept beside a network."""

from __future__ import annotations

import os

import numpy as np

from helpers import profiles
from helpers.studies import store

ROW = {"variant": "16", "task": "gender", "fold": 0, "seed": 0, "accuracy": 0.7, "n_test": 200, "diverged": False,
       "batch_size": 16, "finished": "2026-12-04 10:00:00"}


def test_the_records_older_than_a_moment_are_those_written_before_it(tmp_path, monkeypatch):
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path))
    profile = profiles.get_profile("smoke", data_dir=tmp_path / "no-data")
    assert store.records_older_than(profile, 2e9) == []  # no results folder yet
    for study, task in (("batch_size", "gender"), ("batch_size", "age"), ("baseline", "gender")):
        store.append(profile, study, {**ROW, "task": task})
    records = {path.parent.name + "/" + path.name: path for path in (tmp_path / "smoke" / "records").rglob("*.csv")}
    assert len(records) == 3
    for moment, path in zip((1000, 2000, 3000), sorted(records.values())):
        os.utime(path, (moment, moment))
    older = store.records_older_than(profile, 2000)  # strictly before: the record of second 2000 is not
    assert older == [sorted(records.values())[0]]
    assert store.records_older_than(profile, 3000.5) == sorted(records.values())  # sorted by path
    assert store.records_older_than(profile, 1000) == []
    (tmp_path / "smoke" / "baseline.csv").touch()  # a study's table is not a record
    os.utime(tmp_path / "smoke" / "baseline.csv", (0, 0))
    assert len(store.records_older_than(profile, 3000.5)) == 3


def test_the_mean_image_is_kept_in_float32_whatever_it_was_computed_in(tmp_path):
    mean = np.arange(12, dtype=np.float64).reshape(2, 2, 3) / 7  # not exact in float32
    store.write_mean(tmp_path, mean)
    kept = np.load(tmp_path / "mean.npy")
    assert kept.dtype == np.float32 and kept.shape == (2, 2, 3)  # the inputs' type: a network reads it as it is
    np.testing.assert_array_equal(kept, mean.astype(np.float32))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mean.npy"]  # written whole, nothing left beside
