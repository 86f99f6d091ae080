"""Conclusions: every study's results file read back into one table, next to the report and the paper.

For each study and task :func:`best_settings` says how many values learned (``helpers.training.floor``: a
network that did not learn is named, never ranked), names the value with the best mean test accuracy among those
that did (the baseline's value when it ties) and compares it with the baseline's value (the paper's recipe as
the profile runs it, or, when the study does not hold it, with the runner-up), paired: both values were scored
on the same test faces with the same folds and seeds, so ``helpers.analysis.paired`` compares them face by
face (McNemar's exact test for one run each, a paired t-test over the runs' differences for several). A
difference is *beyond the noise* when its p-value is below 0.05. Runs recorded without per-face predictions (by
an older kit) fall back to an unpaired test of the two means, each with its standard error (the runs' spread, or
for a single run the test set's own sampling error, sqrt(p (1 - p) / n_test)); the ``test`` column says which
was used.

The reference figures are those of ``helpers.analysis.references``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from helpers.analysis import paired, references, summaries
from helpers.profiles import Profile
from helpers.studies import store
from helpers.studies.catalogue import STUDIES
from helpers.training.settings import baseline

COLUMNS = ["study", "task", "learned", "best", "mean", "std", "n", "compared with", "difference", "low", "high", "p",
           "test", "beyond noise", "report's choice", "report's accuracy", "report's choice here"]


def not_run(profile: Profile) -> list[str]:
    """The notebooks whose study has no results yet under ``profile``, in course order."""
    return [study.notebook for name, study in STUDIES.items() if len(store.read_results(profile, name)) == 0]


def best_settings(profile: Profile, metric: str = "accuracy") -> pd.DataFrame:
    """One row per (study, task) with results: the best value, its mean ± std (n), the value compared with,
    the difference with its 95 % interval (``low``, ``high``) and p-value, the test that gave them, whether it
    is beyond the noise, and the report's choice."""
    rows = []
    for name, study in STUDIES.items():
        recorded = store.read_results(profile, name)
        if len(study.variants) < 2 or len(recorded) == 0:
            continue
        for task in study.tasks:
            runs = recorded[recorded.task == task]
            if len(runs) == 0:
                continue
            stuck = summaries.not_learned(runs, task)
            ranked = summaries.ranked(runs)  # a network that did not learn is never ranked
            learned = _learned_words(runs, ranked, stuck)
            runs = ranked
            table = summaries.summary(runs, metric).droplevel("task").dropna(subset=["mean"])
            if len(table) == 0:
                if stuck:  # runs were scored, and none learned: said, not ranked
                    rows.append({"study": name, "task": task, "learned": learned, "best": "", "beyond noise": False})
                continue
            paper = study.paper_variant(profile)
            paper = paper if paper in table.index else None
            table["paper's"] = table.index == paper  # on a tie the paper's value stays the best: no reason to change
            table = table.sort_values(["mean", "paper's"], ascending=False)
            best = table.index[0]
            other = paper if paper is not None and paper != best else (table.index[1] if len(table) > 1 else None)
            choice, report_accuracy = references.REPORT_CHOICE.get((name, task), (None, None))
            row = {"study": name, "task": task, "learned": learned, "best": best, "mean": table.loc[best, "mean"],
                   "std": table.loc[best, "std"], "n": int(table.loc[best, "n"]),
                   "compared with": ("baseline " if other == paper else "runner-up ") + str(other) if other else "",
                   "test": "", "beyond noise": False,  # and, with nothing to compare, no difference or p (NaN)
                   "report's choice": choice or "", "report's accuracy": report_accuracy,
                   "report's choice here": table.loc[choice, "mean"] if choice in table.index else np.nan}
            if other is not None:
                comparison = paired.compare_runs(profile, name, runs, task, best, other, metric)
                row.update({"difference": comparison.difference, "low": comparison.low, "high": comparison.high,
                            "p": comparison.p_value, "test": comparison.test,
                            "beyond noise": comparison.beyond_noise})
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS).astype({"beyond noise": bool})


def against_paper(profile: Profile) -> pd.DataFrame:
    """The kit's baseline (the paper's settings) next to the paper's reported accuracies, per task and metric."""
    recorded = store.read_results(profile, "baseline")
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


def _learned_words(runs: pd.DataFrame, ranked: pd.DataFrame, stuck: dict) -> str:
    """The table's "learned" column: how many values learned in at least one run, and the values with a run that
    did not learn (``stuck``, from ``summaries.not_learned``), each with how many of its runs when some of them did
    learn ("constant 0.001 (1 of 10 runs)"): those runs are left out, and the value is compared over the others."""
    values = runs.variant.astype(str).nunique()
    scored = runs[~runs.diverged.astype(bool)].variant.astype(str).value_counts()
    learned = ranked.variant.astype(str).value_counts()
    named = [f"{variant} ({scored[variant] - learned[variant]} of {scored[variant]} runs)" if variant in learned
             else variant for variant in stuck]
    none = sum(variant not in learned for variant in stuck)
    return f"{values - none} of {values} values" + (f"; did not learn: {', '.join(named)}" if named else "")


def summary(best: pd.DataFrame, paper: pd.DataFrame) -> str:
    """Notebook 09's closing lines, from :func:`best_settings` and :func:`against_paper`: the comparisons beyond
    the paired noise, the values not ranked and why, how often the best here is the report's choice, and the
    kit's baseline against the paper's accuracies."""
    beyond = best[best["beyond noise"]]
    within = best[~best["beyond noise"] & best["difference"].notna()]
    lines = [f"{len(best)} study x task comparisons from {int(best.n.max()) if len(best) else 0} run(s) per value "
             "at most."]
    lines += [f"  beyond the noise: {row.study}, {row.task}: {row.best} {row['mean']:.3f}, {row.difference:+.3f} "
              f"against {row['compared with']} (95 % interval {row.low:+.3f} to {row.high:+.3f}, p = {row.p:.3f}, "
              f"{row.test})" for _, row in beyond.iterrows()]
    stuck = best[best.learned.str.contains("did not learn")]
    lines += [f"  not ranked: {row.study}, {row.task}: {row.learned.split('; ')[1]}" for _, row in stuck.iterrows()]
    lines.append(f"  within the noise: {len(within)} "
                 f"({', '.join(f'{r.study}/{r.task}' for r in within.itertuples()) or 'none'})")
    compared = best[best["difference"].notna()]  # a best value only where two values or more learned
    agree = compared[compared["report's choice"] == compared["best"]]
    lines.append(f"Where two values or more learned, the best here is the report's choice in {len(agree)} of "
                 f"{len(compared)} cases"
                 + (f" ({', '.join(f'{r.study}/{r.task}' for r in agree.itertuples())})." if len(agree) else "."))
    lines += [f"  {row.task} {row.metric}: kit {row['kit mean']:.3f} (n={row.n}) against the paper's {row.paper:.3f}"
              for _, row in paper.iterrows()]
    return "\n".join(lines)
