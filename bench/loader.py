"""The kit's input pipeline against the course report's loader: images per second and memory growth.

The report's loader opens each image with PIL, resizes it to 256 x 256, appends the array to a Python
list and stacks the list into one array, so memory grows with every image (it had to cut IMDB-WIKI to
90k images). The kit decodes and resizes each image once into the on-disk cache (``helpers.data.image_cache``)
and streams batches from there, so memory stays flat.

The sources are 816 x 816 JPEGs, the size of Adience's aligned faces, made from the synthetic mirror's
faces. Both loaders run at two dataset sizes 4x apart, each in a fresh process. "Memory growth" is the process's peak
resident memory minus its resident memory after the imports (TensorFlow alone takes about 670 MB).

    python bench/loader.py [--sizes 500 2000] [--side 256] [--source-side 816]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def kit_worker(folder: Path, names: list[str], side: int, cache: Path) -> dict:
    import tensorflow as tf

    from helpers.data import image_cache, pipeline

    tf.constant(0) + 1  # start the runtime before the baseline
    baseline = common.current_rss_mb()
    timings = {}
    start = time.perf_counter()
    files = image_cache.cached_files(folder, names, side, directory=cache, show_progress=False)
    timings["cache_seconds"] = time.perf_counter() - start
    mean = __import__("numpy").zeros(3, "float32")
    for epoch in ("first_epoch_seconds", "later_epoch_seconds"):
        start = time.perf_counter()
        dataset = pipeline.evaluation_dataset(
            files, [0] * len(files), size=side, crop_size=side, batch_size=50, mean=mean
        )
        count = sum(int(images.shape[0]) for images, _ in dataset)
        timings[epoch] = time.perf_counter() - start
    assert count == len(names)
    return {**timings, "growth_mb": common.peak_rss_mb() - baseline}


def report_worker(folder: Path, names: list[str], side: int) -> dict:
    import numpy as np
    from PIL import Image

    baseline = common.current_rss_mb()
    start = time.perf_counter()
    images = []
    for name in names:  # the report's loop
        image = Image.open(folder / name).convert("RGB").resize((side, side))
        images.append(np.asarray(image))
    array = np.stack(images)
    seconds = time.perf_counter() - start
    assert array.shape == (len(names), side, side, 3)
    return {"load_seconds": seconds, "growth_mb": common.peak_rss_mb() - baseline}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[500, 2000])
    parser.add_argument("--side", type=int, default=256, help="the size both loaders resize to")
    parser.add_argument("--source-side", type=int, default=816, help="the size of the source JPEGs")
    parser.add_argument("--worker", nargs="*")
    arguments = parser.parse_args()
    if arguments.worker:
        kind, count = arguments.worker[0], int(arguments.worker[1])
        folder, names = common.source_images(count, arguments.source_side)
        names = names[:count]
        if kind == "kit":
            print(json.dumps(kit_worker(folder, names, arguments.side, Path(arguments.worker[2]))))
        else:
            print(json.dumps(report_worker(folder, names, arguments.side)))
        return

    small, large = arguments.sizes
    common.source_images(large, arguments.source_side)
    print(f"machine: {common.machine()}")
    print(f"sources: {arguments.source_side} px JPEGs, resized to {arguments.side} px")
    print(f"{'images':>7} {'loader':<28} {'images/s':>9} {'memory growth MB':>17}")
    results = {}
    sizes = ["--side", str(arguments.side), "--source-side", str(arguments.source_side)]
    for count in (small, large):
        cache = common.OUT / f"loader-cache-{count}"
        shutil.rmtree(cache, ignore_errors=True)  # the first epoch really decodes
        kit = common.run_worker(Path(__file__), "kit", str(count), str(cache), *sizes)
        report = common.run_worker(Path(__file__), "report", str(count), *sizes)
        shutil.rmtree(cache, ignore_errors=True)
        first = count / (kit["cache_seconds"] + kit["first_epoch_seconds"])
        later = count / kit["later_epoch_seconds"]
        report_rate = count / report["load_seconds"]
        print(f"{count:>7} {'kit, first epoch (decodes)':<28} {first:>9.0f} {kit['growth_mb']:>17.0f}")
        print(f"{count:>7} {'kit, later epochs (cache)':<28} {later:>9.0f} {'':>17}")
        print(f"{count:>7} {'report (PIL loop, list)':<28} {report_rate:>9.0f} {report['growth_mb']:>17.0f}")
        results[count] = (first, later, report_rate, kit["growth_mb"], report["growth_mb"])
    f_small, _, r_small, kit_small_mb, report_small_mb = results[small]
    f_large, later_large, r_large, kit_large_mb, report_large_mb = results[large]
    print(
        f"memory growth from {small} to {large} images: kit x{kit_large_mb / max(kit_small_mb, 1):.2f}, "
        f"report x{report_large_mb / max(report_small_mb, 1):.2f} (x{large / small:.0f} images)"
    )
    common.ratio_line(
        "loader_speed",
        f_large / r_large,
        f"kit first epoch / report loader, images/s at {large} images; later epochs x{later_large / r_large:.1f}",
        "> 1",
    )
    common.ratio_line(
        "loader_memory",
        report_large_mb / max(kit_large_mb, 1),
        f"report / kit memory growth at {large} images",
        "> 1, growing with the dataset",
    )


if __name__ == "__main__":
    main()
