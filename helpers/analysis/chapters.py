"""The closing tables and lines of the notebooks whose study is more than one factor's values: 02 (the
baseline), 08 (transfer learning), 12 (age three ways), 13 (one network with two heads) and 16 (modern
backbones).

Like every study table (``helpers.analysis.summaries``), each number carries its n, and only the runs that
learned are ranked or compared.
"""

from __future__ import annotations

import pandas as pd

from helpers.analysis import paired, references, summaries
from helpers.profiles import Profile
from helpers.studies.catalogue import Study


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
        table = summaries.task_table(results, task)["mean"]
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
              for task in study.tasks for variant, why in summaries.not_learned(results, task).items()]
    return "\n".join(lines)


def both_tasks_table(study, profile: Profile, results: pd.DataFrame) -> pd.DataFrame:
    """Two tasks at once (notebook 13), per variant: gender accuracy, age exact and 1-off (mean, std over runs,
    n) and the training seconds it took to answer both tasks for one fold and seed (two trainings for separate
    networks, one for two heads)."""
    gender = summaries.task_table(results, "gender")
    age = summaries.task_table(results, "age")
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
            learned = summaries.ranked(results)
            if not {first, second} <= set(learned[learned.task == task].variant.astype(str)):
                lines.append(f"  {task}, {first} - {second}: not compared, one of them did not learn")
                continue
            compared = paired.compare_runs(profile, study.name, learned, task, first, second)
            lines.append(f"  {task}, {first} - {second}: {compared.difference:+.3f} [{compared.low:+.3f}, "
                         f"{compared.high:+.3f}], p = {compared.p_value:.3f} ({compared.test}): "
                         + ("beyond the noise" if compared.beyond_noise else "within the noise"))
    return "\n".join(lines + [summaries.verdict(profile, study, results)])


def age_output_table(results: pd.DataFrame) -> pd.DataFrame:
    """Age three ways (notebook 12), per way: exact and 1-off accuracy over the groups (mean, std, n), the mean
    absolute error in years on the faces whose age is exact, those faces summed over the runs, seconds a run."""
    table = summaries.task_table(results, "age")
    per_way = results[results.task == "age"].groupby("variant", sort=False)
    table["mae_years_mean"] = summaries.summary(results[results.task == "age"], "mae_years")["mean"].droplevel("task")
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
        lines.append(f"  {way} did not learn ({summaries.not_learned(results, 'age')[way]}): it is not ranked.")
    if len(learned):
        closest = learned["mae_years_mean"].idxmin() if learned["mae_years_mean"].notna().any() else None
        lines.append(f"Best group accuracy among the ways that learned: {learned['mean'].idxmax()}; "
                     f"smallest MAE: {closest}.")
    return "\n".join(lines + [summaries.verdict(profile, study, results)])


def backbones_summary(profile: Profile, study: Study, results: pd.DataFrame, costs: pd.DataFrame) -> str:
    """Notebook 16 in words: how each backbone started, what it costs against the Levi-Hassner network (from
    ``costs``, a table of ``helpers.timings.networks_side_by_side`` indexed by the study's variant labels), and the
    published figures to beat. The study's verdict (``summaries.verdict``) is printed beside it."""
    paper = study.paper_variant(profile)
    start = "ImageNet's weights" if profile.backbone_weights == "imagenet" else "scratch"
    faces = results[results.variant == paper].groupby("task").n_test.max()
    tested = " and ".join(f"{int(faces[task])} {task}" for task in study.tasks if task in faces)
    crops = sorted(set(costs.drop(index=paper)["crop (px)"]))
    lines = [f"The backbones started from {start}, on crops of {', '.join(map(str, crops))} px (the paper's network "
             f"{costs.loc[paper, 'crop (px)']}), with {profile.max_epochs} epochs at most, tested on {tested} faces "
             "per run."]
    if untrained := [label for label in costs.index if label not in set(results.variant)]:
        lines.append(f"Not trained in the {profile.name} profile, only costed: {', '.join(untrained)}.")
    base = costs.loc[paper]
    for label, row in costs.drop(index=paper).iterrows():
        lines.append(f"  {label}: {row['parameters (millions)']:.2f} M parameters "
                     f"({row['parameters (millions)'] / base['parameters (millions)']:.2f}x the paper's network), "
                     f"{row['multiply-adds (millions)']:.0f} M multiply-adds a face "
                     f"({row['multiply-adds (millions)'] / base['multiply-adds (millions)']:.1f}x), "
                     f"{row['training images/s']:.0f} training images/s against {base['training images/s']:.0f}.")
    paper_10crop = {task: references.PAPER_ACCURACY[task, "accuracy_10crop"] for task in ("gender", "age")}
    vgg = references.MODERN_ACCURACY["VGG16 from ImageNet + IMDB-WIKI (Lapuschkin et al. 2017)"]["age"]
    mivolo = references.MODERN_ACCURACY["MiVOLO (Kuprashevich & Tolstykh 2023)"]
    lines.append(f"To beat on the real Adience: Levi & Hassner's {paper_10crop['gender']:.3f} gender / "
                 f"{paper_10crop['age']:.3f} age (10-crop); VGG16 from ImageNet + IMDB-WIKI reached "
                 f"{vgg[0]:.3f}-{vgg[1]:.3f} age (Lapuschkin et al. 2017), MiVOLO {mivolo['gender'][0]:.3f} gender / "
                 f"{mivolo['age'][0]:.3f} age.")
    return "\n".join(lines)
