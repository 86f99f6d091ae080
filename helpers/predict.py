"""Gender and age group for every face in your photos, from the command line.

    python -m helpers.predict PATH [PATH ...] [--out answers.csv] [--model FILE ...]

``PATH`` is a photo or a folder (searched recursively). One CSV row per face found: the file, the face's box
in the photo's pixels, each task's answer and its probability, and the expected age in years where the age
network predicts years (notebook 12's regression and DEX ways, kept by a study made with ``keep_models=True``);
one row per file without a usable face, with
the reason (not an image, no face found, too small). Nothing stops a folder run. The CSV goes to standard
output unless ``--out`` names a file; progress and notes go to standard error.

The networks: by default the baseline's run of each task with the best validation accuracy in the results folder
(notebook 02's), the paper profile's where it has any, else the class profile's, else the smoke profile's (with a
note that those learned from synthetic faces). ``--model`` takes any ``best.keras`` a study kept under ``runs/``;
its task is read from its outputs (2: gender; 8, 1 or 101: age). Each network subtracts the mean image of its own
training split, kept beside it (``mean.npy``); for a network kept by an older kit without it, the mean is
computed again from the run's data (``--data-dir`` for the paper profile's).

Faces go through the steps of :mod:`helpers.data.photo` (read, find, crop as the training faces were) and
through each network in batches of ``BATCH`` faces, not one photo at a time; only a batch's photos are held
in memory, however many the folder holds.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import profiles
from helpers.data import labels, photo

BATCH = 64  # faces per call of a network
PROFILES = ("paper", "class", "smoke")  # where the default networks are looked for, in order
COLUMNS = ["file", "face", "x", "y", "width", "height", "gender", "p_gender", "age_group", "p_age", "expected_age",
           "reason"]


@dataclasses.dataclass
class Network:
    """One trained network and what it needs to answer a face."""

    task: str  # "gender" or "age"
    output: str  # how it predicts age: "classes", "regression" or "dex" (helpers.training.age_output)
    model: object
    mean: np.ndarray  # its training split's mean image, image_size x image_size x 3
    image_size: int
    crop_size: int
    source: str  # which run, in words


def _output_kind(model) -> tuple[str, str]:
    """(task, age output) from the width of a network's last layer."""
    width = int(model.outputs[0].shape[-1])
    kinds = {2: ("gender", "classes"), 8: ("age", "classes"), 1: ("age", "regression"), 101: ("age", "dex")}
    if width not in kinds:
        raise SystemExit(f"a network with {width} outputs is none of the kit's (2 for gender; 8, 1 or 101 for age)")
    return kinds[width]


def _profile(name: str, data_dir=None):
    """A profile to find results under; the paper profile's data folder is needed only for a network kept by an
    older kit, without its mean image."""
    return profiles.get_profile(name, data_dir=data_dir or (None if name != "paper" else "DATA_DIR-not-given"))


def _network(profile, study: str, row) -> Network:
    """The network of one recorded run, with the mean image it subtracts (kept beside it, or computed again
    from the run's data for a network kept by an older kit)."""
    from helpers.studies import trained

    fold, seed = int(row.fold), int(row.seed)
    recorded = trained.recorded_run(profile, study, str(row.variant), row.task, fold, seed)
    if recorded.model is None:
        raise SystemExit(f"{study} / {row.variant} ({row.task}, fold {fold}, seed {seed}) kept no network: only "
                         "the baseline (notebook 02) keeps its networks")
    task, output = _output_kind(recorded.model)
    mean = recorded.mean
    if mean is None:
        if not profile.data_dir.is_dir():
            raise SystemExit(f"the {profile.name} profile's {task} network was kept without its mean image: pass "
                             "--data-dir (the folder holding adience/) so that it is computed again")
        from helpers.data import task_data

        mean = task_data.task_data(profile, task, fold).mean
    source = f"{profile.name} profile, {study} / {row.variant}, {task}, fold {fold}, seed {seed}"
    return Network(task, output, recorded.model, mean, profile.image_size, profile.crop_size, source)


def chosen_runs(table: pd.DataFrame) -> pd.DataFrame:
    """Of a baseline's recorded runs, the one per task to deploy: the best on its *validation* faces (the test
    faces only score it), among the runs that learned where every task has one. Runs of an older kit without a
    validation accuracy are chosen by their test accuracy."""
    from helpers.training import floor

    learned = table[floor.learned(table)]
    candidates = learned if set(learned.task) == set(table.task) else table
    column = "best_validation_accuracy" if "best_validation_accuracy" in candidates else "accuracy"
    return candidates.sort_values(column, ascending=False, kind="stable").groupby("task", sort=False).head(1)


def default_networks(data_dir=None) -> tuple[dict[str, Network], list[str]]:
    """For each task the baseline's run chosen by :func:`chosen_runs`, from the first profile of ``PROFILES``
    with both tasks' runs; and what to tell the user about them."""
    from helpers.studies import store

    for name in PROFILES:
        profile = _profile(name, data_dir)
        table = store.read_results(profile, "baseline")
        if len(table) == 0 or not {"gender", "age"} <= set(table.task):
            continue
        best = chosen_runs(table)
        networks = {row.task: _network(profile, "baseline", row) for _, row in best.iterrows()}
        notes = [f"networks: {network.source}" for network in networks.values()]
        if name != "paper":
            notes.append("these networks learned from the synthetic mirror's faces, not from real ones: on a real "
                         "photo their answers show the path, not a trained predictor (make paper trains on Adience)")
        return networks, notes
    raise SystemExit(f"no baseline networks in {profiles.results_dir(_profile('smoke')).parent}: run notebook 02 "
                     "first (make run), or pass --model FILE")


def network_from_file(path, data_dir=None) -> Network:
    """The network of a run's ``best.keras`` (results/<profile>/runs/<study>/<run>/best.keras)."""
    from helpers.studies import store

    path = Path(path).resolve()
    for name in PROFILES:
        profile = _profile(name, data_dir)
        for study, table in store.recorded_tables(profile).items():
            for _, row in table.iterrows():
                folder = store.run_directory(profile, study, str(row.variant), row.task, int(row.fold), int(row.seed))
                if folder.resolve() == path.parent:
                    return _network(profile, study, row)
    raise SystemExit(f"{path}: not the network of a run recorded in the results folder. Pass a best.keras from "
                     "results/<profile>/runs/<study>/<run>/")


def files_in(paths) -> tuple[list[Path], list[dict]]:
    """Every file under ``paths`` (folders searched recursively, hidden files and folders left out), and a row
    for each path that gives none: a missing path, an empty folder."""
    found, rows = [], []
    for path in map(Path, paths):
        if path.is_dir():
            inside = [p for p in sorted(path.rglob("*")) if not any(part.startswith(".")
                                                                   for part in p.relative_to(path).parts)]
            found += [p for p in inside if p.is_file()]
            rows += [{"file": str(folder), "reason": "empty folder"}
                     for folder in [path, *inside] if folder.is_dir() and not any(folder.iterdir())]
        elif path.is_file():
            found.append(path)
        else:
            rows.append({"file": str(path), "reason": "no such file or folder"})
    return found, rows


def _faces_of(path: Path, min_side: int):
    """(face images, boxes, reason): the faces of one photo, or why there are none."""
    try:
        read = photo.read_photo(path)
    except photo.PhotoError as error:  # its message starts with the file's name, which the row already holds
        return [], [], str(error).removeprefix(str(path)).lstrip(": ").removeprefix("is ")
    height, width = read.pixels.shape[:2]
    if min(height, width) < min_side:
        return [], [], f"too small: {width} x {height} pixels, a face needs at least {min_side}"
    boxes = photo.detect_faces(read.pixels, min_side)
    if len(boxes) == 0:
        return [], [], f"no face found in {width} x {height} pixels (upright, frontal faces only)"
    return photo.crop_faces(read.pixels, boxes), boxes, ""


def _answer(network: Network, faces) -> dict:
    """Each face's answer, its probability and (age) the expected years."""
    from helpers.data.age_groups import AGE_GROUPS, age_group
    from helpers.training import age_output

    outputs = np.asarray(network.model.predict(
        photo.face_inputs(faces, network.image_size, network.crop_size, network.mean), verbose=0))
    if network.task == "gender":
        return {"gender": [labels.CLASSES["gender"][i] for i in outputs.argmax(1)], "p_gender": outputs.max(1)}
    groups = age_output.predicted_groups(network.output, outputs)
    answer = {"age_group": [AGE_GROUPS[int(g)] for g in groups]}
    if network.output == "classes":
        answer["p_age"] = outputs.max(1)
    else:
        answer["expected_age"] = age_output.predicted_years(network.output, outputs)
        if network.output == "dex":  # the group's probability: the sum of its one-year bins
            bins = np.asarray(age_group(age_output.DEX_BINS), int)
            answer["p_age"] = [outputs[face, bins == group].sum() for face, group in enumerate(groups)]
    return answer


def predict(paths, networks: dict[str, Network], min_side: int = 24, progress=None) -> pd.DataFrame:
    """The CSV's table for every file under ``paths``: a row per face found, a row per file without one. Faces
    are answered BATCH at a time as they are found, so that only a batch's photos are held in memory."""
    files, rows = files_in(paths)
    answered, faces, face_rows = [], [], []

    def answer_waiting() -> None:
        if faces:
            batch = pd.DataFrame(face_rows)
            for network in networks.values():
                for column, values in _answer(network, faces).items():
                    batch[column] = values
            answered.append(batch)
            faces.clear()
            face_rows.clear()

    with progress(len(files)) if progress else contextlib.nullcontext() as bar:
        for path in files:
            found, boxes, reason = _faces_of(path, min_side)
            if reason:
                rows.append({"file": str(path), "reason": reason})
            for number, (face, box) in enumerate(zip(found, boxes)):
                faces.append(face)
                face_rows.append({"file": str(path), "face": number, **dict(zip(("x", "y", "width", "height"),
                                                                                  map(int, box)))})
            if len(faces) >= BATCH:
                answer_waiting()
            if bar is not None:
                bar.update(1)
        answer_waiting()
    table = pd.concat([*answered, pd.DataFrame(rows)], ignore_index=True).reindex(columns=COLUMNS)
    table = table.astype({column: "Int64" for column in ("face", "x", "y", "width", "height")})
    order = {str(path): number for number, path in enumerate(files)}  # files in order; missing paths last
    table["order"] = table.file.map(order).fillna(len(files))
    return table.sort_values(["order", "face"], kind="stable").drop(columns="order").reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="photos and folders (searched recursively)")
    parser.add_argument("--out", type=Path, help="write the CSV here instead of to standard output")
    parser.add_argument("--model", action="append", default=[], help="a run's best.keras (repeat for both tasks)")
    parser.add_argument("--data-dir", help="the paper profile's data folder, for networks kept without their mean")
    parser.add_argument("--min-side", type=int, default=24, help="smallest face, in pixels of the detector's copy")
    arguments = parser.parse_args(argv)

    from tqdm import tqdm

    from helpers import environment

    with contextlib.redirect_stdout(sys.stderr):  # the kit's own messages and bars must not mix with the CSV
        environment.start_tensorflow()
        if arguments.model:
            networks = {network.task: network for network in
                        (network_from_file(path, arguments.data_dir) for path in arguments.model)}
            notes = [f"networks: {network.source}" for network in networks.values()]
        else:
            networks, notes = default_networks(arguments.data_dir)
        for note in notes:
            print(note)
        table = predict(arguments.paths, networks, arguments.min_side,
                        progress=lambda total: tqdm(total=total, desc="photos", unit="file", file=sys.stderr))
    if arguments.out:
        table.to_csv(arguments.out, index=False)
        print(f"{int(table.face.notna().sum())} face(s) in {table.file.nunique()} file(s): {arguments.out}",
              file=sys.stderr)
    else:
        table.to_csv(sys.stdout, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
