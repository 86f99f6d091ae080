"""Figures the notebooks share: data (label distributions, samples), training (curves, confusion matrix,
feature maps), studies (mean and spread per variant) and timings (ratios)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.age_groups import AGE_GROUPS


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
    """A grid of images: one column per age group, ``per_group`` random rows of it, gender written below."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    cells = [[None] * len(AGE_GROUPS) for _ in range(per_group)]
    for column, _ in enumerate(AGE_GROUPS):
        rows = index[index.age_group == column]
        for row, entry in enumerate(rows.iloc[rng.permutation(len(rows))[:per_group]].itertuples()):
            with Image.open(Path(root) / entry.path) as image:
                cells[row][column] = (np.asarray(image.convert("RGB")), entry.gender if pd.notna(entry.gender) else "?")
    images = [cell[0] if cell else None for line in cells for cell in line]
    captions = [cell[1] if cell else "" for line in cells for cell in line]
    return image_grid(images, columns=len(AGE_GROUPS), titles=AGE_GROUPS, captions=captions)


def training_curves(history: pd.DataFrame, title: str = ""):
    """Loss and accuracy per epoch, training against validation (a ``helpers.training.fit.Fitted.history``)."""
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
    sns.heatmap(
        shares,
        annot=confusion.to_numpy(),
        fmt="d",
        cmap="Blues",
        vmin=0,
        vmax=100,
        cbar_kws={"label": "% of true class"},
        ax=axis,
    )
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
    for channel, axis in enumerate(axes[panels - count :]):
        axis.imshow(maps[..., channel], cmap="viridis")
        axis.set_xlabel(f"channel {channel}", fontsize=8)
    for axis in axes:
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def study(results: pd.DataFrame, metrics=("accuracy", "one_off_accuracy"), title: str = ""):
    """Mean and standard deviation over folds x seeds of each variant, one panel per task; n in the labels, the
    majority floor as a dashed line, and a value none of whose networks learned drawn hollow and labelled so
    (``helpers.training.floor``)."""
    import matplotlib.pyplot as plt

    from helpers.training import floor

    scored = results[~results.diverged.astype(bool)]
    learned = floor.learned(scored)
    floors = floor.majority(scored)
    task_names = list(dict.fromkeys(results.task))
    figure, axes = plt.subplots(1, len(task_names), figsize=(5.5 * len(task_names), 3.8), squeeze=False)
    for axis, task in zip(axes[0], task_names):
        rows = scored[scored.task == task]
        order = list(dict.fromkeys(results[results.task == task].variant))
        of_value = [learned[rows.index][rows.variant == value] for value in order]
        stuck = [len(runs) > 0 and not runs.any() for runs in of_value]
        for offset, metric in enumerate(m for m in metrics if rows[m].notna().any()):
            grouped = rows.groupby("variant")[metric].agg(["mean", "std", "count"]).reindex(order)
            positions = np.arange(len(order)) + 0.12 * (offset - 0.5)
            drawn = axis.errorbar(positions, grouped["mean"], yerr=grouped["std"].fillna(0), fmt="o", capsize=4,
                                  label=metric.replace("_", " "))
            colour = drawn.lines[0].get_color()
            hollow = np.array(stuck)
            if hollow.any():  # drawn again over the filled dot: white inside
                axis.plot(positions[hollow], grouped["mean"].to_numpy()[hollow], "o", color="white",
                          markeredgecolor=colour, zorder=3)
        if task in floors:
            axis.axhline(floors[task], color="black", linestyle="--", linewidth=1,
                         label=f"majority floor {floors[task]:.3f}")
        counts = rows.groupby("variant").size().reindex(order).fillna(0).astype(int)
        names = [f"{v}\n(n={n})" + ("\ndid not learn" if dead else "") for v, n, dead in zip(order, counts, stuck)]
        axis.set_xticks(np.arange(len(order)), names, fontsize=8)
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


def image_grid(images, columns: int = 8, titles=(), captions=(), row_labels=(), title: str = ""):
    """Images in rows of ``columns``: ``titles`` above and ``captions`` below each (in order), ``row_labels``
    beside each row; a ``None`` leaves its cell empty. uint8 images are shown as they are, any other (a
    mean-subtracted crop, say) stretched to its own range."""
    import matplotlib.pyplot as plt

    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.7 * rows), squeeze=False)
    for position, axis in enumerate(axes.ravel()):
        axis.set_xticks([])
        axis.set_yticks([])
        image = images[position] if position < len(images) else None
        if image is None:
            axis.set_frame_on(False)
        else:
            image = np.asarray(image)
            if image.dtype != np.uint8:
                image = (image - image.min()) / max(float(image.max() - image.min()), 1e-6)
            axis.imshow(image)
        if position < len(titles) and titles[position]:
            axis.set_title(titles[position], fontsize=9)
        if position < len(captions) and captions[position]:
            axis.set_xlabel(captions[position], fontsize=8)
        if position % columns == 0 and position // columns < len(row_labels):
            axis.set_ylabel(row_labels[position // columns], fontsize=10)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def differences(table: pd.DataFrame, title: str = "Best value against the one compared with"):
    """Each (study, task)'s accuracy difference with its 95 % interval as a whisker, from
    ``helpers.analysis.conclusions.best_settings``; green where the difference is beyond the noise."""
    import matplotlib.pyplot as plt

    compared = table.dropna(subset=["difference"])
    labels = [f"{row.study} · {row.task}: {row.best}" for row in compared.itertuples()]
    figure, axis = plt.subplots(figsize=(7.5, 0.42 * len(compared) + 1.2))
    colours = ["tab:green" if beyond else "tab:gray" for beyond in compared["beyond noise"]]
    whiskers = [compared["difference"] - compared["low"], compared["high"] - compared["difference"]]
    axis.barh(np.arange(len(compared)), compared["difference"], xerr=whiskers, color=colours, capsize=3)
    axis.set_yticks(np.arange(len(compared)), labels, fontsize=8)
    axis.invert_yaxis()
    axis.axvline(0, color="black", linewidth=0.8)
    from matplotlib.patches import Patch

    axis.legend(handles=[Patch(color="tab:green", label="beyond the noise (p < 0.05)"),
                         Patch(color="tab:gray", label="within the noise")], fontsize=8, loc="best")
    axis.set(xlabel="test accuracy difference (whisker: 95 % interval)", title=title)
    axis.grid(alpha=0.3, axis="x")
    figure.tight_layout()
    return figure


def log_bars(table: pd.DataFrame, x: str, hue: str, value: str, title: str = "", reference: float | None = 1.0):
    """Bars of ``value`` on a log scale per ``x`` and ``hue`` (a time ratio, images per second), with a line at
    ``reference`` (1: where two ways take as long)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    figure, axis = plt.subplots(figsize=(9, 3.8))
    sns.barplot(data=table.assign(**{hue: table[hue].astype(str)}), x=x, y=value, hue=hue, ax=axis)
    if reference is not None:
        axis.axhline(reference, color="black", linewidth=1)
    axis.set(yscale="log", title=title, ylabel=value.replace("_", " "))
    axis.legend(fontsize=8, title=hue)
    figure.tight_layout()
    return figure


def ratio_line(table: pd.DataFrame, x: str, value: str, title: str = ""):
    """A time ratio (log scale) against ``x``, with the line at 1 where both take as long."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    figure, axis = plt.subplots(figsize=(6, 3.8))
    sns.lineplot(data=table, x=x, y=value, marker="o", ax=axis)
    axis.axhline(1, color="black", linewidth=1)
    axis.set(yscale="log", title=title, ylabel=value.replace("_", " "))
    figure.tight_layout()
    return figure


def predicted_ages(faces: pd.DataFrame, title: str = "Predicted against true age, test faces"):
    """One panel per variant: predicted years against the true ones (exact ages as dots, group midpoints as
    crosses), with the group bounds shaded and the line where they are equal."""
    import matplotlib.pyplot as plt

    from helpers.data.age_groups import GROUP_BOUNDS

    variants = list(dict.fromkeys(faces.variant))
    figure, axes = plt.subplots(1, len(variants), figsize=(4.2 * len(variants), 4), squeeze=False, sharey=True)
    for axis, variant in zip(axes[0], variants):
        rows = faces[faces.variant == variant]
        for low, high in GROUP_BOUNDS:
            axis.axvspan(low, high, color="0.92", zorder=0)
        midpoints, exact = rows[~rows.exact.astype(bool)], rows[rows.exact.astype(bool)]
        axis.scatter(midpoints.years, midpoints.predicted_years, marker="x", s=12, alpha=0.4, label="group midpoint")
        axis.scatter(exact.years, exact.predicted_years, s=16, color="C3", label="exact age")
        axis.plot([0, 100], [0, 100], color="black", linewidth=0.8)
        axis.set(title=variant, xlabel="true age (years)", xlim=(0, 100), ylim=(0, 100))
        axis.legend(fontsize=8)
    axes[0][0].set_ylabel("predicted age (years)")
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def photo_with_faces(pixels: np.ndarray, boxes, captions=(), title: str = ""):
    """A photo with a box around every detected face and a caption above each (its predictions)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    height, width = pixels.shape[:2]
    figure, axis = plt.subplots(figsize=(min(12, 2 + width / 80), min(8, 1 + height / 80)))
    axis.imshow(pixels)
    for number, (x, y, box_width, box_height) in enumerate(boxes):
        axis.add_patch(Rectangle((x, y), box_width, box_height, fill=False, color="yellow", linewidth=2))
        if number < len(captions):
            axis.text(x, y - 4, captions[number], color="black", fontsize=8, va="bottom",
                      bbox={"facecolor": "yellow", "alpha": 0.8, "pad": 1, "linewidth": 0})
    axis.set_axis_off()
    axis.set_title(title)
    figure.tight_layout()
    return figure


def reliability_diagram(tables: dict, title: str = "Reliability: accuracy against confidence, test faces"):
    """One line per ``{label: helpers.inspection.calibration.reliability table}``: each bin's accuracy against
    its mean confidence (dot size: faces), with the diagonal a calibrated network would follow."""
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(4.8, 4.4))
    axis.plot([0, 1], [0, 1], color="black", linewidth=0.8, label="calibrated")
    for label, table in tables.items():
        axis.plot(table.confidence, table.accuracy, marker="o", label=label)
        axis.scatter(table.confidence, table.accuracy, s=4 + 200 * table.faces / table.faces.sum(), alpha=0.3)
    axis.set(xlabel="confidence (top probability)", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1), title=title)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure
