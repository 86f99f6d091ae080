"""Notebook 12's look at every age test face (``helpers.analysis.age_faces``), from hand-written runs and their
kept predictions: each way's answer per face, in groups and in years, and each true group's accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import profiles
from helpers.analysis import age_faces
from helpers.data import task_data
from helpers.data.age_groups import AGE_GROUPS, GROUP_MIDPOINTS
from helpers.studies import catalogue, store

STUDY = catalogue.STUDIES["age_output"]
GROUPS, YEARS, DEX = STUDY.variants


@pytest.fixture()
def recorded(tmp_path, monkeypatch):
    """Three test faces of fold 0 (true groups 1, 1, 3; the first's age exact), and runs of two ways with seed 0
    (and one of fold 1, not asked for) whose kept predictions are written by hand; the third way kept none."""
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    profile = profiles.get_profile("smoke", tmp_path / "no-data")
    answers = {(GROUPS, 0): {"label": [1, 1, 3], "predicted": [1, 2, 0]},  # recorded before years were kept
               (YEARS, 0): {"label": [1, 1, 3], "predicted": [1, 1, 3], "predicted_years": [5.0, 30.0, 17.0]},
               (YEARS, 1): {"label": [0], "predicted": [0], "predicted_years": [1.0]}}
    for variant, fold in [(GROUPS, 0), (YEARS, 0), (DEX, 0), (YEARS, 1)]:
        store.append(profile, STUDY.name, {"variant": variant, "task": "age", "fold": fold, "seed": 0,
                                           "accuracy": 0.5, "n_test": 3, "diverged": False})
        folder = store.run_directory(profile, STUDY.name, variant, "age", fold, 0)
        folder.mkdir(parents=True, exist_ok=True)
        if (variant, fold) in answers:
            pd.DataFrame(answers[variant, fold]).to_csv(folder / "predictions.csv", index=False)
    data = task_data.TaskData("age", 0, 48, 40, files={}, labels={"test": np.array([1, 1, 3], np.int32)},
                              mean=np.zeros(1), years={"test": np.array([4.0, 5.0, 17.5], np.float32)},
                              exact={"test": np.array([True, False, False])})
    return profile, store.read_results(profile, STUDY.name), data


def test_each_face_carries_each_ways_answer_in_groups_and_years_and_its_error(recorded):
    profile, results, data = recorded
    faces = age_faces.faces_table(profile, STUDY, results, data)
    assert list(faces.columns) == ["variant", "seed", "group", "years", "exact", "predicted_group", "predicted_years",
                                   "correct", "one_off", "error_years"]
    assert faces.variant.tolist() == [GROUPS] * 3 + [YEARS] * 3  # the way without predictions, and fold 1, left out
    assert faces.group.tolist() == [AGE_GROUPS[1], AGE_GROUPS[1], AGE_GROUPS[3]] * 2
    assert faces.predicted_group.tolist()[:3] == [AGE_GROUPS[1], AGE_GROUPS[2], AGE_GROUPS[0]]
    assert faces.exact.tolist() == [True, False, False] * 2 and faces.years.tolist() == [4.0, 5.0, 17.5] * 2
    # a classifier recorded before years were kept: its group's midpoint
    assert faces.predicted_years.tolist() == [*GROUP_MIDPOINTS[[1, 2, 0]], 5.0, 30.0, 17.0]
    assert faces.correct.tolist() == [True, False, False, True, True, True]
    assert faces.one_off.tolist() == [True, True, False, True, True, True]
    np.testing.assert_allclose(faces.error_years, np.abs(faces.predicted_years - faces.years))
    assert list(faces.index) == list(range(6))


def test_each_true_groups_accuracy_is_given_per_way_beside_its_number_of_faces(recorded):
    faces = age_faces.faces_table(*recorded[:1], STUDY, recorded[1], recorded[2])
    table = age_faces.accuracy_by_group(faces)
    assert list(table.index) == AGE_GROUPS and list(table.columns) == ["faces", GROUPS, YEARS]
    assert table.faces.tolist() == [0, 2, 0, 1, 0, 0, 0, 0]  # one run's worth: the first way's
    assert table.loc[AGE_GROUPS[1], GROUPS] == 0.5 and table.loc[AGE_GROUPS[3], GROUPS] == 0.0
    assert table.loc[AGE_GROUPS[1], YEARS] == 1.0 and np.isnan(table.loc[AGE_GROUPS[0], YEARS])


def test_no_kept_predictions_give_an_empty_table(recorded):
    profile, results, data = recorded
    assert age_faces.faces_table(profile, STUDY, results[results.variant == DEX], data).empty


def test_a_way_kept_without_years_by_an_older_kit_has_none_and_two_groups_off_is_not_one_off(recorded, tmp_path):
    profile, results, data = recorded
    folder = store.run_directory(profile, STUDY.name, DEX, "age", 0, 0)
    pd.DataFrame({"label": [1, 1, 3], "predicted": [3, 1, 3]}).to_csv(folder / "predictions.csv", index=False)
    faces = age_faces.faces_table(profile, STUDY, results[results.variant == DEX], data)
    assert faces.predicted_years.isna().all()  # DEX's years were not kept: no midpoint stands in for them
    assert faces.one_off.tolist() == [False, True, True]  # group 3 for group 1 is two off


def test_the_faces_of_each_group_are_counted_in_the_first_run_and_the_ways_keep_their_order():
    groups = {1: AGE_GROUPS[1], 3: AGE_GROUPS[3]}
    faces = pd.DataFrame([("b", 1, groups[1], True), ("a", 2, groups[1], False), ("b", 1, groups[3], False),
                          ("a", 2, groups[3], True), ("b", 2, groups[1], True)],
                         columns=["variant", "seed", "group", "correct"])
    table = age_faces.accuracy_by_group(faces)
    assert list(table.columns) == ["faces", "b", "a"] and table.faces.dtype == int
    assert table.faces.tolist() == [0, 1, 0, 1, 0, 0, 0, 0]  # the first run: way b, seed 1
    assert table.loc[groups[1], ["b", "a"]].tolist() == [1.0, 0.0]
    assert table.loc[groups[3], ["b", "a"]].tolist() == [0.0, 1.0]
