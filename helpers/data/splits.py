"""Splits by subject: the same person (or album) never appears on both sides of a split.

The course report drew its validation set as a random 10 % of *images*, so the same people sat in
training and validation and validation accuracy ran far above test accuracy. Here every split function
splits by ``subject`` and checks the result with :func:`assert_subject_exclusive`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def assert_subject_exclusive(splits: dict[str, pd.DataFrame]) -> None:
    """Raise ValueError naming the subjects found in more than one split."""
    owner: dict[str, str] = {}
    shared = []
    for name, frame in splits.items():
        for subject in frame.subject.unique():
            if subject in owner and owner[subject] != name:
                shared.append(f"{subject} ({owner[subject]} and {name})")
            owner.setdefault(subject, name)
    if shared:
        raise ValueError(f"{len(shared)} subjects cross splits, e.g. {', '.join(shared[:5])}: a model would be "
                         "scored on people it trained on")


def _pick_subjects(frame: pd.DataFrame, share: float, seed: int) -> set:
    """Whole subjects, in a seeded random order, until they hold ``share`` of the rows."""
    sizes = frame.groupby("subject").size()
    order = np.random.default_rng(seed).permutation(sizes.index.to_numpy())
    # rounded: 0.1 / 0.9 of 270 rows is 30.000000000000004, which would take a 31st
    chosen, total, target = set(), 0, round(share * len(frame), 9)
    for subject in order:
        if total >= target:
            break
        chosen.add(subject)
        total += sizes[subject]
    return chosen


def adience_split(index: pd.DataFrame, test_fold: int, validation_share: float = 0.1, seed: int = 0) -> dict:
    """Adience protocol: test is fold ``test_fold``; validation is whole users from the other folds."""
    folds = sorted(set(index.fold.dropna().astype(int).tolist()))
    if test_fold not in folds:
        raise ValueError(f"fold {test_fold} is not in the index (folds present: {folds})")
    test = index[index.fold == test_fold]
    rest = index[index.fold != test_fold]
    validation_subjects = _pick_subjects(rest, validation_share, seed)
    splits = {"train": rest[~rest.subject.isin(validation_subjects)],
              "validation": rest[rest.subject.isin(validation_subjects)], "test": test}
    assert_subject_exclusive(splits)
    return splits


def partition_split(index: pd.DataFrame) -> dict:
    """CelebA: its official partition (identities never cross it)."""
    splits = {name: index[index.split == name] for name in ("train", "validation", "test")}
    assert_subject_exclusive(splits)
    return splits


def subject_split(index: pd.DataFrame, validation_share: float = 0.1, test_share: float = 0.1, seed: int = 0) -> dict:
    """IMDB-WIKI (or any index): whole subjects drawn at random into validation and test."""
    test_subjects = _pick_subjects(index, test_share, seed)
    rest = index[~index.subject.isin(test_subjects)]
    validation_subjects = _pick_subjects(rest, validation_share / (1 - test_share), seed + 1)
    splits = {"train": rest[~rest.subject.isin(validation_subjects)],
              "validation": rest[rest.subject.isin(validation_subjects)],
              "test": index[index.subject.isin(test_subjects)]}
    assert_subject_exclusive(splits)
    return splits
