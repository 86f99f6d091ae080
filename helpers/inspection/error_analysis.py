"""Where a trained network fails, and on whom: one row per test face, its worst mistakes, accuracy per cell.

A single accuracy hides who pays for the errors. :func:`test_faces` lists every test face of a task with
what the network answered, how sure it was and both of the face's labels (a gender network's faces keep their
age group, an age network's their gender, where the index has them), so that the accuracy can be split by
gender x age group (:func:`accuracy_by_cell`). Each cell shows its n and a 95 % Wilson interval: a cell of
6 faces at 50 % says little, and the interval shows how little.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from helpers.data import labels as label_names
from helpers.data.task_data import TaskData

MISSING = "unknown"


def test_faces(data: TaskData, probabilities, other: dict | None = None) -> pd.DataFrame:
    """One row per test face of ``data``, in its order: file, true and predicted class, confidence, correct,
    and the face's ``gender`` and ``age group`` (``other`` maps a file to the label of the other task)."""
    probabilities = np.asarray(probabilities)
    classes = label_names.CLASSES[data.task]
    truth, predicted = np.asarray(data.labels["test"], int), probabilities.argmax(axis=1)
    table = pd.DataFrame({"file": list(data.files["test"]), "true": [classes[c] for c in truth],
                          "predicted": [classes[c] for c in predicted],
                          "confidence": probabilities.max(axis=1), "correct": truth == predicted})
    mine, theirs = ("gender", "age group") if data.task == "gender" else ("age group", "gender")
    table[mine] = table.true
    table[theirs] = [(other or {}).get(name, MISSING) for name in table.file]
    return table


def other_labels(both_tasks) -> dict[str, dict[str, str]]:
    """From ``two_heads.joint_data``: for each task, test file -> the face's label of the *other* task."""
    found = {}
    for task, other in (("gender", "age"), ("age", "gender")):
        names = label_names.CLASSES[other]
        values = both_tasks.labels["test"][other]
        found[task] = {name: names[value] for name, value in zip(both_tasks.files["test"], values) if value >= 0}
    return found


def confident_mistakes(faces: pd.DataFrame, count: int = 8) -> pd.DataFrame:
    """The ``count`` wrong answers given with the highest confidence."""
    return faces[~faces.correct].sort_values("confidence", ascending=False).head(count)


def wilson_interval(correct: int, total: int, level: float = 0.95) -> tuple[float, float]:
    if total == 0:
        return float("nan"), float("nan")
    interval = stats.binomtest(int(correct), int(total)).proportion_ci(level, method="wilson")
    return float(interval.low), float(interval.high)


def accuracy_by_cell(faces: pd.DataFrame, rows: str = "age group", columns: str = "gender") -> pd.DataFrame:
    """Accuracy per (``rows``, ``columns``) cell with its n and 95 % Wilson interval, one row per cell, in the
    classes' own order; faces without the other label form the ``unknown`` cells."""
    order = {"gender": label_names.CLASSES["gender"] + [MISSING], "age group": label_names.CLASSES["age"] + [MISSING]}
    cells = []
    for (row, column), group in faces.groupby([rows, columns], sort=False):
        low, high = wilson_interval(group.correct.sum(), len(group))
        cells.append({rows: row, columns: column, "n": len(group), "accuracy": group.correct.mean(),
                      "low": low, "high": high})
    table = pd.DataFrame(cells)
    table[rows] = pd.Categorical(table[rows], order[rows])  # sorted by the classes' order, not the names'
    table[columns] = pd.Categorical(table[columns], order[columns])
    return table.sort_values([rows, columns]).reset_index(drop=True)
