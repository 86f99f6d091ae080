"""The majority floor: did a network learn anything?

A network that answers the commonest class for every test face scores that class's share of the faces, the
*majority floor*, without having learned a thing. A run **learned** when both hold:

- it answers at least two classes on its test faces, and
- its accuracy is above the floor beyond the test set's sampling noise: a one-sided binomial test of its correct
  answers against the floor's share gives p < 0.05 (on 197 faces and a floor of 0.284, about 0.34 or more).

A run that did not learn is shown as such ("did not learn") in its study's table, in the verdicts and in the
conclusions, and is never ranked: the paired comparisons leave it out (``helpers.analysis.summaries``).
Two networks stuck at the floor agree on every face and "tie"; one stuck network beside one that learned
"loses" by exactly the margin of the one that learned, which says nothing about the setting that was changed.

Every run records its ``majority``, ``classes_answered`` and ``learned`` (``one_run.Outcome.row``). Runs recorded
by an older kit, without them, count as learned: nothing says otherwise.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.05  # the one-sided binomial test's level


@dataclasses.dataclass(frozen=True)
class Check:
    """One run against its floor."""

    accuracy: float
    majority: float  # the commonest true class's share of the test faces
    classes_answered: int
    faces: int

    @property
    def p_value(self) -> float:
        """One-sided binomial test: the chance of this many correct answers or more from a network that is
        right at the floor's rate."""
        correct = int(round(self.accuracy * self.faces))
        return float(stats.binomtest(correct, self.faces, self.majority, alternative="greater").pvalue)

    @property
    def learned(self) -> bool:
        return self.classes_answered >= 2 and self.p_value < LEVEL

    def reason(self) -> str:
        """Why the run did not learn, in words ('' when it learned)."""
        if self.classes_answered < 2:
            return "answers one class for every face"
        if not self.learned:
            return (f"{self.accuracy:.3f} is within the noise of the majority floor {self.majority:.3f} "
                    f"(binomial p = {self.p_value:.3f})")
        return ""


def check(labels, predicted) -> Check:
    """The floor check of one run from its test faces' true and predicted classes."""
    labels, predicted = np.asarray(labels, int), np.asarray(predicted, int)
    if len(labels) == 0 or labels.shape != predicted.shape:
        raise ValueError(f"labels {labels.shape} and predictions {predicted.shape} must be non-empty and the same "
                         "length")
    majority = float(np.bincount(labels).max() / len(labels))
    return Check(float((labels == predicted).mean()), majority, int(len(np.unique(predicted))), int(len(labels)))


def learned(results: pd.DataFrame) -> pd.Series:
    """Per recorded run: whether it learned (True for a run recorded without the check, by an older kit)."""
    if "learned" not in results:
        return pd.Series(True, index=results.index)
    return results["learned"].map(lambda value: str(value) != "False").astype(bool)


def reason(row) -> str:
    """Why a recorded run (a row of a results table) did not learn, from its recorded check."""
    return Check(float(row["accuracy"]), float(row["majority"]), int(row["classes_answered"]),
                 int(row["n_test"])).reason()


def majority(results: pd.DataFrame) -> pd.Series:
    """The mean majority floor per task over the recorded runs that kept it (empty when none did)."""
    if "majority" not in results:
        return pd.Series(dtype=float)
    return results.dropna(subset=["majority"]).groupby("task", sort=False)["majority"].mean()
