"""Calibration: whether a network's confidence means what it says, and one temperature that repairs most of it.

- A network is *calibrated* when, of the faces it answers with 80 % confidence, 80 % are right. The
  reliability table bins the test faces by confidence (their top probability) and sets each bin's accuracy
  beside its mean confidence; the **expected calibration error** (ECE; Guo et al., "On Calibration of Modern
  Neural Networks", 2017) is the gap between the two, averaged over the bins weighted by their faces.
- **Temperature scaling** (Guo et al.): divide the logits by one number T, fitted on the validation split to
  give the lowest negative log-likelihood. The order of the classes, hence every prediction and the
  accuracy, stays the same; T > 1 softens an over-confident network, T < 1 sharpens a timid one.

The kit's models output probabilities; their logarithms are the logits up to a constant per face, which the
softmax ignores, so the temperature is applied to ``log p``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special

BINS = 10


def reliability(probabilities, labels, bins: int = BINS) -> pd.DataFrame:
    """One row per confidence bin of equal width (empty bins left out): its faces, mean confidence, accuracy."""
    probabilities, labels = np.asarray(probabilities, np.float64), np.asarray(labels, int)
    confidence, correct = probabilities.max(axis=1), probabilities.argmax(axis=1) == labels
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    table = pd.DataFrame({"bin": which, "confidence": confidence, "correct": correct})
    table = table.groupby("bin").agg(faces=("correct", "size"), confidence=("confidence", "mean"),
                                     accuracy=("correct", "mean"))
    table.insert(0, "low", edges[table.index])
    table.insert(1, "high", edges[table.index + 1])
    return table.reset_index(drop=True)


def expected_calibration_error(probabilities, labels, bins: int = BINS) -> float:
    """The faces-weighted mean of |accuracy - confidence| over the bins of :func:`reliability`."""
    table = reliability(probabilities, labels, bins)
    return float((table.faces * (table.accuracy - table.confidence).abs()).sum() / table.faces.sum())


def with_temperature(probabilities, temperature: float) -> np.ndarray:
    """The probabilities the network would give with its logits divided by ``temperature``."""
    logits = np.log(np.clip(np.asarray(probabilities, np.float64), 1e-12, 1.0))
    return special.softmax(logits / temperature, axis=1)


def negative_log_likelihood(probabilities, labels) -> float:
    picked = np.asarray(probabilities, np.float64)[np.arange(len(labels)), np.asarray(labels, int)]
    return float(-np.log(np.clip(picked, 1e-12, 1.0)).mean())


def fit_temperature(probabilities, labels, bounds=(0.05, 20.0)) -> float:
    """The temperature with the lowest negative log-likelihood on these (validation) faces."""
    found = optimize.minimize_scalar(lambda t: negative_log_likelihood(with_temperature(probabilities, t), labels),
                                     bounds=bounds, method="bounded")
    return float(found.x)


def temperature_scaling(validation, validation_labels, test, test_labels) -> tuple[dict, np.ndarray]:
    """Fit a temperature on the validation faces' probabilities and apply it to the test faces': a summary
    (temperature, test faces, ECE and accuracy before and after) and the rescaled test probabilities."""
    temperature = fit_temperature(validation, validation_labels)
    scaled = with_temperature(test, temperature)
    test, test_labels = np.asarray(test), np.asarray(test_labels, int)
    return {"temperature": temperature, "n test": len(test_labels),
            "ECE before": expected_calibration_error(test, test_labels),
            "ECE after": expected_calibration_error(scaled, test_labels),
            "accuracy before": float((test.argmax(1) == test_labels).mean()),
            "accuracy after": float((scaled.argmax(1) == test_labels).mean())}, scaled
