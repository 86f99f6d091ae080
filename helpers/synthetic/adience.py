"""The Adience mirror: five fold files and an ``aligned/`` folder laid out like the real benchmark.

Real layout (Levi & Hassner's release)::

    adience/fold_{0..4}_data.txt     tab-separated, 12-column header, LF, ASCII
    adience/aligned/<user_id>/landmark_aligned_face.<face_id>.<original_image>

A *user* (a Flickr album owner, ``12345678@N02``) holds several *faces* (people, ``face_id`` unique over
the whole set), each in one or more photos; users never share a fold. Labels are per face, as in the real
files, and drawn from the real label frequencies: the 8 canonical age groups, the odd labels
(``'35'``, ``'(27, 32)'``, ``'(25, 23)'``, ``'None'`` ...), genders ``m``/``f``/``u``/empty (``u`` mostly for
babies, empty mostly with age ``None``), and about 0.6 % exact duplicate lines.
"""

from __future__ import annotations

import re

import numpy as np

from helpers.data.age_groups import AGE_GROUPS, age_group
from helpers.synthetic import people

HEADER = ["user_id", "original_image", "face_id", "age", "gender", "x", "y", "dx", "dy", "tilt_ang",
          "fiducial_yaw_angle", "fiducial_score"]
# Rows per age string over the five real fold files (../shared/design/REPORT.md).
AGE_LABEL_COUNTS = {
    "(25, 32)": 4950, "(0, 2)": 2519, "(38, 43)": 2300, "(4, 6)": 2163, "(8, 12)": 2132, "(15, 20)": 1655,
    "(60, 100)": 875, "(48, 53)": 830, "None": 753, "35": 294, "13": 169, "22": 149, "34": 105, "23": 96,
    "45": 88, "(27, 32)": 77, "55": 77, "(25, 23)": 72, "36": 57, "(38, 42)": 50, "57": 24, "3": 18, "29": 12,
    "(38, 48)": 6, "58": 5, "2": 3, "32": 3, "56": 2, "(8, 23)": 1, "42": 1, "46": 1,
}
DUPLICATE_RATE = 117 / 19487
UNKNOWN_GENDER_BABY = 1092 / 2519  # 'u' among (0, 2) rows
EMPTY_GENDER_NONE_AGE = 713 / 753  # empty gender among age 'None' rows
FEMALE_SHARE = 9411 / (9411 + 8192)
USER_SUFFIXES = ["N00", "N02", "N03", "N04", "N05", "N06", "N07", "N08"]


def years_for_label(label: str, rng: np.random.Generator) -> float:
    """An age in years that a face with this label could have (what the picture will show)."""
    if label == "None":
        weights = np.array([AGE_LABEL_COUNTS[g] for g in AGE_GROUPS], dtype=float)
        label = AGE_GROUPS[int(rng.choice(len(AGE_GROUPS), p=weights / weights.sum()))]
    if label == "(25, 23)":  # a typo for (25, 32) in the real files
        label = "(25, 32)"
    if label == "(60, 100)":
        return float(min(60.0 + rng.exponential(9.0), 95.0))
    if label == "(0, 2)":
        return float(rng.uniform(0.2, 2.9))
    bounds = re.fullmatch(r"\((\d+), (\d+)\)", label)
    if bounds:
        low, high = sorted(int(v) for v in bounds.groups())
        return float(rng.uniform(low, high + 0.99))
    return float(int(label) + rng.uniform(0.0, 0.99))


def neighbouring_age(years: float, rng: np.random.Generator) -> float:
    """An age from a group next to the one ``years`` belongs to by the kit's one rule (for label noise)."""
    group = age_group(years)
    other = group + (1 if group == 0 else -1 if group == 7 else int(rng.choice([-1, 1])))
    return years_for_label(AGE_GROUPS[other], rng)


def gender_label(gender: str, age_label: str, years: float, rng: np.random.Generator) -> str:
    if age_label == "None":
        return "" if rng.random() < EMPTY_GENDER_NONE_AGE else gender
    if years < 3 and rng.random() < UNKNOWN_GENDER_BABY:
        return "u"
    draw = rng.random()
    return "" if draw < 0.0035 else "u" if draw < 0.004 else gender


def _unique(rng, make, taken: set) -> str:
    while True:
        value = make(rng)
        if value not in taken:
            taken.add(value)
            return value


def _user_id(rng) -> str:
    return f"{int(rng.integers(1_000_000, 130_000_000))}@{USER_SUFFIXES[int(rng.integers(len(USER_SUFFIXES)))]}"


def _photo_name(rng) -> str:
    digits = int(rng.integers(2_000_000_000, 12_000_000_000))
    return f"{digits}_{int(rng.integers(16**10)):010x}_o.jpg"


def build(preset, rng: np.random.Generator):
    """Return (rows per fold, render jobs). Rows are lists of 12 strings, duplicates included."""
    labels = list(AGE_LABEL_COUNTS)
    label_p = np.array(list(AGE_LABEL_COUNTS.values()), dtype=float)
    label_p /= label_p.sum()
    taken_users, taken_photos = set(), set()
    users = [_unique(rng, _user_id, taken_users) for _ in range(preset.adience_users)]
    folds = np.array_split(np.arange(len(users)), 5)
    fold_rows, jobs, face_id = [[] for _ in range(5)], [], 0
    for fold, members in enumerate(folds):
        for user_index in members:
            user = users[user_index]
            n_faces = 1 + int(rng.poisson(preset.adience_faces_per_user - 1))
            photo_pool = [_unique(rng, _photo_name, taken_photos)
                          for _ in range(max(2, int(n_faces * preset.adience_photos_per_face * 0.8)))]
            for _ in range(n_faces):
                face_id += 1
                age_label = labels[int(rng.choice(len(labels), p=label_p))]
                years = years_for_label(age_label, rng)
                gender = "f" if rng.random() < FEMALE_SHARE else "m"
                written_gender = gender_label(gender, age_label, years, rng)
                shown_years, shown_gender = years, gender
                if rng.random() < preset.label_noise:
                    shown_years = neighbouring_age(years, rng)
                if rng.random() < preset.label_noise:
                    shown_gender = "m" if gender == "f" else "f"
                person = people.draw_person(rng, shown_gender, shown_years, preset.difficulty)
                n_photos = min(len(photo_pool), int(rng.geometric(1.0 / preset.adience_photos_per_face)))
                for name in rng.choice(photo_pool, size=n_photos, replace=False):
                    size = int(rng.integers(200, 1200))
                    yaw = int(rng.choice([0, 0, 0, 0, -15, 15, -30, 30, -45, 45]))
                    row = [user, str(name), str(face_id), age_label, written_gender,
                           str(int(rng.integers(0, 2000))), str(int(rng.integers(0, 1500))), str(size),
                           str(size + int(rng.integers(0, 2))),
                           str(int(rng.choice([0, 0, 0, -5, 5, -15, 15, -90, 180]))),
                           str(yaw), str(int(rng.integers(0, 200)))]
                    fold_rows[fold].append(row)
                    if rng.random() < DUPLICATE_RATE:
                        fold_rows[fold].append(list(row))
                    path = f"adience/aligned/{user}/landmark_aligned_face.{face_id}.{name}"
                    jobs.append(dict(path=path, person=person, size=(preset.adience_size,) * 2,
                                     yaw_degrees=float(yaw), seed=int(rng.integers(2**63))))
    return fold_rows, jobs


def write_index(root, fold_rows) -> None:
    """Write ``fold_{k}_data.txt`` exactly as the real files are: tab-separated, LF, header first."""
    (root / "adience").mkdir(parents=True, exist_ok=True)
    for fold, rows in enumerate(fold_rows):
        lines = ["\t".join(HEADER)] + ["\t".join(row) for row in rows]
        (root / "adience" / f"fold_{fold}_data.txt").write_bytes(("\n".join(lines) + "\n").encode("ascii"))
