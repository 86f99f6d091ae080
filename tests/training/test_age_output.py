"""Age as 8 classes, as a number, or as DEX's expected value (notebook 12): targets, heads, ages and groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import environment
from helpers.data import labels
from helpers.data.age_groups import GROUP_MIDPOINTS, age_group
from helpers.network import levi_hassner
from helpers.training import age_output


def test_dex_predicts_the_expected_age_under_its_softmax():
    probabilities = np.zeros((2, 101))
    probabilities[0, [20, 30]] = 0.5  # half 20, half 30 -> 25 years, in (25, 32)
    probabilities[1, [2, 60]] = [0.25, 0.75]  # 0.5 + 45 = 45.5 years: in the gap 44-47, nearer (38, 43)'s bound
    assert age_output.predicted_years("dex", probabilities).tolist() == pytest.approx([25.0, 45.5])
    assert age_output.predicted_groups("dex", probabilities).tolist() == [4, 5]


def test_a_regression_output_is_years_over_the_scale_and_its_group_follows_the_one_rule():
    outputs = np.array([[0.355], [0.05], [-0.2], [0.9]])
    assert age_output.predicted_years("regression", outputs).tolist() == pytest.approx([35.5, 5.0, 0.0, 90.0])
    assert age_output.predicted_groups("regression", outputs).tolist() == [int(age_group(35.5)), 1, 0, 7]
    assert age_group(35.5) == 5  # 35 belongs to (38, 43): the module's docstring


def test_the_classifier_answers_its_most_probable_group_and_that_groups_midpoint():
    probabilities = np.eye(8)[[0, 7, 4]] * 0.6 + 0.05
    assert age_output.predicted_groups("classes", probabilities).tolist() == [0, 7, 4]
    assert age_output.predicted_years("classes", probabilities).tolist() == [1.0, 70.0, 28.5]


def test_mean_absolute_error_counts_only_exact_ages():
    truth, predicted = np.array([30.0, 28.5, 5.0]), np.array([33.0, 10.0, 1.0])
    assert age_output.mean_absolute_error(truth, predicted, [True, False, True]) == pytest.approx(3.5)
    assert np.isnan(age_output.mean_absolute_error(truth, predicted, [False, False, False]))


def test_targets_of_each_way():
    groups, years = np.array([4, 7, 0]), np.array([30.0, 100.6, 1.0], np.float32)
    assert age_output.targets("classes", groups, years).tolist() == [4, 7, 0]
    regression = age_output.targets("regression", groups, years)
    assert regression.dtype == np.float32 and regression.tolist() == pytest.approx([0.30, 1.006, 0.01])
    assert age_output.targets("dex", groups, years).tolist() == [30, 100, 1]
    assert [age_output.units(way) for way in age_output.OUTPUTS] == [8, 1, 101]
    with pytest.raises(ValueError, match="is for the age task"):
        age_output.check("regression", "gender")
    age_output.check("dex", "age")  # the value itself is Settings' to check (tests/training/test_settings.py)


def test_ages_in_years_are_exact_where_the_label_was_a_number_else_the_groups_midpoint():
    rows = pd.DataFrame({"age": pd.array([35, None, None, 3], dtype="Int64"), "age_group": [5, 7, 4, 1]})
    years, exact = labels.years(rows)
    assert years.tolist() == [35.0, 70.0, 28.5, 3.0] and exact.tolist() == [True, False, False, True]
    assert GROUP_MIDPOINTS[7] == 70.0  # the open (60, 100) stands for 70: age_groups says why
    assert years.dtype == np.float32 and exact.dtype == bool  # what the pipeline feeds the network
    for task, expected in (("age", [5, 7, 4, 1]), ("gender", [1, 0])):
        index = rows.assign(age_group=[5.0, 7.0, 4.0, 1.0], gender=["f", "m", "u", None])  # groups read as floats
        _, task_labels = labels.labelled(index, task)
        assert task_labels.tolist() == expected and task_labels.dtype == np.int32, task
    # groups read back from a CSV beside missing ones come as floats; an index without ages (CelebA) has none
    no_ages = pd.DataFrame({"age_group": [5.0, 0.0]})
    years, exact = labels.years(no_ages)
    assert years.tolist() == [40.5, 1.0] and years.dtype == np.float32
    assert exact.tolist() == [False, False] and exact.dtype == bool


def test_the_heads_of_each_way():
    environment.start_tensorflow()
    images = np.random.default_rng(0).normal(size=(2, 48, 48, 3)).astype(np.float32)
    regression = levi_hassner.levi_hassner(1, input_size=48, hidden_units=16, regression=True, seed=0)
    assert regression.output_shape == (None, 1) and regression.get_layer("output").activation.__name__ == "linear"
    dex = levi_hassner.levi_hassner(101, input_size=48, hidden_units=16, seed=0)
    assert dex.output_shape == (None, 101)
    np.testing.assert_allclose(np.asarray(dex(images)).sum(axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="num_classes >= 2"):
        levi_hassner.levi_hassner(1, input_size=48)


def test_targets_are_the_types_keras_is_given_and_dex_bins_start_at_year_zero():
    groups, years = [4, 7, 0], [-1.0, 0.4, 150.0]  # plain lists, as a user's own code may pass them
    classes = age_output.targets("classes", groups, years)
    assert classes.dtype == np.int32 and classes.tolist() == [4, 7, 0]
    regression = age_output.targets("regression", groups, [30, 45, 2])  # whole years: the division is float32's
    assert regression.dtype == np.float32 and regression.tolist() == [np.float32(30) / np.float32(100),
                                                                      np.float32(45) / np.float32(100),
                                                                      np.float32(2) / np.float32(100)]
    dex = age_output.targets("dex", groups, years)
    assert dex.dtype == np.int32 and dex.tolist() == [0, 0, 100]  # below 0 is 0, and 0.4 rounds to bin 0


def test_whether_an_age_is_exact_may_be_given_as_zeros_and_ones():
    """A column read back from a CSV file holds 0 and 1: they mark faces, they do not index them."""
    truth, predicted = [30, 28, 5], [33.0, 10.0, 1.0]
    assert age_output.mean_absolute_error(truth, predicted, [1, 0, 1]) == (3 + 4) / 2


def test_years_are_computed_in_float64_from_float32_outputs():
    """Keras answers in float32; the years (and so the mean absolute error) are worked out in float64."""
    outputs = np.array([[0.2345], [0.871]], np.float32)
    years = age_output.predicted_years("regression", outputs)
    assert years.dtype == np.float64 and years.tolist() == [float(outputs[0, 0]) * 100, float(outputs[1, 0]) * 100]
    softmax = np.full((1, 101), 1 / 101, np.float32)
    expected = (np.asarray(softmax, np.float64) @ np.arange(101, dtype=np.float64))[0]
    assert age_output.predicted_years("dex", softmax).tolist() == [pytest.approx(expected, abs=1e-9)]


def test_the_classifiers_years_follow_the_last_axis_for_crops_of_each_face_too():
    """Ten crops of each of two faces, (2, 10, 8): each crop's most probable group, as its midpoint."""
    outputs = np.zeros((2, 10, 8))
    winners = np.arange(20).reshape(2, 10) % 8
    outputs[np.arange(2)[:, None], np.arange(10)[None, :], winners] = 1
    np.testing.assert_array_equal(age_output.predicted_years("classes", outputs), GROUP_MIDPOINTS[winners])
