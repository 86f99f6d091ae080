"""Training one network: build, compile and fit it with the report's safeguards, and say what happened.

Everything here is a Keras callback or option, wired once so that every notebook trains the same way:

- early stopping on the *validation* split (never the test fold), with the best weights restored;
- the best model saved as ``best.keras`` and every epoch logged to ``log.csv`` in the run's folder;
- a NaN loss stops the run at once (``TerminateOnNaN``) and the run is reported as diverged, not as a
  crash: the report saw NaN at batch size 1, and a study must go on past such a run;
- seconds per batch and per epoch are recorded (the report's "comparable timing" improvement);
- on request one line per epoch, for runs long enough to watch (the paper profile's).

Optional, for GPU machines: mixed precision (``Settings.precision``), XLA (``Settings.jit_compile``), and a
``tf.distribute`` strategy (:func:`strategy`) to train on several GPUs or machines. On CPU the defaults
(float32, no XLA, one device) are the fastest measured.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import environment

environment.start_tensorflow()  # quietly, before Keras imports it: the rest of helpers.training needs no TensorFlow

import keras  # noqa: E402

from helpers.data import labels  # noqa: E402
from helpers.network import levi_hassner, optimizer  # noqa: E402
from helpers.training import age_output  # noqa: E402
from helpers.training.settings import Settings  # noqa: E402


@dataclasses.dataclass
class Fitted:
    """What :func:`train` returns: the model (best weights restored) and an account of the run."""

    model: keras.Model
    history: pd.DataFrame  # one row per epoch: loss, accuracy, val_loss, val_accuracy, learning_rate
    diverged: bool
    epochs_trained: int
    best_epoch: int  # 1-based; 0 when no epoch finished
    best_validation_accuracy: float
    seconds: float
    seconds_per_batch: float  # median over the run's batches (the first, which traces the graph, excluded)
    seconds_per_epoch: float  # median over epochs
    run_dir: Path | None
    iterations: int = 0  # training batches (weight updates) made in all


class BatchTimer(keras.callbacks.Callback):
    """Wall-clock seconds of every training batch and every epoch."""

    def __init__(self):
        super().__init__()
        self.batch_seconds: list[float] = []
        self.epoch_seconds: list[float] = []

    def on_train_batch_begin(self, batch, logs=None):
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.batch_seconds.append(time.perf_counter() - self._batch_start)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(time.perf_counter() - self._epoch_start)


def strategy(name: str = "default"):
    """A ``tf.distribute`` strategy: ``default`` (one device), ``mirrored`` (all local GPUs, or the CPU),
    ``multiworker`` (several machines; each needs ``TF_CONFIG``, see the TensorFlow guide)."""
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {name!r}: use 'default', 'mirrored' or 'multiworker'")


class EpochLine(keras.callbacks.Callback):
    """One printed line per finished epoch: its number, losses, accuracies and seconds."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        shown = "  ".join(
            f"{name} {value:.4f}" for name, value in (logs or {}).items() if "loss" in name or "acc" in name
        )
        print(
            f"    epoch {epoch + 1}/{self.params['epochs']}  {shown}  ({time.perf_counter() - self._start:.0f} s)",
            flush=True,
        )


def compile_model(network: keras.Model, settings: Settings) -> keras.Model:
    """Compile with the paper's SGD (or Adam) and sparse cross-entropy.

    With the paper's initialization a convolution's mean gradient is 2-8 % of its mean weight (measured at
    80 px on the synthetic mirror; the output layer's is 10x its weight), so SGD at 1e-3 changes the
    convolutions by 2e-5 to 8e-5 of their size per iteration: that is why the paper trains 50,000 iterations.
    Adam scales every weight's step by its own gradient history and learns something in a few hundred
    iterations, which is what a CPU can afford.
    """
    rate = optimizer.learning_rate_schedule(settings.learning_rate, settings.schedule, settings.step_every)
    if settings.optimizer == "sgd":
        multipliers = levi_hassner.LEARNING_RATE_MULTIPLIERS if settings.caffe_multipliers else ()
        chosen = optimizer.CaffeSGD(rate, momentum=settings.momentum, multipliers=multipliers)
    else:  # "adam" (Settings allows no other)
        chosen = keras.optimizers.Adam(rate)
    if settings.multitask:  # one head per task; a face without a task's label adds nothing to its loss
        masked = keras.losses.SparseCategoricalCrossentropy(ignore_class=labels.MISSING)
        network.compile(optimizer=chosen, loss={"gender": masked, "age": masked},
                        loss_weights={"gender": 1.0, "age": settings.age_loss_weight}, jit_compile=settings.jit_compile)
        return network
    regression = settings.age_output == "regression"
    network.compile(optimizer=chosen, loss=age_output.loss(settings.age_output),
                    metrics=[] if regression else ["accuracy"], jit_compile=settings.jit_compile)
    return network


def train(
    build_model,
    train_data,
    validation_data,
    settings: Settings | None = None,
    run_dir=None,
    distribution=None,
    log_epochs: bool = False,
    save_model: bool = True,
) -> Fitted:
    """Build a fresh model with ``build_model()``, compile it with ``settings`` and fit it for ``settings.epochs``.

    ``train_data`` and ``validation_data`` are batched datasets of (images, labels). ``run_dir`` receives
    ``log.csv`` and, with ``save_model``, ``best.keras`` (nothing is written when it is None). ``distribution``
    is a strategy from :func:`strategy`; the model is built inside its scope. ``log_epochs`` prints a line
    per epoch.
    """
    settings = settings or Settings()
    distribution = distribution or strategy("default")
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(settings.precision)
    try:
        with distribution.scope():
            network = compile_model(build_model(), settings)
    finally:
        keras.config.set_dtype_policy(previous_policy)

    # The best epoch: the highest validation accuracy; for age in years (regression, DEX) the lowest validation
    # loss, since accuracy over one-year bins or no classes at all says little; for two heads (multitask) the
    # lowest weighted sum of their losses, the quantity the network is trained to lower.
    by_accuracy = settings.age_output == "classes" and not settings.multitask
    monitor, mode = ("val_accuracy", "max") if by_accuracy else ("val_loss", "min")
    timer = BatchTimer()
    callbacks = [
        keras.callbacks.TerminateOnNaN(),
        timer,
        keras.callbacks.EarlyStopping(monitor, mode=mode, patience=settings.patience, restore_best_weights=True),
    ]
    if log_epochs:
        callbacks.append(EpochLine())
    if run_dir is not None:
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        callbacks.append(keras.callbacks.CSVLogger(run_dir / "log.csv"))
        if save_model:
            callbacks.append(
                keras.callbacks.ModelCheckpoint(
                    run_dir / "best.keras", monitor=monitor, mode=mode, save_best_only=True
                )
            )
    start = time.perf_counter()
    fitted = network.fit(
        train_data,
        validation_data=validation_data,
        epochs=settings.epochs,
        callbacks=callbacks,
        shuffle=False,
        verbose=0,
    )  # the dataset shuffles itself
    seconds = time.perf_counter() - start

    history = pd.DataFrame(fitted.history)
    history.index = pd.RangeIndex(1, len(history) + 1, name="epoch")
    losses = history.get("loss", pd.Series(dtype=float))
    diverged = bool(losses.isna().any() or np.isinf(losses).any())
    validation = history.get(monitor, pd.Series(dtype=float)).dropna()
    best_epoch = int(validation.idxmax() if mode == "max" else validation.idxmin()) if len(validation) else 0
    # (for the other monitors NaN: DEX's accuracy over 101 one-year bins is not a group accuracy)
    accuracy = history.get("val_accuracy", pd.Series(dtype=float)) if by_accuracy else pd.Series(dtype=float)
    return Fitted(
        model=network,
        history=history,
        diverged=diverged,
        epochs_trained=len(history),
        best_epoch=best_epoch,
        best_validation_accuracy=float(accuracy.get(best_epoch, float("nan"))) if best_epoch else float("nan"),
        seconds=seconds,
        seconds_per_batch=float(np.median(timer.batch_seconds[1:] or timer.batch_seconds or [np.nan])),
        seconds_per_epoch=float(np.median(timer.epoch_seconds or [np.nan])),
        iterations=len(timer.batch_seconds),
        run_dir=run_dir,
    )
