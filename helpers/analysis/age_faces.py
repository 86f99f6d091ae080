"""Notebook 12's look at every age test face: what each way of predicting age answered for it, read from the
runs' recorded predictions (``predictions.csv`` beside each run), and each true group's accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.age_groups import AGE_GROUPS, GROUP_MIDPOINTS
from helpers.studies import store


def faces_table(profile, study, results, data) -> pd.DataFrame:
    """What each variant of ``study`` predicted for every age test face of ``data``'s fold, one row per face and
    run: true group and years (exact or the group's midpoint), predicted group and years, absolute error."""
    frames = []
    for row in results[(results.task == "age") & (results.fold == data.fold)].itertuples():
        faces = store.predictions(profile, study.name, row.variant, "age", data.fold, row.seed)
        if faces is None:
            continue
        output = study.settings_for(row.variant, profile).age_output
        if "predicted_years" in faces:
            guessed = faces.predicted_years.to_numpy()
        else:  # recorded before ages in years were kept: a classifier's age is its group's midpoint
            guessed = GROUP_MIDPOINTS[faces.predicted.to_numpy()] if output == "classes" else np.nan
        frames.append(pd.DataFrame({
            "variant": row.variant, "seed": row.seed, "group": faces.label.map(AGE_GROUPS.__getitem__),
            "years": data.years["test"], "exact": data.exact["test"], "predicted_group":
            faces.predicted.map(AGE_GROUPS.__getitem__), "predicted_years": guessed,
            "correct": faces.predicted == faces.label, "one_off": (faces.predicted - faces.label).abs() <= 1}))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(table):
        table["error_years"] = (table.predicted_years - table.years).abs()
    return table


def accuracy_by_group(faces: pd.DataFrame) -> pd.DataFrame:
    """From :func:`faces_table`: the share of each true group's test faces every way put in the right group,
    beside the number of those faces (one run's worth)."""
    table = faces.pivot_table(index="group", columns="variant", values="correct", aggfunc="mean", sort=False)
    table = table.reindex(AGE_GROUPS)
    first_run = faces[(faces.variant == faces.variant.iloc[0]) & (faces.seed == faces.seed.iloc[0])]
    table.insert(0, "faces", first_run.groupby("group").size().reindex(AGE_GROUPS).fillna(0).astype(int))
    return table
