"""One experiment run, end to end: the data of a task and fold, a fresh network, training, test scores.

Every notebook and every study goes through :func:`run`, so they all follow the same protocol:

- the test fold is one of Adience's five folds; validation is whole people drawn from the other four
  (the same people for every run on that fold, so runs are comparable); the rest is for training;
- the mean image is computed over the training split only;
- model selection (early stopping, best checkpoint) looks at the validation split only; the test fold is
  scored once, at the end, with the centre crop and, on request, with the 10-crop over-sampling.

Pre-training (notebook 08) uses the same protocol on the other datasets: :func:`source_data` splits CelebA
by its official partition and IMDB-WIKI by whole people, and ``Settings.transfer`` says how a run starts
from the pre-trained network (see ``helpers.transfer``).
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np

from helpers import adience, celeba, evaluation, image_cache, imdb_wiki, model, pipeline, splits, tasks, training
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
    transfer: str = "none"  # "none": from scratch; "frozen" or "fine-tune": from a pre-trained network


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


def _cached(profile: Profile, root: Path, parts: dict, task: str, fold: int) -> TaskData:
    files, labels = {}, {}
    for split, frame in parts.items():
        rows, labels[split] = tasks.labelled(frame, task)
        files[split] = image_cache.cached_files(root, rows.path.tolist(), profile.image_size, progress=False)
    return TaskData(task, fold, profile.image_size, profile.crop_size, files, labels,
                    pipeline.mean_image(files["train"], profile.image_size))


def task_data(profile: Profile, task: str, fold: int, validation_seed: int = 0) -> TaskData:
    """Split Adience for ``task`` with ``fold`` as the test fold; decode and cache the images if needed."""
    root = profile.data_dir / "adience"
    return _cached(profile, root, splits.adience_split(_adience_index(root), fold, seed=validation_seed), task, fold)


#: The dataset each task pre-trains on (the course report's choice), and its folder under the data root.
SOURCES = {"gender": ("celeba", "celeba"), "age": ("imdb_wiki", "wiki_crop")}


def source_data(profile: Profile, task: str, split_seed: int = 0) -> TaskData:
    """The pre-training data of ``task``: CelebA's ``Male`` attribute split by its official partition, or
    IMDB-WIKI's ages in the 8 Adience groups split by whole people. ``fold`` is -1: these are not Adience."""
    tasks.check_task(task)
    name, folder = SOURCES[task]
    root = profile.data_dir / folder
    if not root.exists():
        raise FileNotFoundError(f"no {name} under {profile.data_dir} (looked for {root}): run `make data` for the "
                                f"synthetic mirror, or put the real {name} there (README.md, 'Datasets')")
    if name == "celeba":
        parts = splits.partition_split(celeba.load_celeba(root).index)
    else:
        parts = splits.subject_split(imdb_wiki.load_imdb_wiki(root).index, seed=split_seed)
    return _cached(profile, root, parts, task, fold=-1)


@dataclasses.dataclass
class Outcome:
    training: training.Run
    scores: evaluation.Scores | None  # centre crop; None when the run diverged
    oversampled: evaluation.Scores | None  # 10 crops, when asked for
    test_loss: float = float("nan")  # cross-entropy of the centre crop on the test fold

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
        verbose: int = 0, pretrained=None, save_model: bool = True) -> Outcome:
    """Train a fresh network on ``data`` with ``settings`` and score it on the test fold.

    With ``settings.transfer`` "frozen" or "fine-tune", the network is ``pretrained`` (a Keras model) with a
    new output layer (``helpers.transfer.new_head``). ``run_dir`` receives the training log and, with
    ``save_model``, the best model. A diverged run (NaN loss) is not scored: its outcome has ``scores=None``
    and ``diverged=True``.
    """
    import keras

    from helpers import transfer

    if settings.transfer not in ("none", "frozen", "fine-tune"):
        raise ValueError(f"Settings.transfer={settings.transfer!r}: use 'none', 'frozen' or 'fine-tune'")
    if (settings.transfer != "none") != (pretrained is not None):
        raise ValueError(f"Settings.transfer={settings.transfer!r} "
                         + ("needs a pretrained model" if pretrained is None else "takes no pretrained model"))
    keras.utils.set_random_seed(seed)
    config = training.TrainingConfig(epochs=settings.epochs, learning_rate=settings.learning_rate,
                                     schedule=settings.schedule, step_every=settings.step_every,
                                     patience=settings.patience, optimizer=settings.optimizer)

    def build():
        if pretrained is not None:
            return transfer.new_head(pretrained, len(data.classes), freeze_trunk=settings.transfer == "frozen", seed=seed)
        return model.levi_hassner(len(data.classes), input_size=data.crop_size, hidden_units=settings.hidden_units,
                                  hidden_layers=settings.hidden_layers, seed=seed)

    trained = training.train(build, data.training(settings.batch_size, seed, settings.random_crop, settings.flip),
                             data.evaluation("validation"), config, run_dir=run_dir, save_model=save_model,
                             verbose=verbose)
    if trained.diverged:
        return Outcome(trained, None, None)
    ordinal, labels = data.task == "age", data.labels["test"]
    over = None
    if oversample:  # one pass over the 10 crops gives both scores: crop 4 is the centre crop
        crops = evaluation.crop_probabilities(trained.model, data.evaluation("test", ten_crop=True))
        probabilities = crops[:, 4]
        over = evaluation.score(labels, crops.mean(axis=1).argmax(axis=1), data.classes, ordinal)
    else:
        probabilities = evaluation.predict(trained.model, data.evaluation("test"))
    single = evaluation.score(labels, probabilities.argmax(axis=1), data.classes, ordinal)
    return Outcome(trained, single, over, test_loss=evaluation.cross_entropy(probabilities, labels))
