"""What a study notebook shows: the plan, a table per task (mean, spread and n), and a verdict in words.

Every number carries its n: a mean of one run has no spread, and the verdict says so instead of pretending
that a gap between two single runs is a finding.
"""

from __future__ import annotations

import pandas as pd

from helpers.experiments import references, runner
from helpers.experiments.studies import Study
from helpers.profiles import Profile


def summary(results: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Mean, standard deviation and n of ``metric`` per task and variant (diverged runs counted apart)."""
    diverged = results.diverged.astype(bool)
    every = pd.MultiIndex.from_frame(results[["task", "variant"]].drop_duplicates())
    table = (
        results[~diverged].groupby(["task", "variant"], sort=False)[metric].agg(["mean", "std", "count"]).reindex(every)
    )
    table["count"] = table["count"].fillna(0).astype(int)
    table["diverged"] = diverged.groupby([results.task, results.variant], sort=False).sum().reindex(every).astype(int)
    return table.rename(columns={"count": "n"})


def plan_table(study: Study, profile: Profile) -> pd.DataFrame:
    """One row per value the profile runs: what it changes from the paper's settings, and how many runs."""
    planned = pd.DataFrame(runner.plan(study, profile), columns=["variant", "task", "fold", "seed"])
    runs = planned.groupby("variant", sort=False).size()
    return pd.DataFrame(
        {
            "changes": [study.variants[v] or "nothing: the paper's settings" for v in runs.index],
            "runs (tasks x folds x seeds)": runs.to_numpy(),
        },
        index=runs.index,
    )


def task_table(results: pd.DataFrame, task: str) -> pd.DataFrame:
    """Test accuracy per value for one task: mean, std, n and diverged runs; for age also the 1-off mean."""
    rows = results[results.task == task]
    table = summary(rows).droplevel("task")
    if task == "age":
        table["one_off_mean"] = summary(rows, "one_off_accuracy")["mean"].droplevel("task")
    return table


def best_mean(results: pd.DataFrame, task: str) -> float:
    """The best value's mean test accuracy for ``task``."""
    return float(task_table(results, task)["mean"].max())


def verdict(results: pd.DataFrame, study: Study) -> str:
    """Per task: the best and worst value, the gap between them against the spread of repeated runs, and the
    course report's choice."""
    lines = []
    for task in study.tasks:
        table = task_table(results, task).dropna(subset=["mean"])
        if len(table) == 0:
            lines.append(f"{task}: no scored run yet.")
            continue
        best, worst = table["mean"].idxmax(), table["mean"].idxmin()
        spread, runs = table["std"].max(), int(table["n"].max())
        noise = (
            f"the largest spread between runs of one value is {spread:.3f}"
            if runs >= 2
            else "with one run per value there is no spread to set the gap against: it may be the seed alone"
        )
        report = references.report_choice(study.name, task)
        lines.append(
            f"{task}: best {best} ({table.loc[best, 'mean']:.3f}), worst {worst} "
            f"({table.loc[worst, 'mean']:.3f}), gap {table.loc[best, 'mean'] - table.loc[worst, 'mean']:.3f}; "
            f"{noise} (n={runs} per value)." + (f" For comparison, {report}." if report else "")
        )
    return "\n".join(lines)
