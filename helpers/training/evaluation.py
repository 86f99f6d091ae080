"""Scoring a trained model on a test split, the way the paper reports it.

- exact accuracy: the predicted class is the true class;
- 1-off accuracy (age only): the predicted group is the true one or a neighbour, so (25, 32) for a
  (38, 43) face counts; the paper reports it because neighbouring age groups are hard even for people;
- the confusion matrix (rows: true class, columns: predicted) and the recall of every class, which show
  *where* a model fails, not just how often;
- single crop (the centre) or over-sampled (the mean of the softmax over 10 crops, see ``pipeline``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd


@dataclasses.dataclass
class Scores:
    exact: float
    one_off: float  # NaN for gender, where classes have no order
    confusion: pd.DataFrame  # counts; rows = true class, columns = predicted class
    recall: pd.Series  # per class: correct / true count (NaN for a class absent from the test set)
    n: int


def score(truth, predicted, classes: list[str], ordinal: bool) -> Scores:
    """Scores from true and predicted class numbers (0 .. len(classes) - 1)."""
    truth, predicted = np.asarray(truth, int), np.asarray(predicted, int)
    if truth.shape != predicted.shape or truth.ndim != 1:
        raise ValueError(f"truth {truth.shape} and predictions {predicted.shape} must be 1-D and the same length")
    if len(truth) == 0:
        raise ValueError("nothing to score: the test set is empty")
    count = len(classes)
    confusion = np.zeros((count, count), int)
    np.add.at(confusion, (truth, predicted), 1)
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(totals > 0, np.diag(confusion) / totals, np.nan)
    frame = pd.DataFrame(confusion, index=pd.Index(classes, name="true"), columns=pd.Index(classes, name="predicted"))
    return Scores(exact=float((truth == predicted).mean()),
                  one_off=float((np.abs(truth - predicted) <= 1).mean()) if ordinal else float("nan"),
                  confusion=frame, recall=pd.Series(recall, index=classes, name="recall"), n=len(truth))


def predict(model, dataset, ten_crop: bool = False) -> np.ndarray:
    """Class probabilities for every image of an evaluation dataset (from ``pipeline.evaluation_dataset``).

    With ``ten_crop=True`` the dataset yields (batch, 10, crop, crop, 3) and the 10 softmax outputs of each
    image are averaged, as in the paper's over-sampling.
    """
    if not ten_crop:
        return model.predict(dataset, verbose=0)
    return crop_probabilities(model, dataset).mean(axis=1)


def crop_probabilities(model, ten_crop_dataset) -> np.ndarray:
    """(images, 10, classes): the softmax of each of the 10 crops, in ``pipeline.ten_crops`` order, so
    ``[:, 4]`` is the centre crop (the single-crop prediction) and ``.mean(axis=1)`` the over-sampled one."""
    flat = ten_crop_dataset.map(lambda crops, label: _merge_crops(crops))
    probabilities = model.predict(flat, verbose=0)
    return probabilities.reshape(-1, 10, probabilities.shape[-1])


def _merge_crops(crops):
    import tensorflow as tf

    shape = tf.shape(crops)
    return tf.reshape(crops, tf.concat([[shape[0] * 10], shape[2:]], axis=0))


def cross_entropy(probabilities, labels) -> float:
    """Mean negative log-probability of the true class: the test loss, without the weight-decay term."""
    picked = np.asarray(probabilities, np.float64)[np.arange(len(labels)), np.asarray(labels, int)]
    return float(-np.log(np.clip(picked, 1e-12, 1.0)).mean())


def evaluate(model, dataset, labels, classes: list[str], ordinal: bool, ten_crop: bool = False) -> Scores:
    """Predict a test dataset and score it against ``labels`` (in the dataset's order)."""
    probabilities = predict(model, dataset, ten_crop)
    return score(labels, probabilities.argmax(axis=1), classes, ordinal)
