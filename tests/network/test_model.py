"""The network against its Caffe definition: LRN, ceil-mode pooling, shapes, parameters, initializers,
weight decay, per-layer learning rates, the step schedule, and saving without Lambda layers."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers.network import layers, levi_hassner, optimizer


def caffe_lrn_reference(x: np.ndarray, local_size=5, alpha=1e-4, beta=0.75, k=1.0) -> np.ndarray:
    """Caffe's LRNLayer::CrossChannelForward, written out with loops over channels."""
    channels = x.shape[-1]
    half = local_size // 2
    out = np.empty_like(x, dtype=np.float64)
    for c in range(channels):
        window = x[..., max(0, c - half):min(channels, c + half + 1)].astype(np.float64)
        scale = k + alpha / local_size * (window ** 2).sum(axis=-1)
        out[..., c] = x[..., c] / scale ** beta
    return out


@pytest.mark.parametrize("channels", [1, 4, 96])
def test_lrn_matches_caffe_reference_and_tensorflow_with_converted_alpha(channels):
    x = np.random.default_rng(channels).normal(0, 40, (2, 5, 6, channels)).astype(np.float32)
    layer = layers.LocalResponseNormalization()
    ours = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(ours, caffe_lrn_reference(x), rtol=1e-5, atol=1e-6)
    portable = keras.ops.convert_to_numpy(layer.portable(x))  # the form other backends run
    np.testing.assert_allclose(portable, caffe_lrn_reference(x), rtol=1e-5, atol=1e-6)
    tensorflow_lrn = tf.nn.local_response_normalization(x, depth_radius=2, bias=1.0, alpha=1e-4 / 5, beta=0.75)
    np.testing.assert_allclose(ours, tensorflow_lrn.numpy(), rtol=1e-5, atol=1e-6)
    # and it really normalizes: with large activations the output differs from the input
    assert np.abs(ours - x).max() > 1.0


def test_lrn_follows_its_window_alpha_beta_and_k():
    x = np.random.default_rng(3).normal(0, 40, (1, 3, 3, 9)).astype(np.float32)
    settings = dict(local_size=3, alpha=2e-3, beta=0.5, k=2.0)  # none of them the paper's
    ours = keras.ops.convert_to_numpy(layers.LocalResponseNormalization(**settings)(x))
    np.testing.assert_allclose(ours, caffe_lrn_reference(x, **settings), rtol=1e-5, atol=1e-6)


def test_lrn_under_another_backend_computes_the_portable_form_in_the_maps_own_type(monkeypatch):
    """Under JAX or PyTorch (not installed here) the layer runs its keras.ops form: taken here with TensorFlow's
    tensors by reporting another backend's name."""
    x = np.random.default_rng(4).normal(0, 300, (1, 2, 2, 8)).astype(np.float32)  # 300**2 overflows float16
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    out = layers.LocalResponseNormalization(dtype="float16")(x.astype(np.float16))
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    expected = caffe_lrn_reference(x.astype(np.float16).astype(np.float32))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out).astype(np.float32), expected, rtol=2e-3, atol=1e-3)


def test_lrn_keeps_bfloat16_and_rejects_even_windows():
    x = np.random.default_rng(0).normal(0, 50, (1, 2, 2, 8)).astype(np.float32)
    out = layers.LocalResponseNormalization(dtype="mixed_bfloat16")(x)
    assert keras.backend.standardize_dtype(out.dtype) == "bfloat16"
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(keras.ops.cast(out, "float32")), caffe_lrn_reference(x), rtol=2e-2
    )
    with pytest.raises(ValueError, match="odd"):
        layers.LocalResponseNormalization(local_size=4)


def caffe_max_pool_reference(x: np.ndarray, size=3, stride=2) -> np.ndarray:
    height, width = x.shape[1:3]
    out_h, out_w = math.ceil((height - size) / stride) + 1, math.ceil((width - size) / stride) + 1
    out = np.empty((x.shape[0], out_h, out_w, x.shape[3]), x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            out[:, i, j] = x[
                :, i * stride : min(i * stride + size, height), j * stride : min(j * stride + size, width)
            ].max(axis=(1, 2))
    return out


@pytest.mark.parametrize("side", [7, 8, 13, 14, 27, 56])
def test_ceil_mode_pooling_matches_caffe_on_odd_and_even_sides(side):
    x = np.random.default_rng(side).normal(size=(2, side, side + 1, 3)).astype(np.float32) - 5  # all negative-ish
    ours = keras.ops.convert_to_numpy(layers.CeilMaxPooling2D(3, 2)(x))
    np.testing.assert_array_equal(ours, caffe_max_pool_reference(x))


@pytest.mark.parametrize("side", [6, 7, 13, 14, 27, 28, 55, 56])
def test_ceil_mode_pooling_on_square_maps_matches_caffe(side):
    """Square maps take Keras' own "same" or "valid" windows, without a padded copy; same windows as Caffe."""
    x = np.random.default_rng(side).normal(size=(2, side, side, 5)).astype(np.float32) - 5
    pooled = layers.CeilMaxPooling2D(3, 2)(x)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(pooled), caffe_max_pool_reference(x))


def test_network_shapes_at_227_are_the_papers():
    network = levi_hassner.levi_hassner(8)
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in network.layers}
    assert shapes["conv1"] == (56, 56, 96)
    assert shapes["pool1"] == (28, 28, 96)
    assert shapes["conv2"] == (28, 28, 256)
    assert shapes["pool2"] == (14, 14, 256)
    assert shapes["conv3"] == (14, 14, 384)
    assert shapes["pool3"] == (7, 7, 384)
    assert shapes["probabilities"] == (8,)
    assert shapes["hidden1"] == shapes["hidden2"] == (512,)
    assert not any(isinstance(layer, keras.layers.Lambda) for layer in network.layers)
    # the paper's input by default, and the names a student reads in the summary
    assert network.input_shape == (None, 227, 227, 3) and network.name == "levi_hassner"
    for built in (network, levi_hassner.levi_hassner(8, input_size=67)):  # (Keras numbers a second unnamed layer)
        assert [layer.name for layer in built.layers] == [
            "image", "conv1", "pool1", "norm1", "conv2", "pool2", "norm2", "conv3", "pool3", "flatten", "hidden1",
            "dropout1", "hidden2", "dropout2", "output", "probabilities"]
    # the prototxt's normalization and pooling windows
    for name in ("norm1", "norm2"):
        norm = network.get_layer(name)
        assert (norm.local_size, norm.alpha, norm.beta, norm.k) == (5, 1e-4, 0.75, 1.0), name
    for name in ("pool1", "pool2", "pool3"):
        assert (network.get_layer(name).pool_size, network.get_layer(name).strides) == (3, 2), name
    for name in ("conv1", "conv2", "conv3", "hidden1", "hidden2"):  # each followed by a ReLU
        assert network.get_layer(name).activation is keras.activations.relu, name


def caffe_parameter_count(num_classes, input_size=227, hidden_units=512, hidden_layers=2):
    """From the prototxt: (kernel area x input channels + 1) x outputs per layer; maps pooled in ceil mode."""
    conv1_side = (input_size - 7) // 4 + 1
    side = conv1_side
    for _ in range(3):
        side = math.ceil((side - 3) / 2) + 1
    count = (7 * 7 * 3 + 1) * 96 + (5 * 5 * 96 + 1) * 256 + (3 * 3 * 256 + 1) * 384
    width = side * side * 384
    for _ in range(hidden_layers):
        count += (width + 1) * hidden_units
        width = hidden_units
    return count + (width + 1) * num_classes


@pytest.mark.parametrize(
    "num_classes,input_size,hidden_units,hidden_layers",
    [(2, 227, 512, 2), (8, 227, 512, 2), (8, 112, 1024, 1), (2, 112, 128, 3)],
)
def test_parameter_count_matches_the_layer_definitions(num_classes, input_size, hidden_units, hidden_layers):
    network = levi_hassner.levi_hassner(
        num_classes, input_size=input_size, hidden_units=hidden_units, hidden_layers=hidden_layers
    )
    assert network.count_params() == caffe_parameter_count(num_classes, input_size, hidden_units, hidden_layers)


def test_the_networks_size_is_checked_and_its_seed_fixes_every_weight():
    small = dict(input_size=67, hidden_units=8)
    for wrong in (dict(hidden_layers=-1), dict(hidden_units=0), dict(num_classes=1)):
        with pytest.raises(ValueError, match="need num_classes >= 2"):
            levi_hassner.levi_hassner(**({"num_classes": 2} | small | wrong))
    # the smallest networks that make sense: the features read out directly, one hidden unit, one output in years
    assert levi_hassner.levi_hassner(2, **small, hidden_layers=0).count_params() == caffe_parameter_count(2, 67, 8, 0)
    assert levi_hassner.levi_hassner(2, input_size=67, hidden_units=1).count_params() == caffe_parameter_count(
        2, 67, 1)
    assert levi_hassner.levi_hassner(1, **small, regression=True).output_shape == (None, 1)

    def weights(seed, **options):
        network = levi_hassner.levi_hassner(2, **small, seed=seed, **options)
        return [keras.ops.convert_to_numpy(w) for w in network.weights]

    first, again, other = weights(3), weights(3), weights(4)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))  # a seed fixes every weight
    two_heads = {"heads": {"gender": 2, "age": 8}}  # the two-headed network's too
    assert all(np.array_equal(a, b) for a, b in zip(weights(3, **two_heads), weights(3, **two_heads)))
    kernels = [(a, b) for a, b in zip(first, other) if a.std() > 0]  # (the biases are constants)
    assert len(kernels) == 6 and not any(np.array_equal(a, b) for a, b in kernels)  # another seed changes each


def test_the_regression_output_is_one_seeded_decayed_float32_unit():
    """Age in years: one linear unit drawn like the classifier's output layer (Gaussian, std 0.01, seeded), under
    the same weight decay, and computed in float32 under mixed precision, as the softmax is."""
    def regression(seed):
        return levi_hassner.levi_hassner(1, input_size=67, seed=seed, regression=True)

    network = regression(3)
    kernel = keras.ops.convert_to_numpy(network.get_layer("output").kernel)
    assert kernel.shape == (512, 1) and kernel.std() == pytest.approx(0.01, rel=0.2)
    assert np.array_equal(kernel, keras.ops.convert_to_numpy(regression(3).get_layer("output").kernel))
    assert len(network.losses) == 6  # L2 on the three convolutions, the two hidden layers and the output
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        mixed = regression(3)
    finally:
        keras.config.set_dtype_policy(policy)
    assert mixed.get_layer("hidden1").compute_dtype == "bfloat16" and mixed.output.dtype == "float32"


def test_initializers_and_weight_decay_follow_the_caffe_definition():
    network = levi_hassner.levi_hassner(8, seed=0)
    weights = {v.path: keras.ops.convert_to_numpy(v) for v in network.weights}
    for name, std, bias in [
        ("conv1", 0.01, 0),
        ("conv2", 0.01, 1),
        ("conv3", 0.01, 0),
        ("hidden1", 0.005, 1),
        ("hidden2", 0.005, 1),
        ("output", 0.01, 0),
    ]:
        kernel = weights[f"{name}/kernel"]
        assert abs(kernel.mean()) < 0.2 * std, name
        assert kernel.std() == pytest.approx(std, rel=0.15 if kernel.size > 1000 else 0.4), name
        assert np.all(weights[f"{name}/bias"] == bias), name
    # L2 on the 6 kernels only; Caffe's decay * w in the gradient is L2(decay / 2) on the loss
    assert len(network.losses) == 6
    expected = 5e-4 / 2 * sum((w**2).sum() for path, w in weights.items() if path.endswith("kernel"))
    assert float(sum(network.losses)) == pytest.approx(expected, rel=1e-4)


def test_saved_model_loads_in_safe_mode_with_identical_outputs(tmp_path):
    network = levi_hassner.levi_hassner(2, input_size=67, hidden_units=32, seed=1)
    network.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    x = np.random.default_rng(0).normal(0, 50, (3, 67, 67, 3)).astype(np.float32)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(network(x)), rtol=1e-5, atol=1e-6
    )
    assert [type(layer).__name__ for layer in loaded.layers].count("LocalResponseNormalization") == 2


def test_caffe_sgd_scales_each_variables_rate_like_caffe_lr_mult():
    """One SGD step on gradient 1: a variable moves by -rate x its multiplier."""
    network = levi_hassner.levi_hassner(2, input_size=48, hidden_units=8)
    sgd = optimizer.CaffeSGD(0.1, momentum=0.9, multipliers=levi_hassner.LEARNING_RATE_MULTIPLIERS)
    before = {v.path: keras.ops.convert_to_numpy(v).copy() for v in network.trainable_variables}
    sgd.apply([keras.ops.ones_like(v) for v in network.trainable_variables], network.trainable_variables)
    steps = {
        path: float(np.mean(before[path] - keras.ops.convert_to_numpy(v)))
        for path, v in ((v.path, v) for v in network.trainable_variables)
    }
    assert steps["conv1/kernel"] == pytest.approx(0.1)
    assert steps["conv1/bias"] == pytest.approx(0.2)
    assert steps["hidden2/bias"] == pytest.approx(0.2)
    assert steps["output/kernel"] == pytest.approx(1.0)
    assert steps["output/bias"] == pytest.approx(2.0)
    restored = optimizer.CaffeSGD.from_config(sgd.get_config())
    assert restored.multipliers == sgd.multipliers


def test_step_schedule_drops_tenfold_every_10000_iterations():
    schedule = optimizer.learning_rate_schedule(1e-3, "step", 10_000)
    rates = [float(schedule(step)) for step in (0, 9_999, 10_000, 19_999, 20_000, 45_000)]
    assert rates == pytest.approx([1e-3, 1e-3, 1e-4, 1e-4, 1e-5, 1e-7])
    assert optimizer.learning_rate_schedule(5e-3, "constant") == 5e-3
    with pytest.raises(ValueError, match="schedule"):
        optimizer.learning_rate_schedule(1e-3, "cosine")


def test_activations_are_the_named_layers_outputs_for_the_given_images():
    network = levi_hassner.levi_hassner(2, input_size=48, hidden_units=16, seed=0)
    images = np.random.default_rng(0).normal(size=(2, 48, 48, 3)).astype(np.float32)
    conv1, output = levi_hassner.activations(network, images, ["conv1", "probabilities"])
    assert conv1.shape[0] == 2 and conv1.shape[-1] == 96 and isinstance(conv1, np.ndarray)
    np.testing.assert_allclose(output, keras.ops.convert_to_numpy(network(images)), rtol=1e-5, atol=1e-6)
    first = keras.Model(network.input, network.get_layer("conv1").output)
    np.testing.assert_allclose(conv1, keras.ops.convert_to_numpy(first(images)), rtol=1e-5, atol=1e-6)
    assert np.abs(conv1).max() > 0  # a look inside, not zeros


def test_the_optimizer_defaults_to_caffes_solver_and_passes_keras_options_on():
    plain = optimizer.CaffeSGD()
    assert float(plain.learning_rate) == pytest.approx(1e-3) and plain.momentum == pytest.approx(0.9)
    clipped = optimizer.CaffeSGD(global_clipnorm=1.0, name="clipped")
    assert clipped.global_clipnorm == 1.0 and clipped.name == "clipped"


@pytest.mark.parametrize(("pool_size", "strides"), [(2, 2), (3, 3), (5, 2), (3, 1)])
def test_ceil_mode_pooling_matches_caffe_for_other_windows_and_strides(pool_size, strides):
    for height, width in [(9, 9), (10, 10), (11, 12), (16, 13)]:
        x = np.random.default_rng(height).normal(size=(1, height, width, 2)).astype(np.float32)
        pooled = keras.ops.convert_to_numpy(layers.CeilMaxPooling2D(pool_size, strides)(x))
        np.testing.assert_array_equal(pooled, caffe_max_pool_reference(x, pool_size, strides), str((height, width)))


def test_ceil_mode_pooling_never_takes_its_padding_for_a_maximum():
    deep = -1e6 - np.random.default_rng(0).random((1, 8, 9, 2)).astype(np.float32)  # far below any pad constant
    pooled = keras.ops.convert_to_numpy(layers.CeilMaxPooling2D(3, 2)(deep))
    np.testing.assert_array_equal(pooled, caffe_max_pool_reference(deep))
    half = (np.random.default_rng(1).normal(size=(1, 8, 9, 2)) * 100).astype(np.float16)
    pooled = keras.ops.convert_to_numpy(layers.CeilMaxPooling2D(3, 2, dtype="float16")(half))
    np.testing.assert_array_equal(pooled, caffe_max_pool_reference(half))
    with pytest.raises(ValueError, match="needs a fixed input size"):
        layers.CeilMaxPooling2D(3, 2)(keras.Input(shape=(None, 9, 2)))


def test_ceil_mode_pooling_reports_caffes_output_shape_batch_first():
    assert layers.CeilMaxPooling2D(3, 2).compute_output_shape((5, 8, 9, 2)) == (5, 4, 4, 2)
    assert layers.CeilMaxPooling2D(3, 2).compute_output_shape((None, 56, 56, 96)) == (None, 28, 28, 96)


def test_lrn_squares_in_float32_even_for_float16_maps():
    x = np.random.default_rng(0).normal(0, 300, (1, 2, 2, 8)).astype(np.float32)  # 300**2 overflows float16
    out = layers.LocalResponseNormalization(dtype="float16")(x.astype(np.float16))
    expected = caffe_lrn_reference(x.astype(np.float16).astype(np.float32))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out).astype(np.float32), expected, rtol=2e-3, atol=1e-3)


def test_the_default_schedule_is_caffes_step_down_by_ten_every_10000_iterations():
    schedule = optimizer.learning_rate_schedule(0.01)
    rates = [float(schedule(step)) for step in (0, 9_999, 10_000, 20_000)]
    assert rates == pytest.approx([0.01, 0.01, 0.001, 0.0001])
