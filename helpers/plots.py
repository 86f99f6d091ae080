"""Figures the notebooks share: data (label distributions, samples), training (curves, confusion matrix,
feature maps) and studies (mean and spread per variant)."""

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


def training_curves(history: pd.DataFrame, title: str = ""):
    """Loss and accuracy per epoch, training against validation (a ``training.Run.history``)."""
    import matplotlib.pyplot as plt

    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(11, 3.5))
    for column, style in (("loss", "-o"), ("val_loss", "--o")):
        loss_axis.plot(history.index, history[column], style, label=column.replace("val_", "validation "))
    for column, style in (("accuracy", "-o"), ("val_accuracy", "--o")):
        accuracy_axis.plot(history.index, history[column], style, label=column.replace("val_", "validation "))
    loss_axis.set(xlabel="epoch", ylabel="loss", title=f"{title} loss".strip())
    accuracy_axis.set(xlabel="epoch", ylabel="accuracy", title=f"{title} accuracy".strip())
    for axis in (loss_axis, accuracy_axis):
        axis.legend()
        axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def confusion_matrix(confusion: pd.DataFrame, title: str = ""):
    """A confusion matrix (rows: true class) as a heatmap of row percentages, with the counts written in."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    shares = confusion.div(confusion.sum(axis=1).replace(0, np.nan), axis=0) * 100
    figure, axis = plt.subplots(figsize=(max(4.5, 1.0 + 0.75 * len(confusion)), max(3.5, 0.8 + 0.65 * len(confusion))))
    sns.heatmap(shares, annot=confusion.to_numpy(), fmt="d", cmap="Blues", vmin=0, vmax=100, cbar_kws={"label": "% of true class"},
                ax=axis)
    axis.set(title=title, xlabel="predicted", ylabel="true")
    figure.tight_layout()
    return figure


def feature_maps(maps: np.ndarray, title: str, count: int = 8, image: np.ndarray | None = None):
    """The first ``count`` channels of one image's activation maps (height x width x channels), after the
    image itself when it is given."""
    import matplotlib.pyplot as plt

    panels = count + (image is not None)
    figure, axes = plt.subplots(1, panels, figsize=(1.6 * panels, 1.9))
    if image is not None:
        axes[0].imshow(image.astype(np.uint8))
        axes[0].set_xlabel("input", fontsize=8)
    for channel, axis in enumerate(axes[panels - count:]):
        axis.imshow(maps[..., channel], cmap="viridis")
        axis.set_xlabel(f"channel {channel}", fontsize=8)
    for axis in axes:
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def study(results: pd.DataFrame, metrics=("accuracy", "one_off_accuracy"), title: str = ""):
    """Mean and standard deviation over folds x seeds of each variant, one panel per task; n in the labels."""
    import matplotlib.pyplot as plt

    scored = results[~results.diverged.astype(bool)]
    task_names = list(dict.fromkeys(results.task))
    figure, axes = plt.subplots(1, len(task_names), figsize=(5.5 * len(task_names), 3.8), squeeze=False)
    for axis, task in zip(axes[0], task_names):
        rows = scored[scored.task == task]
        order = list(dict.fromkeys(results[results.task == task].variant))
        for offset, metric in enumerate(m for m in metrics if rows[m].notna().any()):
            grouped = rows.groupby("variant")[metric].agg(["mean", "std", "count"]).reindex(order)
            positions = np.arange(len(order)) + 0.12 * (offset - 0.5)
            axis.errorbar(positions, grouped["mean"], yerr=grouped["std"].fillna(0), fmt="o", capsize=4,
                          label=metric.replace("_", " "))
        counts = rows.groupby("variant").size().reindex(order).fillna(0).astype(int)
        axis.set_xticks(np.arange(len(order)), [f"{v}\n(n={n})" for v, n in zip(order, counts)], fontsize=8)
        axis.set(title=f"{title} {task}".strip(), ylabel="test accuracy", ylim=(0, 1))
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    return figure


def lrn_effect(before: np.ndarray, after: np.ndarray, title: str = "What LRN does to one image's activations"):
    """Each activation before LRN against the factor LRN divided it by (before / after)."""
    import matplotlib.pyplot as plt

    before, after = before.ravel(), after.ravel()
    active = before > 0
    figure, axis = plt.subplots(figsize=(6, 3.5))
    axis.scatter(before[active], before[active] / after[active], s=2, alpha=0.3)
    axis.set(xlabel="activation before LRN", ylabel="divided by", title=title)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def image_grid(images, titles=(), title: str = "", columns: int = 8):
    """A row (or rows) of images; float images of any range (mean-subtracted crops) are stretched to [0, 1]."""
    import matplotlib.pyplot as plt

    images = [np.asarray(image, dtype=np.float32) for image in images]
    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.5 * columns, 1.7 * rows), squeeze=False)
    for index, axis in enumerate(axes.ravel()):
        axis.set_axis_off()
        if index < len(images):
            image = images[index]
            axis.imshow((image - image.min()) / max(float(image.max() - image.min()), 1e-6))
            if index < len(titles):
                axis.set_title(titles[index], fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def differences(table: pd.DataFrame, title: str = "Best value against the one compared with"):
    """Each (study, task)'s accuracy difference with its noise level as an error bar (``conclusions.best_settings``):
    a bar whose whisker does not reach 0 is a difference larger than the noise."""
    import matplotlib.pyplot as plt

    compared = table.dropna(subset=["difference"])
    labels = [f"{row.study} · {row.task}: {row.best}" for row in compared.itertuples()]
    figure, axis = plt.subplots(figsize=(7.5, 0.42 * len(compared) + 1.2))
    colours = ["tab:green" if beyond else "tab:gray" for beyond in compared["beyond noise"]]
    axis.barh(np.arange(len(compared)), compared["difference"], xerr=compared["noise (2 SE)"], color=colours, capsize=3)
    axis.set_yticks(np.arange(len(compared)), labels, fontsize=8)
    axis.invert_yaxis()
    axis.axvline(0, color="black", linewidth=0.8)
    axis.set(xlabel="test accuracy difference (whisker: 2 standard errors)", title=title)
    axis.grid(alpha=0.3, axis="x")
    figure.tight_layout()
    return figure
