"""Does the input pipeline keep the model busy? Training fed by it against training on in-memory arrays.

Both train the same compiled network on the same images for the same number of steps, alternating
(pipeline, memory, pipeline, memory, ...) so that machine noise hits both alike; the best of the repeats
is kept. The pipeline reads cached images, subtracts the mean, crops at random and mirrors, all in
parallel with the training step; the in-memory run gets ready-made crops from a NumPy array, which is the
most a loader could achieve. A ratio near 1 means the input never starves the model.

    python bench/training_feed.py [--images 600] [--repeats 3]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def images_per_second(network, dataset, steps: int, batch_size: int) -> float:
    gc.collect()  # no iterator of an earlier run keeps prefetching in the background
    start = time.perf_counter()
    network.fit(dataset, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0)
    return steps * batch_size / (time.perf_counter() - start)


def compare(size: int, crop: int, batch_size: int, steps: int, count: int, repeats: int) -> float:
    import keras
    import numpy as np
    import tensorflow as tf

    from helpers.data import image_cache, pipeline
    from helpers.network import levi_hassner
    from helpers.training import fit, settings

    folder, names = common.source_images(count, 816)
    files = image_cache.cached_files(folder, names, size, directory=common.OUT / "cache", show_progress=False)
    labels = np.arange(count, dtype=np.int32) % 2
    mean = pipeline.mean_image(files, size, show_progress=False)
    fed = pipeline.training_dataset(files, labels, size=size, crop_size=crop, batch_size=batch_size, mean=mean,
                                    seed=0).repeat()
    crops = np.concatenate([x.numpy() for x, _ in pipeline.evaluation_dataset(
        files, labels, size=size, crop_size=crop, batch_size=100, mean=mean)])
    in_memory = tf.data.Dataset.from_tensor_slices((crops, labels)).repeat().batch(batch_size)  # tensors in RAM

    keras.utils.set_random_seed(0)
    network = fit.compile_model(
        levi_hassner.levi_hassner(2, input_size=crop), settings.Settings(schedule="constant")
    )
    for dataset in (fed, in_memory):  # warm up: trace the step, fill the pipeline
        images_per_second(network, dataset, 2, batch_size)
    fed_rates, memory_rates = [], []
    for _ in range(repeats):
        fed_rates.append(images_per_second(network, fed, steps, batch_size))
        memory_rates.append(images_per_second(network, in_memory, steps, batch_size))
    every = f"{', '.join(f'{r:.0f}' for r in fed_rates)} / {', '.join(f'{r:.0f}' for r in memory_rates)}"
    print(f"{crop:>5} px  batch {batch_size:>3}  pipeline {max(fed_rates):7.1f} img/s   "
          f"in memory {max(memory_rates):7.1f} img/s   (all: {every})", flush=True)
    return max(fed_rates) / max(memory_rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    from helpers import environment

    smoke_profile = environment.setup("smoke", verbose=False)
    print(f"machine: {common.machine()}")
    smoke = compare(
        smoke_profile.image_size,
        smoke_profile.crop_size,
        smoke_profile.batch_size,
        40,
        arguments.images,
        arguments.repeats,
    )
    paper = compare(256, 227, 50, 8, arguments.images, arguments.repeats)
    common.ratio_line(
        "feed_smoke",
        smoke,
        f"pipeline-fed / in-memory training images/s at the smoke size, {smoke_profile.crop_size} px",
        ">= 0.9",
    )
    common.ratio_line("feed_227", paper, "pipeline-fed / in-memory training images/s at 227 px", ">= 0.9")


if __name__ == "__main__":
    main()
