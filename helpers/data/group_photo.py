"""A group photo made of the mirror's faces, for notebook 15 to find and read: several people at different
sizes side by side on one background, each face's place and true labels known."""

from __future__ import annotations

import numpy as np


def compose(faces, sizes, seed: int = 0, gap: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Paste ``faces`` (square uint8 RGB images) resized to ``sizes`` pixels side by side, each at its own
    height, on a smooth noisy background. Returns the photo and each face's (x, y, side, side)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    sizes = [int(size) for size in sizes]
    width, height = sum(sizes) + gap * (len(sizes) + 1), int(max(sizes) * 1.5)
    rows = np.linspace(0, 1, height)[:, None, None]
    top, bottom = rng.uniform(90, 200, 3), rng.uniform(40, 160, 3)
    background = top + (bottom - top) * rows + rng.normal(0, 6, (height, width, 3))
    photo = np.clip(background, 0, 255).astype(np.uint8)
    boxes, left = [], gap
    for face, size in zip(faces, sizes):
        y = int(rng.integers(0, height - size + 1))
        photo[y:y + size, left:left + size] = np.asarray(Image.fromarray(np.asarray(face, np.uint8)).resize(
            (size, size), Image.Resampling.LANCZOS))
        boxes.append((left, y, size, size))
        left += size + gap
    return photo, np.asarray(boxes, int)


def from_test_fold(profile, fold: int, count: int = 5, seed: int = 0, sizes=None):
    """A group photo of ``count`` test faces of Adience ``fold`` (people with both labels, one face each), at
    sizes from 80 to 180 pixels. Returns the photo, the faces' boxes and their labels (gender, age group)."""
    from PIL import Image

    from helpers.data import adience
    from helpers.data.age_groups import AGE_GROUPS

    root = profile.data_dir / "adience"
    index = adience.load_adience(root).index
    rows = index[(index.fold == fold) & index.gender.isin(["m", "f"]) & index.age_group.notna()]
    rows = rows.drop_duplicates("subject").sample(count, random_state=seed)
    faces = [np.asarray(Image.open(root / path).convert("RGB")) for path in rows.path]
    rng = np.random.default_rng(seed)
    sizes = rng.integers(80, 181, count) if sizes is None else sizes
    pixels, boxes = compose(faces, sizes, seed)
    truth = rows.assign(**{"age group": [AGE_GROUPS[int(group)] for group in rows.age_group]})
    return pixels, boxes, truth[["path", "gender", "age group"]].reset_index(drop=True)


def match(detected, placed) -> list:
    """For each detected box, the number of the placed box whose square holds its centre (None if none)."""
    found = []
    for x, y, width, height in detected:
        centre_x, centre_y = x + width / 2, y + height / 2
        inside = [number for number, (left, top, side, _) in enumerate(placed)
                  if left <= centre_x < left + side and top <= centre_y < top + side]
        found.append(inside[0] if inside else None)
    return found


def with_truth(table, detected, placed, truth) -> tuple:
    """A photo's answers (one row per detected face) beside the true labels of the pasted face each detection
    falls on (empty where none), and a sentence counting the faces found and the detections on no face."""
    matched = match(detected, placed)
    table = table.assign(**{"true gender": [truth.gender[m] if m is not None else "" for m in matched],
                            "true age group": [truth["age group"][m] if m is not None else "" for m in matched]})
    found = len({m for m in matched if m is not None})
    return table, (f"{found} of {len(placed)} pasted faces were found; {sum(m is None for m in matched)} "
                   "detection(s) matched no face")
