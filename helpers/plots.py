"""Figures the notebooks share: label distributions and sample images from an index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.dataset_index import AGE_GROUPS


def label_distributions(index: pd.DataFrame):
    """Two bar charts per fold: rows per age group and rows per gender (missing labels shown as such)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    frame = index.assign(
        age_group=index.age_group.map(lambda g: AGE_GROUPS[int(g)] if pd.notna(g) else "missing"),
        gender=index.gender.fillna("missing"),
        fold=index.fold.astype("string"),
    )
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 4), gridspec_kw={"width_ratios": [3, 1]})
    sns.countplot(data=frame, x="age_group", hue="fold", order=AGE_GROUPS + ["missing"], ax=left)
    left.set(title="Rows per age group and fold", xlabel="age group", ylabel="rows")
    sns.countplot(data=frame, x="gender", hue="fold", order=["m", "f", "missing"], ax=right)
    right.set(title="Rows per gender and fold", ylabel="rows")
    right.get_legend().remove()
    figure.tight_layout()
    return figure


def samples_per_age_group(index: pd.DataFrame, root, per_group: int = 4, seed: int = 0):
    """A grid of images: one column per age group, ``per_group`` random rows of it."""
    import matplotlib.pyplot as plt
    from PIL import Image

    rng = np.random.default_rng(seed)
    figure, axes = plt.subplots(per_group, len(AGE_GROUPS), figsize=(1.6 * len(AGE_GROUPS), 1.7 * per_group), squeeze=False)
    for column, group in enumerate(AGE_GROUPS):
        rows = index[index.age_group == column]
        chosen = rows.iloc[rng.permutation(len(rows))[:per_group]] if len(rows) else rows
        for row in range(per_group):
            axis = axes[row, column]
            axis.set_xticks([])
            axis.set_yticks([])
            if row < len(chosen):
                entry = chosen.iloc[row]
                with Image.open(Path(root) / entry.path) as image:
                    axis.imshow(image.convert("RGB"))
                axis.set_xlabel(entry.gender if pd.notna(entry.gender) else "?", fontsize=8)
            if row == 0:
                axis.set_title(group, fontsize=10)
    figure.tight_layout()
    return figure
