"""A study's trained network read back: its record, its training log, its model and the mean image it subtracts.

Studies that keep their models (the baseline does) save each run's best network beside its log
(``helpers.studies.store``). :func:`baseline_run` is what notebooks 10 and 15 start from: the baseline's run
for a task, fold and seed, trained first if no notebook has trained it yet. The predictor reads any kept run
with :func:`recorded_run`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from helpers import atomic, environment

environment.start_tensorflow()  # quietly, before Keras imports it

import keras  # noqa: E402

from helpers.profiles import Profile  # noqa: E402
from helpers.studies import catalogue, runner, store  # noqa: E402
from helpers.training import two_heads  # noqa: E402


@dataclasses.dataclass
class RecordedRun:
    """A finished run read back: its line of the results file, its training log and, if kept, its model."""

    row: pd.Series
    # one row per epoch, numbered from 1 (as ``fit.Fitted.history``); a two-headed network's has both heads'
    history: pd.DataFrame
    # the best Keras model, for studies with ``keep_models``; of a two-headed network, the trunk and the row's head
    model: object = None
    mean: np.ndarray | None = None  # the mean image the model subtracts (kept beside it since 2026-12-04)


def recorded_run(profile: Profile, study: str, variant: str, task: str, fold: int, seed: int) -> RecordedRun:
    """Read back one run of ``study`` (following ``reused_from`` to the run it was copied from; a task's run of a
    two-headed network reads the network's one log, and its model is the trunk with that task's head)."""
    row = store.run_row(profile, study, variant, task, fold, seed)
    directory = store.trained_in(profile, study, row, "both" if store.two_headed(row) else None)
    history = pd.read_csv(directory / "log.csv")
    history.index = pd.RangeIndex(1, len(history) + 1, name="epoch")
    model_file = directory / "best.keras"
    try:
        model = keras.saving.load_model(model_file) if model_file.exists() else None
    except atomic.UNREADABLE as error:
        record = store.record_path(profile, study, row)
        raise RuntimeError(f"{model_file}: not a network Keras can load ({type(error).__name__}: {error}). To train "
                           f"its run again, delete that file and the run's record {record}, then run the "
                           "notebook again.") from None
    if model is not None and store.two_headed(row):
        model = two_heads.single_head(model, task)
    mean = np.load(directory / "mean.npy") if (directory / "mean.npy").exists() else None
    return RecordedRun(row, history.drop(columns="epoch"), model, mean)


def baseline_run(profile: Profile, task: str, fold: int, seed: int) -> RecordedRun:
    """The baseline's run (notebook 02) for ``task`` on test fold ``fold`` with ``seed``, with its network: trained
    now, with the rest of the baseline's runs for that fold, if it is not recorded yet."""
    runner.run_study(catalogue.STUDIES["baseline"], profile, folds=(fold,), seeds=(seed,), verbose=False)
    return recorded_run(profile, "baseline", "paper", task, fold, seed)
