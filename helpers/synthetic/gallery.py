"""A grid of freshly drawn synthetic faces, one column per Adience age group and a row per gender."""

from __future__ import annotations

import numpy as np

from helpers import plots
from helpers.data.age_groups import AGE_GROUPS
from helpers.synthetic import adience, faces, people


def face_grid(seed: int = 0, per_gender: int = 2, size: int = 128, difficulty: float = 0.5):
    """Return a matplotlib Figure: columns are the 8 age groups, rows ``per_gender`` men then women."""
    rows = [("m", i) for i in range(per_gender)] + [("f", i) for i in range(per_gender)]
    images = []
    for row, (gender, _) in enumerate(rows):
        for column, group in enumerate(AGE_GROUPS):
            rng = np.random.default_rng([seed, column, row])
            person = people.draw_person(rng, gender, adience.years_for_label(group, rng), difficulty)
            images.append(faces.render(person, faces.draw_photo(rng, difficulty), (size, size), rng))
    return plots.image_grid(images, columns=len(AGE_GROUPS), titles=AGE_GROUPS,
                            row_labels=[{"m": "man", "f": "woman"}[gender] for gender, _ in rows],
                            title="Synthetic faces by age group (columns) and gender (rows)")
