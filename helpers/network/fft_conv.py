"""Convolution through the Fourier transform: the same numbers as a convolution layer, at another cost.

A convolution layer slides each k x k kernel over the map, about ``H' W' k^2 C F`` multiply-adds for C input
and F output channels. The convolution theorem turns the sliding into a product: transform the padded map
and each kernel (zero-padded to the map's size), multiply them frequency by frequency while summing over the
input channels, and transform back. The products cost ``H W C F`` complex multiply-adds whatever ``k`` is,
and the transforms ``H W log(H W)`` per channel, so the FFT can only win when k is large (Mathieu et al.
2013; Vasilache et al. 2014).

Three details make it equal to Keras' ``Conv2D``, which is what :func:`conv2d` checks against:

- ``Conv2D`` computes a cross-correlation (the kernel is not flipped); the FFT's product is a convolution,
  so the kernel is flipped first.
- The product is a *circular* convolution over the padded map: outputs ``0 .. k-2`` wrap around the edge
  and are dropped; outputs ``k-1 .. H-1`` are the layer's ("valid" on the padded map). The transform may be
  longer than the map (zeros appended, to reach a length the FFT handles fast); the outputs beyond ``H-1``
  are dropped too.
- A stride ``s`` keeps every s-th of those. The FFT computes all of them anyway: a stride-4 layer such as
  conv1 throws away 15 of every 16 outputs it paid for.

TensorFlow's ``tf.signal.rfft2d`` transforms the last two axes of a real tensor, so maps are moved to
channels-first for the transforms and back afterwards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import timer


def conv2d(images, kernels, strides: int = 1, padding: int = 0):
    """Cross-correlate ``images`` (N, H, W, C) with ``kernels`` (k, k, C, F), as Keras stores them, through
    the FFT: zero ``padding`` on every side, then every ``strides``-th output. Returns (N, H', W', F)."""
    import tensorflow as tf

    images = tf.convert_to_tensor(images, tf.float32)
    kernels = tf.convert_to_tensor(kernels, tf.float32)
    size = int(kernels.shape[0])
    padded = tf.pad(images, [[0, 0], [padding, padding], [padding, padding], [0, 0]])
    height, width = fast_length(int(padded.shape[1])), fast_length(int(padded.shape[2]))
    flipped = kernels[::-1, ::-1]  # cross-correlation = convolution with the flipped kernel
    maps = tf.signal.rfft2d(tf.transpose(padded, [0, 3, 1, 2]), fft_length=[height, width])  # (N, C, H, W//2+1)
    filters = tf.signal.rfft2d(tf.transpose(flipped, [2, 3, 0, 1]), fft_length=[height, width])  # (C, F, H, W//2+1)
    products = tf.einsum("nchw,cfhw->nfhw", maps, filters)  # per frequency, summed over input channels
    circular = tf.signal.irfft2d(products, fft_length=[height, width])  # (N, F, H, W)
    rows, columns = int(padded.shape[1]) - size + 1, int(padded.shape[2]) - size + 1  # the layer's outputs
    valid = circular[:, :, size - 1:size - 1 + rows:strides, size - 1:size - 1 + columns:strides]
    return tf.transpose(valid, [0, 2, 3, 1])


def fast_length(length: int) -> int:
    """The smallest length >= ``length`` made of factors 2, 3 and 5, which FFTs handle fast (227 is prime:
    its transform is several times slower than 240's). Zeros beyond the map change no output kept."""
    candidate = length
    while True:
        rest = candidate
        for factor in (2, 3, 5):
            while rest % factor == 0:
                rest //= factor
        if rest == 1:
            return candidate
        candidate += 1


def padding_of(layer) -> int:
    """The zero padding on each side that a Keras ``Conv2D`` layer applies ('same' only at stride 1)."""
    if layer.padding == "valid":
        return 0
    size, stride = layer.kernel_size[0], layer.strides[0]
    if stride != 1 or size % 2 == 0:
        raise ValueError(f"{layer.name}: padding 'same' with stride {stride} and kernel {size} pads unevenly; "
                         "give the padding explicitly to conv2d")
    return (size - 1) // 2


def layer_output(layer, inputs):
    """What the trained ``Conv2D`` ``layer`` outputs for ``inputs``, computed through the FFT (bias and
    activation included)."""
    kernel, bias = layer.kernel, layer.bias
    outputs = conv2d(inputs, kernel, strides=layer.strides[0], padding=padding_of(layer)) + bias
    return layer.activation(outputs)


def compare_layers(network, images) -> pd.DataFrame:
    """Each ``Conv2D`` of ``network`` on its real input for ``images``: the layer's output against the FFT's."""
    import keras

    rows = []
    for name in network_shapes(network):
        layer = network.get_layer(name)
        layer_input = keras.Model(network.input, layer.input)(images)
        library = keras.ops.convert_to_numpy(layer(layer_input))
        difference = np.abs(library - keras.ops.convert_to_numpy(layer_output(layer, layer_input))).max()
        rows.append({"layer": name, "input": tuple(layer_input.shape[1:]), "output": library.shape[1:],
                     "kernel": layer.kernel_size[0], "stride": layer.strides[0], "padding": padding_of(layer),
                     "max_difference": float(difference), "max_output": float(np.abs(library).max()),
                     "relative": float(difference / np.abs(library).max())})
    return pd.DataFrame(rows).set_index("layer")


def direct(images, kernels, strides: int = 1, padding: int = 0):
    """The library's own convolution (``tf.nn.conv2d``) with the same arguments as :func:`conv2d`."""
    import tensorflow as tf

    pads = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    return tf.nn.conv2d(tf.convert_to_tensor(images, tf.float32), kernels, strides=strides, padding=pads)


def time_both(batch: int, side: int, channels: int, filters: int, size: int, strides: int = 1, padding: int = 0,
              repeats: int = 5, seed: int = 0) -> dict:
    """Time the library's convolution and the FFT one on random maps of this shape; one row of a table."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    images = tf.constant(rng.standard_normal((batch, side, side, channels)), tf.float32)
    kernels = tf.constant(rng.standard_normal((size, size, channels, filters)) * 0.01, tf.float32)
    library = tf.function(lambda: direct(images, kernels, strides, padding))
    through_fft = tf.function(lambda: conv2d(images, kernels, strides, padding))
    library_seconds, library_spread = timer.median_and_spread(lambda: library().numpy(), repeats)
    fft_seconds, fft_spread = timer.median_and_spread(lambda: through_fft().numpy(), repeats)
    return {"batch": batch, "map": f"{side}x{side}x{channels}", "kernel": size, "stride": strides, "padding": padding,
            "filters": filters, "library_ms": 1000 * library_seconds, "library_iqr_ms": 1000 * library_spread,
            "fft_ms": 1000 * fft_seconds, "fft_iqr_ms": 1000 * fft_spread,
            "fft_over_library": fft_seconds / library_seconds, "repeats": repeats}


def network_shapes(network) -> dict:
    """The input shape and arguments of every ``Conv2D`` of a Keras model: {name: (side, channels, filters,
    kernel, stride, padding)}."""
    import keras

    shapes = {}
    for layer in network.layers:
        if isinstance(layer, keras.layers.Conv2D):
            side, channels = int(layer.input.shape[1]), int(layer.input.shape[3])
            shapes[layer.name] = (side, channels, layer.filters, layer.kernel_size[0], layer.strides[0],
                                  padding_of(layer))
    return shapes


def time_layers(network, batch_sizes, repeats: int = 5) -> pd.DataFrame:
    """Both convolutions timed for each of ``network``'s convolution layers at each batch size."""
    rows = []
    for name, (side, channels, filters, size, stride, padding) in network_shapes(network).items():
        for batch in batch_sizes:
            rows.append({"layer": name, **time_both(batch, side, channels, filters, size, stride, padding, repeats)})
    return pd.DataFrame(rows)


def time_kernel_sizes(batch: int, side: int, channels: int, filters: int, sizes, repeats: int = 5) -> pd.DataFrame:
    """Both convolutions on one map with growing odd kernels, padded to keep the map's size (stride 1)."""
    return pd.DataFrame([time_both(batch, side, channels, filters, size, 1, (size - 1) // 2, repeats)
                         for size in sizes])


def crossover(kernel_table: pd.DataFrame) -> int | None:
    """The smallest kernel size from which the FFT is faster for every larger size measured, or None."""
    faster = kernel_table.sort_values("kernel").set_index("kernel").fft_over_library < 1
    for size in faster.index:
        if faster.loc[size:].all():
            return int(size)
    return None


def summary(agreement: pd.DataFrame, layer_times: pd.DataFrame, kernel_times: pd.DataFrame, kernel_map: tuple,
            kernel_batch: int, repeats: int) -> str:
    """Notebook 10's closing lines, from :func:`compare_layers`, :func:`time_layers` and :func:`time_kernel_sizes`
    (on a map of ``kernel_map`` = side, channels, filters, in batches of ``kernel_batch``)."""
    side, channels, _ = kernel_map
    batch_sizes = ", ".join(map(str, dict.fromkeys(layer_times.batch)))
    lines = [f"The FFT reproduced conv1-conv3 of the trained network to within {agreement.max_difference.max():.1e} "
             f"(at most {agreement.relative.max():.1e} of the largest output)."]
    lines += [f"  {name}: FFT took {ratios.min():.2f}-{ratios.max():.2f} times the library's time over batch sizes "
              f"{batch_sizes} (median of {repeats} calls each)"
              for name, ratios in layer_times.groupby("layer").fft_over_library]
    faster = layer_times[layer_times.fft_over_library < 1]
    lines.append("The FFT was faster for: " + (", ".join(f"{r.layer} at batch {r.batch} ({r.fft_over_library:.2f})"
                                                        for r in faster.itertuples()) or "no layer at any batch size")
                 + ".")
    size = crossover(kernel_times)
    lines.append(f"Over kernel sizes {kernel_times.kernel.min()}-{kernel_times.kernel.max()} on a "
                 f"{side}x{side}x{channels} map, batch {kernel_batch}: "
                 + (f"the FFT was faster from {size} x {size} on." if size else
                    "the FFT never became faster for good on this machine."))
    return "\n".join(lines)
