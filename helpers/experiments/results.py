"""The results store: one row per finished run in ``results/<profile>/<study>.csv``, each run's files beside it.

A row holds the run's study, variant, task, fold and seed (the *key*), every field of its settings, its test
scores (centre crop and 10-crop), epochs and seconds. The run's training log, its prediction for every test
face (``predictions.csv``, for paired comparisons) and its best model when the study keeps models go to
``results/<profile>/runs/<study>/<run>/``. Students read the CSV files with pandas;
the kit reads them to skip finished runs and to reuse a run that another study already made.

Every write goes through ``helpers.atomic``, so an interrupted run leaves the previous complete file.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd

from helpers import atomic
from helpers.experiments.settings import Settings
from helpers.profiles import Profile, results_dir

KEY = ["variant", "task", "fold", "seed"]


def results_path(profile: Profile, study: str) -> Path:
    return results_dir(profile) / f"{study}.csv"


def read_results(profile: Profile, study: str) -> pd.DataFrame:
    """Every recorded run of ``study`` (an empty frame with the key columns when there is none yet)."""
    path = results_path(profile, study)
    return pd.read_csv(path, dtype={"variant": str}) if path.exists() else pd.DataFrame(columns=KEY)  # "16" stays text


def finished_keys(results: pd.DataFrame) -> set[tuple[str, ...]]:
    """The (variant, task, fold, seed) of every recorded run, as text (a CSV reads "8" back as 8)."""
    return set(map(tuple, results[KEY].astype(str).to_numpy())) if len(results) else set()


def append(profile: Profile, study: str, row: dict) -> pd.DataFrame:
    """Add one run's row to the study's file (rewritten whole, atomically); return the new table."""
    results = read_results(profile, study)
    results = pd.concat([results.astype(object), pd.DataFrame([row])], ignore_index=True) if len(results) \
        else pd.DataFrame([row])
    atomic.write(results_path(profile, study), results.to_csv(index=False))
    return results


def run_directory(profile: Profile, study: str, variant: str, task: str, fold: int, seed: int) -> Path:
    """Where a run's ``log.csv`` (and ``best.keras`` when its study keeps models) are written."""
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", variant).strip("-")
    return results_dir(profile) / "runs" / study / f"{slug}_{task}_fold{fold}_seed{seed}"


def same_run(profile: Profile, task: str, fold: int, seed: int, settings: Settings) -> dict | None:
    """The row of a finished run of any study of ``profile`` with exactly these settings, task, fold and seed."""
    wanted = {"task": task, "fold": fold, "seed": seed, **dataclasses.asdict(settings)}
    as_text = pd.Series({key: str(value) for key, value in wanted.items()})
    for path in sorted(results_dir(profile).glob("*.csv")):
        text = pd.read_csv(path, dtype=str, keep_default_na=False)
        if len(text) == 0 or not set(wanted) | {"accuracy_10crop"} <= set(text.columns):
            continue  # empty, or written by an older kit that recorded less
        same = (text[list(wanted)] == as_text).all(axis=1)
        if same.any():
            return pd.read_csv(path).loc[same.to_numpy().argmax()].to_dict()
    return None


def write_predictions(directory: Path, predictions: dict) -> None:
    """Keep a run's prediction for every test face beside its log (a few kB)."""
    atomic.write(Path(directory) / "predictions.csv", pd.DataFrame(predictions).to_csv(index=False))


def _run_row(profile: Profile, study: str, variant: str, task: str, fold: int, seed: int) -> pd.Series:
    recorded = read_results(profile, study)
    match = recorded[(recorded.variant.astype(str) == str(variant)) & (recorded.task == task)
                     & (recorded.fold.astype(int) == fold) & (recorded.seed.astype(int) == seed)]
    if len(match) == 0:
        raise LookupError(f"no {study} run of {variant!r} for {task}, fold {fold}, seed {seed} in "
                          f"{results_path(profile, study)}: run the study first (runner.run_study)")
    return match.iloc[0]


def _trained_in(profile: Profile, study: str, row: pd.Series) -> Path:
    """The folder of the run that trained ``row`` (following ``reused_from`` to the run it was copied from)."""
    source = row.get("reused_from")
    where = source.split("/", 1) if isinstance(source, str) and source else (study, str(row.variant))
    return run_directory(profile, where[0], where[1], row.task, int(row.fold), int(row.seed))


def predictions(profile: Profile, study: str, variant: str, task: str, fold: int, seed: int) -> pd.DataFrame | None:
    """One run's prediction for every test face (label, predicted, predicted_10crop), or None when the run kept
    none (diverged, or recorded by an older kit)."""
    path = _trained_in(profile, study, _run_row(profile, study, variant, task, fold, seed)) / "predictions.csv"
    return pd.read_csv(path) if path.exists() else None


@dataclasses.dataclass
class RecordedRun:
    """A finished run read back: its line of the results file, its training log and, if kept, its model."""

    row: pd.Series
    history: pd.DataFrame  # one row per epoch, numbered from 1 (as ``training.Run.history``)
    model: object = None  # the best Keras model, for studies with ``keep_models``


def recorded_run(profile: Profile, study: str, variant: str, task: str, fold: int, seed: int) -> RecordedRun:
    """Read back one run of ``study`` (following ``reused_from`` to the run it was copied from)."""
    import keras

    row = _run_row(profile, study, variant, task, fold, seed)
    directory = _trained_in(profile, study, row)
    history = pd.read_csv(directory / "log.csv")
    history.index = pd.RangeIndex(1, len(history) + 1, name="epoch")
    model_file = directory / "best.keras"
    model = keras.saving.load_model(model_file) if model_file.exists() else None
    return RecordedRun(row, history.drop(columns="epoch"), model)
