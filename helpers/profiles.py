"""Profiles: one switch that sizes every notebook.

``smoke`` runs the whole course on the synthetic mirrors with small images in minutes on a laptop CPU
(it is what ``make run`` and CI execute): one fold, one seed, so each value of a study is one run (n = 1).
``class`` runs the same data on all five folds with two seeds and longer training (n = 10 per value; a
lab afternoon or a night on a laptop, ``make class``). ``paper`` runs it on the real Adience at the paper's sizes
(256-pixel images, 227-pixel crops, all five folds) and is meant for a GPU machine.

Every notebook takes ``profile`` (and optionally ``data_dir``) in its ``parameters`` cell and asks this
module for the rest, so the same notebook serves both.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

#: The repository this package was installed from (editable install), used to find ``data/``.
REPO_ROOT = Path(__file__).resolve().parent.parent

#: Where ``make data`` writes the synthetic mirrors. ``AGE_GENDER_KIT_SYNTHETIC`` overrides it.
DEFAULT_SYNTHETIC_DIR = REPO_ROOT / "data" / "synthetic"


@dataclasses.dataclass(frozen=True)
class Profile:
    """Everything that differs between a quick CPU run and the full reproduction."""

    name: str
    data_dir: Path  # holds adience/, and optionally celeba/ and wiki_crop/
    synthetic: bool  # True when data_dir holds the synthetic mirrors
    image_size: int  # images are resized to image_size x image_size ...
    crop_size: int  # ... and the network sees crops of crop_size x crop_size
    folds: tuple[int, ...]  # Adience test folds to run
    seeds: tuple[int, ...]  # repeats of every run, for error bars; they start at the notebook's seed
    max_epochs: int
    pretraining_epochs: int  # on CelebA / IMDB-WIKI before transfer (helpers.studies.pretraining)
    batch_size: int
    learning_rate: float  # the base rate of the paper's step schedule
    step_every: int  # iterations between the schedule's tenfold drops
    patience: int  # epochs without a better validation accuracy before early stopping
    optimizer: str  # "sgd" (the paper's) or "adam"; see helpers.training.fit.compile_model
    quick_studies: bool  # run only each study's quick variants (helpers.studies.catalogue)
    log_epochs: bool  # print a line per training epoch (runs long enough to watch)
    backbone_weights: str  # where notebook 16's backbones start: "none" (from scratch) or "imagenet"

    def describe(self) -> str:
        kind = (
            ("synthetic mirror" if self.synthetic else "real data")
            if self.data_dir.exists()
            else "NO DATA YET (run make data)"
        )
        return (
            f"profile {self.name!r}: {kind} at {self.data_dir}, images {self.image_size} px cropped to "
            f"{self.crop_size} px, folds {list(self.folds)}, seeds {list(self.seeds)}, "
            f"up to {self.max_epochs} epochs, batch {self.batch_size}, {self.optimizer} at {self.learning_rate:g}"
        )


def synthetic_dir() -> Path:
    return Path(os.environ.get("AGE_GENDER_KIT_SYNTHETIC", DEFAULT_SYNTHETIC_DIR))


def results_dir(profile: Profile) -> Path:
    """Where a profile's results go: ``results/<profile>/`` in the repository, or under ``AGE_GENDER_KIT_RESULTS``."""
    return Path(os.environ.get("AGE_GENDER_KIT_RESULTS", REPO_ROOT / "results")) / profile.name


def get_profile(name: str = "smoke", data_dir: str | os.PathLike | None = None, seed: int = 0) -> Profile:
    """Return the named profile; ``data_dir`` replaces its default data location, and its seeds start at
    ``seed`` (the notebook's), so that ``papermill -p seed 1`` makes every run, study and pre-training anew."""
    if name == "smoke":
        root = Path(data_dir) if data_dir else synthetic_dir()
        return Profile(
            name="smoke",
            data_dir=root,
            synthetic=(root / "MANIFEST.json").exists(),
            image_size=78,
            # 67-68 px is the smallest crop that keeps a 2x2 map after the last pooling (64 leaves 1x1); a training
            # step at 68 took 0.10 s a batch against 0.12-0.13 at 80 (measured), with the same accuracy within noise
            crop_size=68,
            folds=(0,),
            seeds=(seed,),
            # On the tiny mirror the age network sits near the commonest group for about 5 epochs, then learns:
            # at 6 epochs it reached 0.39-0.48 exact (majority 0.37), at 8 one seed in three fell short, at 9 all
            # three reached 0.53-0.60 (1-off 0.84-0.88); gender 0.70 at 6, 0.70-0.75 at 9 (measured, bench/RESULTS.md).
            max_epochs=9,
            # The mirrors of CelebA and IMDB-WIKI are as small as Adience's; 6 epochs left their networks at
            # chance, and 12 at 68 px kept CelebA's epoch 2 (its validation split then held only 8 people); with 15
            # the best validation epoch was 11-15 (on the mirror of 240 CelebA people, gender 0.65 on its test
            # split against a majority of 0.51; measured, bench/RESULTS.md).
            pretraining_epochs=15,
            batch_size=32,
            # The paper's SGD moves the convolutions too little in the ~200 iterations a CPU run affords here
            # (measured: age still at chance after 6 epochs, learning from about 12); Adam learns both tasks in 9.
            learning_rate=2e-4,
            step_every=10_000,
            # No early stop: the first epochs are a plateau and ~80 validation faces are too few to stop on;
            # the epoch with the best validation accuracy is still the one kept.
            patience=15,
            optimizer="adam",
            quick_studies=True,
            log_epochs=False,
            # ImageNet's weights are a download, and were learnt at 224 px: from scratch here (notebook 16 says
            # what that can and cannot show)
            backbone_weights="none",
        )
    if name == "class":
        # The smoke profile's data and sizes, run where a finding can stand: every fold and two seeds give
        # n = 10 runs per value. 12 epochs: on the tiny mirror the baseline's age network still improved at its
        # 12th epoch in two seeds of three (measured, bench/RESULTS.md).
        return dataclasses.replace(get_profile("smoke", data_dir), name="class", folds=(0, 1, 2, 3, 4),
                                   seeds=(seed, seed + 1), max_epochs=12)
    if name == "paper":
        if not data_dir:
            raise ValueError(
                "the 'paper' profile needs data_dir: the folder holding the real adience/ "
                "(see README.md, 'Datasets'). Example: make paper DATA_DIR=/data/faces"
            )
        root = Path(data_dir)
        return Profile(
            name="paper",
            data_dir=root,
            synthetic=(root / "MANIFEST.json").exists(),
            image_size=256,
            crop_size=227,
            folds=(0, 1, 2, 3, 4),
            seeds=(seed,),
            max_epochs=190,  # about the paper's 50,000 iterations of 50 on a fold's ~13,000 training images
            pretraining_epochs=190,  # early stopping ends it (CelebA has 3,255 iterations of 50 an epoch)
            batch_size=50,
            learning_rate=1e-3,
            step_every=10_000,  # 50,000 iterations in all, as the paper
            patience=10,
            optimizer="sgd",
            quick_studies=False,
            log_epochs=True,  # a run can last 190 epochs
            backbone_weights="imagenet",  # Keras fetches them once, or AGE_GENDER_KIT_WEIGHTS holds them
        )
    raise ValueError(f"unknown profile {name!r}: use 'smoke' (synthetic data, CPU, minutes), 'class' (the same data, "
                     "5 folds x 2 seeds, a few hours) or 'paper' (real data, GPU)")
