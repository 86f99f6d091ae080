#!/usr/bin/env python3
"""How well, and how reliably, the smoke baseline learns: fold 0, seeds 0-2, both tasks, in one process.

    python bench/baseline_seeds.py                       # the smoke profile as it is
    python bench/baseline_seeds.py --set max_epochs=10 --set learning_rate=5e-4 --data-dir /tmp/mirror

``--set`` changes a field of the profile (``helpers.profiles.Profile``) or of the baseline's settings
(``helpers.training.settings.Settings``). Training is deterministic on a CPU for given data and seed, so
the spread printed is the seed's alone. Prints one row per run, then per task the mean, min, max, spread
and seconds per run, then each seed against the targets of the smoke baseline (issue 31), set by the floor each
fold sets: gender >= majority + 0.15; age exact >= majority + 0.08 with 1-off >= 0.75; a spread over the seeds
of at most 0.08 per task. The last line is ``RESULT baseline_meets_targets: PASS`` or ``FAIL``.

``--filing-step`` trains with the two layers as they were when issue 12 was filed (LRN as five shifted
slices, every ceil-mode pooling through a padded copy; the same function up to float rounding, slower), which
is what "today's cost per run" meant: run it on the mirror of that day and compare the seconds per run with a
plain run on the same machine.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import time

import pandas as pd

from helpers import environment, profiles
from helpers.data import task_data
from helpers.training import one_run
from helpers.training import settings as settings_module

#: Per task: the exact accuracy's margin over the test fold's majority floor, and the least 1-off accuracy.
TARGETS = {"gender": {"above_majority": 0.15}, "age": {"above_majority": 0.08, "one_off_accuracy": 0.75}}
MAX_SPREAD = 0.08


def judged(table: pd.DataFrame, majority: dict) -> tuple[pd.DataFrame, bool]:
    """Each run against its task's targets (``target`` in words, ``met``), and whether every run and every task's
    spread over the seeds met them."""
    rows, ok = [], True
    for task, of_task in table.groupby("task", sort=False):
        goal = TARGETS.get(task, {})
        least = majority[task] + goal.get("above_majority", 0.0)
        one_off = goal.get("one_off_accuracy")
        for run in of_task.itertuples():
            met = run.accuracy >= least and (one_off is None or run.one_off_accuracy >= one_off)
            rows.append({"task": task, "seed": run.seed, "accuracy": run.accuracy, "one_off": run.one_off_accuracy,
                         "target": f">= {least:.3f} (majority {majority[task]:.3f} + "
                                   f"{goal.get('above_majority', 0.0):.2f})"
                                   + (f", 1-off >= {one_off:.2f}" if one_off is not None else ""),
                         "met": "PASS" if met else "FAIL"})
            ok &= bool(met)
        spread = of_task.accuracy.max() - of_task.accuracy.min()
        rows.append({"task": task, "seed": "spread", "accuracy": spread, "one_off": float("nan"),
                     "target": f"<= {MAX_SPREAD:.2f}", "met": "PASS" if spread <= MAX_SPREAD else "FAIL"})
        ok &= bool(spread <= MAX_SPREAD)
    return pd.DataFrame(rows), ok


def _value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def use_filing_step() -> None:
    """Make the kit's LRN and ceil-mode pooling compute as they did before bench/step.py's changes."""
    from keras import ops

    from helpers.network import layers

    def normalize_by_slices(self, inputs):
        return ops.cast(self.portable(ops.cast(inputs, "float32")), inputs.dtype)

    def pool_through_a_padded_copy(self, inputs):
        height, width = self._fixed_size(inputs.shape)
        padded = ops.pad(inputs, [[0, 0], [0, self._padding(height)], [0, self._padding(width)], [0, 0]],
                         constant_values=float("-inf"))
        return ops.max_pool(padded, self.pool_size, self.strides, padding="valid")

    layers.LocalResponseNormalization.call = normalize_by_slices
    layers.CeilMaxPooling2D.call = pool_through_a_padded_copy


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="a synthetic mirror (default: data/synthetic)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--tasks", default="gender,age")
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    parser.add_argument("--filing-step", action="store_true", help="the layers' slower forms of the day issue 12 "
                        "was filed, to measure its cost per run")
    args = parser.parse_args(argv)
    if args.filing_step:
        use_filing_step()
        print("filing step: LRN as five shifted slices, pooling through a padded copy")
    profile = environment.setup("smoke", args.data_dir, verbose=False)
    changes = dict(item.split("=", 1) for item in args.set)
    changes = {field: _value(value) for field, value in changes.items()}
    profile_fields = {field.name for field in dataclasses.fields(profiles.Profile)}
    known = profile_fields | {field.name for field in dataclasses.fields(settings_module.Settings)}
    if unknown := sorted(set(changes) - known):
        parser.error(f"--set {', '.join(unknown)}: not a field of Profile or Settings "
                     f"(known: {', '.join(sorted(known))})")
    profile = dataclasses.replace(profile, **{k: v for k, v in changes.items() if k in profile_fields})
    settings = settings_module.baseline(profile)
    settings = dataclasses.replace(settings, **{k: v for k, v in changes.items() if k not in profile_fields})
    print(profile.describe())
    print(settings)
    rows, majority = [], {}
    for task in args.tasks.split(","):
        data = task_data.task_data(profile, task, args.fold)
        majority[task] = data.majority()
        print(f"{task}: {data.counts()}, majority {data.majority():.3f}", flush=True)
        for seed in map(int, args.seeds.split(",")):
            start = time.perf_counter()
            outcome = one_run.train_and_score(data, settings, seed, save_model=False)
            row = {"task": task, "seed": seed, **outcome.row(), "wall": time.perf_counter() - start}
            rows.append(row)
            print(f"  {task:<6} seed {seed}: accuracy {row['accuracy']:.3f} one-off {row['one_off_accuracy']:.3f} "
                  f"best epoch {row['best_epoch']} of {row['epochs_trained']}, {row['wall']:.1f} s "
                  f"({row['seconds_per_batch']:.3f} s a batch, {row['seconds']:.1f} s training)", flush=True)
    table = pd.DataFrame(rows)
    summary = table.groupby("task", sort=False).agg(
        n=("accuracy", "size"), mean=("accuracy", "mean"), low=("accuracy", "min"), high=("accuracy", "max"),
        one_off_low=("one_off_accuracy", "min"), seconds=("wall", "mean"))
    summary["spread"] = summary.high - summary.low
    print(summary.round(3).to_string())
    verdicts, ok = judged(table, majority)
    print(verdicts.round(3).to_string(index=False))
    print(f"RESULT baseline_meets_targets: {'PASS' if ok else 'FAIL'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
