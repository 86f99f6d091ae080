"""The modern backbones of notebook 16: built under the kit's head, ImageNet's weights read from a local folder
(nothing is downloaded here), their arithmetic counted, and a study that trains one."""

from __future__ import annotations

import h5py
import keras
import numpy as np
import pytest
from keras.src.legacy.saving import legacy_h5_format  # the format of the files Keras downloads

from helpers.data import task_data
from helpers.network import backbones, cost, levi_hassner, transfer
from helpers.studies import catalogue, runner
from helpers.training import one_run
from helpers.training.settings import Settings


@pytest.mark.parametrize("name", list(backbones.BACKBONES))
def test_each_backbone_takes_pixels_and_ends_in_the_kits_head(name):
    network = transfer.from_imagenet(name, 8, input_size=48, seed=0)
    assert network.input_shape == (None, 48, 48, 3) and network.output_shape == (None, 8)
    assert [layer.name for layer in network.layers][-3:] == ["dropout", "output", "probabilities"]
    assert ("to_unit_range" in [layer.name for layer in network.layers]) == backbones.BACKBONES[name].rescale
    answers = network.predict_on_batch(np.random.default_rng(0).uniform(0, 255, (2, 48, 48, 3)).astype("float32"))
    np.testing.assert_allclose(answers.sum(axis=1), 1, rtol=1e-5)


def test_a_run_starts_from_the_weights_file_in_the_kits_weights_folder(tmp_path, monkeypatch):
    spec = backbones.BACKBONES["mobilenet_v3_small"]
    keras.utils.set_random_seed(1)
    saved = keras.applications.MobileNetV3Small(include_top=False, weights=None, input_shape=(48, 48, 3),
                                                pooling="avg")
    with h5py.File(tmp_path / spec.weights_file, "w") as file:
        legacy_h5_format.save_weights_to_hdf5_group(file, saved)
    monkeypatch.setenv(backbones.WEIGHTS_FOLDER, str(tmp_path))
    from_file = one_run.new_network(Settings(network="mobilenet_v3_small", weights="imagenet"), 2, 48, seed=0)
    scratch = one_run.new_network(Settings(network="mobilenet_v3_small"), 2, 48, seed=0)
    momentum = {network.get_layer("MobileNetV3Small").get_layer("conv_bn").momentum for network in (from_file, scratch)}
    assert momentum == {0.999, 0.9}  # Keras' own from ImageNet; at most 0.9 from scratch (transfer.from_imagenet)
    kernel = saved.get_layer("conv").kernel.numpy()
    np.testing.assert_array_equal(from_file.get_layer("MobileNetV3Small").get_layer("conv").kernel.numpy(), kernel)
    assert not np.allclose(scratch.get_layer("MobileNetV3Small").get_layer("conv").kernel.numpy(), kernel)

    monkeypatch.setenv(backbones.WEIGHTS_FOLDER, str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match=rf"has no {spec.weights_file}.*Download {spec.url}"):
        one_run.new_network(Settings(network="mobilenet_v3_small", weights="imagenet"), 2, 48, seed=0)


def test_settings_refuse_what_a_backbone_does_not_do():
    with pytest.raises(ValueError, match="network='vgg16': use one of 'levi_hassner', 'mobilenet_v3_small'"):
        Settings(network="vgg16")
    with pytest.raises(ValueError, match="the Levi-Hassner network starts from scratch"):
        Settings(weights="imagenet")
    with pytest.raises(ValueError, match="network='resnet50_v2' trains one task from scratch or from ImageNet"):
        Settings(network="resnet50_v2", age_output="regression")


def test_multiply_adds_are_counted_layer_by_layer():
    inputs = keras.Input((8, 8, 2))
    maps = keras.layers.Conv2D(4, 3)(inputs)  # 6 x 6 places x 3 x 3 x 2 x 4 = 2,592
    maps = keras.layers.DepthwiseConv2D(3, padding="same")(maps)  # 6 x 6 x 3 x 3 x 4 = 1,296
    outputs = keras.layers.Dense(3)(keras.layers.Flatten()(maps))  # 144 x 3 = 432
    assert cost.multiply_adds(keras.Model(inputs, outputs)) == 2592 + 1296 + 432
    # The paper's network at 227 px: conv1 56 x 56 x 7 x 7 x 3 x 96, conv2 28 x 28 x 5 x 5 x 96 x 256,
    # conv3 14 x 14 x 3 x 3 x 256 x 384, then 18,816 x 512, 512 x 512 and 512 x 8.
    paper = 44_255_232 + 481_689_600 + 173_408_256 + 9_633_792 + 262_144 + 4_096
    assert cost.multiply_adds(levi_hassner.levi_hassner(8, input_size=227)) == paper
    sizes = cost.size({"mobilenet": transfer.from_imagenet("mobilenet_v3_small", 8, input_size=224)}).iloc[0]
    assert 50 < sizes.multiply_adds_millions < 62  # the MobileNetV3 paper reports 56 million at 224 px
    assert sizes.parameters > sizes.trainable  # batch normalization's moving statistics


def test_a_backbone_is_fed_the_pixels_and_the_paper_network_the_pixels_less_the_mean_image():
    faces = task_data.TaskData("gender", 0, 8, 6, files={}, labels={}, mean=np.full((8, 8, 3), 110.0))
    assert one_run.network_input(faces, Settings()) is faces
    fed = one_run.network_input(faces, Settings(network="efficientnet_v2_b0"))
    assert fed.mean.shape == (8, 8, 3) and not fed.mean.any() and faces.mean.all() and fed.crop_size == 6
    paper = task_data.TaskData("gender", 0, 256, 227, files={}, labels={}, mean=np.zeros((256, 256, 3)))
    assert one_run.network_input(paper, Settings(network="resnet50_v2")).crop_size == 224  # ImageNet's size
    assert one_run.network_input(paper, Settings()).crop_size == 227


def test_a_study_trains_a_backbone_and_scores_it(profile):
    study = catalogue.Study("modern", {"mobilenet": {"network": "mobilenet_v3_small"}}, tasks=("gender",))
    [row] = runner.run_study(study, profile, verbose=False).to_dict("records")
    assert row["network"] == "mobilenet_v3_small" and row["weights"] == "none"
    assert 0 <= row["accuracy"] <= 1 and row["n_test"] > 0 and row["epochs_trained"] == 1



def test_an_unknown_backbone_is_refused_with_the_names_to_use():
    with pytest.raises(ValueError, match=r"^backbone 'vgg16': use one of " + ", ".join(backbones.BACKBONES) + "$"):
        transfer.from_imagenet("vgg16", 8, input_size=48)


def test_a_network_from_a_pretrained_one_is_named_after_it_and_a_foreign_model_is_refused_with_its_layers():
    pretrained = levi_hassner.levi_hassner(2, input_size=48, hidden_units=16, seed=0)
    assert transfer.from_pretrained(pretrained, 8, seed=0).name == f"{pretrained.name}_transfer"
    assert transfer.from_pretrained(pretrained, 8, seed=0, name="mine").name == "mine"
    foreign = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")], name="foreign")
    with pytest.raises(ValueError, match=r"^foreign has no layer named 'output' \(its layers: dense\); from_pretrained "
                                         r"expects a model built by helpers\.network\.levi_hassner\.levi_hassner$"):
        transfer.from_pretrained(foreign, 2)


def test_a_backbone_from_scratch_drops_out_what_it_is_told_to():
    network = transfer.from_imagenet("mobilenet_v3_small", 8, input_size=48, dropout=0.3, seed=0)
    assert network.get_layer("dropout").rate == 0.3 and network.name == "mobilenet_v3_small"
    assert transfer.from_imagenet("mobilenet_v3_small", 8, input_size=48).get_layer("dropout").rate == 0.5


def test_a_depth_multiplier_and_a_dense_layer_on_a_map_are_counted_by_hand():
    inputs = keras.Input((5, 7, 3))
    maps = keras.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(inputs)  # 5 x 7 x 3 x 3 x 3 x 2
    maps = keras.layers.Dense(4)(maps)  # at each of the 5 x 7 places: 6 x 4
    model = keras.Model(inputs, maps)
    assert cost.multiply_adds(model) == 5 * 7 * 3 * 3 * 3 * 2 + 5 * 7 * 6 * 4
    assert cost.size({"small": model}).to_dict("records") == [
        {"network": "small", "parameters": (3 * 3 * 3 * 2 + 6) + (6 * 4 + 4), "trainable": 60 + 28,
         "multiply_adds_millions": (1890 + 840) / 1e6}]


def test_a_backbone_from_scratch_takes_pixels_named_image_and_its_head_follows_the_seed():
    model = transfer.from_imagenet("resnet50_v2", 3, input_size=32, seed=5)
    assert model.inputs[0].name == "image"
    scaled = model.get_layer("to_unit_range")(np.array([[[[0.0, 127.5, 255.0]]]], np.float32))
    np.testing.assert_allclose(np.asarray(scaled), [[[[-1.0, 0.0, 1.0]]]], atol=1e-6)  # 0-255 to [-1, 1]
    trunk = model.get_layer("resnet50v2")
    momenta = [layer.momentum for layer in trunk.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert momenta and max(momenta) <= 0.9  # from scratch: at most 0.9 of the past
    again = transfer.from_imagenet("resnet50_v2", 3, input_size=32, seed=5)
    np.testing.assert_array_equal(_head(model), _head(again))


def _head(model):
    """The kernel of the last layer of ``model`` that has weights: its fresh classifier's."""
    return [layer for layer in model.layers if layer.get_weights()][-1].get_weights()[0]


def test_a_transfer_copies_the_trunk_up_to_the_last_hidden_layer_frozen_unless_asked_with_a_seeded_head():
    pretrained = levi_hassner.levi_hassner(2, input_size=40, hidden_units=16, seed=1)
    model = transfer.from_pretrained(pretrained, 8, seed=3)
    assert model.inputs[0].name == "image" and model.output_shape == (None, 8)
    trunk = model.get_layer("trunk")
    assert not trunk.trainable  # frozen unless asked
    assert trunk.output_shape == pretrained.layers[[layer.name for layer in pretrained.layers].index("output") - 1
                                                   ].output.shape
    again = transfer.from_pretrained(pretrained, 8, seed=3)
    np.testing.assert_array_equal(_head(model), _head(again))
    assert transfer.from_pretrained(pretrained, 8, freeze_trunk=False).get_layer("trunk").trainable
    with pytest.raises(ValueError) as raised:
        transfer.from_pretrained(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="a"),
                                                   keras.layers.Dense(1, name="b")], name="plain"), 2)
    assert str(raised.value) == ("plain has no layer named 'output' (its layers: a, b); from_pretrained expects a "
                                 "model built by helpers.network.levi_hassner.levi_hassner")


def test_without_a_weights_folder_keras_is_asked_for_imagenets_weights_by_name(monkeypatch):
    """``"imagenet"`` is the word keras.applications fetches the file for (on a machine that may download)."""
    monkeypatch.delenv(backbones.WEIGHTS_FOLDER, raising=False)
    assert backbones.weights_file("mobilenet_v3_small", "imagenet") == "imagenet"
    assert backbones.weights_file("mobilenet_v3_small", "none") is None


def test_a_trunk_frozen_or_not_ends_at_its_last_dropout_which_acts_in_training_only():
    """The trunk is the pre-trained network up to its last hidden layer's dropout. Frozen or fine-tuned, that
    dropout acts while the network trains (as Caffe's under a learning rate of 0) and not at test time."""
    pretrained = levi_hassner.levi_hassner(2, input_size=40, hidden_units=16, hidden_layers=2, seed=1)
    images = np.random.default_rng(5).normal(scale=60, size=(4, 40, 40, 3)).astype(np.float32)
    for freeze in (True, False):
        model = transfer.from_pretrained(pretrained, 8, freeze_trunk=freeze, seed=3)
        assert model.get_layer("trunk").layers[-1].name == "dropout2"
        assert not np.array_equal(np.asarray(model(images, training=True)), np.asarray(model(images, training=True)))
        np.testing.assert_array_equal(np.asarray(model(images)), np.asarray(model(images, training=False)))
