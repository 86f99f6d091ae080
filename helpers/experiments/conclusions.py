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

The reference figures are those of ``helpers.experiments.references``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from helpers.experiments import references, results, summaries
from helpers.experiments.settings import baseline
from helpers.experiments.studies import STUDIES
from helpers.profiles import Profile


def _standard_error(row: pd.Series) -> float:
    if row["n"] >= 2:
        return row["std"] / np.sqrt(row["n"])
    return float(np.sqrt(row["mean"] * (1 - row["mean"]) / row["n_test"]))


def best_settings(profile: Profile, metric: str = "accuracy") -> pd.DataFrame:
    """One row per (study, task) with results: the best value, its mean ± std (n), the value compared with,
    the difference, the noise level (2 standard errors) and the report's choice."""
    rows = []
    for name, study in STUDIES.items():
        recorded = results.read_results(profile, name)
        if len(study.variants) < 2 or len(recorded) == 0:
            continue
        for task in study.tasks:
            runs = recorded[recorded.task == task]
            if len(runs) == 0:
                continue
            table = summaries.summary(runs, metric).join(runs.groupby(["task", "variant"]).n_test.mean())
            table = table.droplevel("task").dropna(subset=["mean"])
            if len(table) == 0:
                continue
            paper = study.paper_variant(profile)
            paper = paper if paper in table.index else None
            table["paper's"] = table.index == paper  # on a tie the paper's value stays the best: no reason to change
            table = table.sort_values(["mean", "paper's"], ascending=False)
            best = table.index[0]
            other = paper if paper is not None and paper != best else (table.index[1] if len(table) > 1 else None)
            choice, report_accuracy = references.REPORT_CHOICE.get((name, task), (None, None))
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
    recorded = results.read_results(profile, "baseline")
    rows = []
    for (task, metric), reported in references.PAPER_ACCURACY.items():
        runs = recorded[(recorded.task == task) & ~recorded.diverged.astype(bool)] if len(recorded) else recorded
        values = runs[metric].dropna() if metric in runs else pd.Series(dtype=float)
        rows.append({"task": task, "metric": metric, "kit mean": values.mean(), "kit std": values.std(),
                     "n": len(values), "paper": reported, "kit - paper": values.mean() - reported})
    return pd.DataFrame(rows)


def study_settings(profile: Profile) -> pd.DataFrame:
    """The paper's settings as this profile runs them, for the table's caption."""
    return pd.Series(dataclasses.asdict(baseline(profile))).to_frame("paper's settings, this profile")
