"""Studies: one factor varied around the paper's settings, every run recorded, nothing run twice.

A study is a name and its *variants* (a label and the settings it changes, e.g. ``"16": {"batch_size":
16}``). :func:`run_study` trains one fresh network per (variant, task, fold, seed) and appends one row per
run to ``results/<profile>/<study>.csv``: the settings, the test scores (centre crop and 10-crop), the epochs,
the seconds and whether the run diverged. Each run's training log goes to
``results/<profile>/runs/<study>/<run>/log.csv``, with its best model when the study keeps models.

- Resumable: a run whose row is already in the file is skipped, so an interrupted study picks up where it
  stopped, and a finished one is only read.
- Safe: the file is rewritten whole into a temporary file and renamed over the old one after every run,
  so an interruption leaves the previous complete file, never a half-written row.
- A diverged run (NaN loss) is recorded with ``diverged=True`` and no scores; the study goes on.
- Shared: a run whose settings, task, fold and seed equal a finished run of *any* study of the profile (the
  paper's baseline appears in every study) is copied from there, marked ``reused_from``, not trained again.
- Quick: a profile with ``quick_studies`` (smoke) runs only each study's ``quick`` variants.
- Transfer: a variant with ``transfer`` "frozen" or "fine-tune" starts from the network pre-trained for its
  task (``helpers.pretraining``), which is trained once and kept.
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
from pathlib import Path

import pandas as pd

from helpers import experiment, pretraining
from helpers.profiles import Profile, results_dir

KEY = ["variant", "task", "fold", "seed"]


@dataclasses.dataclass(frozen=True)
class OfProfile:
    """A setting relative to the profile's own value (``OfProfile(0.1)`` of a learning rate is a tenth of it)."""

    factor: float = 1.0

    def __repr__(self) -> str:
        return "the profile's" if self.factor == 1 else f"the profile's x {self.factor:g}"


@dataclasses.dataclass(frozen=True)
class Study:
    name: str
    variants: dict  # label -> {Settings field: value or OfProfile}
    tasks: tuple = ("gender", "age")
    quick: tuple = ()  # the variants a quick profile runs (all when empty)
    keep_models: bool = False  # save every run's best model beside its log (notebook 02 looks inside them)

    def variants_for(self, profile: Profile) -> list[str]:
        return list(self.quick) if profile.quick_studies and self.quick else list(self.variants)


#: The paper's baseline (notebook 02) and the report's one-factor studies (notebooks 03-08).
STUDIES = {
    "baseline": Study("baseline", {"paper": {}}, keep_models=True),
    "batch_size": Study("batch_size", {str(size): {"batch_size": size} for size in (4, 8, 16, 32, 64)},
                        quick=("16", "32", "64")),
    "hidden_units": Study("hidden_units", {str(units): {"hidden_units": units} for units in (128, 256, 512, 1024, 2048)},
                          quick=("128", "512", "2048")),
    "hidden_layers": Study("hidden_layers", {str(layers): {"hidden_layers": layers} for layers in (1, 2, 3)}),
    "learning_rate": Study("learning_rate", {
        "step schedule (profile's rate)": {"schedule": "step", "learning_rate": OfProfile()},
        **{f"constant {rate:g}": {"schedule": "constant", "learning_rate": rate} for rate in (1e-4, 1e-3, 5e-3, 1e-2)},
    }, quick=("step schedule (profile's rate)", "constant 0.0001", "constant 0.001")),
    "augmentation": Study("augmentation", {
        "none": {"random_crop": False, "flip": False},
        "flip": {"random_crop": False, "flip": True},
        "crop": {"random_crop": True, "flip": False},
        "crop + flip (paper)": {"random_crop": True, "flip": True},
    }, quick=("none", "flip", "crop + flip (paper)")),
    "transfer": Study("transfer", {
        "from scratch": {},
        "frozen trunk, new softmax (report)": {"transfer": "frozen"},
        "fine-tune all, rate / 10": {"transfer": "fine-tune", "learning_rate": OfProfile(0.1)},
    }),
}


def results_path(profile: Profile, study: str) -> Path:
    return results_dir(profile) / f"{study}.csv"


def read_results(profile: Profile, study: str) -> pd.DataFrame:
    path = results_path(profile, study)
    return pd.read_csv(path, dtype={"variant": str}) if path.exists() else pd.DataFrame(columns=KEY)  # "16" stays text


def _write_atomically(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.to_csv(temporary, index=False)
    os.replace(temporary, path)  # atomic on POSIX and Windows: readers see the old file or the new one


def settings_for(study: Study, variant: str, profile: Profile) -> experiment.Settings:
    base = experiment.baseline(profile)
    changes = {k: (getattr(base, k) * v.factor if isinstance(v, OfProfile) else v) for k, v in study.variants[variant].items()}
    return dataclasses.replace(base, **changes)


def run_directory(profile: Profile, study: str, variant: str, task: str, fold: int, seed: int) -> Path:
    """Where a run's ``log.csv`` (and ``best.keras`` when its study keeps models) are written."""
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", variant).strip("-")
    return results_dir(profile) / "runs" / study / f"{slug}_{task}_fold{fold}_seed{seed}"


def _same_run(profile: Profile, task: str, fold: int, seed: int, settings: experiment.Settings) -> dict | None:
    """A finished run of any study of ``profile`` with exactly these settings, task, fold and seed."""
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


def run_study(study: Study, profile: Profile, *, folds=None, seeds=None, verbose: bool = True) -> pd.DataFrame:
    """Run every missing (variant, task, fold, seed) of ``study``; return all its rows."""
    folds = tuple(profile.folds if folds is None else folds)
    seeds = tuple(profile.seeds if seeds is None else seeds)
    path = results_path(profile, study.name)
    results = read_results(profile, study.name)
    done = set(map(tuple, results[KEY].astype(str).to_numpy())) if len(results) else set()
    plan = [(variant, task, fold, seed) for task in study.tasks for fold in folds for variant in study.variants_for(profile)
            for seed in seeds]
    todo = [key for key in plan if tuple(map(str, key)) not in done]
    if verbose:
        print(f"{study.name}: {len(plan)} runs planned, {len(plan) - len(todo)} already in {path}, {len(todo)} to run")
    data = {}
    for number, (variant, task, fold, seed) in enumerate(todo, 1):
        settings = settings_for(study, variant, profile)
        shared = None if study.keep_models else _same_run(profile, task, fold, seed, settings)
        if shared is not None:
            source = shared.get("reused_from")
            source = source if isinstance(source, str) else f"{shared['study']}/{shared['variant']}"
            row = {**shared, "study": study.name, "variant": variant, "reused_from": source}
        else:
            if (task, fold) not in data:
                data = {(task, fold): experiment.task_data(profile, task, fold)}  # one task's images at a time
            pretrained = (pretraining.pretrained_model(profile, task, seed, verbose=verbose)
                          if settings.transfer != "none" else None)
            outcome = experiment.run(data[(task, fold)], settings, seed, oversample=True, pretrained=pretrained,
                                     run_dir=run_directory(profile, study.name, variant, task, fold, seed),
                                     save_model=study.keep_models)
            row = {"study": study.name, "variant": variant, "task": task, "fold": fold, "seed": seed,
                   **dataclasses.asdict(settings), **outcome.row(), "reused_from": "",
                   "finished": time.strftime("%Y-%m-%d %H:%M:%S")}
        results = pd.concat([results.astype(object), pd.DataFrame([row])], ignore_index=True) if len(results) else pd.DataFrame([row])
        _write_atomically(results, path)
        if verbose:
            state = "DIVERGED" if row["diverged"] else f"accuracy {row['accuracy']:.3f}"
            how = f"the same run as {row['reused_from']}" if row["reused_from"] else f"{row['seconds']:.0f} s"
            print(f"  [{number}/{len(todo)}] {task:<6} fold {fold} seed {seed} {variant:<20} {state}, "
                  f"{row['epochs_trained']} epochs, {how}", flush=True)
    return read_results(profile, study.name)


@dataclasses.dataclass
class RecordedRun:
    """A finished run read back: its line of the results file, its training log and, if kept, its model."""

    row: pd.Series
    history: pd.DataFrame  # one row per epoch, numbered from 1 (as ``training.Run.history``)
    model: object = None  # the best Keras model, for studies with ``keep_models``


def recorded_run(profile: Profile, study: str, variant: str, task: str, fold: int, seed: int) -> RecordedRun:
    """Read back one run of ``study`` (following ``reused_from`` to the run it was copied from)."""
    import keras

    results = read_results(profile, study)
    match = results[(results.variant.astype(str) == str(variant)) & (results.task == task)
                    & (results.fold.astype(int) == fold) & (results.seed.astype(int) == seed)]
    if len(match) == 0:
        raise LookupError(f"no {study} run of {variant!r} for {task}, fold {fold}, seed {seed} in "
                          f"{results_path(profile, study)}: run the study first (run_study)")
    row = match.iloc[0]
    source = row.get("reused_from")
    where = (source.split("/", 1) if isinstance(source, str) and source else (study, str(variant)))
    directory = run_directory(profile, where[0], where[1], task, fold, seed)
    history = pd.read_csv(directory / "log.csv")
    history.index = pd.RangeIndex(1, len(history) + 1, name="epoch")
    model_file = directory / "best.keras"
    return RecordedRun(row, history.drop(columns="epoch"), keras.saving.load_model(model_file) if model_file.exists() else None)


def summary(results: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Mean, standard deviation and n of ``metric`` per task and variant (diverged runs counted apart)."""
    diverged = results.diverged.astype(bool)
    every = pd.MultiIndex.from_frame(results[["task", "variant"]].drop_duplicates())
    table = results[~diverged].groupby(["task", "variant"], sort=False)[metric].agg(["mean", "std", "count"]).reindex(every)
    table["count"] = table["count"].fillna(0).astype(int)
    table["diverged"] = diverged.groupby([results.task, results.variant], sort=False).sum().reindex(every).astype(int)
    return table.rename(columns={"count": "n"})
