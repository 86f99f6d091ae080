"""One run, end to end: a fresh network trained on a task's data, then scored once on the test split.

Every notebook and every study goes through :func:`train_and_score`, so they all follow the same protocol (the data
side is ``helpers.data.task_data``): model selection (early stopping, the best checkpoint) looks at the
validation split only, and the test split is scored once at the end, with the centre crop and, on
request, with the paper's 10-crop over-sampling. ``Settings.transfer`` says whether the run starts from
scratch or from a pre-trained network (``helpers.network.transfer``), ``Settings.network`` whether it trains the
Levi-Hassner network or a modern backbone (:func:`network_input` says what each is fed); ``Settings.age_output``
whether age is 8 classes, a number or DEX's expectation (``helpers.training.age_output``), all scored as groups
and, for age, in years.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from helpers.data.task_data import TaskData
from helpers.network import backbones, levi_hassner, transfer
from helpers.training import age_output, evaluation, fit, floor
from helpers.training.settings import Settings


@dataclasses.dataclass
class Outcome:
    training: fit.Fitted
    scores: evaluation.Scores | None  # centre crop; None when the run diverged
    oversampled: evaluation.Scores | None  # 10 crops, when asked for
    test_loss: float = float("nan")  # cross-entropy of the centre crop on the test split (classes only)
    predictions: dict | None = None  # per test face, in file order: label, predicted, predicted_10crop (and years)
    mae_years: float = float("nan")  # age: mean absolute error in years over the test faces whose age is exact
    mae_years_10crop: float = float("nan")
    n_exact: int = 0  # age: test faces with an exact age
    against_floor: floor.Check | None = None  # the centre crop against the test split's majority floor: did it learn?

    def row(self) -> dict:
        """The run as one row of a results file: scores, epochs, seconds."""
        run, nan = self.training, float("nan")
        row = {"accuracy": self.scores.exact if self.scores else nan,
               "one_off_accuracy": self.scores.one_off if self.scores else nan,
               "test_loss": self.test_loss, "n_test": self.scores.n if self.scores else 0}
        if self.against_floor is not None:
            row.update(majority=self.against_floor.majority, classes_answered=self.against_floor.classes_answered,
                       learned=self.against_floor.learned)
        if self.oversampled is not None:
            row.update(accuracy_10crop=self.oversampled.exact, one_off_accuracy_10crop=self.oversampled.one_off)
        row.update(mae_years=self.mae_years, mae_years_10crop=self.mae_years_10crop, n_exact=self.n_exact)
        row.update(epochs_trained=run.epochs_trained, best_epoch=run.best_epoch,
                   best_validation_accuracy=run.best_validation_accuracy, diverged=run.diverged,
                   seconds=round(run.seconds, 2), seconds_per_batch=run.seconds_per_batch,
                   seconds_per_epoch=run.seconds_per_epoch, iterations=run.iterations)
        return row


def input_size(settings: Settings, crop_size: int) -> int:
    """The side of the crops the run's network sees: the profile's ``crop_size`` for the Levi-Hassner network, at
    most ImageNet's 224 for a backbone (``backbones.IMAGENET_SIZE``)."""
    return crop_size if settings.network == "levi_hassner" else min(crop_size, backbones.IMAGENET_SIZE)


def network_input(data: TaskData, settings: Settings) -> TaskData:
    """The faces as the run's network takes them: less the training split's mean image, in the profile's crops,
    for the Levi-Hassner network (the paper's); as they are (pixels 0-255) for a backbone, which scales them
    itself, in crops of :func:`input_size`."""
    if settings.network == "levi_hassner":
        return data
    return dataclasses.replace(data, mean=np.zeros_like(data.mean), crop_size=input_size(settings, data.crop_size))


def new_network(settings: Settings, units: int, input_size: int, seed: int, pretrained=None):
    """The network a run with ``settings`` trains, freshly made: ``units`` outputs (classes, DEX's bins, or 1 for a
    regression) at ``input_size`` px; from ``pretrained`` with a new output layer for a transfer run."""
    if settings.network != "levi_hassner":
        return transfer.from_imagenet(settings.network, units, input_size=input_size, weights=settings.weights,
                                      seed=seed)
    if pretrained is not None:
        return transfer.from_pretrained(pretrained, units, freeze_trunk=settings.transfer == "frozen", seed=seed)
    return levi_hassner.levi_hassner(units, input_size=input_size, hidden_units=settings.hidden_units,
                                     hidden_layers=settings.hidden_layers, seed=seed,
                                     regression=settings.age_output == "regression")


def train_and_score(data: TaskData, settings: Settings, seed: int, run_dir=None, oversample: bool = False,
        log_epochs: bool = False, pretrained=None, save_model: bool = True) -> Outcome:
    """Train a fresh network on ``data`` with ``settings`` and score it on the test split.

    With ``settings.transfer`` "frozen" or "fine-tune", the network is ``pretrained`` (a Keras model) with a
    new output layer. ``run_dir`` receives the training log and, with ``save_model``, the best model. A
    diverged run (NaN loss) is not scored: its outcome has ``scores=None`` and ``diverged=True``.
    """
    import keras

    if (settings.transfer != "none") != (pretrained is not None):
        raise ValueError(f"Settings.transfer={settings.transfer!r} "
                         + ("needs a pretrained model" if pretrained is None else "takes no pretrained model"))
    output = settings.age_output
    age_output.check(output, data.task)
    data = network_input(data, settings)
    keras.utils.set_random_seed(seed)

    def build():
        units = age_output.units(output) if data.task == "age" else len(data.classes)
        return new_network(settings, units, data.crop_size, seed, pretrained)

    def targets(split):
        return None if output == "classes" else age_output.targets(output, data.labels[split], data.years[split])

    trained = fit.train(
        build,
        data.training(settings.batch_size, seed, settings.random_crop, settings.flip, targets=targets("train")),
        data.evaluation("validation", targets=targets("validation")),
        settings,
        run_dir=run_dir,
        save_model=save_model,
        log_epochs=log_epochs,
    )
    return scored(trained, trained.model, data, output, oversample)


def scored(trained: fit.Fitted, model, data: TaskData, output: str = "classes", oversample: bool = False) -> Outcome:
    """The outcome of a trained run: ``model`` (one head's output, see ``multitask``) scored on ``data``'s test
    split, centre crop and, with ``oversample``, 10 crops; its prediction for every face, and for age its years."""
    if trained.diverged:
        return Outcome(trained, None, None)
    ordinal, labels = data.task == "age", data.labels["test"]
    if oversample:  # one pass over the 10 crops gives both scores: crop 4 is the centre crop
        crops = evaluation.crop_probabilities(model, data.evaluation("test", ten_crop=True))
        outputs, averaged = crops[:, 4], crops.mean(axis=1)
    else:
        outputs, averaged = evaluation.predict(model, data.evaluation("test")), None
    groups = age_output.predicted_groups(output, outputs)
    single = evaluation.score(labels, groups, data.classes, ordinal)
    predictions = {"label": np.asarray(labels), "predicted": groups}
    over = None
    if averaged is not None:
        predictions["predicted_10crop"] = age_output.predicted_groups(output, averaged)
        over = evaluation.score(labels, predictions["predicted_10crop"], data.classes, ordinal)
    outcome = Outcome(trained, single, over, predictions=predictions, against_floor=floor.check(labels, groups),
                      test_loss=evaluation.cross_entropy(outputs, labels) if output == "classes" else float("nan"))
    if data.task == "age":  # every way's ages in years, scored on the faces whose age is exact
        truth, exact = data.years["test"], data.exact["test"]
        predictions.update(years=truth, exact=exact, predicted_years=age_output.predicted_years(output, outputs))
        outcome.mae_years = age_output.mean_absolute_error(truth, predictions["predicted_years"], exact)
        outcome.n_exact = int(exact.sum())
        if averaged is not None:
            predictions["predicted_years_10crop"] = age_output.predicted_years(output, averaged)
            outcome.mae_years_10crop = age_output.mean_absolute_error(truth, predictions["predicted_years_10crop"],
                                                                      exact)
    return outcome
