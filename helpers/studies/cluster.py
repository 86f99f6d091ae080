"""A study's runs on a Ray cluster: every GPU (or core) of one machine or many, from one notebook.

Without Ray nothing here runs: a study trains its runs one after another in the notebook's own process, and
Ray is not even imported. With Ray, :func:`helpers.studies.runner.run_study` sends each run that is still
missing to the cluster as a Ray task and records each result as it arrives. Ray is used when

- ``RAY_ADDRESS`` names a running cluster (``auto`` for the one ``ray start --head`` started on this machine;
  ``make paper DATA_DIR=... RAY_ADDRESS=auto``): every node needs the kit's environment and the data folder
  at the same path; or
- this process already started or joined Ray (:func:`start_local`, as the tests do).

A task asks for ``AGE_GENDER_KIT_GPU_SHARE`` of a GPU (for example 0.25: four runs at once on each GPU) where
the cluster has GPUs, and for one CPU otherwise. Ray places it on any node with that much free, and runs it
again, up to :data:`RETRIES` times, when the process running it dies. The task trains in a results folder of
its own and sends back its rows and the files it wrote (log, predictions, model); only the notebook (the
*driver*) writes the results folder, so that folder need not be shared between machines.

Ray is an optional extra (``pip install -e '.[cluster]'``; the ``dev`` extra, which the tests use, has it).
"""

from __future__ import annotations

import os
import sys

#: How many times Ray runs a task again after the process running it died (killed, out of memory).
RETRIES = 2

#: Passed on to every Ray worker: where the image cache is, and TensorFlow's quiet start.
FORWARDED = ("AGE_GENDER_KIT_CACHE", "TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND")

NOT_INSTALLED = ("Ray is not installed in this environment, and {why}. Install the kit's cluster extra: "
                 "make install EXTRAS=dev,cluster (or .venv/bin/pip install -e '.[cluster]'), or unset RAY_ADDRESS "
                 "to train the runs in this process.")


def _ray(why: str):
    try:
        import ray
    except ImportError as error:
        raise RuntimeError(NOT_INSTALLED.format(why=why)) from error
    return ray


def _runtime_env() -> dict:
    return {"env_vars": {name: os.environ[name] for name in FORWARDED if name in os.environ}}


def start_local(workers: int) -> str:
    """Start Ray on this machine for ``workers`` runs at once, listening on 127.0.0.1 only, with no dashboard and
    no usage statistics sent; returns its address. Ray stays up until :func:`stop` or the end of the process.

    On Linux Ray replaces a loopback node address by the machine's own (to be reachable by other nodes) unless
    it is told this is not a cluster: ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, read when Ray is imported."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray = _ray(f"{workers} workers were asked for")
    context = ray.init(num_cpus=workers, num_gpus=0, _node_ip_address="127.0.0.1", include_dashboard=False,
                       runtime_env=_runtime_env(), log_to_driver=False, configure_logging=False)
    return context.address_info["address"]


def stop() -> None:
    import ray

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
        ray.init(address=address, runtime_env=_runtime_env(), log_to_driver=False, configure_logging=False)
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


def results(pending: list):
    """Each finished task's value as it arrives, in the order they finish; ``pending`` is emptied."""
    if not pending:
        return  # no Ray task: Ray is not imported
    import ray

    while pending:
        [done], _ = ray.wait(pending, num_returns=1)
        pending.remove(done)
        yield done, ray.get(done)
