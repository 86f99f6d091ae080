"""A study's runs on a Ray cluster: every GPU (or core) of one machine or many, from one notebook.

Without Ray nothing here runs: a study trains its runs one after another in the notebook's own process, and
Ray is not even imported. With Ray, :func:`helpers.studies.runner.run_study` sends each run that is still
missing to the cluster as a Ray task and records each result as it arrives. Ray is used when

- ``RAY_ADDRESS`` names a running cluster (``auto`` for the one ``ray start --head`` started on this machine;
  ``make paper DATA_DIR=... RAY_ADDRESS=auto``): every node needs the kit's environment and the data folder
  at the same path; or
- this process already started or joined Ray (:func:`start_local`, as the tests do).

- ``make run WORKERS=2`` or ``make paper GPUS=0,1,2,3``: ``helpers.notebook_runner`` starts Ray on this
  machine (:func:`start_local`, on its loopback only) and hands its address to every notebook.

A task asks for ``AGE_GENDER_KIT_GPU_SHARE`` of a GPU (for example 0.25: four runs at once on each GPU) where
the cluster has GPUs, and for one CPU otherwise. Ray places it on any node with that much free, and runs it
again, up to :data:`RETRIES` times, when the process running it dies. The task trains in a results folder of
its own and sends back its value and the files it wrote (log, predictions, model: :func:`in_own_folder`);
only the notebook (the *driver*) writes the results folder, so that folder need not be shared between
machines. The data folder must be at the same path on every node: before the first task,
:func:`check_every_node` runs the preflight on each node.

Ray is an optional extra: ``make run WORKERS=2`` and ``make paper GPUS=...`` install it, ``make install
EXTRAS=cluster`` or ``pip install -e '.[cluster]'`` otherwise; the ``dev`` extra, which the tests use, has it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

#: How many times Ray runs a task again after the process running it died (killed, out of memory).
RETRIES = 2

#: Passed on to every Ray worker: where the image cache is, and TensorFlow's quiet start.
FORWARDED = ("AGE_GENDER_KIT_CACHE", "TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND")

#: Set by ``helpers.notebook_runner`` for the notebooks it runs on a local Ray: that cluster's node address.
LOCAL_ADDRESS = "127.0.0.1"

NOT_INSTALLED = ("Ray is not installed in this environment, and {why}. Install the kit's cluster extra: "
                 "make install EXTRAS=cluster (or .venv/bin/pip install -e '.[cluster]'), or run without "
                 "RAY_ADDRESS, WORKERS or GPUS to train the runs one after another in the notebook.")


def _ray(why: str):
    try:
        import ray
    except ImportError as error:
        raise RuntimeError(NOT_INSTALLED.format(why=why)) from error
    return ray


def _runtime_env() -> dict:
    """Every Ray worker's environment: the variables of :data:`FORWARDED`, and TensorFlow taking GPU memory as it
    needs it (by default it takes almost all of each GPU it sees, and a second run sharing that GPU would fail)."""
    forwarded = {name: os.environ[name] for name in FORWARDED if name in os.environ}
    return {"env_vars": {**forwarded, "TF_FORCE_GPU_ALLOW_GROWTH": "true"}}


def _loopback_only() -> None:
    """Ray on this machine alone: no usage statistics, and a loopback node address kept as it is. On Linux Ray
    replaces a loopback node address by the machine's own (to be reachable by other nodes) unless it is told
    this is not a cluster: ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, read when Ray is imported."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"


def start_local(workers: int, gpus: int = 0) -> str:
    """Start Ray on this machine for ``workers`` runs at once on the CPU, or for ``gpus`` GPUs (runs at once:
    ``gpus`` divided by the GPU share), listening on 127.0.0.1 only, with no dashboard and no usage statistics
    sent; returns its address, which other processes of this machine join (:func:`connected`). Ray stays up
    until :func:`stop` or the end of the process."""
    _loopback_only()
    ray = _ray(f"{gpus} GPUs were asked for" if gpus else f"{workers} workers were asked for")
    context = ray.init(num_cpus=os.cpu_count() if gpus else workers, num_gpus=gpus, _node_ip_address=LOCAL_ADDRESS,
                       include_dashboard=False, runtime_env=_runtime_env(), log_to_driver=False,
                       configure_logging=False)
    return context.address_info["address"]


def stop() -> None:
    """Leave Ray (and stop the one :func:`start_local` started); nothing to do where Ray was never imported."""
    ray = sys.modules.get("ray")
    if ray is not None:
        ray.shutdown()


def connected() -> bool:
    """Whether this process trains through Ray: it already joined a cluster, or ``RAY_ADDRESS`` names one (joined
    now). Ray is not imported when neither holds."""
    address = os.environ.get("RAY_ADDRESS", "")
    if "ray" not in sys.modules and not address:
        return False
    ray = _ray(f"RAY_ADDRESS is {address!r}")
    if not ray.is_initialized():
        if not address:
            return False
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        local = address.startswith(f"{LOCAL_ADDRESS}:")  # the runner's own Ray (start_local)
        ray.init(address=address, runtime_env=_runtime_env(), log_to_driver=False, configure_logging=False,
                 **({"_node_ip_address": LOCAL_ADDRESS} if local else {}))
    return True


def describe() -> str:
    """The cluster in a few words: its nodes, CPUs and GPUs."""
    import ray

    resources = ray.cluster_resources()
    nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
    return (f"the Ray cluster ({nodes} node{'s' if nodes != 1 else ''}, {resources.get('CPU', 0):g} CPUs, "
            f"{resources.get('GPU', 0):g} GPUs)")


def task(function):
    """``function`` as a Ray task that asks for its share of a GPU where the cluster has GPUs (one CPU
    otherwise) and is run again when its process dies."""
    import ray

    share = float(os.environ.get("AGE_GENDER_KIT_GPU_SHARE", 1))
    if not 0 < share <= 1:
        raise ValueError(f"AGE_GENDER_KIT_GPU_SHARE={share}: use a fraction of one GPU, above 0 and at most 1 "
                         "(0.25: four runs at once on each GPU)")
    resources = {"num_gpus": share, "num_cpus": 0} if ray.cluster_resources().get("GPU") else {"num_cpus": 1}
    return ray.remote(max_retries=RETRIES, **resources)(function)


def in_own_folder(profile, function, *arguments):
    """Run ``function(*arguments)`` (in a Ray task) with a results folder of its own; return its value and every
    file it wrote there, as ``{path under results/<profile>/: bytes}``, for the driver to write
    (:func:`write_files`)."""
    from helpers import environment
    from helpers.profiles import results_dir

    environment.start_tensorflow()
    before = os.environ.get("AGE_GENDER_KIT_RESULTS")
    with tempfile.TemporaryDirectory(prefix="age-gender-kit-task-") as folder:
        os.environ["AGE_GENDER_KIT_RESULTS"] = folder  # a Ray worker process runs one task at a time
        try:
            value = function(*arguments)
            root = results_dir(profile)
            files = {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*"))
                     if path.is_file()}
        finally:
            if before is None:
                os.environ.pop("AGE_GENDER_KIT_RESULTS")
            else:
                os.environ["AGE_GENDER_KIT_RESULTS"] = before
    return value, files


def write_files(profile, files: dict, *, last: str | None = None) -> None:
    """Write a task's files (:func:`in_own_folder`) into this process's results folder, each atomically, the
    one named ``last`` (a file that says the others are complete) after all the others."""
    from helpers import atomic
    from helpers.profiles import results_dir

    for relative in sorted(files, key=lambda name: Path(name).name == last):
        atomic.write(results_dir(profile) / relative, files[relative])


def elsewhere(profile, function, *arguments):
    """A Ray task that runs ``function(*arguments)`` in a results folder of its own (:func:`in_own_folder`)."""
    return task(in_own_folder).remote(profile, function, *arguments)


_checked: set = set()


def _preflight(data_dir: str):
    import ray

    from helpers.data import preflight

    report = preflight.check(data_dir)
    return ray.util.get_node_ip_address(), report.adience_usable, report.table()


def check_every_node(data_dir) -> None:
    """Run the preflight (``helpers.data.preflight``) on every node of the cluster, once per data folder and
    process; raise ``DataNotReady`` naming the nodes where Adience is not usable at ``data_dir``."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from helpers.data import preflight

    data_dir = str(data_dir)
    if data_dir in _checked:
        return
    checks = [ray.remote(num_cpus=0)(_preflight).options(
        scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)).remote(data_dir)
        for node in ray.nodes() if node.get("Alive")]
    unusable = [(node, table) for node, usable, table in ray.get(checks) if not usable]
    if unusable:
        raise preflight.DataNotReady(
            f"the data folder {data_dir} is not usable on {len(unusable)} node(s) of {describe()}: every node "
            "needs the data at the same path.\n" + "\n".join(f"On {node}:\n{table}" for node, table in unusable))
    _checked.add(data_dir)


def results(pending: list):
    """Each finished task's value as it arrives, in the order they finish; ``pending`` is emptied."""
    if not pending:
        return  # no Ray task: Ray is not imported
    import ray

    while pending:
        [done], _ = ray.wait(pending, num_returns=1)
        pending.remove(done)
        yield done, ray.get(done)
