"""Shared by the benchmark scripts: source images, peak memory, and how results are printed.

Each benchmark runs the things it compares in fresh subprocesses (so one cannot inherit the other's
memory or warm caches), prints a table of its figures and ends with one line

    RATIO <name>: <value> (<what it means>; target <target>)

which ``make bench`` collects. Figures vary by +-25 % from run to run on a shared machine; ratios of
things measured side by side in one run vary much less.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
OUT = Path(os.environ.get("AGE_GENDER_KIT_BENCH_OUT", BENCH / "out"))  # sources, caches, logs


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def source_images(count: int, side: int = 256) -> tuple[Path, list[str]]:
    """``count`` distinct face JPEGs of ``side`` px under bench/out/, written once from the synthetic mirror."""
    from PIL import Image

    from helpers import profiles

    folder = OUT / f"sources-{side}px"
    names = [f"{number:05d}.jpg" for number in range(count)]
    missing = [n for n in names if not (folder / n).exists()]
    if missing:
        faces = sorted((profiles.synthetic_dir() / "adience" / "aligned").rglob("*.jpg"))
        if not faces:
            sys.exit("no synthetic faces found: run `make data` first")
        folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        for name in missing:
            number = int(name[:5])
            with Image.open(faces[number % len(faces)]) as face:
                image = face.convert("RGB").resize((side, side))
            if number >= len(faces):  # a distinct picture, not a copy: shift the colours a little
                shift = rng.integers(-12, 13, 3)
                image = Image.fromarray(np.clip(np.asarray(image, np.int16) + shift, 0, 255).astype(np.uint8))
            image.save(folder / name, quality=90)
    return folder, names


def run_worker(script: Path, *arguments: str) -> dict:
    """Run ``script --worker ...`` in a fresh Python and return the JSON it prints last."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [sys.executable, str(script), "--worker", *arguments], capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        sys.exit(f"{script.name} {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ratio_line(name: str, value: float, meaning: str, target: str) -> str:
    line = f"RATIO {name}: {value:.2f} ({meaning}; target {target})"
    print(line, flush=True)
    return line
