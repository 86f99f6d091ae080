"""How close does a training step come to the machine's limit? Achieved FLOP/s against a matrix product's.

The network's floating-point work per image is counted from its layer shapes: a convolution or dense
layer does 2 x (multiply-adds) forward; backward it does the same again for the weight gradients and again
for the input gradients (except the first layer, which needs no input gradient). That count, times the
images per second of a measured training step at 227 px (batch 50, in-memory tensors), is the achieved
FLOP/s. The reference is a large float32 matrix product, the best case for the same cores.

    python bench/flops.py [--batch 50] [--steps 6]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--steps", type=int, default=6)
    arguments = parser.parse_args()
    from helpers import environment

    environment.setup("smoke", verbose=False)  # first: it quiets TensorFlow's start-up lines
    import numpy as np

    from helpers.experiments import settings, training
    from helpers.network import levi_hassner

    print(f"machine: {common.machine()}")
    network = training.compile_model(levi_hassner.levi_hassner(8), settings.Settings(schedule="constant"))
    images = np.random.default_rng(0).normal(0, 50, (arguments.batch * arguments.steps, 227, 227, 3)).astype(np.float32)
    labels = np.arange(len(images)) % 8
    network.fit(images[:arguments.batch * 2], labels[:arguments.batch * 2], batch_size=arguments.batch, verbose=0)
    rates = []
    for _ in range(2):
        matmul = matmul_flops_per_second()
        start = time.perf_counter()
        network.fit(images, labels, batch_size=arguments.batch, epochs=1, verbose=0)
        rates.append(len(images) / (time.perf_counter() - start))
    per_image = training_flops_per_image(network)
    achieved = per_image * max(rates)
    print(f"training work: {per_image / 1e9:.2f} GFLOP per image at 227 px")
    print(f"training step: {max(rates):.1f} images/s -> {achieved / 1e9:.0f} GFLOP/s")
    print(f"float32 matrix product (2048 x 2048): {matmul / 1e9:.0f} GFLOP/s")
    common.ratio_line(
        "step_flops", achieved / matmul, "training step FLOP/s / matrix product FLOP/s", "as near 1 as the layers allow"
    )


if __name__ == "__main__":
    main()
