"""The one call at the top of every notebook: seeds, quiet logs, and a record of where it ran.

    course = helpers.setup(profile=profile, data_dir=data_dir, seed=seed)

fixes every random seed (Python, NumPy, TensorFlow) in one place, silences TensorFlow's start-up chatter,
prints the versions and the device in use, and returns the :class:`helpers.profiles.Profile` that sizes
the rest of the notebook, its seeds starting at ``seed``. An executed notebook therefore always shows what
it ran on. Notebooks call that profile ``course``: ``settings`` is always one run's
``helpers.training.settings.Settings``. On real data it first runs the preflight (``helpers.data.preflight``):
its table is printed, and the notebook stops there, saying what to do, when Adience cannot be used. On the
synthetic mirror it warns when the results folder holds runs trained before the mirror was last written.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import tempfile
import time

from helpers import profiles


@contextlib.contextmanager
def _native_stderr_held():
    """Hold what C++ code writes to file descriptor 2 while TensorFlow starts.

    TensorFlow prints oneDNN and CUDA notices before its own log level applies, so TF_CPP_MIN_LOG_LEVEL
    alone does not silence them. If starting fails, everything held is printed after all.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def start_tensorflow():
    """Import TensorFlow without its start-up chatter; the subpackages that need Keras call this first, so a
    notebook may import every helper in one cell, before or after ``setup``. With another Keras backend
    (``KERAS_BACKEND=jax`` on a machine without TensorFlow) it does nothing and returns None."""
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        return None
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before the first import: no C++ INFO/WARNING
    with _native_stderr_held():
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")  # the CUDA probe prints its notices here
    tf.get_logger().setLevel("ERROR")
    return tf


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def describe_device() -> str:
    """'GPU: <name> (+N more)' when TensorFlow sees a GPU, else 'CPU: <model>, N cores'."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        name = details.get("device_name", gpus[0].name)
        more = f" (+{len(gpus) - 1} more)" if len(gpus) > 1 else ""
        return f"GPU: {name}{more}"
    return f"CPU: {cpu_name()}, {usable_cores()} cores"


def warn_of_runs_older_than_the_mirror(course: profiles.Profile) -> int:
    """Runs are recorded by their settings, not by the data they saw: after ``make data`` writes the synthetic
    mirror again (its generator changed), the runs in the results folder were trained on the mirror before, and
    every notebook would read them as if trained on this one. Say so on stderr, with what to do; returns how many."""
    from helpers.studies import store

    manifest = course.data_dir / "MANIFEST.json"
    if not manifest.exists():
        return 0
    written = manifest.stat().st_mtime
    older = store.records_older_than(course, written)
    if older:
        print(f"WARNING {len(older)} run(s) in {profiles.results_dir(course)} were trained before the synthetic "
              f"mirror was written again ({manifest}, {time.strftime('%Y-%m-%d %H:%M', time.localtime(written))}), "
              f"for example {older[0]}; the notebooks read them as they are. To train them on this mirror, move "
              f"that folder away (or run make clean, which removes results/, runs/ and cache/).", file=sys.stderr)
    return len(older)


def setup(profile: str = "smoke", data_dir=None, seed: int = 0, verbose: bool = True) -> profiles.Profile:
    """Prepare a notebook or script and return its profile (see the module docstring)."""
    tf = start_tensorflow()
    import keras
    import numpy

    keras.utils.set_random_seed(seed)  # seeds Python's random, NumPy and TensorFlow together
    if not tf.config.list_physical_devices("GPU"):
        # On CPU one inter-op thread trained the network 25-40 % faster at 227 px (2 cores). A RuntimeError
        # means TensorFlow already started its thread pools (setup called twice): keep them.
        with contextlib.suppress(RuntimeError):
            tf.config.threading.set_inter_op_parallelism_threads(1)
    course = profiles.get_profile(profile, data_dir, seed)
    if not course.synthetic and course.data_dir != profiles.synthetic_dir():
        from helpers.data import preflight  # real data: stop here, with what to do, if Adience cannot be used

        report = preflight.require_adience(course.data_dir)
        if verbose:
            print(report.table())
    if course.synthetic:
        warn_of_runs_older_than_the_mirror(course)
    if verbose:
        print(
            f"Python {sys.version.split()[0]} | TensorFlow {tf.__version__} | "
            f"Keras {keras.__version__} ({keras.backend.backend()} backend) | NumPy {numpy.__version__}"
        )
        print(f"Device: {describe_device()}")
        print(f"Seed: {seed}")
        print(course.describe())
    return course
