"""Training throughput of the network with Keras' JAX backend, on random tensors (no TensorFlow needed).

For a GPU machine that has JAX but not TensorFlow: it measures what the paper profile's training step
would achieve there, without the datasets or the input pipeline. It uses the kit's own model and
optimizer code (``helpers.network.levi_hassner``, ``helpers.network.optimizer``), which is written with
``keras.ops`` only.

    KERAS_BACKEND=jax python bench/jax_throughput.py [--batch 50] [--steps 30] [--size 227] [--mixed]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the kit, even without an install


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--size", type=int, default=227)
    parser.add_argument("--classes", type=int, default=8)
    parser.add_argument("--mixed", action="store_true", help="mixed_bfloat16 (mixed_float16 needs loss scaling)")
    arguments = parser.parse_args()

    import keras
    import numpy as np

    from helpers.network import levi_hassner, optimizer

    if arguments.mixed:
        keras.config.set_dtype_policy("mixed_bfloat16")
    keras.utils.set_random_seed(0)
    network = levi_hassner.levi_hassner(arguments.classes, input_size=arguments.size)
    network.compile(
        optimizer=optimizer.CaffeSGD(1e-3, momentum=0.9, multipliers=levi_hassner.LEARNING_RATE_MULTIPLIERS),
        loss="sparse_categorical_crossentropy",
        jit_compile=True,
    )
    rng = np.random.default_rng(0)
    images = rng.normal(0, 50, (arguments.batch * arguments.steps, arguments.size, arguments.size, 3)).astype(
        np.float32
    )
    labels = rng.integers(0, arguments.classes, len(images))
    network.fit(images[: arguments.batch * 2], labels[: arguments.batch * 2], batch_size=arguments.batch, verbose=0)
    start = time.perf_counter()
    history = network.fit(images, labels, batch_size=arguments.batch, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    import jax

    device, policy = jax.devices()[0].device_kind, keras.config.dtype_policy().name
    print(f"backend {keras.backend.backend()}, device {device}, policy {policy}")
    print(
        f"{len(images) / seconds:.0f} images/s at {arguments.size} px, batch {arguments.batch} "
        f"({seconds / arguments.steps * 1000:.1f} ms per step; loss {history.history['loss'][-1]:.3f})"
    )
    paper_hours = 50_000 * 50 / (len(images) / seconds) / 3600
    print(f"the paper's 50,000 iterations of batch 50 would take {paper_hours:.2f} h")


if __name__ == "__main__":
    main()
