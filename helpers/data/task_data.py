"""A task's data on one Adience fold (or on a pre-training source): cached images and labels, split three ways.

The Adience protocol, the same for every run of every notebook: the test split is one of the five folds;
validation is whole people drawn from the other four (the same people for every run on that fold, so runs
are comparable); the rest is for training. The mean image is computed over the training split only.

Pre-training (notebook 08) uses the other datasets the same way: :func:`source_data` splits CelebA by its
official partition and IMDB-WIKI by whole people.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np

from helpers.data import adience, celeba, image_cache, imdb_wiki, labels, pipeline, splits
from helpers.profiles import Profile

#: The dataset each task pre-trains on (the course report's choice), and its folder under the data root.
SOURCES = {"gender": ("celeba", "celeba"), "age": ("imdb_wiki", "wiki_crop")}


@dataclasses.dataclass
class TaskData:
    """The cached images and labels of one task on one fold, split three ways."""

    task: str
    fold: int  # the Adience test fold; -1 for a pre-training source
    size: int
    crop_size: int
    files: dict  # split name -> cached file names
    labels: dict  # split name -> int32 labels
    mean: np.ndarray
    years: dict | None = None  # age only: split name -> float32 years (exact where known, else the group's midpoint)
    exact: dict | None = None  # age only: split name -> whether each row's age in years is exact
    sources: dict | None = None  # split name -> each cached image's original file (notebook 15 reads them)

    @property
    def classes(self) -> list[str]:
        return labels.CLASSES[self.task]

    def training(self, batch_size: int, seed: int, random_crop: bool = True, flip: bool = True, targets=None):
        """Training batches; ``targets`` replaces the class labels (ages in years for a regression)."""
        return pipeline.training_dataset(self.files["train"], self.labels["train"] if targets is None else targets,
                                         size=self.size, crop_size=self.crop_size, batch_size=batch_size,
                                         mean=self.mean, seed=seed, random_crop=random_crop, flip=flip)

    def evaluation(self, split: str, batch_size: int = 100, ten_crop: bool = False, targets=None):
        return pipeline.evaluation_dataset(self.files[split], self.labels[split] if targets is None else targets,
                                           size=self.size, crop_size=self.crop_size, batch_size=batch_size,
                                           mean=self.mean, ten_crop=ten_crop)

    def counts(self) -> dict:
        return {split: len(split_labels) for split, split_labels in self.labels.items()}

    def majority(self, split: str = "test") -> float:
        """The accuracy of always answering the split's most common class: the floor a network must beat."""
        return float(np.bincount(self.labels[split]).max() / len(self.labels[split]))


@functools.lru_cache(maxsize=4)
def _adience(root: Path):
    return adience.load_adience(root)


def _cached(profile: Profile, root: Path, parts: dict, task: str, fold: int, loaded, step: str = "none") -> TaskData:
    files, split_labels, years, exact, sources = {}, {}, {}, {}, {}
    for split, frame in parts.items():
        rows, split_labels[split] = labels.labelled(frame, task)
        if task == "age":
            years[split], exact[split] = labels.years(rows)
        if len(rows) == 0:
            raise ValueError(f"the {split} split of the {task} task (fold {fold}) is empty: {len(frame)} of its rows "
                             f"have no {task} label. What the loader kept and dropped in {root}:\n{loaded.summary()}")
        files[split] = image_cache.cached_files(root, rows.path.tolist(), profile.image_size, step=step)
        sources[split] = [str(root / path) for path in rows.path]
    return TaskData(task, fold, profile.image_size, profile.crop_size, files, split_labels,
                    pipeline.mean_image(files["train"], profile.image_size), years or None, exact or None, sources)


def task_data(profile: Profile, task: str, fold: int, validation_seed: int = 0,
              preprocessing: str = "none") -> TaskData:
    """Split Adience for ``task`` with ``fold`` as the test fold; decode and cache the images if needed, after a
    classical ``preprocessing`` step (``helpers.data.preprocessing``; notebook 14) when it is not "none"."""
    root = profile.data_dir / "adience"
    loaded = _adience(root)
    if not (loaded.index.fold == fold).any():
        raise ValueError(f"no usable row of fold {fold} in {root}: the loader kept {len(loaded.index)} rows. "
                         f"{loaded.summary()}\n"
                         f"Check the folder with: python -m helpers.data.preflight {profile.data_dir}")
    return _cached(profile, root, splits.adience_split(loaded.index, fold, seed=validation_seed), task, fold, loaded,
                   preprocessing)


def source_data(profile: Profile, task: str, split_seed: int = 0) -> TaskData:
    """The pre-training data of ``task``: CelebA's ``Male`` attribute split by its official partition, or
    IMDB-WIKI's ages in the 8 Adience groups split by whole people. ``fold`` is -1: these are not Adience."""
    labels.check_task(task)
    name, folder = SOURCES[task]
    root = profile.data_dir / folder
    if not root.exists():
        raise FileNotFoundError(f"no {name} under {profile.data_dir} (looked for {root}): run `make data` for the "
                                f"synthetic mirror, or put the real {name} there (README.md, 'Datasets')")
    if name == "celeba":
        loaded = celeba.load_celeba(root)
        parts = splits.partition_split(loaded.index)
    else:
        loaded = imdb_wiki.load_imdb_wiki(root)
        parts = splits.subject_split(loaded.index, seed=split_seed)
    return _cached(profile, root, parts, task, -1, loaded)
