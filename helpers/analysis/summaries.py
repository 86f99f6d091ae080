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


def both_tasks_table(study, profile: Profile, results: pd.DataFrame) -> pd.DataFrame:
    """Two tasks at once (notebook 13), per variant: gender accuracy, age exact and 1-off (mean, std over runs,
    n) and the training seconds it took to answer both tasks for one fold and seed (two trainings for separate
    networks, one for two heads)."""
    gender = task_table(results, "gender")
    age = task_table(results, "age")
    both = pd.DataFrame({"gender": gender["mean"], "gender std": gender["std"], "age exact": age["mean"],
                         "age std": age["std"], "age 1-off": age["one_off_mean"], "n": gender["n"]})

    def seconds(runs_of_variant: pd.DataFrame) -> float:
        joint_run = study.settings_for(runs_of_variant.name, profile).multitask
        per_pair = runs_of_variant.groupby(["fold", "seed"]).seconds
        return float((per_pair.first() if joint_run else per_pair.sum()).mean())

    both["seconds for both"] = results.groupby("variant", sort=False)[["fold", "seed", "seconds"]].apply(seconds)
    return both


def both_tasks_summary(study, profile: Profile, results: pd.DataFrame) -> str:
    """The comparison in words, from the table: each variant's scores and time against the two networks."""
    scores = both_tasks_table(study, profile, results)
    reference = study.paper_variant(profile)
    lines = [f"{int(scores['n'].min())} run(s) per variant (n), fold(s) {list(profile.folds)}, "
             f"seed(s) {list(profile.seeds)}."]
    for variant, row in scores.iterrows():
        spread = (f" (std {row['gender std']:.3f} / {row['age std']:.3f})" if row["n"] > 1 else "")
        time = (f", {row['seconds for both'] / scores.loc[reference, 'seconds for both']:.2f} x the time"
                if reference in scores.index and variant != reference else "")
        lines.append(f"  {variant}: gender {row['gender']:.3f}, age exact {row['age exact']:.3f}, 1-off "
                     f"{row['age 1-off']:.3f}{spread}, {row['seconds for both']:.0f} s for both tasks{time}")
    joint = [variant for variant in scores.index if study.settings_for(variant, profile).multitask]
    for first, second in zip(joint, joint[1:]):  # the loss weightings against each other, paired as well
        for task in study.tasks:
            learned = ranked(results)
            if not {first, second} <= set(learned[learned.task == task].variant.astype(str)):
                lines.append(f"  {task}, {first} - {second}: not compared, one of them did not learn")
                continue
            compared = paired.compare_runs(profile, study.name, learned, task, first, second)
            lines.append(f"  {task}, {first} - {second}: {compared.difference:+.3f} [{compared.low:+.3f}, "
                         f"{compared.high:+.3f}], p = {compared.p_value:.3f} ({compared.test}): "
                         + ("beyond the noise" if compared.beyond_noise else "within the noise"))
    return "\n".join(lines + [verdict(profile, study, results)])


def age_output_table(results: pd.DataFrame) -> pd.DataFrame:
    """Age three ways (notebook 12), per way: exact and 1-off accuracy over the groups (mean, std, n), the mean
    absolute error in years on the faces whose age is exact, those faces summed over the runs, seconds a run."""
    table = task_table(results, "age")
    per_way = results[results.task == "age"].groupby("variant", sort=False)
    table["mae_years_mean"] = summary(results[results.task == "age"], "mae_years")["mean"].droplevel("task")
    table["n_exact_faces"] = per_way.n_exact.sum()
    table["seconds_mean"] = per_way.seconds.mean()
    return table


def age_output_summary(profile: Profile, study: Study, results: pd.DataFrame) -> str:
    """The three ways in words, from :func:`age_output_table`, and the study's verdict."""
    scored = age_output_table(results).dropna(subset=["mean"])
    lines = [f"{int(scored['n'].min())} run(s) per way (n), fold(s) {list(profile.folds)}, "
             f"seed(s) {list(profile.seeds)}."]
    for way, row in scored.iterrows():
        spread = f" +- {row['std']:.3f}" if row["n"] > 1 else ""
        lines.append(f"  {way}: exact {row['mean']:.3f}{spread}, 1-off {row['one_off_mean']:.3f}, MAE "
                     f"{row['mae_years_mean']:.1f} years on {int(row['n_exact_faces'])} exact-age faces, "
                     f"{row['seconds_mean']:.0f} s a run")
    learned = scored[scored["learned"] > 0]
    for way in scored.index.difference(learned.index, sort=False):
        lines.append(f"  {way} did not learn ({not_learned(results, 'age')[way]}): it is not ranked.")
    if len(learned):
        closest = learned["mae_years_mean"].idxmin() if learned["mae_years_mean"].notna().any() else None
        lines.append(f"Best group accuracy among the ways that learned: {learned['mean'].idxmax()}; "
                     f"smallest MAE: {closest}.")
    return "\n".join(lines + [verdict(profile, study, results)])


def baseline_summary(rows: dict, majority: dict, batch_size: int) -> str:
    """Notebook 02's closing lines: each task's baseline run (its recorded row) against its majority floor, and
    what a batch and an epoch cost."""
    gender, age = rows["gender"], rows["age"]
    return "\n".join([
        f"Gender on fold {int(gender.fold)}: {gender.accuracy:.3f} (10-crop {gender.accuracy_10crop:.3f}) against "
        f"{majority['gender']:.3f} for always answering the larger class, best epoch {int(gender.best_epoch)} "
        f"of {int(gender.epochs_trained)}.",
        f"Age on fold {int(age.fold)}: {age.accuracy:.3f} exact and {age.one_off_accuracy:.3f} 1-off (10-crop "
        f"{age.accuracy_10crop:.3f} / {age.one_off_accuracy_10crop:.3f}) against {majority['age']:.3f} for the "
        f"largest group.",
        f"One training batch of {batch_size} took {gender.seconds_per_batch * 1000:.0f} ms; "
        f"an epoch {gender.seconds_per_epoch:.1f} s."])


def transfer_summary(study: Study, results: pd.DataFrame, pretraining: pd.DataFrame) -> str:
    """Notebook 08's closing lines: each start against training from scratch, the pre-trained networks on their
    own test splits, the report's figures, and every start that did not learn."""
    lines = []
    for task in study.tasks:
        table = task_table(results, task)["mean"]
        scratch = table["from scratch"]
        changes = ", ".join(f"{variant} {table[variant]:.3f} ({table[variant] - scratch:+.3f})"
                            for variant in table.index if variant != "from scratch")
        source = pretraining.set_index("task").loc[task]
        lines.append(f"{task}: from scratch {scratch:.3f}; {changes}. The network pre-trained on {source.source} "
                     f"scored {source.accuracy:.3f} on its own test split (majority {source.majority:.3f}).")
    lines.append(f"For comparison, {references.report_choice('transfer', 'gender')} for gender (better than "
                 f"without pre-training); for age its IMDB-WIKI start scored "
                 f"{references.REPORT_AGE_WITH_PRETRAINING:.3f}, worse than from scratch.")
    lines += [f"{task}: {variant} did not learn ({why}); its difference says nothing about transfer."
              for task in study.tasks for variant, why in not_learned(results, task).items()]
    return "\n".join(lines)
