"""A grid of freshly drawn synthetic faces, one column per Adience age group and a row per gender."""

from __future__ import annotations

import numpy as np

from helpers.synthetic import adience, faces


def face_grid(seed: int = 0, per_gender: int = 2, size: int = 128, difficulty: float = 0.5):
    """Return a matplotlib Figure: columns are the 8 age groups, rows ``per_gender`` men then women."""
    import matplotlib.pyplot as plt

    rows = [("m", i) for i in range(per_gender)] + [("f", i) for i in range(per_gender)]
    figure, axes = plt.subplots(len(rows), len(adience.AGE_GROUPS), figsize=(1.6 * 8, 1.7 * len(rows)))
    for column, group in enumerate(adience.AGE_GROUPS):
        for row, (gender, repeat) in enumerate(rows):
            rng = np.random.default_rng([seed, column, row])
            person = faces.draw_person(rng, gender, adience.years_for_label(group, rng), difficulty)
            image = faces.render(person, faces.draw_photo(rng, difficulty), (size, size), rng)
            axis = axes[row, column]
            axis.imshow(image)
            axis.set_xticks([])
            axis.set_yticks([])
            if row == 0:
                axis.set_title(group, fontsize=10)
            if column == 0:
                axis.set_ylabel({"m": "man", "f": "woman"}[gender], fontsize=10)
    figure.suptitle("Synthetic faces by age group (columns) and gender (rows)")
    figure.tight_layout()
    return figure
