"""Conclusions: every study's results file read back into one table, next to the report and the paper.

For each study and task :func:`best_settings` names the value with the best mean test accuracy (the paper's
value when it ties) and compares
it with the paper's value (or, when the study does not hold the paper's value, with the runner-up). A
difference counts as *beyond the noise* when it is larger than twice its standard error:

- with n >= 2 runs per value, a mean's standard error is the runs' standard deviation / sqrt(n);
- with a single run there is no spread between runs, so the standard error is the test set's own sampling
  error, sqrt(p (1 - p) / n_test) for an accuracy p measured on n_test faces.

The two values were scored on the same test faces, so this is a cautious test: a paired comparison would
call a little more "beyond the noise".

The reference figures below are those of the course report and of Levi & Hassner (2015), as summarised in
the kit's design notes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from helpers import experiment, studies
from helpers.profiles import Profile

#: Levi & Hassner (2015), means over the five Adience folds.
PAPER_ACCURACY = {
    ("gender", "accuracy"): 0.859, ("gender", "accuracy_10crop"): 0.868,
    ("age", "accuracy"): 0.495, ("age", "accuracy_10crop"): 0.507, ("age", "one_off_accuracy_10crop"): 0.847,
}

#: The course report's choice per study and task (its conclusions table, its flip and transfer results),
#: as the kit's variant labels, with the test accuracy the report measured where it gave one.
REPORT_CHOICE = {
    ("batch_size", "gender"): ("16", None), ("batch_size", "age"): ("4", None),
    ("hidden_units", "gender"): ("512", None), ("hidden_units", "age"): ("512", None),
    ("hidden_layers", "gender"): ("1", None), ("hidden_layers", "age"): ("1", None),
    ("learning_rate", "gender"): ("constant 0.001", None), ("learning_rate", "age"): ("constant 0.005", None),
    ("augmentation", "gender"): ("flip", 0.857), ("augmentation", "age"): ("flip", 0.421),
    ("transfer", "gender"): ("frozen trunk, new softmax (report)", 0.863), ("transfer", "age"): ("from scratch", None),
}
#: The report's age accuracy with IMDB-WIKI pre-training, worse than from scratch (it kept scratch for age).
REPORT_AGE_WITH_PRETRAINING = 0.324


def _standard_error(row: pd.Series) -> float:
    if row["n"] >= 2:
        return row["std"] / np.sqrt(row["n"])
    return float(np.sqrt(row["mean"] * (1 - row["mean"]) / row["n_test"]))


def _paper_variant(study: studies.Study, profile: Profile, present) -> str | None:
    paper = experiment.baseline(profile)
    for variant in present:
        if variant in study.variants and studies.settings_for(study, variant, profile) == paper:
            return variant
    return None


def best_settings(profile: Profile, metric: str = "accuracy") -> pd.DataFrame:
    """One row per (study, task) with results: the best value, its mean ± std (n), the value compared with,
    the difference, the noise level (2 standard errors) and the report's choice."""
    rows = []
    for name, study in studies.STUDIES.items():
        results = studies.read_results(profile, name)
        if len(study.variants) < 2 or len(results) == 0:
            continue
        for task in study.tasks:
            runs = results[results.task == task]
            if len(runs) == 0:
                continue
            table = studies.summary(runs, metric).join(runs.groupby(["task", "variant"]).n_test.mean())
            table = table.droplevel("task").dropna(subset=["mean"])
            if len(table) == 0:
                continue
            paper = _paper_variant(study, profile, table.index)
            table["paper's"] = table.index == paper  # on a tie the paper's value stays the best: no reason to change
            table = table.sort_values(["mean", "paper's"], ascending=False)
            best = table.index[0]
            other = paper if paper is not None and paper != best else (table.index[1] if len(table) > 1 else None)
            choice, report_accuracy = REPORT_CHOICE.get((name, task), (None, None))
            row = {"study": name, "task": task, "best": best, "mean": table.loc[best, "mean"],
                   "std": table.loc[best, "std"], "n": int(table.loc[best, "n"]),
                   "compared with": ("paper's " if other == paper else "runner-up ") + str(other) if other else "",
                   "difference": np.nan, "noise (2 SE)": np.nan, "beyond noise": False,
                   "report's choice": choice or "", "report's accuracy": report_accuracy,
                   "report's choice here": table.loc[choice, "mean"] if choice in table.index else np.nan}
            if other is not None:
                difference = table.loc[best, "mean"] - table.loc[other, "mean"]
                noise = 2 * np.hypot(_standard_error(table.loc[best]), _standard_error(table.loc[other]))
                row.update({"difference": difference, "noise (2 SE)": noise, "beyond noise": bool(difference > noise)})
            rows.append(row)
    return pd.DataFrame(rows)


def against_paper(profile: Profile) -> pd.DataFrame:
    """The kit's baseline (the paper's settings) next to the paper's reported accuracies, per task and metric."""
    results = studies.read_results(profile, "baseline")
    rows = []
    for (task, metric), reported in PAPER_ACCURACY.items():
        runs = results[(results.task == task) & ~results.diverged.astype(bool)] if len(results) else results
        values = runs[metric].dropna() if metric in runs else pd.Series(dtype=float)
        rows.append({"task": task, "metric": metric, "kit mean": values.mean(), "kit std": values.std(),
                     "n": len(values), "paper": reported, "kit - paper": values.mean() - reported})
    return pd.DataFrame(rows)


def study_settings(profile: Profile) -> pd.DataFrame:
    """The paper's settings as this profile runs them, for the table's caption."""
    return pd.Series(dataclasses.asdict(experiment.baseline(profile))).to_frame("paper's settings, this profile")
