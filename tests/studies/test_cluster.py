"""A study's runs as Ray tasks (helpers.studies.cluster), with Ray started on this machine for two workers and
listening on its loopback only: the same rows as one process, spread over the two workers, and a run whose
process dies trained again and recorded once. One Ray start (about 35 s on 2 busy cores) serves both."""

from __future__ import annotations

import dataclasses
import sys
import threading
import time

import nbformat
import psutil
import pytest

from helpers.data import preflight
from helpers.studies import catalogue, claims, cluster, pretraining, runner, store

STUDY = catalogue.Study("spread", {"wide": {"hidden_units": 64}, "narrow": {"hidden_units": 16}}, tasks=("gender",))
SCORES = ["accuracy", "accuracy_10crop", "test_loss", "n_test", "epochs_trained", "best_epoch",
          "best_validation_accuracy", "majority", "classes_answered"]


def _listening_outside_loopback() -> list:
    """Listening sockets of this process and its children on any address but the loopback."""
    ours = {process.pid for process in psutil.Process().children(recursive=True)} | {psutil.Process().pid}
    return [(connection.laddr, connection.pid) for connection in psutil.net_connections(kind="inet")
            if connection.status == psutil.CONN_LISTEN and connection.pid in ours
            and connection.laddr.ip not in ("127.0.0.1", "::ffff:127.0.0.1", "::1")]


def _kill_the_first_training(killed: list) -> None:
    """Kill the first Ray worker seen training a run, 2 s into it; its pid goes to ``killed``."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        for process in psutil.process_iter(["cmdline"]):
            if (process.info["cmdline"] or [""])[0].startswith("ray::in_own_folder"):
                time.sleep(2)
                process.kill()
                killed.append(process.pid)
                return
        time.sleep(0.2)


@pytest.mark.slow
def test_a_studys_runs_on_two_ray_workers_equal_one_process_and_survive_a_killed_worker(profile, tmp_path,
                                                                                      monkeypatch, capsys):
    alone = runner.run_study(STUDY, profile, verbose=False).set_index("variant").sort_index()
    faces = {variant: store.predictions(profile, "spread", variant, "gender", 0, 0) for variant in STUDY.variants}
    assert alone.worker.unique().tolist() == [claims.worker()]
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "through_ray"))
    address = cluster.start_local(2)
    try:
        assert address.startswith("127.0.0.1:")
        spread = runner.run_study(STUDY, profile).set_index("variant").sort_index()
        assert _listening_outside_loopback() == []
        killed = []
        killer = threading.Thread(target=_kill_the_first_training, args=(killed,), daemon=True)
        killer.start()
        retried = runner.run_study(catalogue.Study("killed", {"48": {"hidden_units": 48}}, tasks=("gender",)),
                                   profile, verbose=False)  # a run no study made yet: trained, not copied
        killer.join()
        transfer = runner.run_study(catalogue.Study("moved", {"frozen": {"transfer": "frozen"}}, tasks=("gender",)),
                                    dataclasses.replace(profile, pretraining_epochs=1))
        with pytest.raises(preflight.DataNotReady, match=r"not usable on 1 node\(s\) of the Ray cluster"):
            cluster.check_every_node(tmp_path / "no data here")
    finally:
        cluster.stop()

    printed = capsys.readouterr().out
    assert "2 run(s) sent to the Ray cluster (1 node, 2 CPUs, 0 GPUs)" in printed
    assert spread.worker.nunique() == 2 and claims.worker() not in set(spread.worker)  # two Ray workers trained
    assert spread[SCORES].equals(alone[SCORES])  # training is deterministic wherever it runs
    for variant in STUDY.variants:  # each run's files came back with it: its log and its prediction per face
        directory = store.run_directory(profile, "spread", variant, "gender", 0, 0)
        assert str(directory).startswith(str(tmp_path / "through_ray")) and (directory / "log.csv").is_file()
        assert store.predictions(profile, "spread", variant, "gender", 0, 0).equals(faces[variant])

    assert len(killed) == 1  # Ray ran the task again in another process, and it was recorded once
    assert len(retried) == 1 and retried.worker.iloc[0] != f"{claims.HOST}:{killed[0]}"
    assert retried.reused_from.isna().all() and retried.accuracy.between(0, 1).all()
    assert len(list(store.records_dir(profile, "killed").glob("*.csv"))) == 1
    assert not list((tmp_path / "through_ray").rglob("*.claim"))

    # the pre-training was a task too: its files reached this process's results folder, its scores last
    assert "pre-training gender on celeba, seed 0, on the Ray cluster (1 node, 2 CPUs, 0 GPUs)" in printed
    kept = pretraining.pretraining_directory(profile, "gender", 0)
    assert str(kept).startswith(str(tmp_path / "through_ray"))
    assert {path.name for path in kept.iterdir()} >= {"best.keras", "log.csv", "scores.json"}
    assert (kept / "scores.json").stat().st_mtime_ns >= (kept / "best.keras").stat().st_mtime_ns
    assert len(transfer) == 1 and transfer.accuracy.between(0, 1).all() and transfer.worker.iloc[0] != claims.worker()


def test_without_ray_asking_for_a_cluster_names_the_extra_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails, as where the cluster extra is not installed
    monkeypatch.setenv("RAY_ADDRESS", "auto")
    with pytest.raises(RuntimeError, match=r"RAY_ADDRESS is 'auto'.*make install EXTRAS=cluster"):
        cluster.connected()
    with pytest.raises(RuntimeError, match=r"2 workers were asked for.*make install EXTRAS=cluster"):
        cluster.start_local(2)
    monkeypatch.delenv("RAY_ADDRESS")
    from helpers import notebook_runner  # papermill and Jupyter's client: only for this test

    notebook = tmp_path / "00_nothing.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), notebook)
    assert notebook_runner.main(["--workers", "2", "--output", str(tmp_path / "out"), str(notebook)]) == 2
    said = capsys.readouterr().err
    assert "2 workers were asked for" in said and "make install EXTRAS=cluster" in said and "Traceback" not in said
    monkeypatch.delitem(sys.modules, "ray")
    assert cluster.connected() is False and "ray" not in sys.modules  # no cluster asked for: Ray is not imported
