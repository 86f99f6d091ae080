"""Write all three mirrors: index files from the main process, images from a pool of workers.

Each image has its own seed, drawn in a fixed order from the master seed, so the files are the same
byte for byte whatever the number of workers or the order in which they finish.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from helpers import progress
from helpers.synthetic import adience, celeba, faces, imdb_wiki, people
from helpers.synthetic.presets import PRESETS

MANIFEST = "MANIFEST.json"
GENERATOR = "age-gender-kit SynthFaces"
FORMAT_VERSION = 1
OWN_ENTRIES = {MANIFEST, "adience", "celeba", "wiki_crop"}


class NotAMirrorError(RuntimeError):
    """The output folder holds something other than a mirror written by this generator."""


def _render_job(job: dict, root: str) -> None:
    rng = np.random.default_rng(job["seed"])
    person = job.get("person")
    photo = faces.draw_photo(rng, job.get("difficulty", 0.5), job.get("yaw_degrees"))
    image = faces.render(person, photo, job["size"], rng, extras=job.get("extras", people.Extras()),
                         second=job.get("second"), face_fraction=job.get("face_fraction", 0.27))
    path = Path(root) / job["path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(faces.jpeg_bytes(image, photo.jpeg_quality))


def _render_chunk(jobs: list[dict], root: str) -> int:
    for job in jobs:
        _render_job(job, root)
    return len(jobs)


def check_output_dir(out: Path, overwrite: bool) -> None:
    """Refuse to write into a folder that holds anything but an earlier mirror (and that only with overwrite)."""
    if not out.exists() or not any(out.iterdir()):
        return
    foreign = sorted(p.name for p in out.iterdir() if p.name not in OWN_ENTRIES)
    manifest = out / MANIFEST
    if foreign or not manifest.exists():
        shown = ", ".join(foreign[:5]) or ", ".join(sorted(p.name for p in out.iterdir())[:5])
        raise NotAMirrorError(
            f"{out} is not empty and is not a synthetic mirror (it holds {shown}). "
            "Choose an empty or new folder with --out; the generator never writes over other data."
        )
    if not overwrite:
        previous = json.loads(manifest.read_text())
        raise NotAMirrorError(
            f"{out} already holds a mirror (preset {previous.get('preset')!r}, seed {previous.get('seed')}). "
            "Pass --overwrite to replace it, or choose another --out."
        )


def generate(out, preset: str = "tiny", seed: int = 0, workers: int | None = None, overwrite: bool = False,
             show_progress: bool = True, difficulty: float | None = None, label_noise: float | None = None) -> dict:
    """Write the three mirrors under ``out`` and return the manifest (counts, preset, seed, speed).

    ``difficulty`` (0 studio portraits ... 1 bad snapshots) and ``label_noise`` (share of people drawn with
    a neighbouring age group or the other gender) override the preset's values.
    """
    out = Path(out)
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    settings = PRESETS[preset]
    if difficulty is not None:
        settings = dataclasses.replace(settings, difficulty=float(difficulty))
    if label_noise is not None:
        settings = dataclasses.replace(settings, label_noise=float(label_noise))
    if not (0.0 <= settings.difficulty <= 1.0 and 0.0 <= settings.label_noise <= 0.5):
        raise ValueError(f"difficulty must lie in [0, 1] and label_noise in [0, 0.5]; got {settings.difficulty}, "
                         f"{settings.label_noise}")
    check_output_dir(out, overwrite)
    for name in OWN_ENTRIES:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    adience_rows, adience_jobs = adience.build(settings, np.random.default_rng([seed, 1]))
    celeba_rows, celeba_jobs = celeba.build(settings, np.random.default_rng([seed, 2]))
    wiki_columns, wiki_jobs = imdb_wiki.build(settings, np.random.default_rng([seed, 3]))
    adience.write_index(out, adience_rows)
    celeba.write_index(out, celeba_rows)
    imdb_wiki.write_index(out, wiki_columns)

    jobs = adience_jobs + celeba_jobs + wiki_jobs
    workers = workers or os.cpu_count() or 1
    chunks = [jobs[i:i + 32] for i in range(0, len(jobs), 32)]
    bar = progress.bar(len(jobs), f"SynthFaces {preset}", enabled=show_progress)
    if workers == 1:
        for chunk in chunks:
            bar.update(_render_chunk(chunk, str(out)))
    else:
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_render_chunk, chunk, str(out)) for chunk in chunks]
            for future in concurrent.futures.as_completed(futures):
                bar.update(future.result())
    bar.close()
    seconds = time.perf_counter() - started

    manifest = {
        "generator": GENERATOR,
        "format_version": FORMAT_VERSION,
        "preset": preset,
        "seed": seed,
        "difficulty": settings.difficulty,
        "label_noise": settings.label_noise,
        "images": {"adience": len(adience_jobs), "celeba": len(celeba_jobs), "wiki_crop": len(wiki_jobs)},
        "adience_rows": sum(len(rows) for rows in adience_rows),
    }
    # The manifest is written last: a folder without it is an interrupted run. No timings in it, so the
    # same preset and seed give the same bytes.
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return {**manifest, "seconds": seconds, "images_per_second": len(jobs) / seconds}
