"""Convolution through the FFT (notebook 10): the same numbers as the library's convolution and the layers'."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import environment
from helpers.network import fft_conv, levi_hassner


@pytest.fixture(scope="module", autouse=True)
def tensorflow():
    environment.start_tensorflow()


@pytest.mark.parametrize("side, channels, filters, size, stride, padding", [
    (35, 3, 8, 7, 4, 0),  # conv1: 7x7, stride 4, no padding
    (9, 6, 5, 5, 1, 2),  # conv2: 5x5, pad 2
    (7, 4, 6, 3, 1, 1),  # conv3: 3x3, pad 1, a prime side
    (13, 2, 3, 4, 3, 1),  # an even kernel, a stride that does not divide the map
])
def test_the_fft_convolution_equals_the_librarys(side, channels, filters, size, stride, padding):
    rng = np.random.default_rng(side)
    images = rng.standard_normal((2, side, side, channels)).astype(np.float32)
    kernels = rng.standard_normal((size, size, channels, filters)).astype(np.float32)
    library = fft_conv.direct(images, kernels, stride, padding).numpy()
    through_fft = fft_conv.conv2d(images, kernels, stride, padding).numpy()
    assert through_fft.shape == library.shape
    np.testing.assert_allclose(through_fft, library, atol=1e-4 * np.abs(library).max())


def test_every_convolution_layer_of_the_network_is_reproduced_with_bias_and_activation():
    network = levi_hassner.levi_hassner(2, input_size=67, seed=0)
    images = np.random.default_rng(0).uniform(-1, 1, (3, 67, 67, 3)).astype(np.float32)
    table = fft_conv.compare_layers(network, images)
    assert list(table.index) == ["conv1", "conv2", "conv3"]
    assert list(table.padding) == [0, 2, 1] and list(table.stride) == [4, 1, 1]
    assert (table.relative < 1e-5).all() and (table.max_output > 0).all()
    assert list(table.columns) == ["input", "output", "kernel", "stride", "padding", "max_difference", "max_output",
                                   "relative"]
    assert list(table.kernel) == [7, 5, 3] and table.loc["conv1", "input"] == (67, 67, 3)
    assert tuple(table.loc["conv1", "output"]) == (16, 16, 96)  # (67 - 7) / 4 + 1
    assert tuple(table.loc["conv2", "input"]) == tuple(network.get_layer("conv2").input.shape[1:])
    np.testing.assert_allclose(table.relative, table.max_difference / table.max_output)


def test_padding_is_read_from_the_layer_and_uneven_padding_is_refused():
    import keras

    assert fft_conv.padding_of(keras.layers.Conv2D(4, 5, padding="same")) == 2
    assert fft_conv.padding_of(keras.layers.Conv2D(4, 7, strides=4)) == 0
    with pytest.raises(ValueError, match="pads unevenly"):
        fft_conv.padding_of(keras.layers.Conv2D(4, 7, strides=4, padding="same"))
    with pytest.raises(ValueError, match=r"^even: padding 'same' with stride 1 and kernel 4 pads unevenly; give the "
                                         r"padding explicitly to conv2d$"):
        fft_conv.padding_of(keras.layers.Conv2D(4, 4, padding="same", name="even"))


def test_transform_lengths_have_only_small_factors():
    assert [fft_conv.fast_length(n) for n in (227, 32, 17, 7, 1)] == [240, 32, 18, 8, 1]


def test_timing_gives_a_row_per_shape_and_the_crossover_is_where_the_fft_stays_faster():
    row = fft_conv.time_both(batch=1, side=8, channels=2, filters=3, size=3, padding=1, repeats=2)
    assert row["library_ms"] > 0 and row["fft_ms"] > 0
    assert row["fft_over_library"] == pytest.approx(row["fft_ms"] / row["library_ms"])
    table = pd.DataFrame({"kernel": [3, 5, 7, 9, 11], "fft_over_library": [3.0, 0.9, 1.2, 0.8, 0.7]})
    assert fft_conv.crossover(table) == 9
    assert fft_conv.crossover(table.assign(fft_over_library=2.0)) is None


def test_each_convolution_layer_and_each_kernel_size_is_timed_at_its_own_shape():
    import keras

    environment.start_tensorflow()
    network = keras.Sequential([keras.Input((12, 12, 3)), keras.layers.Conv2D(4, 5, strides=2, name="first"),
                                keras.layers.Conv2D(6, 3, padding="same", name="second")])
    columns = ["layer", "batch", "map", "kernel", "stride", "padding", "filters", "repeats"]
    table = fft_conv.time_layers(network, [1, 2], repeats=1)
    assert table[columns].values.tolist() == [["first", 1, "12x12x3", 5, 2, 0, 4, 1],
                                              ["first", 2, "12x12x3", 5, 2, 0, 4, 1],
                                              ["second", 1, "4x4x4", 3, 1, 1, 6, 1],
                                              ["second", 2, "4x4x4", 3, 1, 1, 6, 1]]
    assert (table.library_ms > 0).all() and (table.fft_ms > 0).all()
    kernels = fft_conv.time_kernel_sizes(2, 8, 3, 4, [1, 3, 5], repeats=2)
    assert kernels[columns[1:]].values.tolist() == [[2, "8x8x3", 1, 1, 0, 4, 2], [2, "8x8x3", 3, 1, 1, 4, 2],
                                                    [2, "8x8x3", 5, 1, 2, 4, 2]]  # padded to keep the map's size


def test_the_fft_summary_names_the_faster_layers_and_the_crossover_or_says_there_is_none():
    agreement = pd.DataFrame({"layer": ["conv1", "conv2"], "max_difference": [2e-6, 3e-5], "relative": [1e-7, 4e-7]})
    layers = pd.DataFrame({"layer": ["conv1", "conv1", "conv2", "conv2"], "batch": [1, 8, 1, 8],
                           "fft_over_library": [3.0, 2.5, 1.2, 0.8]})
    kernels = pd.DataFrame({"kernel": [3, 5, 7], "fft_over_library": [2.0, 0.9, 0.7]})
    lines = fft_conv.summary(agreement, layers, kernels, (28, 96, 256), 8, 5).splitlines()
    assert lines[0] == "The FFT reproduced conv1-conv3 of the trained network to within 3.0e-05 (at most 4.0e-07 " \
                       "of the largest output)."
    assert lines[1] == "  conv1: FFT took 2.50-3.00 times the library's time over batch sizes 1, 8 (median of 5 " \
                       "calls each)"
    assert lines[3] == "The FFT was faster for: conv2 at batch 8 (0.80)."
    assert lines[4] == "Over kernel sizes 3-7 on a 28x28x96 map, batch 8: the FFT was faster from 5 x 5 on."
    slower = fft_conv.summary(agreement, layers.assign(fft_over_library=2.0), kernels.assign(fft_over_library=1.5),
                              (28, 96, 256), 8, 5).splitlines()
    assert slower[3] == "The FFT was faster for: no layer at any batch size."
    even = fft_conv.summary(agreement, layers.assign(fft_over_library=[1.0, 0.5, 1.0, 0.9]), kernels, (28, 96, 256), 8,
                            5).splitlines()
    assert even[3] == "The FFT was faster for: conv1 at batch 8 (0.50), conv2 at batch 8 (0.90)."  # 1.00 is not faster
    assert slower[4].endswith("the FFT never became faster for good on this machine.")


def test_both_timed_calls_convolve_the_seeded_maps_with_the_stride_and_padding_asked(monkeypatch):
    """Through a clock that calls each once: the library's answer and the FFT's, on maps drawn by hand from the
    seed (kernels scaled by 0.01), with stride 1 and no padding unless asked."""
    import tensorflow as tf

    from helpers import timer

    answers = []
    monkeypatch.setattr(timer, "median_and_spread", lambda call, times: (answers.append(call()), (0.002, 0.0))[1])

    def by_hand(seed, size, strides, padding):
        rng = np.random.default_rng(seed)
        images = tf.constant(rng.standard_normal((1, 9, 9, 2)), tf.float32)
        kernels = tf.constant(rng.standard_normal((size, size, 2, 3)) * 0.01, tf.float32)
        return tf.nn.conv2d(tf.pad(images, [[0, 0], [padding] * 2, [padding] * 2, [0, 0]]), kernels, strides,
                            "VALID").numpy()

    row = fft_conv.time_both(batch=1, side=9, channels=2, filters=3, size=3)
    expected = by_hand(0, 3, 1, 0)
    np.testing.assert_allclose(answers[0], expected, rtol=1e-6)
    np.testing.assert_allclose(answers[1], expected, atol=1e-5)
    assert row["repeats"] == 5 and row["stride"] == 1 and row["padding"] == 0 and row["library_ms"] == 2.0
    answers.clear()
    fft_conv.time_both(batch=1, side=9, channels=2, filters=3, size=5, strides=2, padding=1, seed=4)
    expected = by_hand(4, 5, 2, 1)
    assert answers[0].shape == answers[1].shape == expected.shape == (1, 4, 4, 3)
    np.testing.assert_allclose(answers[0], expected, rtol=1e-6)
    np.testing.assert_allclose(answers[1], expected, atol=1e-5)
