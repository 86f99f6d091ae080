"""A folder of photos through the command-line predictor against the notebook's one-photo function per file.

Both find the faces the same way (``helpers.data.photo``) and answer them with the same two networks (the
paper's network at the smoke profile's sizes, untrained: the weights do not change the time); the predictor
sends the faces through each network in batches, the one-photo function calls each network once per photo.
The photos are the synthetic mirror's faces at 256 px (``common.source_images``), one face each.

    python bench/predict_folder.py [--photos 500]

Prints ``RATIO predict_folder_vs_one_photo`` (photos per second, the predictor's / the one-photo function's;
target >= 3) and checks that both gave the same answers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the kit, even without an install
import common  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=500)
    arguments = parser.parse_args()

    import numpy as np

    from helpers import environment, predict
    from helpers.inspection import photo_predictions
    from helpers.network import levi_hassner

    profile = environment.setup("smoke", verbose=False)
    print(f"machine: {common.machine()}")
    folder, names = common.source_images(arguments.photos)
    files = [folder / name for name in names]
    mean = np.full((profile.image_size, profile.image_size, 3), 120, np.float32)
    networks = {task: predict.Network(task, "classes", levi_hassner.levi_hassner(classes, input_size=profile.crop_size),
                                      mean, profile.image_size, profile.crop_size, "untrained")
                for task, classes in (("gender", 2), ("age", 8))}
    pairs = {task: (network.model, network.mean) for task, network in networks.items()}
    photo_predictions.predict_photo(files[0], pairs, profile.image_size, profile.crop_size)  # warm up both paths
    predict.predict(files[:2], networks)

    start = time.perf_counter()
    one_by_one = [photo_predictions.predict_photo(path, pairs, profile.image_size, profile.crop_size) for path in files]
    alone_seconds = time.perf_counter() - start
    start = time.perf_counter()
    table = predict.predict(files, networks)
    folder_seconds = time.perf_counter() - start

    faces = table.dropna(subset=["face"])
    alone = [answer for found in one_by_one for answer in found.table.get("age", [])]
    same = alone == faces.age_group.tolist()
    print(f"{len(files)} photos, {len(faces)} faces found ({len(table) - len(faces)} photos without one): one photo "
          f"at a time {alone_seconds:.1f} s, the predictor {folder_seconds:.1f} s; the same answers: {same}")
    if not same:
        sys.exit("the predictor's answers differ from the one-photo function's")
    common.ratio_line("predict_folder_vs_one_photo", alone_seconds / folder_seconds,
                      f"photos per second, the predictor's / one photo at a time, {len(files)} photos", ">= 3")


if __name__ == "__main__":
    main()
