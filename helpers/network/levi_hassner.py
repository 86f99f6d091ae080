"""The Levi & Hassner network, layer for layer as in their released Caffe definition.

    input 227 x 227 x 3 (a crop of the 256 x 256 image, mean subtracted)
    conv1  96 filters 7 x 7, stride 4        -> ReLU -> max-pool 3 x 3 stride 2 -> LRN    56 -> 28
    conv2 256 filters 5 x 5, padding 2       -> ReLU -> max-pool 3 x 3 stride 2 -> LRN    28 -> 14
    conv3 384 filters 3 x 3, padding 1       -> ReLU -> max-pool 3 x 3 stride 2           14 ->  7
    hidden1 512 -> ReLU -> dropout 0.5
    hidden2 512 -> ReLU -> dropout 0.5
    output (2 for gender, 8 for age) -> softmax

Pooling rounds up as Caffe's does (``layers.CeilMaxPooling2D``), so the first fully connected layer sees
7 x 7 x 384. Weights start Gaussian with standard deviation 0.01 (convolutions and output) or 0.005 (hidden
layers); biases start at 0 (conv1, conv3, output) or 1 (conv2, hidden layers). Weight decay 5e-4 applies to
weights, not biases. Caffe's weight decay adds ``decay * w`` to the gradient, which is the gradient of
``decay / 2 * sum(w ** 2)``: hence ``L2(decay / 2)`` below.

The number of classes, hidden units, hidden layers and the input size are parameters, for the studies and
for the smoke profile's small images. Layer names are fixed (``conv1`` ... ``output``): the optimizer's
per-layer learning rates and transfer learning find layers by name. With ``heads`` (notebook 13) the trunk
feeds one output layer per task, ``gender_output`` and ``age_output``, and the model outputs a dict of their
probabilities keyed by task.
"""

from __future__ import annotations

from helpers import environment

environment.start_tensorflow()  # quietly, before Keras imports it

import keras  # noqa: E402

from helpers.network import layers  # noqa: E402

#: Caffe's learning-rate multipliers in the released definition, by variable path (first match wins):
#: biases learn at twice the base rate, the output layer at 10x (weights) and 20x (bias).
LEARNING_RATE_MULTIPLIERS = (("*output/bias", 20.0), ("*output/kernel", 10.0), ("*bias", 2.0))


def _gaussian(std: float, seed: int | None):
    return keras.initializers.RandomNormal(stddev=std, seed=seed)


def levi_hassner(num_classes: int, *, input_size: int = 227, hidden_units: int = 512, hidden_layers: int = 2,
                 dropout: float = 0.5, weight_decay: float = 5e-4, seed: int | None = None,
                 name: str = "levi_hassner", regression: bool = False, heads: dict | None = None) -> keras.Model:
    """The network as a functional Keras model; outputs class probabilities, or with ``regression`` (and
    ``num_classes=1``) one linear unit (age in years, notebook 12), or with ``heads`` ({task: classes}; then
    ``num_classes`` is ignored) a dict of each task's probabilities from one shared trunk (notebook 13)."""
    # Plain ints: values read from a results table arrive as NumPy integers, which Keras layers refuse.
    num_classes, input_size, hidden_units, hidden_layers = map(
        int, (num_classes, input_size, hidden_units, hidden_layers)
    )
    if hidden_layers < 0 or hidden_units < 1 or num_classes < (1 if regression else 2):
        raise ValueError(
            f"need num_classes >= 2 (1 for a regression), hidden_units >= 1, hidden_layers >= 0; got {num_classes}, "
            f"{hidden_units}, {hidden_layers}"
        )
    decay = keras.regularizers.L2(weight_decay / 2) if weight_decay else None
    seeds = iter(range(seed, seed + 100) if seed is not None else [None] * 100)

    def conv(filters, size, strides, padding, bias, layer_name):
        return keras.layers.Conv2D(
            filters,
            size,
            strides=strides,
            padding=padding,
            activation="relu",
            kernel_initializer=_gaussian(0.01, next(seeds)),
            bias_initializer=keras.initializers.Constant(bias),
            kernel_regularizer=decay,
            name=layer_name,
        )

    inputs = keras.Input((input_size, input_size, 3), name="image")
    x = conv(96, 7, 4, "valid", 0.0, "conv1")(inputs)
    x = layers.CeilMaxPooling2D(3, 2, name="pool1")(x)
    x = layers.LocalResponseNormalization(5, 1e-4, 0.75, name="norm1")(x)
    x = conv(256, 5, 1, "same", 1.0, "conv2")(x)  # 'same' at stride 1 = Caffe's pad 2 on every side
    x = layers.CeilMaxPooling2D(3, 2, name="pool2")(x)
    x = layers.LocalResponseNormalization(5, 1e-4, 0.75, name="norm2")(x)
    x = conv(384, 3, 1, "same", 0.0, "conv3")(x)  # pad 1
    x = layers.CeilMaxPooling2D(3, 2, name="pool3")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    for number in range(1, hidden_layers + 1):
        x = keras.layers.Dense(
            hidden_units,
            activation="relu",
            kernel_initializer=_gaussian(0.005, next(seeds)),
            bias_initializer=keras.initializers.Constant(1.0),
            kernel_regularizer=decay,
            name=f"hidden{number}",
        )(x)
        x = keras.layers.Dropout(dropout, name=f"dropout{number}")(x)
    if heads:
        outputs = {task: classifier_head(x, int(count), seed=next(seeds), task=task) for task, count in heads.items()}
    elif regression:
        outputs = keras.layers.Dense(num_classes, kernel_initializer=_gaussian(0.01, next(seeds)),
                                     kernel_regularizer=decay, dtype="float32", name="output")(x)
    else:
        outputs = classifier_head(x, num_classes, seed=next(seeds))
    return keras.Model(inputs, outputs, name=name)


def classifier_head(features, num_classes: int, *, seed: int | None = None, weight_decay: float = 5e-4,
                    task: str = ""):
    """The output layer and softmax (kept in float32 under mixed precision, for a stable loss); with ``task``,
    the layers are named ``<task>_output`` and ``<task>`` (one head of several)."""
    logits = keras.layers.Dense(
        num_classes,
        kernel_initializer=_gaussian(0.01, seed),
        bias_initializer="zeros",
        kernel_regularizer=keras.regularizers.L2(weight_decay / 2) if weight_decay else None,
        name=f"{task}_output" if task else "output",
    )(features)
    return keras.layers.Activation("softmax", dtype="float32", name=task or "probabilities")(logits)


def activations(network: keras.Model, images, layer_names) -> list:
    """What the named layers of ``network`` output for a batch of images, as NumPy arrays (a look inside)."""
    probe = keras.Model(network.input, [network.get_layer(name).output for name in layer_names])
    return [keras.ops.convert_to_numpy(maps) for maps in probe(images)]
