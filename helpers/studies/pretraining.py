"""Pre-training: the network each task starts from in transfer learning, trained once and kept.

The course report pre-trained gender on CelebA (its ``Male`` attribute) and age on IMDB-WIKI (ages from
date of birth and photo year, in the 8 Adience groups), then moved the network to Adience. Here
:func:`pretrained_model` trains that network with the profile's baseline settings (for
``profile.pretraining_epochs``) on ``task_data.source_data`` (the same protocol as every Adience run:
validation picks the epoch, the source's own test split is scored once) and keeps it under
``results/<profile>/pretrained/``:

- ``best.keras``: the network with the best validation accuracy;
- ``log.csv``: its training log;
- ``scores.json``: its scores on the source's test split, written last, so a run cut short is redone.

Later calls, from any notebook or study, load the kept network instead of training it again. On a Ray cluster
(``helpers.studies.cluster``) the pre-training is a task like any run: it trains on a node of the cluster and
sends its files back to the notebook, which keeps them. A kept network
that cannot be loaded (a copy gone wrong, a full disk) is set aside as ``best.keras.damaged``, named in a
warning, and trained again.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pandas as pd

from helpers import atomic
from helpers.data import task_data
from helpers.profiles import Profile, results_dir
from helpers.studies import claims, cluster
from helpers.training import one_run
from helpers.training.settings import baseline


def pretraining_directory(profile: Profile, task: str, seed: int) -> Path:
    return results_dir(profile) / "pretrained" / f"{task_data.SOURCES[task][0]}_{task}_seed{seed}"


def pretrained_model(profile: Profile, task: str, seed: int, verbose: bool = True):
    """The network pre-trained for ``task`` (trained now if it is not kept yet), for ``transfer.from_pretrained``."""
    import keras

    directory = pretraining_directory(profile, task, seed)
    for attempt in range(2):
        while not (directory / "scores.json").exists():
            held = claims.claim(directory.with_name(directory.name + ".claim"))  # one worker trains it, others wait
            if held is None:
                time.sleep(claims.poll())
                continue
            with held:
                if not (directory / "scores.json").exists() and cluster.connected():
                    _pretrain_elsewhere(profile, task, seed, verbose)
                elif not (directory / "scores.json").exists():
                    _pretrain(profile, task, seed, directory, verbose)
        kept = directory / "best.keras"
        try:
            return keras.saving.load_model(kept)
        except atomic.UNREADABLE as error:
            if attempt == 1:
                raise RuntimeError(f"{kept}: the network pre-trained just now cannot be loaded either ({error}). "
                                   "Check the disk (space, permissions) and run the notebook again.") from error
            if atomic.set_aside(kept, f"not a network Keras can load ({type(error).__name__}: {error})",
                                f"pre-training {task} again"):  # None: another worker set it aside first
                (directory / "scores.json").unlink(missing_ok=True)


def _pretrain_elsewhere(profile: Profile, task: str, seed: int, verbose: bool) -> None:  # pragma: no mutate block (Ray)
    """Pre-train in a Ray task and keep its files here, ``scores.json`` last."""
    import ray

    cluster.check_every_node(profile.data_dir)
    if verbose:
        print(f"pre-training {task} on {task_data.SOURCES[task][0]}, seed {seed}, on {cluster.describe()} ...",
              flush=True)
    row, files = ray.get(cluster.elsewhere(profile, _pretrain_here, profile, task, seed))
    cluster.write_files(profile, files, last="scores.json")
    if verbose:
        print(f"  {task} on {row['source']}: test accuracy {row['accuracy']:.3f} (majority {row['majority']:.3f}), "
              f"{row['seconds']:.0f} s", flush=True)


def _pretrain_here(profile: Profile, task: str, seed: int) -> dict:
    return _pretrain(profile, task, seed, pretraining_directory(profile, task, seed), verbose=False)


def _pretrain(profile: Profile, task: str, seed: int, directory: Path, verbose: bool) -> dict:
    """Train and keep the network (``best.keras``, ``log.csv``, then ``scores.json``, written last); return its
    scores."""
    source = task_data.SOURCES[task][0]
    data = task_data.source_data(profile, task)
    if verbose:
        print(f"pre-training {task} on {source} ({data.counts()}), seed {seed} ...", flush=True)
    settings = dataclasses.replace(baseline(profile), epochs=profile.pretraining_epochs)
    outcome = one_run.train_and_score(data, settings, seed, run_dir=directory, oversample=True,
                                      log_epochs=profile.log_epochs)
    if outcome.training.diverged:
        raise RuntimeError(f"pre-training {task} on {source} diverged (NaN loss, log in "
                           f"{directory / 'log.csv'}): lower the profile's learning rate and run again")
    row = {"source": source, "task": task, "seed": seed, **outcome.row(), "n_train": len(data.labels["train"]),
           "majority": data.majority("test")}
    atomic.write(directory / "scores.json", json.dumps(row, indent=1))
    if verbose:
        print(f"  {task} on {row['source']}: test accuracy {row['accuracy']:.3f} (majority {row['majority']:.3f}), "
              f"{row['seconds']:.0f} s", flush=True)
    return row


def pretraining_results(profile: Profile) -> pd.DataFrame:
    """One row per kept pre-trained network: source, task, seed and its scores on the source's test split."""
    rows = [
        json.loads(path.read_text()) for path in sorted((results_dir(profile) / "pretrained").glob("*/scores.json"))
    ]
    return pd.DataFrame(rows)
