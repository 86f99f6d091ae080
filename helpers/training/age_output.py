"""Age as 8 classes, as a number, or as DEX's expected value: what the network outputs and how it becomes an age.

``Settings.age_output`` picks one of three ways to predict age on the same trunk (notebook 12):

- ``classes``: the paper's softmax over the 8 Adience groups; a face's age in years, where one is needed, is
  the predicted group's midpoint (``age_groups.GROUP_MIDPOINTS``).
- ``regression``: one linear unit trained on the age in years divided by ``SCALE`` (so the output stays near
  the other layers' range), with the L1 loss (mean absolute error), which a few wrong labels pull less than a
  squared error does. Targets are the exact age where the label is a number, else the group's midpoint.
- ``dex``: Rothe et al.'s Deep EXpectation (IMDB-WIKI; winner of ChaLearn LAP 2015, epsilon-error 0.265): a
  softmax over one-year bins 0-100 trained with cross-entropy on the rounded age, and the prediction the
  expected value under it, so that neighbouring bins share what they learn.

Every way is scored the same: its predicted years mapped to a group by the kit's one age-group rule
(``age_groups.age_group``) for exact and 1-off accuracy, and the mean absolute error in years on the faces
whose age is exact.
"""

from __future__ import annotations

import numpy as np

from helpers.data.age_groups import AGE_GROUPS, GROUP_MIDPOINTS, age_group

OUTPUTS = ("classes", "regression", "dex")
SCALE = 100.0  # regression targets are years / SCALE
DEX_BINS = np.arange(101, dtype=np.float32)  # one bin per year, 0 to 100


def check(output: str, task: str) -> None:
    """A number or DEX's bins is for the age task only (``Settings`` checks the value itself)."""
    if output != "classes" and task != "age":
        raise ValueError(f"Settings.age_output={output!r} is for the age task; the {task} task has classes only")


def units(output: str) -> int:
    """How many outputs the network needs for the age task."""
    return {"classes": len(AGE_GROUPS), "regression": 1, "dex": len(DEX_BINS)}[output]


def targets(output: str, groups: np.ndarray, years: np.ndarray) -> np.ndarray:
    """What the network is trained to output for faces with these groups and ages in years."""
    if output == "classes":
        return np.asarray(groups, np.int32)
    if output == "regression":
        return (np.asarray(years, np.float32) / SCALE).astype(np.float32)
    return np.clip(np.rint(years), 0, DEX_BINS[-1]).astype(np.int32)


def loss(output: str):
    """The Keras loss of each way (the name Keras knows it by)."""
    return "mean_absolute_error" if output == "regression" else "sparse_categorical_crossentropy"


def predicted_years(output: str, outputs: np.ndarray) -> np.ndarray:
    """The network's outputs for a batch of faces (probabilities, or the regression's unit) as ages in years."""
    outputs = np.asarray(outputs, np.float64)
    if output == "classes":
        return GROUP_MIDPOINTS[outputs.argmax(axis=-1)]
    if output == "regression":
        return np.clip(outputs[..., 0] * SCALE, 0, None)
    return outputs @ DEX_BINS  # the expected value of the age under the softmax


def predicted_groups(output: str, outputs: np.ndarray) -> np.ndarray:
    """The outputs as age groups: the most probable class, or the predicted years through the one rule."""
    if output == "classes":
        return np.asarray(outputs).argmax(axis=-1)
    return np.asarray(age_group(predicted_years(output, outputs)), int)


def mean_absolute_error(truth_years, predicted, exact) -> float:
    """Mean absolute error in years over the faces whose age is ``exact`` (NaN when there is none)."""
    exact = np.asarray(exact, bool)
    if not exact.any():
        return float("nan")
    return float(np.abs(np.asarray(truth_years, float)[exact] - np.asarray(predicted, float)[exact]).mean())
