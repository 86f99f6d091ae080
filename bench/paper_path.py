"""The paper profile's data path on a data folder, timed and measured: check it before a day on a GPU.

    python bench/paper_path.py DATA_DIR [--fold 0] [--slice 1500] [--epochs 1]

On ``DATA_DIR`` (the folder ``make paper DATA_DIR=...`` takes), with the paper profile's sizes, in order:

1. load: the Adience loader over the five fold files (what notebook 01 shows);
2. gender, age: fold F's data for each task at the profile's image size (256 px): every image the fold
   needs decoded and cached (fold F is the test fold, the four others train, so the two tasks together cache
   the whole of Adience), the subject split and the mean image over the training split. The second task
   finds most images cached by the first;
3. train: a slice of the training split (``--slice`` images, a fifth of that for validation and as many
   test faces) trained for ``--epochs`` at the crop size (227 px) and scored with 10 crops.

Each phase prints its seconds, its counts and the process's peak memory so far; the last line is
``PAPER_PATH {json}``. The image cache streams, one image at a time to disk and one batch at a time from
it: the peak during caching stays near the size of the batch pipeline, not the dataset's (18,661 faces
of 256 x 256 x 3 bytes would be 3,500 MB as one array).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the kit, even without an install
import common  # noqa: E402


def sliced(data, count: int):
    """``data`` with its first ``count`` training images, ``count // 5`` validation images and ``count`` test ones."""
    keep = {"train": count, "validation": max(count // 5, 1), "test": count}
    return dataclasses.replace(data, files={split: data.files[split][:n] for split, n in keep.items()},
                               labels={split: data.labels[split][:n] for split, n in keep.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--slice", type=int, default=1500, help="training images for the short run")
    parser.add_argument("--epochs", type=int, default=1)
    arguments = parser.parse_args()

    from helpers import environment
    from helpers.data import adience, task_data
    from helpers.training import one_run, settings

    profile = environment.setup("paper", data_dir=arguments.data_dir, verbose=False)  # stops if Adience is unusable
    print(f"machine: {common.machine()}")
    print(f"profile: {profile.name}, images {profile.image_size} px, crops {profile.crop_size} px, "
          f"fold {arguments.fold}")
    figures = {"start_peak_mb": round(common.peak_rss_mb())}

    def phase(name: str, started: float, **counts) -> None:
        figures[name] = {"seconds": round(time.perf_counter() - started, 1), "peak_mb": round(common.peak_rss_mb()),
                         **counts}
        said = ", ".join(f"{key} {value}" for key, value in figures[name].items())
        print(f"{name:<7} {said}", flush=True)

    started = time.perf_counter()
    loaded = adience.load_adience(profile.data_dir / "adience")
    phase("load", started, rows=len(loaded.index), rejected=len(loaded.rejects))

    data = {}
    for task in ("gender", "age"):
        started = time.perf_counter()
        data[task] = task_data.task_data(profile, task, arguments.fold)
        phase(task, started, **data[task].counts())

    started = time.perf_counter()
    chosen = dataclasses.replace(settings.baseline(profile), epochs=arguments.epochs)
    outcome = one_run.train_and_score(sliced(data["gender"], arguments.slice), chosen, seed=0, oversample=True,
                                      save_model=False)
    row = outcome.row()
    phase("train", started, images=arguments.slice, epochs=row["epochs_trained"],
          accuracy_10crop=round(row.get("accuracy_10crop", float("nan")), 3), n_test=row["n_test"])
    print("PAPER_PATH " + json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
