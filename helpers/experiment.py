"""One experiment run, end to end: the data of a task and fold, a fresh network, training, test scores.

Every notebook and every study goes through :func:`run`, so they all follow the same protocol:

- the test fold is one of Adience's five folds; validation is whole people drawn from the other four
  (the same people for every run on that fold, so runs are comparable); the rest is for training;
- the mean image is computed over the training split only;
- model selection (early stopping, best checkpoint) looks at the validation split only; the test fold is
  scored once, at the end, with the centre crop and, on request, with the 10-crop over-sampling.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np

from helpers import adience, evaluation, image_cache, model, pipeline, splits, tasks, training
from helpers.profiles import Profile


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a study may vary; the defaults are the paper's."""

    batch_size: int = 50
    hidden_units: int = 512
    hidden_layers: int = 2
    learning_rate: float = 1e-3
    schedule: str = "step"
    step_every: int = 10_000  # iterations between the step schedule's tenfold drops
    random_crop: bool = True
    flip: bool = True
    epochs: int = 60
    patience: int = 10
    optimizer: str = "sgd"


def baseline(profile: Profile) -> Settings:
    """The paper's settings, sized by the profile (batch size, epochs, and a step interval that drops the rate
    at the same fractions of training as the paper's 10,000 of 50,000 iterations)."""
    return Settings(batch_size=profile.batch_size, epochs=profile.max_epochs, learning_rate=profile.learning_rate,
                    step_every=profile.step_every, patience=profile.patience, optimizer=profile.optimizer)


@dataclasses.dataclass
class TaskData:
    """The cached images and labels of one task on one fold, split three ways."""

    task: str
    fold: int
    size: int
    crop_size: int
    files: dict  # split name -> cached file names
    labels: dict  # split name -> int32 labels
    mean: np.ndarray

    @property
    def classes(self) -> list[str]:
        return tasks.CLASSES[self.task]

    def training(self, batch_size: int, seed: int, random_crop: bool = True, flip: bool = True):
        return pipeline.training_dataset(self.files["train"], self.labels["train"], size=self.size,
                                         crop_size=self.crop_size, batch_size=batch_size, mean=self.mean, seed=seed,
                                         random_crop=random_crop, flip=flip)

    def evaluation(self, split: str, batch_size: int = 100, ten_crop: bool = False):
        return pipeline.evaluation_dataset(self.files[split], self.labels[split], size=self.size,
                                           crop_size=self.crop_size, batch_size=batch_size, mean=self.mean,
                                           ten_crop=ten_crop)

    def counts(self) -> dict:
        return {split: len(labels) for split, labels in self.labels.items()}


@functools.lru_cache(maxsize=4)
def _adience_index(root: Path):
    return adience.load_adience(root).index


def task_data(profile: Profile, task: str, fold: int, validation_seed: int = 0) -> TaskData:
    """Split Adience for ``task`` with ``fold`` as the test fold; decode and cache the images if needed."""
    root = profile.data_dir / "adience"
    parts = splits.adience_split(_adience_index(root), fold, seed=validation_seed)
    files, labels = {}, {}
    for split, frame in parts.items():
        rows, labels[split] = tasks.labelled(frame, task)
        files[split] = image_cache.cached_files(root, rows.path.tolist(), profile.image_size, progress=False)
    return TaskData(task, fold, profile.image_size, profile.crop_size, files, labels,
                    pipeline.mean_image(files["train"], profile.image_size))


@dataclasses.dataclass
class Outcome:
    training: training.Run
    scores: evaluation.Scores | None  # centre crop; None when the run diverged
    oversampled: evaluation.Scores | None  # 10 crops, when asked for
    test_loss: float = float("nan")

    def row(self) -> dict:
        run, nan = self.training, float("nan")
        row = {"accuracy": self.scores.exact if self.scores else nan,
               "one_off_accuracy": self.scores.one_off if self.scores else nan,
               "test_loss": self.test_loss, "n_test": self.scores.n if self.scores else 0}
        if self.oversampled is not None:
            row.update(accuracy_10crop=self.oversampled.exact, one_off_accuracy_10crop=self.oversampled.one_off)
        row.update(epochs_trained=run.epochs_trained, best_epoch=run.best_epoch,
                   best_validation_accuracy=run.best_validation_accuracy, diverged=run.diverged,
                   seconds=round(run.seconds, 2), seconds_per_batch=run.seconds_per_batch,
                   seconds_per_epoch=run.seconds_per_epoch)
        return row


def run(data: TaskData, settings: Settings, seed: int, run_dir=None, oversample: bool = False,
        verbose: int = 0) -> Outcome:
    """Train a fresh network on ``data`` with ``settings`` and score it on the test fold.

    A diverged run (NaN loss) is not scored: its outcome has ``scores=None`` and ``diverged=True``.
    """
    import keras

    keras.utils.set_random_seed(seed)
    config = training.TrainingConfig(epochs=settings.epochs, learning_rate=settings.learning_rate,
                                     schedule=settings.schedule, step_every=settings.step_every,
                                     patience=settings.patience, optimizer=settings.optimizer)

    def build():
        return model.levi_hassner(len(data.classes), input_size=data.crop_size, hidden_units=settings.hidden_units,
                                  hidden_layers=settings.hidden_layers, seed=seed)

    trained = training.train(build, data.training(settings.batch_size, seed, settings.random_crop, settings.flip),
                             data.evaluation("validation"), config, run_dir=run_dir, verbose=verbose)
    if trained.diverged:
        return Outcome(trained, None, None)
    ordinal = data.task == "age"
    test = data.evaluation("test")
    single = evaluation.evaluate(trained.model, test, data.labels["test"], data.classes, ordinal)
    over = (evaluation.evaluate(trained.model, data.evaluation("test", ten_crop=True), data.labels["test"],
                                data.classes, ordinal, ten_crop=True) if oversample else None)
    return Outcome(trained, single, over, test_loss=float(trained.model.evaluate(test, verbose=0)[0]))
