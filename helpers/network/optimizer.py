"""The paper's optimizer: SGD with momentum 0.9, per-layer learning rates, and a step schedule.

Caffe lets every weight have its own learning-rate multiplier (``lr_mult``); the released network uses
2x for biases and 10x / 20x for the output layer's weights / bias (``levi_hassner.LEARNING_RATE_MULTIPLIERS``).
Keras' SGD has one rate for everything, so :class:`CaffeSGD` scales the rate per variable. With momentum,
scaling a variable's rate is the same as scaling its gradient, which is exactly what Caffe does (weight
decay included, since the decay is part of the gradient here too).

Schedules are Keras' own: the paper's step schedule, "multiply by 0.1 every 10,000 iterations", is an
``ExponentialDecay`` with ``staircase=True``; a constant rate is just a number. (The course report set its
drop interval in *epochs*, 10,000 of them, so its rate never dropped.)
"""

from __future__ import annotations

import fnmatch

from helpers import environment

environment.start_tensorflow()  # quietly, before Keras imports it

import keras  # noqa: E402


@keras.saving.register_keras_serializable(package="age_gender_kit")
class CaffeSGD(keras.optimizers.SGD):
    """SGD whose rate is multiplied, per variable, by the first matching ``(path pattern, multiplier)``."""

    def __init__(self, learning_rate=1e-3, momentum=0.9, multipliers=(), **kwargs):
        super().__init__(learning_rate=learning_rate, momentum=momentum, **kwargs)
        self.multipliers = tuple((str(pattern), float(factor)) for pattern, factor in multipliers)

    def multiplier(self, variable) -> float:
        # On TensorFlow, update_step receives the backend's variable; find the Keras one, which has .path.
        path = self._trainable_variables[self._get_variable_index(variable)].path
        for pattern, factor in self.multipliers:
            if fnmatch.fnmatch(path, pattern):
                return factor
        return 1.0

    def update_step(self, gradient, variable, learning_rate):
        factor = self.multiplier(variable)
        if factor != 1.0:
            learning_rate = keras.ops.multiply(learning_rate, factor)
        super().update_step(gradient, variable, learning_rate)

    def get_config(self):
        return {**super().get_config(), "multipliers": [list(pair) for pair in self.multipliers]}


def learning_rate_schedule(base_rate: float, schedule: str = "step", step_every: int = 10_000, factor: float = 0.1):
    """``"step"``: ``base_rate`` times ``factor`` every ``step_every`` iterations; ``"constant"``: ``base_rate``."""
    if schedule == "constant":
        return base_rate
    if schedule == "step":
        return keras.optimizers.schedules.ExponentialDecay(base_rate, decay_steps=step_every, decay_rate=factor,
                                                           staircase=True)
    raise ValueError(f"unknown schedule {schedule!r}: use 'step' (the paper's) or 'constant'")
