"""The kit's training step against a plain Keras model of the same network, side by side in one process.

The *reference* is the network as a Keras user would write it: ``Conv2D``, ``MaxPooling2D`` (``same`` where
a map's side is even and ``valid`` where it is odd, which places Caffe's ceil-mode windows exactly), TensorFlow's
fused LRN in a ``Lambda`` layer, Keras' own SGD with momentum, and ``train_on_batch`` on tensors in memory.
Both networks have the same layers, shapes and weights count, so they do the same arithmetic.

Both are measured two ways: ``train_on_batch`` (the step alone) and ``fit`` on a tf.data pipeline of the same
tensors (how every study trains). Repeats alternate between the four, and the best of each is kept, at 227 px
(batch 50, the paper's) and at the smoke profile's crop (batch 32). ``fit`` is compared with ``fit``: on one
2-core machine of this pool a plain Keras network's ``fit`` ran at 0.54-1.10 of its own ``train_on_batch``
(68 px, 87 steps, six repeats; bench/RESULTS.md), so a gap between ``fit`` and ``train_on_batch`` is not by
itself the kit's.

    python bench/step.py [--repeats 3] [--seconds 6]

Prints ``RATIO step_vs_reference_227`` and ``..._smoke`` (the kit's fit / the reference's fit, images/s; target
>= 0.9), ``fit_vs_train_on_batch_*`` (the reference's fit / its own train_on_batch: what fit costs any Keras
network here) and ``step_flops``: the kit's training FLOP/s at 227 px against a large float32 matrix product's, the
best case for the same cores. The work per image is counted from the layer shapes: a convolution or dense
layer does 2 x (multiply-adds) forward, and backward the same again for the weight gradients and again for
the input gradients (except the first layer, which needs no input gradient).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def training_flops_per_image(network) -> float:
    import keras

    total, first = 0.0, True
    for layer in network.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, height, width, filters = layer.output.shape
            kernel_height, kernel_width, channels, _ = layer.kernel.shape
            forward = 2.0 * height * width * filters * kernel_height * kernel_width * channels
        elif isinstance(layer, keras.layers.Dense):
            forward = 2.0 * layer.kernel.shape[0] * layer.kernel.shape[1]
        else:
            continue
        total += forward * (2 if first else 3)
        first = False
    return total


def matmul_flops_per_second(n: int = 2048, repeats: int = 10) -> float:
    import tensorflow as tf

    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    product = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)))
    product().numpy()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        product().numpy()
        best = min(best, time.perf_counter() - start)
    return 2.0 * n ** 3 / best


def reference_network(num_classes: int, size: int):
    """The Levi-Hassner network in plain Keras layers (see the module docstring)."""
    import keras
    import tensorflow as tf

    decay = keras.regularizers.L2(5e-4 / 2)

    def pool(x):
        padding = "same" if x.shape[1] % 2 == 0 else "valid"  # Caffe's ceil mode for 3x3 windows, stride 2
        return keras.layers.MaxPooling2D(3, 2, padding=padding)(x)

    def lrn(x):
        return keras.layers.Lambda(lambda t: tf.nn.local_response_normalization(
            t, depth_radius=2, bias=1.0, alpha=1e-4 / 5, beta=0.75))(x)

    inputs = keras.Input((size, size, 3))
    x = keras.layers.Conv2D(96, 7, strides=4, activation="relu", kernel_regularizer=decay)(inputs)
    x = lrn(pool(x))
    x = keras.layers.Conv2D(256, 5, padding="same", activation="relu", kernel_regularizer=decay)(x)
    x = lrn(pool(x))
    x = keras.layers.Conv2D(384, 3, padding="same", activation="relu", kernel_regularizer=decay)(x)
    x = keras.layers.Flatten()(pool(x))
    for _ in range(2):
        x = keras.layers.Dropout(0.5)(keras.layers.Dense(512, activation="relu", kernel_regularizer=decay)(x))
    outputs = keras.layers.Dense(num_classes, activation="softmax", kernel_regularizer=decay)(x)
    network = keras.Model(inputs, outputs)
    network.compile(optimizer=keras.optimizers.SGD(1e-3, momentum=0.9), loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    return network


def measure(size: int, batch_size: int, repeats: int, seconds: float) -> dict:
    """Best images/s of the reference, the kit's step and the kit's fit at one size."""
    import numpy as np
    import tensorflow as tf

    from helpers.network import levi_hassner
    from helpers.training import fit, settings

    kit = fit.compile_model(levi_hassner.levi_hassner(8, input_size=size), settings.Settings(schedule="constant"))
    reference = reference_network(8, size)
    assert kit.count_params() == reference.count_params(), (kit.count_params(), reference.count_params())
    rng = np.random.default_rng(0)
    images = tf.constant(rng.normal(0, 50, (batch_size, size, size, 3)).astype(np.float32))
    labels = tf.constant(np.arange(batch_size) % 8)
    steps = 2
    for network in (kit, reference):  # warm up: trace the step
        for _ in range(steps):
            network.train_on_batch(images, labels)
    start = time.perf_counter()
    kit.train_on_batch(images, labels)
    steps = max(3, int(seconds / (time.perf_counter() - start)))  # about `seconds` per measurement
    dataset = tf.data.Dataset.from_tensors((images, labels)).repeat(steps).prefetch(2)
    kit.fit(dataset.take(2), verbose=0, shuffle=False)

    def on_batches(network):
        start = time.perf_counter()
        for _ in range(steps):
            network.train_on_batch(images, labels)
        return steps * batch_size / (time.perf_counter() - start)

    def fitted(network):
        start = time.perf_counter()
        network.fit(dataset, verbose=0, shuffle=False)
        return steps * batch_size / (time.perf_counter() - start)

    reference.fit(dataset.take(2), verbose=0, shuffle=False)
    rates = {"reference": [], "reference fit": [], "kit step": [], "kit fit": []}
    for _ in range(repeats):
        rates["reference"].append(on_batches(reference))
        rates["reference fit"].append(fitted(reference))
        rates["kit step"].append(on_batches(kit))
        rates["kit fit"].append(fitted(kit))
    best = {name: max(values) for name, values in rates.items()}
    every = "; ".join(f"{name} {', '.join(f'{v:.1f}' for v in values)}" for name, values in rates.items())
    print(f"{size:>4} px, batch {batch_size:>3}, {steps} steps a repeat: reference {best['reference']:7.1f} img/s "
          f"(fit {best['reference fit']:7.1f}), kit step {best['kit step']:7.1f}, kit fit {best['kit fit']:7.1f}   "
          f"(all: {every})", flush=True)
    return {**best, "work": training_flops_per_image(kit)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of one measurement")
    parser.add_argument("--sizes", type=int, nargs="*", default=None, help="default: 227 and the smoke crop")
    arguments = parser.parse_args()
    from helpers import environment

    smoke = environment.setup("smoke", verbose=False)  # one inter-op thread, as every notebook
    print(f"machine: {common.machine()}")
    sizes = arguments.sizes or [227, smoke.crop_size]
    results = {size: measure(size, 50 if size == 227 else smoke.batch_size, arguments.repeats, arguments.seconds)
               for size in sizes}
    for size, result in results.items():
        where = "227" if size == 227 else "smoke"
        common.ratio_line(f"step_vs_reference_{where}", result["kit fit"] / result["reference fit"],
                          f"kit's fit / plain Keras reference's fit, images/s at {size} px", ">= 0.9")
        common.ratio_line(f"fit_vs_train_on_batch_{where}", result["reference fit"] / result["reference"],
                          f"plain Keras reference: fit / train_on_batch, images/s at {size} px",
                          "1 where fit adds nothing")
    if 227 in results:
        matmul = matmul_flops_per_second()
        achieved = results[227]["work"] * results[227]["kit fit"]
        print(f"kit at 227 px: {achieved / 1e9:.0f} GFLOP/s; float32 matrix product: {matmul / 1e9:.0f} GFLOP/s")
        common.ratio_line("step_flops", achieved / matmul, "kit's training FLOP/s at 227 px / matrix product FLOP/s",
                          "as near 1 as the layers allow")


if __name__ == "__main__":
    main()
