"""The two tasks, their classes, and the integer labels the network learns from an index's rows.

``gender``: 2 classes, ``m`` = 0 and ``f`` = 1; rows whose gender is missing are not used.
``age``: the 8 Adience groups, 0 = (0, 2) ... 7 = (60, 100); rows without a group are not used. The groups
are ordered, which is what makes "1-off" accuracy (a neighbouring group counts as right) meaningful.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.age_groups import AGE_GROUPS, GROUP_MIDPOINTS

CLASSES = {"gender": ["m", "f"], "age": AGE_GROUPS}
#: The label of a face that has none for a task, where a network learns both at once (notebook 13): its loss
#: for that task is masked (``helpers.training.fit.compile_model``), the face is not dropped.
MISSING = -1


def check_task(task: str) -> None:
    if task not in CLASSES:
        raise ValueError(f"unknown task {task!r}: use 'gender' or 'age'")


def labelled(frame: pd.DataFrame, task: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of an index that carry a label for ``task``, and those labels as int32."""
    check_task(task)
    if task == "gender":
        rows = frame[frame.gender.isin(CLASSES["gender"])]
        labels = (rows.gender == "f").to_numpy(dtype=np.int32)
    else:
        rows = frame[frame.age_group.notna()]
        labels = rows.age_group.to_numpy(dtype=np.int32)
    return rows, labels


def years(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Ages in years for rows with an age group, as float32, and which of them are exact: the row's own age
    where its label was a number (Adience's single ages, IMDB-WIKI), else its group's midpoint
    (``age_groups.GROUP_MIDPOINTS``)."""
    exact = rows.age.notna().to_numpy() if "age" in rows else np.zeros(len(rows), bool)
    midpoints = GROUP_MIDPOINTS[rows.age_group.to_numpy(dtype=int)]
    own = rows.age.to_numpy(dtype=float, na_value=np.nan) if "age" in rows else midpoints
    return np.where(exact, own, midpoints).astype(np.float32), exact
