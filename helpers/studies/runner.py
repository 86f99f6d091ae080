"""Run a study: every missing (variant, task, fold, seed), one fresh network each, nothing run twice.

- Resumable: a run already recorded is skipped, so an interrupted study picks up where it stopped, and a
  finished one is only read.
- Safe for two notebooks of the same study started at once on one results folder: each claims a run before
  training it (``helpers.studies.claims``) and leaves the runs the other holds; when it has nothing left to
  claim it waits for the other's (and trains a run whose notebook died), so that both return the whole table.
- Shared: a run whose settings, task, fold and seed equal a finished run of *any* study of the profile (the
  paper's baseline appears in every study) is copied from there, marked ``reused_from``, not trained again.
- A diverged run (NaN loss) is recorded with ``diverged=True`` and no scores; the study goes on.
- Two heads: a variant with ``multitask`` trains one network for both tasks (``helpers.training.two_heads``)
  and records its two rows, gender and age, from that one training.
- Transfer: a variant with ``transfer`` "frozen" or "fine-tune" starts from the network pre-trained for its
  task and seed (``helpers.studies.pretraining``), trained once before the runs and kept.
- Visible: the plan and a first guess of its time (``helpers.studies.time_left``), a progress bar over
  the runs, a line per finished run with the time left at the pace so far, and in the paper profile a line
  per epoch.
- On many GPUs or machines: with Ray (``helpers.studies.cluster``), each run to train is sent as a Ray task
  once it is claimed, and recorded here as its result arrives; the task trains in a folder of its own and sends
  back its rows and files, so only this process writes the results folder.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

import pandas as pd

from helpers import progress
from helpers.data import task_data
from helpers.profiles import Profile
from helpers.studies import catalogue, claims, cluster, pretraining, store, time_left
from helpers.studies.catalogue import Study
from helpers.training import one_run, two_heads


def _copied_rows(study: Study, profile: Profile, key: tuple, settings) -> list[dict] | None:
    """The run's row copied from an equal run of any study, or None when it must be trained."""
    variant, task, fold, seed = key
    shared = None if study.keep_models else store.same_run(profile, task, fold, seed, settings)
    if shared is None:
        return None
    source = shared.get("reused_from")
    source = source if isinstance(source, str) and source else f"{shared['study']}/{shared['variant']}"
    return [{**shared, "study": study.name, "variant": variant, "reused_from": source}]


def _trained_rows(study: Study, profile: Profile, key: tuple, data, pretrained) -> list[dict]:
    """Train the run and return its row(s) (two, one per task, for a network with both heads); its log,
    predictions and model go to its folder under the results folder."""
    variant, task, fold, seed = key
    settings = study.settings_for(variant, profile)
    options = dict(oversample=True, log_epochs=profile.log_epochs, save_model=study.keep_models)
    if settings.multitask:
        directory = store.run_directory(profile, study.name, variant, "both", fold, seed)
        outcomes = two_heads.train_and_score(data, settings, seed, run_dir=directory, **options)
    else:
        directory = store.run_directory(profile, study.name, variant, task, fold, seed)
        outcomes = {task: one_run.train_and_score(data, settings, seed, pretrained=pretrained, run_dir=directory,
                                                  **options)}
        if study.keep_models:
            store.write_mean(directory, one_run.network_input(data, settings).mean)
    rows = []
    for task, outcome in outcomes.items():
        if outcome.predictions is not None:
            store.write_predictions(store.run_directory(profile, study.name, variant, task, fold, seed),
                                    outcome.predictions)
        rows.append({"study": study.name, "variant": variant, "task": task, "fold": fold, "seed": seed,
                     **dataclasses.asdict(settings), **outcome.row(), "reused_from": "",
                     "finished": time.strftime("%Y-%m-%d %H:%M:%S"), "worker": claims.worker()})
    return rows


def _run_data(profile: Profile, settings, task: str, fold: int):
    """The faces a run trains and is tested on."""
    if settings.multitask:
        return two_heads.joint_data(profile, fold)
    return task_data.task_data(profile, task, fold, preprocessing=settings.preprocessing)


def _trained_elsewhere(study: Study, profile: Profile, key: tuple, pretrained: bytes | None) -> list[dict]:
    """Train the run in a Ray task (inside ``cluster.in_own_folder``, which sends its files back with the rows).
    ``pretrained``: the bytes of the pre-trained network's ``best.keras`` for a transfer run."""
    import keras

    variant, task, fold, seed = key
    settings = study.settings_for(variant, profile)
    network = None
    if pretrained is not None:
        with tempfile.TemporaryDirectory(prefix="age-gender-kit-pretrained-") as folder:
            (Path(folder) / "best.keras").write_bytes(pretrained)
            network = keras.saving.load_model(Path(folder) / "best.keras")
    return _trained_rows(study, profile, key, _run_data(profile, settings, task, fold), network)


def claim_path(profile: Profile, study: str, key: tuple):
    return store.results_dir(profile) / "claims" / study / f"{store.run_name(*key)}.claim"


def run_study(study: Study, profile: Profile, *, folds=None, seeds=None, verbose: bool = True) -> pd.DataFrame:
    """Run every missing run of ``study``; return all its rows (``store.read_results``)."""
    planned = catalogue.plan(study, profile, folds, seeds)
    done = store.finished_keys(store.read_results(profile, study.name))
    todo = [key for key in planned if tuple(map(str, key)) not in done]
    tables = store.recorded_tables(profile) if todo else {}
    to_train = time_left.to_train(profile, study, todo, tables)
    if verbose:
        print(f"{study.name}: {len(planned)} runs planned, {len(planned) - len(todo)} already in "
              f"{store.results_path(profile, study.name)}, {len(todo)} to run in {len(to_train)} trainings (the "
              f"rest copied from other studies, or a two-headed network's second task)", flush=True)
        if to_train:
            print(f"time: {time_left.first_guess(profile, study, to_train, tables)}", flush=True)
    pretrained, data = {}, {}
    started = time.monotonic()
    # The lines marked `no mutate` only join a Ray cluster, send it runs and collect their rows: a slow test
    # judges them (tests/studies/test_cluster.py), mutation testing does not (tests/mutation/README.md).
    on_cluster = bool(to_train) and cluster.connected()  # pragma: no mutate
    if on_cluster:
        cluster.check_every_node(profile.data_dir)  # pragma: no mutate
    sent = {}  # a Ray task's result -> the run's key and the claim held for it until it is recorded

    def pace() -> str:
        """The time left from the trained runs recorded (by any worker) since this study started."""
        recorded = sum(store.is_recorded(profile, study.name, *key) for key in to_train)
        return time_left.left(time.monotonic() - started, recorded, len(to_train) - recorded)

    def record(key: tuple, rows: list[dict], held, files: dict | None = None) -> None:
        """Write the run's files, then its rows (a run is recorded only with its files), and let its claim go."""
        with held:
            cluster.write_files(profile, files or {})  # pragma: no mutate
            for row in rows:
                store.append(profile, study.name, row)
        for row in rows if verbose else []:  # a two-headed network's two tasks, each on its line
            state = "DIVERGED" if row["diverged"] else f"accuracy {row['accuracy']:.3f}"
            how = (f"the same run as {row['reused_from']}" if row["reused_from"]
                   else f"{row['seconds']:.0f} s, {pace()}")
            bar.write(f"  {row['task']:<6} fold {key[2]} seed {key[3]} {key[0]:<20} {state}, "
                      f"{row['epochs_trained']} epochs, {how}")

    def attempt(key: tuple) -> str:
        """Run ``key`` unless another worker holds it: "recorded" (by anyone) afterwards, "sent" to the cluster,
        or "held" by another worker."""
        variant, task, fold, seed = key
        if store.is_recorded(profile, study.name, *key):
            return "recorded"
        settings = study.settings_for(variant, profile)
        faces = "both" if settings.multitask else task  # one claim, one network, for a two-headed run's two rows
        held = claims.claim(claim_path(profile, study.name, (variant, faces, fold, seed)))
        if held is None:
            return "held"
        try:
            if store.is_recorded(profile, study.name, *key):  # recorded between the look and the claim
                held.release()
                return "recorded"
            rows = _copied_rows(study, profile, key, settings)
            if rows is None and settings.transfer != "none" and (task, seed) not in pretrained:
                pretrained[task, seed] = pretraining.pretrained_model(profile, task, seed, verbose=verbose)
            if rows is None and on_cluster:  # pragma: no mutate
                # pragma: no mutate block
                network = None
                if settings.transfer != "none":
                    network = (pretraining.pretraining_directory(profile, task, seed) / "best.keras").read_bytes()
                sent[cluster.elsewhere(profile, _trained_elsewhere, study, profile, key, network)] = key, held
                return "sent"
            if rows is None:
                if (faces, fold, settings.preprocessing) not in data:
                    data.clear()  # one task's images at a time
                    data[faces, fold, settings.preprocessing] = _run_data(profile, settings, task, fold)
                rows = _trained_rows(study, profile, key, data[faces, fold, settings.preprocessing],
                                     pretrained.get((task, seed)))
        except BaseException:
            held.release()
            raise
        record(key, rows, held)
        return "recorded"

    def collect() -> None:
        """Record each run sent to the cluster as its result arrives."""
        # pragma: no mutate block
        for result, (rows, files) in cluster.results(list(sent)):
            key, held = sent.pop(result)
            record(key, rows, held, files)
            bar.update(1)

    with progress.bar(len(todo), study.name, unit="run", enabled=verbose and len(todo) > 0) as bar:
        try:
            waiting = []
            for key in todo:
                state = attempt(key)
                if state == "recorded":
                    bar.update(1)
                elif state == "held":
                    waiting.append(key)
            if sent and verbose:
                bar.write(f"  {len(sent)} run(s) sent to {cluster.describe()}")  # pragma: no mutate
            collect()
            if waiting and verbose:
                bar.write(f"  {len(waiting)} run(s) held by other workers: waiting for them")
            while waiting:
                time.sleep(claims.poll())
                states = {key: attempt(key) for key in waiting}  # a dead worker's run is taken over here
                collect()
                bar.update(sum(state == "recorded" for state in states.values()))
                waiting = [key for key, state in states.items() if state == "held"]
        finally:
            for _, held in sent.values():  # a task failed, or the notebook was interrupted: let other workers on
                held.release()
    return store.read_results(profile, study.name)
