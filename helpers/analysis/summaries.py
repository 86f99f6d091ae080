"""What a study notebook shows: the plan, a table per task (mean, spread and n), paired comparisons with the
paper's value, and a verdict in words.

Every number carries its n, and every difference its paired test (``helpers.analysis.paired``): a gap
between two runs is a finding only when the faces they disagree on say so. Only runs that learned are ranked
or compared (``helpers.training.floor``); the others are named, with why.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from helpers.analysis import paired, references
from helpers.profiles import Profile
from helpers.studies import catalogue, store  # ``results`` below is always a table of runs, never the store
from helpers.studies.catalogue import Study
from helpers.training import floor, settings


def summary(results: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Mean, standard deviation and n of ``metric`` per task and variant (diverged runs counted apart), and how
    many of the n runs learned (beat the majority floor, ``helpers.training.floor``)."""
    diverged = results.diverged.astype(bool)
    every = pd.MultiIndex.from_frame(results[["task", "variant"]].drop_duplicates())
    table = (
        results[~diverged].groupby(["task", "variant"], sort=False)[metric].agg(["mean", "std", "count"]).reindex(every)
    )
    table["count"] = table["count"].fillna(0).astype(int)
    table["diverged"] = diverged.groupby([results.task, results.variant], sort=False).sum().reindex(every).astype(int)
    learned = floor.learned(results) & ~diverged
    table["learned"] = learned.groupby([results.task, results.variant], sort=False).sum().reindex(every).astype(int)
    return table.rename(columns={"count": "n"})


def ranked(results: pd.DataFrame) -> pd.DataFrame:
    """The runs that may be ranked and compared: those that learned."""
    return results[floor.learned(results) & ~results.diverged.astype(bool)]


def not_learned(results: pd.DataFrame, task: str) -> dict[str, str]:
    """Per value of ``task`` with a scored run that did not learn: how many, and why (the first such run's reason)."""
    scored = results[(results.task == task) & ~results.diverged.astype(bool)]
    stuck = scored[~floor.learned(scored)]
    words = {}
    for variant, runs in stuck.groupby("variant", sort=False):
        total = int((scored.variant == variant).sum())
        count = "" if total == 1 else f"{len(runs)} of {total} runs: "
        words[str(variant)] = count + floor.reason(runs.iloc[0])
    return words


def plan_table(study: Study, profile: Profile) -> pd.DataFrame:
    """One row per value the profile runs: what it changes from the baseline, how many runs, and which value is
    the baseline (the paper's recipe as this profile runs it, with the paper's own value where they differ)."""
    planned = pd.DataFrame(catalogue.plan(study, profile), columns=["variant", "task", "fold", "seed"])
    runs = planned.groupby("variant", sort=False).size()
    reference = study.paper_variant(profile)
    return pd.DataFrame(
        {
            "changes": [study.variants[v] or "nothing: the baseline's settings" for v in runs.index],
            "runs (tasks x folds x seeds)": runs.to_numpy(),
            "baseline": [baseline_note(study, profile) if v == reference else "" for v in runs.index],
        },
        index=runs.index,
    )


def baseline_note(study: Study, profile: Profile) -> str:
    """The plan's mark for the baseline value (the paper's recipe as ``profile`` runs it): "yes", with the paper's
    own value of each field the study varies where the profile's differs, "yes (paper: batch_size 50)" in the
    smoke profile, whose batch is 32. Short, so that a table shows it whole."""
    ours, papers = dataclasses.asdict(settings.baseline(profile)), dataclasses.asdict(settings.Settings())
    fields = dict.fromkeys(field for changes in study.variants.values() for field in changes)
    differ = [f"{field} {papers[field]:g}" if isinstance(papers[field], float) else f"{field} {papers[field]}"
              for field in fields if ours[field] != papers[field]]
    return "yes" + (f" (paper: {', '.join(differ)})" if differ else "")


def schedule_drops(results: pd.DataFrame, profile: Profile) -> str:
    """How many tenfold drops the step schedule made in the runs that used it: their iterations against the
    interval (the smoke profile's runs end long before the first)."""
    recorded = {"schedule", "step_every", "iterations"} <= set(results.columns)
    stepped = results[(results.schedule == "step") & results.iterations.notna()] if recorded else results[:0]
    if len(stepped) == 0:
        return "No run of the step schedule recorded its iterations."
    every = int(stepped.step_every.iloc[0])
    low, high = int(stepped.iterations.min()), int(stepped.iterations.max())
    drops = sorted({int(i) // every for i in stepped.iterations})
    span = f"{low}" if low == high else f"{low}-{high}"
    return (f"The step schedule's runs made {span} iterations each, and it drops the rate every {every:,} "
            f"iterations: {' or '.join(map(str, drops))} drop(s) in this {profile.name} profile"
            + (", so here it trains at a constant rate." if drops == [0] else "."))


def task_table(results: pd.DataFrame, task: str) -> pd.DataFrame:
    """Test accuracy per value for one task: mean, std, n and diverged runs; for age also the 1-off mean."""
    rows = results[results.task == task]
    table = summary(rows).droplevel("task")
    if task == "age":
        table["one_off_mean"] = summary(rows, "one_off_accuracy")["mean"].droplevel("task")
    return table


def classes_answered(profile: Profile, study: Study, results: pd.DataFrame) -> pd.DataFrame:
    """How many classes each run ever answered on its test faces, per task and variant (mean over runs): a
    network that answers one class for every face has learned nothing, whatever its accuracy."""
    rows = []
    for row in results[~results.diverged.astype(bool)].itertuples():
        faces = store.predictions(profile, study.name, row.variant, row.task, int(row.fold), int(row.seed))
        if faces is not None:
            rows.append({"task": row.task, "variant": row.variant, "classes answered": faces.predicted.nunique(),
                         "most common answer's share": faces.predicted.value_counts(normalize=True).iloc[0]})
    if not rows:
        return pd.DataFrame()
    table = pd.DataFrame(rows).groupby(["task", "variant"], sort=False).mean()
    return table.sort_index(level="task", sort_remaining=False)


def best_mean(results: pd.DataFrame, task: str) -> float:
    """The best value's mean test accuracy for ``task``, over the runs that learned (NaN when none did)."""
    return float(task_table(ranked(results), task)["mean"].max())


def comparisons(profile: Profile, study: Study, results: pd.DataFrame) -> pd.DataFrame:
    """Every value against the paper's (the best value, where the study does not hold the paper's), per task:
    the difference in test accuracy, its 95 % interval, the p-value, the test, and whether it is beyond the noise.
    Only runs that learned are compared: a value none of whose runs learned is left out (:func:`not_learned`)."""
    rows, results = [], ranked(results)
    for task in study.tasks:
        table = task_table(results, task).dropna(subset=["mean"])
        paper = study.paper_variant(profile)
        reference = paper if paper in table.index else (table["mean"].idxmax() if len(table) else None)
        for variant in table.index.drop(reference) if reference is not None else []:
            comparison = paired.compare_runs(profile, study.name, results, task, variant, reference)
            rows.append({"task": task, "variant": variant, "against": reference,
                         "difference": comparison.difference, "low": comparison.low, "high": comparison.high,
                         "p": comparison.p_value, "beyond noise": comparison.beyond_noise, "test": comparison.test})
    return pd.DataFrame(rows).set_index(["task", "variant"]) if rows else pd.DataFrame()


def verdict(profile: Profile, study: Study, results: pd.DataFrame) -> str:
    """Per task: the values whose networks did not learn (not ranked, with why), then among the others the best
    and worst value and the gap between them, how many of the values differ from the paper's beyond the noise
    (paired), and the course report's choice."""
    lines, most_runs = [], 0
    compared = comparisons(profile, study, results)
    for task in study.tasks:
        stuck = not_learned(results, task)
        if stuck:
            lines.append(f"{task}: did not learn, so not ranked: "
                         + "; ".join(f"{variant} ({why})" for variant, why in stuck.items()) + ".")
        every = task_table(results, task).dropna(subset=["mean"])  # how many runs a value has, learned or not
        runs = int(every["n"].max()) if len(every) else 0
        most_runs = max(most_runs, runs)
        table = task_table(ranked(results), task).dropna(subset=["mean"])
        if len(table) == 0:
            lines.append(f"{task}: no network learned (n={runs} per value)." if stuck
                         else f"{task}: no scored run yet.")
            continue
        best, worst = table["mean"].idxmax(), table["mean"].idxmin()
        if len(table) == 1:
            line = (f"{task}: only {best} learned ({table.loc[best, 'mean']:.3f}, n={runs} per value): there is "
                    "nothing to rank it against.")
        else:
            line = (f"{task}: best {best} ({table.loc[best, 'mean']:.3f}), worst {worst} "
                    f"({table.loc[worst, 'mean']:.3f}), gap {table.loc[best, 'mean'] - table.loc[worst, 'mean']:.3f} "
                    f"(n={runs} per value).")
        if len(compared) and task in compared.index.get_level_values("task"):
            rows = compared.loc[task]
            beyond = rows[rows["beyond noise"]]
            named = ", ".join(f"{v} {r.difference:+.3f} (p = {r.p:.3f})" for v, r in beyond.iterrows()) or "none"
            line += (f" Compared with {rows.against.iloc[0]} on the same faces ({rows.test.iloc[0]}), {len(beyond)} of "
                     f"{len(rows)} values differ beyond the noise: {named}.")
        report = references.report_choice(study.name, task)
        lines.append(line + (f" For comparison, {report}." if report else ""))
    if most_runs == 1:
        lines.append(ONE_RUN)
    return "\n".join(lines)


#: What a verdict from one run per value can and cannot say (the smoke profile: one fold, one seed).
ONE_RUN = ("n = 1: each value is one network (one fold, one seed). The paired test says whether two networks "
           "differ on these test faces, not whether another seed or fold would repeat the difference; the class "
           "profile (make class: 5 folds x 2 seeds) gives n = 10 per value.")
