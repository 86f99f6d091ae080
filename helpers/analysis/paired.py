"""Paired comparisons: two settings scored on the same test faces, compared face by face.

Every run of a study uses the same test fold and the same seeds, so two values of a factor answer for the
same faces. Comparing their accuracies as if they were independent samples throws that away: most faces are
right (or wrong) under both, and only the faces where the two disagree say which is better.

- One run per value (one fold, one seed): **McNemar's exact test**. Of the faces where exactly one of the two
  is right, ``b`` are right only under A and ``c`` only under B; if A and B were equally good, ``b`` would be
  a Binomial(b + c, 1/2) draw. The interval of the accuracy difference comes from resampling faces in pairs
  (a paired bootstrap).
- Several runs per value (folds x seeds): the accuracy difference of each (fold, seed) pair, and a **paired
  t-test** over those differences (their mean, its t interval and its p-value).

A difference is *beyond the noise* when its p-value is below 0.05. :func:`compare_runs` finds the pairs in a
study's recorded runs (each keeps ``predictions.csv``); runs recorded without them, by an older kit, are
compared unpaired, each mean with its standard error.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats

from helpers.profiles import Profile
from helpers.studies import store

LEVEL = 0.95


@dataclasses.dataclass(frozen=True)
class Comparison:
    difference: float  # accuracy of A minus accuracy of B, averaged over the pairs of runs
    low: float  # the 95 % interval of that difference
    high: float
    p_value: float
    test: str  # which test gave p_value and the interval
    pairs: int  # pairs of runs (fold, seed) compared
    faces: int  # test faces per pair (the first pair's)

    @property
    def beyond_noise(self) -> bool:
        return bool(self.p_value < 1 - LEVEL)


def mcnemar(correct_a, correct_b) -> tuple[int, int, float]:
    """(b, c, p): faces right only under A, right only under B, and McNemar's exact two-sided p-value."""
    correct_a, correct_b = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    if correct_a.shape != correct_b.shape:
        raise ValueError(f"the two runs scored different faces: {correct_a.shape} and {correct_b.shape}")
    only_a, only_b = int((correct_a & ~correct_b).sum()), int((~correct_a & correct_b).sum())
    p_value = stats.binomtest(only_a, only_a + only_b, 0.5).pvalue if only_a + only_b else 1.0
    return only_a, only_b, float(p_value)


def bootstrap_interval(correct_a, correct_b, paired: bool = True, repeats: int = 4000, seed: int = 0):
    """The 95 % interval of accuracy(A) - accuracy(B) from resampling the test faces: in pairs (``paired``), or
    each run's faces on their own, as if the two runs had been scored on different people."""
    correct_a, correct_b = np.asarray(correct_a, float), np.asarray(correct_b, float)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(correct_a), (repeats, len(correct_a)))
    others = picks if paired else rng.integers(0, len(correct_b), (repeats, len(correct_b)))
    differences = correct_a[picks].mean(axis=1) - correct_b[others].mean(axis=1)
    tail = (1 - LEVEL) / 2 * 100
    return float(np.percentile(differences, tail)), float(np.percentile(differences, 100 - tail))


def compare(pairs: list[tuple]) -> Comparison:
    """Compare A with B from ``pairs``: one (correct_a, correct_b) per (fold, seed), each a boolean per face."""
    if not pairs:
        raise ValueError("no pair of runs to compare: the two values share no (fold, seed) with predictions")
    if len(pairs) == 1:
        correct_a, correct_b = (np.asarray(side, bool) for side in pairs[0])
        _, _, p_value = mcnemar(correct_a, correct_b)
        low, high = bootstrap_interval(correct_a, correct_b)
        return Comparison(float(correct_a.mean() - correct_b.mean()), low, high, p_value,
                          "McNemar's exact test, paired bootstrap interval", 1, len(correct_a))
    differences = np.array([np.mean(a) - np.mean(b) for a, b in pairs])
    mean, spread = float(differences.mean()), float(differences.std(ddof=1))
    if spread == 0:
        p_value, low, high = (1.0 if mean == 0 else 0.0), mean, mean
    else:
        p_value = float(stats.ttest_1samp(differences, 0.0).pvalue)
        half = stats.t.ppf(1 - (1 - LEVEL) / 2, len(differences) - 1) * spread / np.sqrt(len(differences))
        low, high = mean - half, mean + half
    return Comparison(mean, float(low), float(high), p_value, "paired t-test over runs", len(pairs), len(pairs[0][0]))


def unpaired(mean_a: float, error_a: float, mean_b: float, error_b: float) -> Comparison:
    """The fallback when runs kept no per-face predictions (an older kit's): the two means as independent, each
    with its standard error, and a normal interval and p-value for their difference."""
    difference, error = mean_a - mean_b, float(np.hypot(error_a, error_b))
    half = stats.norm.ppf(1 - (1 - LEVEL) / 2) * error
    p_value = float(2 * stats.norm.sf(abs(difference) / error)) if error > 0 else float(difference == 0)
    return Comparison(difference, difference - half, difference + half, p_value,
                      "unpaired standard errors (no per-face predictions)", 0, 0)


def standard_error(values: pd.Series, n_test: float) -> float:
    """The standard error of a mean accuracy: the runs' spread / sqrt(n) with two runs or more; for a single
    run the test set's own sampling error, sqrt(p (1 - p) / n_test)."""
    if len(values) >= 2:
        return float(values.std() / np.sqrt(len(values)))
    accuracy = float(values.iloc[0])
    return float(np.sqrt(accuracy * (1 - accuracy) / n_test))


def _correct_per_face(profile: Profile, study: str, variant: str, task: str, fold: int, seed: int, metric: str):
    """Which test faces a run got right for ``metric``, or None when it kept no predictions."""
    faces = store.predictions(profile, study, variant, task, fold, seed)
    column = "predicted_10crop" if metric.endswith("10crop") else "predicted"
    if faces is None or column not in faces:
        return None
    distance = (faces.label - faces[column]).abs().to_numpy()
    return distance <= 1 if metric.startswith("one_off") else distance == 0


def compare_runs(profile: Profile, study: str, runs: pd.DataFrame, task: str, a: str, b: str,
                 metric: str = "accuracy") -> Comparison:
    """Value ``a`` against value ``b`` of a study's recorded ``runs`` for ``task``: paired over the (fold, seed)
    both have, or unpaired when a run kept no per-face predictions."""
    scored = runs[(runs.task == task) & ~runs.diverged.astype(bool)]
    variants = scored.variant.astype(str)
    keys = {value: set(zip(scored.fold[variants == value].astype(int), scored.seed[variants == value].astype(int)))
            for value in (a, b)}
    pairs = []
    for fold, seed in sorted(keys[a] & keys[b]):
        sides = [_correct_per_face(profile, study, value, task, fold, seed, metric) for value in (a, b)]
        if sides[0] is None or sides[1] is None:
            pairs = []
            break
        pairs.append(tuple(sides))
    if pairs:
        return compare(pairs)
    errors = [standard_error(scored[variants == value][metric], scored[variants == value].n_test.mean())
              for value in (a, b)]
    means = [scored[variants == value][metric].mean() for value in (a, b)]
    return unpaired(means[0], errors[0], means[1], errors[1])
