"""Timings that compare across machines: the kit's network timed on whatever runs it, every machine in one CSV.

Four workloads, each at a given image size, batch size and precision, on random images (the data pipeline is
left out, so that only the device's speed is measured):

- ``train batch``: one training step (``train_on_batch``) of the profile's optimizer;
- ``epoch``: ``fit`` over ``epoch_images`` images held in memory, one epoch (Keras' loop, callbacks, batching);
- ``inference, batch 1``: one face at a time, as an application answering requests would;
- ``inference, batch N``: a large batch, as when scoring a test fold.

Each is called once to warm up (tracing, memory), then ``repeats`` times; a row keeps the median seconds, the
interquartile range and images per second, and every row names the machine (host, CPU and cores, GPU and its
memory, OS, Python, TensorFlow, Keras, backend) and the precision.

Rows are appended to ``results/timings.csv`` and never rewritten: the first write creates the file whole (or
finds that another process just did), later ones append their complete lines in one write. A file whose
header is not this module's is refused with its path and left as it is. Files from other machines join with
:func:`merge` (``python -m helpers.timings merge OTHER.csv ...``).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import atomic, environment, profiles, timer

CPUINFO = Path("/proc/cpuinfo")  # Linux's list of the CPU's features
MACHINE = ["machine", "cpu", "cores", "gpu", "gpu_memory_gb", "os", "python", "tensorflow", "keras", "backend"]
COLUMNS = ["recorded", "session", *MACHINE, "precision", "workload", "image_size", "batch_size", "images",
           "median_seconds", "iqr_seconds", "repeats", "images_per_second"]


def timings_path() -> Path:
    """``results/timings.csv``, or under ``AGE_GENDER_KIT_RESULTS`` (one file for every profile and machine)."""
    return Path(os.environ.get("AGE_GENDER_KIT_RESULTS", profiles.REPO_ROOT / "results")) / "timings.csv"


def _gpu_memory_gb() -> str:
    """The first GPU's memory as nvidia-smi reports it, or '' without one."""
    if not shutil.which("nvidia-smi"):
        return ""
    try:
        done = subprocess.run(["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
                              capture_output=True, text=True, timeout=20)
        return f"{int(done.stdout.split()[0]) / 1024:.0f}" if done.returncode == 0 and done.stdout.strip() else ""
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return ""


def machine() -> dict:
    """What this machine is, in the columns every timing row carries."""
    import keras

    tf = environment.start_tensorflow()
    device = environment.describe_device()
    return {"machine": socket.gethostname(), "cpu": environment.cpu_name(), "cores": environment.usable_cores(),
            "gpu": device.removeprefix("GPU: ") if device.startswith("GPU") else "",
            "gpu_memory_gb": _gpu_memory_gb() if device.startswith("GPU") else "",
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "tensorflow": tf.__version__ if tf else "", "keras": keras.__version__,
            "backend": keras.backend.backend()}


def mixed_precision() -> str | None:
    """The mixed policy this device runs fast, or None: float16 on a GPU, bfloat16 on a CPU with AMX or
    AVX-512 BF16 (elsewhere bfloat16 is emulated, and slower than float32)."""
    if environment.describe_device().startswith("GPU"):
        return "mixed_float16"
    try:
        flags = CPUINFO.read_text()
    except OSError:
        return None
    return "mixed_bfloat16" if ("amx_bf16" in flags or "avx512_bf16" in flags) else None


def measure(profile: profiles.Profile, size: int, precision: str = "float32", repeats: int = 5,
            epoch_images: int = 256, inference_batch: int = 256, seed: int = 0,
            network: str = "levi_hassner", workloads: tuple | None = None) -> pd.DataFrame:
    """Time the four workloads (or those named in ``workloads``) of an age network (8 classes; the paper's, or a
    backbone ``network`` of notebook 16, from scratch) at ``size`` px with the profile's batch size and optimizer;
    one row per workload, without the machine's columns (see :func:`record`)."""
    import dataclasses

    import keras
    import tensorflow as tf

    from helpers.training import fit, one_run
    from helpers.training import settings as run_settings

    batch = profile.batch_size
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        keras.utils.set_random_seed(seed)
        settings = dataclasses.replace(run_settings.baseline(profile), network=network)
        model = fit.compile_model(one_run.new_network(settings, 8, size, seed), settings)
    finally:
        keras.config.set_dtype_policy(previous)
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((max(batch, inference_batch), size, size, 3)).astype(np.float32)
    labels = rng.integers(0, 8, len(images)).astype(np.int32)
    epoch = tf.data.Dataset.from_tensor_slices(
        (rng.standard_normal((epoch_images, size, size, 3)).astype(np.float32),
         rng.integers(0, 8, epoch_images).astype(np.int32))).batch(batch).cache()
    every = {
        "train batch": (lambda: model.train_on_batch(images[:batch], labels[:batch]), batch, batch, repeats),
        "epoch": (lambda: model.fit(epoch, epochs=1, verbose=0, shuffle=False), batch, epoch_images,
                  max(2, repeats // 2)),
        "inference, batch 1": (lambda: model.predict_on_batch(images[:1]), 1, 1, 4 * repeats),
        f"inference, batch {inference_batch}": (lambda: model.predict_on_batch(images[:inference_batch]),
                                                inference_batch, inference_batch, repeats),
    }
    rows = []
    for name, (call, batch_size, count, times) in every.items():
        if workloads is not None and name not in workloads:
            continue
        middle, spread = timer.median_and_spread(call, times)
        rows.append({"network": network, "precision": precision, "workload": name, "image_size": size,
                     "batch_size": batch_size, "images": count, "median_seconds": middle, "iqr_seconds": spread,
                     "repeats": times, "images_per_second": count / middle})
    return pd.DataFrame(rows)


def read(path=None) -> pd.DataFrame:
    """Every machine's rows; an empty table when there is no file yet. A file that is not a timings file
    written by this module raises a ValueError naming it (and is not touched)."""
    path = Path(path or timings_path())
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    with path.open(encoding="utf-8", errors="replace") as handle:
        header = handle.readline().rstrip("\r\n").split(",")
    if header != COLUMNS:
        raise ValueError(f"{path}:1: not a timings file of this kit: its columns are {header[:6]}..., not "
                         f"{COLUMNS[:6]}... Move it aside (the kit starts a new one) or merge its rows by hand.")
    try:
        return pd.read_csv(path, dtype={"gpu": str, "gpu_memory_gb": str}, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: a timings file that cannot be read ({str(error).strip()}); it was left as it is. "
                         "Move it aside, or fix the line named.") from None


def record(rows: pd.DataFrame, path=None, session: str | None = None) -> pd.DataFrame:
    """Append ``rows`` (from :func:`measure`) with this machine's columns to the timings file; return the
    rows as written. Other machines' rows are never rewritten."""
    path = Path(path or timings_path())
    read(path)  # refuse a foreign or corrupt file before writing anything
    session = session or f"{socket.gethostname()}-{os.getpid()}-{time.strftime('%Y%m%d-%H%M%S')}"
    stamped = rows.assign(recorded=time.strftime("%Y-%m-%d %H:%M:%S"), session=session, **machine())[COLUMNS]
    _append(path, stamped)
    return stamped


def _append(path: Path, rows: pd.DataFrame) -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        whole = path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.new")
        atomic.write(whole, rows.to_csv(index=False))
        try:
            os.link(whole, path)  # created whole, unless another process created it first
            return
        except FileExistsError:
            read(path)
        finally:
            whole.unlink()
    lines = rows.to_csv(index=False, header=False).encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(descriptor, lines)  # one write of complete lines: never interleaved with another writer's
    finally:
        os.close(descriptor)


def merge(sources, into=None) -> int:
    """Append the rows of other machines' timings files (``sources``) that ``into`` lacks; return how many."""
    into = Path(into or timings_path())
    have = read(into)
    keys = set(map(tuple, have[["session", "workload", "image_size", "precision"]].astype(str).to_numpy()))
    added = 0
    for source in sources:
        rows = read(source)
        new = rows[[tuple(map(str, key)) not in keys for key in
                    rows[["session", "workload", "image_size", "precision"]].to_numpy()]]
        if len(new):
            _append(into, new[COLUMNS])
            keys |= set(map(tuple, new[["session", "workload", "image_size", "precision"]].astype(str).to_numpy()))
            added += len(new)
    return added


def compare(table: pd.DataFrame, session: str | None = None) -> pd.DataFrame:
    """Images per second per workload (rows) and machine (columns), the latest session of each machine and
    device; ``ratio to fastest`` columns beside them. The machine of ``session`` is marked '(this run)'."""
    latest = table.sort_values("recorded").drop_duplicates(["machine", "gpu", "workload", "image_size", "precision"],
                                                           keep="last")
    label = latest.machine + np.where(latest.gpu != "", " / " + latest.gpu, " / " + latest.cpu.str.slice(0, 24))
    if session is not None:
        label = label.where(latest.session != session, label + " (this run)")
    wide = latest.assign(label=label).pivot_table(index=["workload", "image_size", "precision"], columns="label",
                                                  values="images_per_second", aggfunc="last")
    ratios = wide.div(wide.max(axis=1), axis=0).add_suffix(": ratio to fastest")
    return pd.concat([wide.round(1), ratios.round(2)], axis=1)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Merge other machines' timings files into results/timings.csv.")
    parser.add_argument("command", choices=["merge"])
    parser.add_argument("sources", nargs="+", type=Path)
    parser.add_argument("--into", type=Path, default=None, help="default: results/timings.csv")
    arguments = parser.parse_args(argv)
    try:
        added = merge(arguments.sources, arguments.into)
    except ValueError as error:
        sys.exit(str(error))
    print(f"{added} rows added to {arguments.into or timings_path()}")


if __name__ == "__main__":
    main()



def networks_side_by_side(profile: profiles.Profile, networks: dict, size: int, repeats: int = 3) -> pd.DataFrame:
    """What each network costs (``{label: Settings.network}``, 8 age classes, on crops of ``size`` px or, for a
    backbone, of ``one_run.input_size``): its parameters and millions of multiply-adds per face (counted,
    ``helpers.network.cost``), then, measured on this machine with :func:`measure`, training images per second (one
    step at the profile's batch size) and milliseconds per face one face at a time."""
    import dataclasses

    from helpers.network import cost
    from helpers.training import one_run
    from helpers.training import settings as run_settings

    rows = []
    for label, network in networks.items():
        settings = dataclasses.replace(run_settings.baseline(profile), network=network)
        side = one_run.input_size(settings, size)
        counted = cost.size({label: one_run.new_network(settings, 8, side, seed=0)}).iloc[0]
        timed = measure(profile, side, repeats=repeats, network=network,
                        workloads=("train batch", "inference, batch 1")).set_index("workload")
        rows.append({"network": label, "crop (px)": side, "parameters (millions)": counted.parameters / 1e6,
                     "multiply-adds (millions)": counted.multiply_adds_millions,
                     "training images/s": timed.loc["train batch", "images_per_second"],
                     "ms per face, batch 1": 1000 * timed.loc["inference, batch 1", "median_seconds"]})
    return pd.DataFrame(rows).set_index("network")


def images_per_second(measured: pd.DataFrame, workload: str, size: int, precision: str = "float32") -> float:
    """One workload's speed in a table of :func:`measure`: the images (or faces) per second at ``size`` px."""
    chosen = measured[(measured.workload == workload) & (measured.image_size == size)
                      & (measured.precision == precision)]
    return float(chosen.images_per_second.iloc[0])


def summary(measured: pd.DataFrame, every_machine: pd.DataFrame, session: str, this_machine: dict, batch_size: int,
            epoch_images: int, inference_batch: int) -> str:
    """Notebook 11's closing lines: this session's training and inference speed at its largest image size in
    float32 (from :func:`measure`), how noisy the measurements were, and how many machines the file compares."""
    big = measured.image_size.max()
    train, epoch = images_per_second(measured, "train batch", big), images_per_second(measured, "epoch", big)
    single = measured[(measured.workload == "inference, batch 1") & (measured.image_size == big)].iloc[0]
    large = images_per_second(measured, f"inference, batch {inference_batch}", big)
    noisy = measured[measured.iqr_seconds > 0.1 * measured.median_seconds]
    here = every_machine[every_machine.session == session].machine.iloc[0]
    others = every_machine[every_machine.machine != here].machine.nunique()
    earlier = every_machine[(every_machine.machine == here) & (every_machine.session != session)].session.nunique()
    return "\n".join([
        f"On this machine ({this_machine['gpu'] or this_machine['cpu']}), at {big} px in float32:",
        f"  training: {train:.1f} images/s in one batch of {batch_size}, {epoch:.1f} images/s over an epoch "
        f"of {epoch_images} (the epoch at {epoch / train:.2f} of the batch's speed)",
        f"  inference: {1000 * single.median_seconds:.1f} ms for one face ({single.images_per_second:.0f} faces/s), "
        f"{large:.0f} faces/s in batches of {inference_batch} ({large / single.images_per_second:.2f} times the "
        f"single face's rate)",
        f"  {len(noisy)} of {len(measured)} measurements had a spread above a tenth of their median"
        + (f": {', '.join(noisy.workload + ' @' + noisy.image_size.astype(str))}" if len(noisy) else ""),
        f"The file holds {every_machine.machine.nunique()} machine(s) and {earlier} earlier session(s) of this one; "
        + ("this is the only machine so far: merge another machine's file to compare." if others == 0 else
           f"the table above compares this machine with {others} other machine(s).")])
