"""Run a study: every missing (variant, task, fold, seed), one fresh network each, nothing run twice.

- Resumable: a run already recorded is skipped, so an interrupted study picks up where it stopped, and a
  finished one is only read.
- Shared among workers: any number of processes, on one machine or on several that share the results
  folder, may run the same study at once. Each claims a run before training it
  (``helpers.studies.claims``) and leaves the runs others hold; when it has nothing left to claim it waits
  for theirs (taking over a run whose worker died), so that every worker returns the whole table.
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
"""

from __future__ import annotations

import dataclasses
import time

import pandas as pd

from helpers import progress
from helpers.data import task_data
from helpers.profiles import Profile
from helpers.studies import catalogue, claims, pretraining, store, time_left
from helpers.studies.catalogue import Study
from helpers.training import one_run, two_heads


def _rows(study: Study, profile: Profile, key: tuple, data, pretrained) -> list[dict]:
    """The recorded row(s) of one run: copied from an equal run of any study, or trained (two rows, one per task,
    for a network with both heads)."""
    variant, task, fold, seed = key
    settings = study.settings_for(variant, profile)
    shared = None if study.keep_models else store.same_run(profile, task, fold, seed, settings)
    if shared is not None:
        source = shared.get("reused_from")
        source = source if isinstance(source, str) and source else f"{shared['study']}/{shared['variant']}"
        return [{**shared, "study": study.name, "variant": variant, "reused_from": source}]
    options = dict(oversample=True, log_epochs=profile.log_epochs, save_model=study.keep_models)
    if settings.multitask:
        directory = store.run_directory(profile, study.name, variant, "both", fold, seed)
        outcomes = two_heads.train_and_score(data, settings, seed, run_dir=directory, **options)
    else:
        directory = store.run_directory(profile, study.name, variant, task, fold, seed)
        outcomes = {task: one_run.train_and_score(data, settings, seed, pretrained=pretrained, run_dir=directory,
                                                  **options)}
        if study.keep_models:
            store.write_mean(directory, data.mean)
    rows = []
    for task, outcome in outcomes.items():
        if outcome.predictions is not None:
            store.write_predictions(store.run_directory(profile, study.name, variant, task, fold, seed),
                                    outcome.predictions)
        rows.append({"study": study.name, "variant": variant, "task": task, "fold": fold, "seed": seed,
                     **dataclasses.asdict(settings), **outcome.row(), "reused_from": "",
                     "finished": time.strftime("%Y-%m-%d %H:%M:%S"), "worker": claims.worker()})
    return rows


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

    def pace() -> str:
        """The time left from the trained runs recorded (by any worker) since this study started."""
        recorded = sum(store.is_recorded(profile, study.name, *key) for key in to_train)
        return time_left.left(time.monotonic() - started, recorded, len(to_train) - recorded)

    def attempt(key: tuple) -> bool:
        """Run ``key`` unless another worker holds it; True when it is recorded (by anyone) afterwards."""
        variant, task, fold, seed = key
        if store.is_recorded(profile, study.name, *key):
            return True
        settings = study.settings_for(variant, profile)
        faces = "both" if settings.multitask else task  # one claim, one network, for a two-headed run's two rows
        held = claims.claim(claim_path(profile, study.name, (variant, faces, fold, seed)))
        if held is None:
            return False
        with held:
            if store.is_recorded(profile, study.name, *key):  # recorded between the look and the claim
                return True
            if settings.transfer != "none" and (task, seed) not in pretrained:
                pretrained[task, seed] = pretraining.pretrained_model(profile, task, seed, verbose=verbose)
            step = settings.preprocessing
            if (faces, fold, step) not in data:
                data.clear()  # one task's images at a time
                data[faces, fold, step] = (two_heads.joint_data(profile, fold) if settings.multitask
                                           else task_data.task_data(profile, task, fold, preprocessing=step))
            rows = _rows(study, profile, key, data[faces, fold, step], pretrained.get((task, seed)))
            for row in rows:
                store.append(profile, study.name, row)
        for row in rows if verbose else []:  # a two-headed network's two tasks, each on its line
            state = "DIVERGED" if row["diverged"] else f"accuracy {row['accuracy']:.3f}"
            how = (f"the same run as {row['reused_from']}" if row["reused_from"]
                   else f"{row['seconds']:.0f} s, {pace()}")
            bar.write(f"  {row['task']:<6} fold {fold} seed {seed} {variant:<20} {state}, {row['epochs_trained']} "
                      f"epochs, {how}")
        return True

    with progress.bar(len(todo), study.name, unit="run", enabled=verbose and len(todo) > 0) as bar:
        waiting = []
        for key in todo:
            if attempt(key):
                bar.update(1)
            else:
                waiting.append(key)
        if waiting and verbose:
            bar.write(f"  {len(waiting)} run(s) held by other workers: waiting for them")
        while waiting:
            time.sleep(claims.poll())
            still = [key for key in waiting if not attempt(key)]  # a dead worker's run is taken over here
            bar.update(len(waiting) - len(still))
            waiting = still
    return store.read_results(profile, study.name)
