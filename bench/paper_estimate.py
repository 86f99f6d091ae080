"""How long each notebook takes in the paper profile, computed from a measured training throughput.

Nothing is trained: the script counts the runs each notebook makes in the ``paper`` profile (every value of
every study, 5 folds, the runs one study can copy from another left out), the images each run trains on
(its epochs times the fold's training split), and divides by the images per second measured at that batch
size. The default rates are ``bench/jax_throughput.py`` on one NVIDIA H200 (bench/RESULTS.md), kept in
``helpers.studies.time_left`` where every study's first guess of its time uses them too; pass yours
with ``--rates``. The training split sizes default to those of the real Adience fold files, CelebA's
partition and the cleaned wiki.mat (counted with the kit's loaders); ``--data-dir`` counts them again.

Early stopping usually ends a run long before the profile's 190 epochs, so the script prints the upper
bound and the time per 10 epochs; evaluation and the first decoding of the images are not counted.

Notebook 16's backbones train at their own rates: give them with ``--network-rates`` (images/s at the profile's
batch size, measured, e.g. with ``bench/jax_throughput.py`` adapted to the backbone); without one, a backbone's
rate is the Levi-Hassner rate scaled by the two networks' multiply-adds at the profile's crop
(``helpers.network.cost``), as if the GPU ran both at the same multiply-adds per second, which it rarely does.

Several GPUs, and runs sharing a GPU (``make paper GPUS=0,1,2,3``, ``AGE_GENDER_KIT_GPU_SHARE``): the runs of a
study are independent, so with ``--gpus N`` the clock time is the one-GPU time divided by N (while a study has
at least as many runs left as GPUs). With ``--share 0.25`` each GPU trains four runs at once, which is faster
only where one run leaves the GPU idle part of the time: give ``--together`` the images per second the four
reach together, measured on your GPU (README, "Several GPUs and machines"); without it no gain is assumed.

    python bench/paper_estimate.py [--rates 4:1882,8:3807,16:4877,32:7859,50:6157,64:4232] [--data-dir DIR]
                                   [--network-rates resnet50_v2:1500,...] [--gpus 4] [--share 0.25 --together 9000]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the kit, even without an install
from helpers import profiles  # noqa: E402
from helpers.data import task_data  # noqa: E402
from helpers.studies import catalogue  # noqa: E402
from helpers.studies.time_left import H200_RATES, TRAIN_IMAGES, rate_at  # noqa: E402

NOTEBOOKS = {
    "baseline": "02",
    "batch_size": "03",
    "hidden_units": "04",
    "hidden_layers": "05",
    "learning_rate": "06",
    "augmentation": "07",
    "transfer": "08",
    "backbones": "16",
}


def count_training_images(data_dir: Path) -> dict:
    from helpers.data import adience, celeba, imdb_wiki, labels, splits

    index = adience.load_adience(data_dir / "adience", require_files=False).index
    counts = {
        task: round(
            np.mean([len(labels.labelled(splits.adience_split(index, fold)["train"], task)[0]) for fold in range(5)])
        )
        for task in ("gender", "age")
    }
    if (data_dir / "celeba").exists():
        counts["celeba"] = int(
            (celeba.load_celeba(data_dir / "celeba", require_files=False).index.split == "train").sum()
        )
    if (data_dir / "wiki_crop").exists():
        wiki = imdb_wiki.load_imdb_wiki(data_dir / "wiki_crop", require_files=False).index
        counts["imdb_wiki"] = len(splits.subject_split(wiki)["train"])
    return counts


@functools.cache
def multiply_adds(network: str, size: int) -> int:
    """One face's multiply-adds through ``network`` (a ``Settings.network``) at ``size`` px."""
    from helpers.network import cost
    from helpers.training import one_run
    from helpers.training.settings import Settings

    return cost.multiply_adds(one_run.new_network(Settings(network=network), 8, size, seed=0))


def network_rate(network: str, batch_size: int, rates: dict, network_rates: dict, size: int) -> float:
    """A network's training images per second: measured (``network_rates``), or the Levi-Hassner rate scaled by
    the ratio of their multiply-adds."""
    if network in network_rates:
        return network_rates[network]
    base = rate_at(batch_size, rates)
    if network == "levi_hassner":
        return base
    from helpers.training import one_run
    from helpers.training.settings import Settings

    side = one_run.input_size(Settings(network=network), size)  # a backbone sees at most ImageNet's 224 px
    return base * multiply_adds("levi_hassner", size) / multiply_adds(network, side)


def plan(profile, rates: dict, images: dict, network_rates: dict | None = None) -> list[dict]:
    """Per notebook: new runs, and seconds per epoch summed over them (pre-training included in 08)."""
    network_rates = network_rates or {}
    seen, rows = set(), []
    for name, notebook in NOTEBOOKS.items():
        study = catalogue.STUDIES[name]
        runs, seconds_per_epoch = 0, 0.0
        for variant in study.variants_for(profile):
            settings = study.settings_for(variant, profile)
            for task in study.tasks:
                key = (task, dataclasses.astuple(settings))
                if key in seen:
                    continue  # copied from an earlier study (helpers.studies.runner: reused_from)
                seen.add(key)
                runs += len(profile.folds) * len(profile.seeds)
                rate = network_rate(settings.network, settings.batch_size, rates, network_rates, profile.crop_size)
                seconds_per_epoch += len(profile.folds) * len(profile.seeds) * images[task] / rate
        pretraining = 0.0
        if name == "transfer":
            pretraining = sum(images[task_data.SOURCES[task][0]] for task in study.tasks) / rate_at(
                profile.batch_size, rates
            )
        rows.append(
            {
                "notebook": notebook,
                "study": name,
                "runs": runs,
                "seconds_per_epoch": seconds_per_epoch,
                "pretraining_seconds_per_epoch": pretraining,
            }
        )
    return rows


def clock_seconds(seconds: float, gpus: int, share: float, alone: float, together: float | None) -> float:
    """``seconds`` of training one run at a time on one GPU, spread over ``gpus`` GPUs that each train
    ``1 / share`` runs at once; ``alone``: one run's images per second, ``together``: those runs' images per second
    together on one GPU (None: not measured, no gain assumed)."""
    if not 0 < share <= 1 or gpus < 1:
        raise ValueError(f"--gpus {gpus} --share {share}: use one GPU or more, and a share above 0 and at most 1")
    at_once = round(1 / share)
    speedup = (together / alone) if at_once > 1 and together else 1.0
    return seconds / speedup / gpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rates",
        default=",".join(f"{b}:{r}" for b, r in H200_RATES.items()),
        help="batch:images_per_second pairs, e.g. 4:1882,50:6157",
    )
    parser.add_argument("--data-dir", type=Path, help="count the training splits from this data root instead")
    parser.add_argument("--network-rates", default="",
                        help="a backbone's measured training images/s, e.g. resnet50_v2:1500,mobilenet_v3_small:9000")
    parser.add_argument("--gpus", type=int, default=1, help="GPUs the runs are spread over (make paper GPUS=...)")
    parser.add_argument("--share", type=float, default=1.0, help="a GPU's share per run (AGE_GENDER_KIT_GPU_SHARE)")
    parser.add_argument("--together", type=float, default=None,
                        help="images/s of 1/share runs at once on one GPU, at the profile's batch size, measured")
    arguments = parser.parse_args()
    rates = {int(b): float(r) for b, r in (pair.split(":") for pair in arguments.rates.split(","))}
    images = {**TRAIN_IMAGES, **(count_training_images(arguments.data_dir) if arguments.data_dir else {})}
    profile = profiles.get_profile("paper", data_dir=arguments.data_dir or "DATA_DIR")
    print(f"rates (images/s by batch size): {rates}; training images: {images}")
    print(
        f"{'notebook':<9}{'study':<15}{'runs':>5}{'per 10 epochs':>15}{'at ' + str(profile.max_epochs) + ' epochs':>15}"
        f"{'pre-training, per 10 epochs':>29}"
    )
    total = 0.0
    network_rates = {name: float(rate) for name, rate in (pair.split(":") for pair in arguments.network_rates.split(",")
                                                          if pair)}
    for row in plan(profile, rates, images, network_rates):
        bound = (
            row["seconds_per_epoch"] * profile.max_epochs
            + row["pretraining_seconds_per_epoch"] * profile.pretraining_epochs
        )
        total += bound
        pre = (
            f"{row['pretraining_seconds_per_epoch'] * 10 / 60:.0f} min" if row["pretraining_seconds_per_epoch"] else "-"
        )
        print(
            f"{row['notebook']:<9}{row['study']:<15}{row['runs']:>5}{row['seconds_per_epoch'] * 10 / 60:>11.0f} min"
            f"{bound / 3600:>13.1f} h{pre:>29}"
        )
    print(f"all notebooks, if no run stopped early: {total / 3600:.0f} h on one GPU, one run at a time")
    if arguments.gpus > 1 or arguments.share < 1:
        alone = rate_at(profile.batch_size, rates)
        clock = clock_seconds(total, arguments.gpus, arguments.share, alone, arguments.together)
        at_once = round(1 / arguments.share)
        gain = (f"{at_once} runs at once on each, {arguments.together:g} images/s together against {alone:g} for "
                f"one at batch {profile.batch_size}" if at_once > 1 and arguments.together else
                f"{at_once} run(s) at once on each, no gain assumed (no --together measured)")
        print(f"on {arguments.gpus} GPU(s), {gain}: {clock / 3600:.1f} h")


if __name__ == "__main__":
    main()
