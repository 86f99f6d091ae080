"""The results store: one record per finished run, and one table per study that students read with pandas.

A run's record is a one-row CSV, ``results/<profile>/records/<study>/<run>.csv``, named by its *key*
(variant, task, fold, seed) and written by an atomic rename (``helpers.atomic``): however many workers
share the folder, and wherever one is killed, a run is recorded once or not at all. A row holds the key,
every field of the run's settings, its test scores (centre crop and 10-crop), epochs, seconds and the
worker that trained it. After each record, ``results/<profile>/<study>.csv`` is rewritten from all the
study's records: the view students read. The run's training log, its prediction for every test face
(``predictions.csv``, for paired comparisons) and its best model when the study keeps models go to
``results/<profile>/runs/<study>/<run>/``. The kit reads the records to skip finished runs and to reuse a
run that another study already made; ``helpers.studies.claims`` keeps two workers from training the
same run.

A results folder written before records existed (only ``<study>.csv``) is read as it is, and its rows
become records at the first new run. A record that cannot be one of the kit's (empty, cut short, other
columns, values that do not parse, a key that is not its name: a full disk, a copy gone wrong, a hand edit) is
set aside beside the others as ``<run>.csv.damaged``, named in one warning line with what was wrong, and its run
counts as not recorded, so the study trains it again; nothing else changes.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import atomic
from helpers.profiles import Profile, results_dir
from helpers.training.settings import Settings

KEY = ["variant", "task", "fold", "seed"]
DEFAULTS = dataclasses.asdict(Settings())  # what a run recorded before a setting existed had for it


def results_path(profile: Profile, study: str) -> Path:
    return results_dir(profile) / f"{study}.csv"


def records_dir(profile: Profile, study: str) -> Path:
    return results_dir(profile) / "records" / study


def _slug(variant) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", str(variant)).strip("-")


def run_name(variant, task: str, fold, seed) -> str:
    """The name of a run's record, claim and folder: its key as a file name."""
    return f"{_slug(variant)}_{task}_fold{int(fold)}_seed{int(seed)}"


def _read_csv(text_or_path) -> pd.DataFrame:
    return pd.read_csv(text_or_path, dtype={"variant": str})  # a variant "16" stays text


#: What every record holds, an older kit's too; the other columns are read as they come (checked when present).
REQUIRED = KEY


def _written(value) -> str:
    """A record's cell as a reader of the file would name it: 'an empty cell', or the value itself."""
    return "an empty cell" if pd.isna(value) else repr(value.item() if isinstance(value, np.generic) else value)


def _damage(record: pd.DataFrame, file: Path) -> str:
    """What keeps ``record`` (read from ``file``) from being one of the kit's records; '' when nothing does."""
    if len(record) != 1:
        return f"it holds {len(record)} rows, not one"
    if missing := [column for column in REQUIRED if column not in record]:
        return f"it lacks the column(s) {', '.join(missing)}"
    row = record.iloc[0]
    try:
        fold, seed = int(row.fold), int(row.seed)
    except (TypeError, ValueError):
        return f"its fold {_written(row.fold)} or seed {_written(row.seed)} is not a whole number"
    if "diverged" in record and str(row.diverged) not in ("True", "False"):
        return f"its diverged {_written(row.diverged)} is neither True nor False"
    if "accuracy" in record and str(row.get("diverged")) != "True":
        accuracy = pd.to_numeric(pd.Series([row.accuracy]), errors="coerce").iloc[0]
        if not 0 <= accuracy <= 1:
            return f"its accuracy {_written(row.accuracy)} is not a number from 0 to 1"
    if f"{run_name(row.variant, row.task, fold, seed)}.csv" != file.name:
        return f"its key ({row.variant}, {row.task}, fold {fold}, seed {seed}) is not the run its name says"
    return ""


def _read_record(file: Path) -> pd.DataFrame | None:
    """One run's record; None when the file is not one (it is then set aside with a warning, see the docstring)."""
    try:
        record = _read_csv(file)
        damage = _damage(record, file)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        damage = f"it cannot be read as a table ({type(error).__name__}: {str(error).splitlines()[0]})"
    except FileNotFoundError:  # another worker set it aside a moment ago
        return None
    if not damage:
        return record
    atomic.set_aside(file, f"not a record of this kit: {damage}",
                     "its run counts as not recorded and will be trained again")
    return None


def read_results(profile: Profile, study: str) -> pd.DataFrame:
    """Every recorded run of ``study``, in the order they finished (an empty frame with the key columns when
    there is none yet). A damaged record is set aside and left out (see the module docstring)."""
    folder = records_dir(profile, study)
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        path = results_path(profile, study)
        return _read_csv(path) if path.exists() else pd.DataFrame(columns=KEY)
    records = [record for record in map(_read_record, files) if record is not None]
    if not records:
        return pd.DataFrame(columns=KEY)
    rows = pd.concat(records, ignore_index=True)
    if "finished" in rows:
        rows = rows.sort_values("finished", kind="stable", ignore_index=True)
    return _read_csv(io.StringIO(rows.to_csv(index=False)))  # the types a reader of the view gets


def finished_keys(results: pd.DataFrame) -> set[tuple[str, ...]]:
    """The (variant, task, fold, seed) of every recorded run, as text (a CSV reads "8" back as 8)."""
    return set(map(tuple, results[KEY].astype(str).to_numpy())) if len(results) else set()


def record_path(profile: Profile, study: str, row) -> Path:
    return records_dir(profile, study) / f"{run_name(row['variant'], row['task'], row['fold'], row['seed'])}.csv"


def is_recorded(profile: Profile, study: str, variant, task: str, fold, seed) -> bool:
    return (records_dir(profile, study) / f"{run_name(variant, task, fold, seed)}.csv").exists()


def _write_view(profile: Profile, study: str) -> pd.DataFrame:
    """Rewrite the study's table from its records until it holds every record (another worker may add one
    while it is written; whoever writes last checks again)."""
    for _ in range(20):
        results = read_results(profile, study)
        atomic.write(results_path(profile, study), results.to_csv(index=False))
        if len(list(records_dir(profile, study).glob("*.csv"))) == len(results):
            break
    return results


def append(profile: Profile, study: str, row: dict) -> pd.DataFrame:
    """Record one run (a record file, written atomically; a second record of the same key replaces the first),
    then rewrite the study's table; return the table."""
    view = results_path(profile, study)
    if not records_dir(profile, study).is_dir() and view.exists():  # a results folder from before records
        for _, old in _read_csv(view).iterrows():
            atomic.write(record_path(profile, study, old), old.to_frame().T.to_csv(index=False))
    atomic.write(record_path(profile, study, row), pd.DataFrame([row]).to_csv(index=False))
    return _write_view(profile, study)


def run_directory(profile: Profile, study: str, variant: str, task: str, fold: int, seed: int) -> Path:
    """Where a run's ``log.csv`` (and ``best.keras`` when its study keeps models) are written."""
    return results_dir(profile) / "runs" / study / run_name(variant, task, fold, seed)


def studies_recorded(profile: Profile) -> list[str]:
    """The names of the studies with a table or records under ``profile``."""
    root = results_dir(profile)
    names = {path.stem for path in root.glob("*.csv")}
    names |= {path.name for path in (root / "records").glob("*") if path.is_dir()}
    return sorted(names)


def records_older_than(profile: Profile, moment: float) -> list[Path]:
    """The run records under ``profile`` written before ``moment`` (seconds since the epoch): once the synthetic
    mirror has been written again, the runs trained on the mirror before it (``helpers.environment`` warns)."""
    return sorted(record for record in results_dir(profile).glob("records/*/*.csv") if record.stat().st_mtime < moment)


def recorded_tables(profile: Profile) -> dict[str, pd.DataFrame]:
    """Every study's recorded runs under ``profile``, by study name."""
    return {study: read_results(profile, study) for study in studies_recorded(profile)}


def comparable(tables: dict[str, pd.DataFrame]) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Each table of :func:`recorded_tables` beside its text form, with the settings added since its runs were
    recorded filled in at their defaults: what :func:`same_run` compares (made once for many lookups)."""
    pairs = []
    for table in tables.values():
        text = pd.read_csv(io.StringIO(table.to_csv(index=False)), dtype=str, keep_default_na=False)
        for field in set(DEFAULTS) - set(text.columns):  # a setting added since: those runs had its default
            text[field] = str(DEFAULTS[field])
        pairs.append((table, text))
    return pairs


def same_run(profile: Profile, task: str, fold: int, seed: int, settings: Settings,
             tables: list[tuple[pd.DataFrame, pd.DataFrame]] | None = None) -> dict | None:
    """The row of a finished run of any study of ``profile`` with exactly these settings, task, fold and seed
    (looked up in ``tables`` from :func:`comparable` when given, read afresh otherwise)."""
    wanted = {"task": task, "fold": fold, "seed": seed, **dataclasses.asdict(settings)}
    as_text = pd.Series({key: str(value) for key, value in wanted.items()})
    for table, text in comparable(recorded_tables(profile)) if tables is None else tables:
        if len(text) == 0 or not set(wanted) | {"accuracy_10crop"} <= set(text.columns):
            continue  # empty, or written by an older kit that recorded less
        same = (text[list(wanted)] == as_text).all(axis=1)
        if same.any():
            return table.loc[same.to_numpy().argmax()].to_dict()
    return None


def write_predictions(directory: Path, predictions: dict) -> None:
    """Keep a run's prediction for every test face beside its log (a few kB)."""
    atomic.write(Path(directory) / "predictions.csv", pd.DataFrame(predictions).to_csv(index=False))


def write_mean(directory: Path, mean) -> None:
    """Keep the mean image a kept network subtracts from its inputs beside it (``mean.npy``, float32 as the
    inputs are), so that the network answers a new photo without its training data (``helpers.predict``)."""
    atomic.write(Path(directory) / "mean.npy", lambda handle: np.save(handle, np.asarray(mean, np.float32)))


def run_row(profile: Profile, study: str, variant: str, task: str, fold: int, seed: int) -> pd.Series:
    recorded = read_results(profile, study)
    match = recorded[(recorded.variant.astype(str) == str(variant)) & (recorded.task == task)
                     & (recorded.fold.astype(int) == fold) & (recorded.seed.astype(int) == seed)]
    if len(match) == 0:
        raise LookupError(f"no {study} run of {variant!r} for {task}, fold {fold}, seed {seed} in "
                          f"{results_path(profile, study)}: run the study first (runner.run_study)")
    return match.iloc[0]


def two_headed(row: pd.Series) -> bool:
    return str(row.get("multitask")) == "True"  # a bool read back from the table; absent from older tables


def trained_in(profile: Profile, study: str, row: pd.Series, faces: str | None = None) -> Path:
    """The folder of the run that trained ``row`` (following ``reused_from`` to the run it was copied from): its
    task's folder, or ``faces``' (``"both"``: where a two-headed network's one log and model are)."""
    source = row.get("reused_from")
    where = source.split("/", 1) if isinstance(source, str) and source else (study, str(row.variant))
    return run_directory(profile, where[0], where[1], faces or row.task, int(row.fold), int(row.seed))


def predictions(profile: Profile, study: str, variant: str, task: str, fold: int, seed: int) -> pd.DataFrame | None:
    """One run's prediction for every test face (label, predicted, predicted_10crop), or None when the run kept
    none (diverged, or recorded by an older kit)."""
    path = trained_in(profile, study, run_row(profile, study, variant, task, fold, seed)) / "predictions.csv"
    return pd.read_csv(path) if path.exists() else None
