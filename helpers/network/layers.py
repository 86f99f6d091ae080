"""Two layers Caffe has and Keras lacks, written with ``keras.ops`` so they run on any Keras 3 backend.

``LocalResponseNormalization``: Caffe's across-channel LRN. Each activation is divided by a measure of
the activity of its neighbours in the channel direction:

    b[c] = a[c] / (k + alpha / n * sum(a[c']**2 for c' within n // 2 of c)) ** beta

with n = ``local_size`` = 5, alpha = 1e-4, beta = 0.75, k = 1 in the paper. Caffe divides ``alpha`` by
``local_size``; TensorFlow's ``tf.nn.local_response_normalization`` does not, so the same layer there
needs ``depth_radius=2, alpha=1e-4 / 5``. (The course report used a Lambda layer around the TF op, which
ties the model to TensorFlow and cannot be loaded with ``safe_mode=True``.)

``CeilMaxPooling2D``: Caffe rounds the number of pooling windows *up* (a last window may hang over the
edge and sees only what is inside), Keras rounds down. At 227 px input this is the difference between
7 x 7 and 6 x 6 maps before the first fully connected layer. The layer pads the bottom and right edges with
the lowest representable value just enough for the extra window, then pools as Keras does.

Both are registered, so saved models load by name without custom_objects or Lambda layers.
"""

from __future__ import annotations

import math

from helpers import environment

environment.start_tensorflow()  # quietly, before Keras imports it

import keras  # noqa: E402
from keras import ops  # noqa: E402


@keras.saving.register_keras_serializable(package="age_gender_kit")
class LocalResponseNormalization(keras.layers.Layer):
    # Keras reads a layer's constructor signature, which mutmut's wrapper would hide (`make mutation`).
    def __init__(
        self, local_size: int = 5, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0, **kwargs
    ):  # pragma: no mutate block
        super().__init__(**kwargs)
        if local_size % 2 != 1:
            raise ValueError(f"local_size must be odd (Caffe's window is centred), got {local_size}")
        self.local_size, self.alpha, self.beta, self.k = local_size, alpha, beta, k

    def call(self, inputs):
        # Work in float32 even under mixed precision: squares of activations overflow float16 quickly.
        x = ops.cast(inputs, "float32")
        half = self.local_size // 2
        if keras.backend.backend() == "tensorflow":
            # TensorFlow's fused kernel computes the same sum, and its gradient, in one pass over the maps
            # instead of five shifted copies (measured in bench/step.py).
            import tensorflow as tf

            normalized = tf.nn.local_response_normalization(x, depth_radius=half, bias=self.k,
                                                            alpha=self.alpha / self.local_size, beta=self.beta)
            return ops.cast(normalized, inputs.dtype)
        return ops.cast(self.portable(x), inputs.dtype)

    def portable(self, x):
        """The same normalization in ``keras.ops`` alone, for the JAX and PyTorch backends."""
        half = self.local_size // 2
        padded = ops.pad(ops.square(x), [[0, 0]] * (len(x.shape) - 1) + [[half, half]])
        channels = x.shape[-1]
        window_sum = padded[..., 0:channels]
        for offset in range(1, self.local_size):
            window_sum = window_sum + padded[..., offset:offset + channels]
        return x / ops.power(self.k + (self.alpha / self.local_size) * window_sum, self.beta)

    def get_config(self):
        return {**super().get_config(), "local_size": self.local_size, "alpha": self.alpha, "beta": self.beta,
                "k": self.k}


def ceil_mode_windows(length: int, pool_size: int, strides: int) -> int:
    """How many pooling windows Caffe places along an axis of ``length`` (no padding)."""
    return math.ceil((length - pool_size) / strides) + 1


@keras.saving.register_keras_serializable(package="age_gender_kit")
class CeilMaxPooling2D(keras.layers.Layer):
    def __init__(self, pool_size: int = 3, strides: int = 2, **kwargs):  # pragma: no mutate block
        super().__init__(**kwargs)
        self.pool_size, self.strides = pool_size, strides

    def _padding(self, length: int) -> int:
        return (ceil_mode_windows(length, self.pool_size, self.strides) - 1) * self.strides + self.pool_size - length

    def _same_is_ceil_mode(self, length: int) -> bool:
        """Keras' "same" pooling places Caffe's windows along this axis: as many, and any padding (one row at
        most, which "same" puts at the end) where Caffe pads, at the bottom or right."""
        return math.ceil(length / self.strides) == ceil_mode_windows(length, self.pool_size, self.strides) \
            and self._padding(length) <= 1

    @staticmethod
    def _fixed_size(shape) -> tuple[int, int]:
        height, width = shape[1], shape[2]
        if height is None or width is None:
            raise ValueError(f"CeilMaxPooling2D needs a fixed input size, got maps of shape {tuple(shape)} (build "
                             "the model with input_size=...)")
        return height, width

    def call(self, inputs):
        height, width = self._fixed_size(inputs.shape)
        # Without a padded copy of the maps where Keras' own modes place the same windows (every map of the
        # network): "valid" when Caffe needs no padding, "same" when it pads one row at the end.
        if self._padding(height) == self._padding(width) == 0:
            return ops.max_pool(inputs, self.pool_size, self.strides, padding="valid")
        if self._same_is_ceil_mode(height) and self._same_is_ceil_mode(width):
            return ops.max_pool(inputs, self.pool_size, self.strides, padding="same")
        # padded with -inf, which no window's maximum can be, in any float type
        padded = ops.pad(inputs, [[0, 0], [0, self._padding(height)], [0, self._padding(width)], [0, 0]],
                         constant_values=float("-inf"))
        return ops.max_pool(padded, self.pool_size, self.strides, padding="valid")

    def compute_output_shape(self, input_shape):
        height, width = self._fixed_size(input_shape)
        batch, channels = input_shape[0], input_shape[-1]
        return (batch, ceil_mode_windows(height, self.pool_size, self.strides),
                ceil_mode_windows(width, self.pool_size, self.strides), channels)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides}
