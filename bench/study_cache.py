"""A study of 5 values reads its images 5 times: does the cache remove the decoding after the first?

Each "run" does what a study's run does before training: find (or make) the cached images of the train,
validation and test splits, compute the training mean, and stream one epoch of training batches. Run 1
starts from an empty cache and decodes every JPEG; runs 2-5 find everything cached.

    python bench/study_cache.py [--images 1000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def data_seconds(folder, names, cache) -> float:
    import numpy as np

    from helpers.data import image_cache, pipeline

    start = time.perf_counter()
    split = {"train": names[: int(len(names) * 0.7)], "validation": names[int(len(names) * 0.7): int(len(names) * 0.8)],
             "test": names[int(len(names) * 0.8):]}
    files = {
        part: image_cache.cached_files(folder, paths, 256, directory=cache, show_progress=False)
        for part, paths in split.items()
    }
    mean = pipeline.mean_image(files["train"], 256, show_progress=False)
    labels = np.zeros(len(files["train"]), np.int32)
    for _ in pipeline.training_dataset(
        files["train"], labels, size=256, crop_size=227, batch_size=50, mean=mean, seed=0
    ):
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    arguments = parser.parse_args()
    from helpers import environment

    environment.setup("smoke", verbose=False)
    print(f"machine: {common.machine()}")
    folder, names = common.source_images(arguments.images, 816)
    cache = common.OUT / "study-cache"
    shutil.rmtree(cache, ignore_errors=True)
    seconds = [data_seconds(folder, names, cache) for _ in range(5)]
    shutil.rmtree(cache, ignore_errors=True)
    for run, value in enumerate(seconds, 1):
        print(
            f"run {run}: data time {value:6.2f} s for {arguments.images} images (816 px JPEGs -> 256 px, crops of 227)"
        )
    later = sum(seconds[1:]) / 4
    common.ratio_line("study_cache", later / seconds[0], "mean data time of runs 2-5 / run 1", "well below 1")


if __name__ == "__main__":
    main()
