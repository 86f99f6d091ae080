"""How long a study has left: a first guess before it trains anything, then the pace of its own runs.

- Before the first run, from the runs this profile has already trained in any study (the median seconds of
  one, times the runs still to train); a run another study already made is copied, so it costs nothing.
- With nothing trained yet in the ``paper`` profile, from the training speed measured on one NVIDIA H200
  (``bench/jax_throughput.py``): every run at its batch size's images per second over the real fold's
  training split for all its epochs, an upper bound since early stopping ends most runs well before.
- Transfer runs first pre-train their network when it is not kept yet: that many epochs at the same pace
  (the mirrors' sources are about as large as Adience's training split), or in the paper profile the H200
  rates over the real source's training split.
- As runs finish, from the study's own pace: the seconds since it started per run done, times the runs left.

``bench/paper_estimate.py`` prints the same H200 arithmetic for every notebook of the paper profile.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from helpers.data import task_data
from helpers.profiles import Profile
from helpers.studies import store
from helpers.training.settings import Settings, baseline

#: images/s of the training step at 227 px per batch size: bench/jax_throughput.py, NVIDIA H200, float32
H200_RATES = {4: 1882, 8: 3807, 16: 4877, 32: 7859, 50: 6157, 64: 4232}
#: training-split sizes from the real index files (mean over the 5 folds for Adience), counted with
#: helpers.data.splits on ../shared/real_index (IMDB-WIKI: subject_split's training part of the cleaned
#: wiki.mat's 38,138)
TRAIN_IMAGES = {"gender": 12_304, "age": 13_164, "celeba": 162_770, "imdb_wiki": 30_510}


def rate_at(batch_size: int, rates: dict = H200_RATES) -> float:
    """Images per second at ``batch_size``, interpolated between the measured batch sizes."""
    sizes = sorted(rates)
    return float(np.interp(batch_size, sizes, [rates[size] for size in sizes]))


def upper_bound(settings: Settings, task: str, rates: dict = H200_RATES, images: dict = TRAIN_IMAGES) -> float:
    """Seconds to train one run for all its epochs at ``rates`` (no early stop, no evaluation)."""
    return settings.epochs * images[task] / rate_at(settings.batch_size, rates)


def duration(seconds: float) -> str:
    """45 s, 12 min, 3.4 h."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def trained_seconds(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """The seconds of every run that was trained (not copied, not diverged) in these study tables."""
    rows = [table for table in tables.values() if len(table) and "seconds" in table]
    if not rows:
        return pd.Series(dtype=float)
    rows = pd.concat(rows, ignore_index=True)
    copied = rows.get("reused_from", pd.Series(index=rows.index)).astype("string").fillna("") != ""
    diverged = rows.get("diverged", pd.Series(index=rows.index)).astype("string") == "True"
    return rows.loc[~copied & ~diverged.fillna(False), "seconds"].astype(float)


def pretrainings(profile: Profile, study, keys: list[tuple]) -> list[tuple[str, int]]:
    """The (task, seed) networks that transfer runs among ``keys`` must pre-train first (not kept yet)."""
    from helpers.studies import pretraining

    return sorted({(task, seed) for variant, task, _, seed in keys
                   if study.settings_for(variant, profile).transfer != "none"
                   and not (pretraining.pretraining_directory(profile, task, seed) / "scores.json").exists()})


def first_guess(profile: Profile, study, keys: list[tuple], tables: dict[str, pd.DataFrame]) -> str:
    """A sentence with the time the runs ``keys`` of ``study`` should take, before any of them ran (``keys``
    from :func:`to_train`, ``tables`` from ``store.recorded_tables``), pre-training included."""
    if not keys:
        return "nothing to train"
    seconds, first = trained_seconds(tables), pretrainings(profile, study, keys)
    if len(seconds):
        each = float(seconds.median())
        # a pre-training: the same step on a source about as large as Adience's training split in the mirrors,
        # for its own number of epochs
        before = each * profile.pretraining_epochs / profile.max_epochs
        also = (f", and first {len(first)} pre-training(s) of {profile.pretraining_epochs} epochs, about "
                f"{before:.0f} s each at that pace" if first else "")
        return (f"about {duration(each * len(keys) + before * len(first))} ({len(keys)} x {each:.0f} s, the median "
                f"run trained so far in the {profile.name} profile, n = {len(seconds)}{also})")
    if profile.name == "paper":
        bound = sum(upper_bound(study.settings_for(variant, profile), task) for variant, task, _, _ in keys)
        source = dataclasses.replace(baseline(profile), epochs=profile.pretraining_epochs)
        bound += sum(upper_bound(source, task_data.SOURCES[task][0]) for task, _ in first)
        return (f"at most {duration(bound)} on one NVIDIA H200 if no run stops early ({len(keys)} runs"
                + (f" and {len(first)} pre-training(s)" if first else "") + " at the rates of bench/paper_estimate.py)")
    return f"{len(keys)} runs to train; the time left shows once the first has finished"


def left(elapsed: float, done: int, remaining: int) -> str:
    """The time left at the pace so far: ``elapsed`` seconds for ``done`` runs, ``remaining`` still to go."""
    if remaining == 0:
        return "done"
    return f"{duration(elapsed / max(done, 1) * remaining)} left"


def to_train(profile: Profile, study, keys: list[tuple], tables: dict[str, pd.DataFrame]) -> list[tuple]:
    """The runs among ``keys`` that will be trained: those no recorded run of the profile can stand in for, and
    of a two-headed network's two rows (gender and age) only the first, since one training gives both."""
    trained, joint, recorded = [], set(), store.comparable(tables)
    for variant, task, fold, seed in keys:
        settings = study.settings_for(variant, profile)
        if settings.multitask and (variant, fold, seed) in joint:
            continue
        if study.keep_models or store.same_run(profile, task, fold, seed, settings, recorded) is None:
            trained.append((variant, task, fold, seed))
            if settings.multitask:
                joint.add((variant, fold, seed))
    return trained
