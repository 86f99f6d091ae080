"""The majority floor: a network that did not learn is named, with why, and never ranked or compared."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.training import floor


def binomial_tail(correct: int, faces: int, share: float) -> float:
    """P(X >= correct) for X ~ Binomial(faces, share), summed term by term."""
    return sum(math.comb(faces, k) * share**k * (1 - share) ** (faces - k) for k in range(correct, faces + 1))


def test_a_network_answering_one_class_did_not_learn_whatever_its_accuracy():
    labels = np.array([0] * 120 + [1] * 80)
    check = floor.check(labels, np.zeros(200, int))
    assert check.majority == 0.6 and check.accuracy == 0.6 and check.classes_answered == 1
    assert not check.learned and check.reason() == "answers one class for every face"


def test_a_network_within_the_noise_of_the_floor_did_not_learn_and_one_beyond_it_did():
    # 197 faces, the commonest of 8 groups holds 56 (0.284), as fold 0's age test faces of the 200-user mirror did
    labels = np.array([3] * 56 + [i % 8 for i in range(141) if i % 8 != 3] + [0] * 18)[:197]
    assert np.bincount(labels).max() == 56 and len(labels) == 197
    share = 56 / 197
    close = labels.copy()
    close[:56] = 3  # right on all 56 of the commonest group ...
    close[56:] = (labels[56:] + 1) % 8  # ... and wrong on every other face, with several classes answered
    close[56:62] = labels[56:62]  # six more right: 62 of 197 = 0.315
    check = floor.check(labels, close)
    assert check.accuracy == pytest.approx(62 / 197) and check.classes_answered == 8
    assert check.p_value == pytest.approx(binomial_tail(62, 197, share), rel=1e-6)  # 0.19 by hand
    assert 0.1 < check.p_value < 0.3 and not check.learned
    assert check.reason() == f"0.315 is within the noise of the majority floor 0.284 (binomial p = {check.p_value:.3f})"
    better = close.copy()
    better[62:76] = labels[62:76]  # 76 of 197 = 0.386
    assert binomial_tail(76, 197, share) < 0.05 and floor.check(labels, better).learned
    assert floor.check(labels, better).reason() == ""


def test_the_floor_refuses_predictions_that_do_not_match_the_faces():
    with pytest.raises(ValueError, match="same length"):
        floor.check([0, 1, 1], [0, 1])


def test_a_network_answering_two_classes_at_the_floor_is_judged_by_the_noise():
    predicted = np.array([0] * 105 + [1] * 5 + [0] * 85 + [1] * 5)  # 105 + 5 right of 200: the floor itself
    check = floor.check(np.array([0] * 110 + [1] * 90), predicted)
    assert check.classes_answered == 2 and check.accuracy == 0.55 and not check.learned
    assert check.reason().startswith("0.550 is within the noise of the majority floor 0.550 (binomial p = ")


def test_one_face_is_enough_and_class_numbers_may_come_as_floats():
    one = floor.check([1], [1])
    assert (one.accuracy, one.majority, one.classes_answered, one.faces) == (1.0, 1.0, 1, 1)
    read = floor.check(pd.Series([0.0, 1.0, 1.0]), [1, 1, 1])  # a column of a CSV that once held a blank
    assert read.majority == pytest.approx(2 / 3) and read.accuracy == pytest.approx(2 / 3)


def test_a_recorded_run_gives_its_reason_and_an_older_table_counts_as_learned():
    row = pd.Series({"accuracy": 0.315, "majority": 0.284, "classes_answered": 8, "n_test": 197})
    p_value = binomial_tail(62, 197, 0.284)  # 0.315 x 197 = 62 faces right
    assert floor.reason(row) == f"0.315 is within the noise of the majority floor 0.284 (binomial p = {p_value:.3f})"
    older = pd.DataFrame({"accuracy": [0.6, 0.7]}, index=[5, 6])
    learned = floor.learned(older)
    assert learned.index.tolist() == [5, 6] and learned.tolist() == [True, True] and learned.dtype == bool


def test_the_mean_floor_per_task_keeps_the_tasks_order_and_skips_runs_without_one():
    table = pd.DataFrame({"task": ["gender", "gender", "age", "age"], "majority": [0.5, 0.6, 0.3, np.nan],
                          "accuracy": [np.nan, 0.7, 0.4, 0.4]})  # a diverged run keeps its floor
    mean = floor.majority(table)
    assert mean.index.tolist() == ["gender", "age"] and mean.to_dict() == pytest.approx({"gender": 0.55, "age": 0.3})
    older = floor.majority(pd.DataFrame({"task": ["age"], "accuracy": [0.4]}))
    assert older.empty and older.dtype == float


def test_runs_recorded_before_the_floor_check_count_as_learned():
    old = pd.DataFrame({"task": ["age"], "variant": ["8"], "accuracy": [0.3], "diverged": [False]})
    assert floor.learned(old).tolist() == [True] and floor.majority(old).empty
