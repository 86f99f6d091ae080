"""One run (``helpers.training.one_run``): what a run's network sees and is, what ``fit.train`` is given, and how
the trained network is scored, each checked against a computation by hand. The studies that call it are tested
in tests/studies/test_runner.py."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from helpers import environment
from helpers.data import age_groups, task_data
from helpers.network import backbones, levi_hassner, transfer
from helpers.training import fit, one_run
from helpers.training.settings import Settings

BACKBONE = "mobilenet_v3_small"


def same_weights(first, second) -> None:
    assert len(first.get_weights()) == len(second.get_weights())
    for mine, theirs in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(mine, theirs)


def test_the_paper_network_sees_the_profiles_crops_and_a_backbone_at_most_imagenets_224():
    assert backbones.IMAGENET_SIZE == 224
    assert one_run.input_size(Settings(), 300) == 300
    assert [one_run.input_size(Settings(network=BACKBONE), crop) for crop in (100, 224, 300)] == [100, 224, 224]


def test_a_backbone_is_given_the_pixels_in_its_crops_and_the_paper_network_the_data_as_it_is():
    mean = np.full((256, 256, 3), 90.0, np.float32)
    data = task_data.TaskData("gender", 0, 256, 240, {"train": np.array(["a"])}, {"train": np.array([1])}, mean)
    assert one_run.network_input(data, Settings()) is data
    fed = one_run.network_input(data, Settings(network=BACKBONE))
    assert fed.crop_size == 224 and fed.mean.shape == (256, 256, 3) and not fed.mean.any()
    assert dataclasses.replace(fed, mean=mean, crop_size=240) == data  # nothing else changes
    assert data.mean[0, 0, 0] == 90.0  # the data itself is left as it was


def test_a_runs_network_is_the_settings_network_with_the_runs_outputs_size_and_seed():
    environment.start_tensorflow()
    settings = Settings(hidden_units=16, hidden_layers=1)
    made = one_run.new_network(settings, 8, 40, seed=5)
    same_weights(made, levi_hassner.levi_hassner(8, input_size=40, hidden_units=16, hidden_layers=1, seed=5))
    regression = one_run.new_network(Settings(hidden_units=16, age_output="regression"), 1, 40, seed=5)
    same_weights(regression, levi_hassner.levi_hassner(1, input_size=40, hidden_units=16, seed=5, regression=True))
    assert regression.output_shape == (None, 1) and regression.layers[-1].get_config()["activation"] == "linear"
    import keras

    keras.utils.set_random_seed(1)  # a backbone's own layers draw from Keras' generator, as train_and_score seeds it
    backbone = one_run.new_network(Settings(network=BACKBONE), 2, 40, seed=1)
    keras.utils.set_random_seed(1)
    same_weights(backbone, transfer.from_imagenet(BACKBONE, 2, input_size=40, seed=1))


def test_a_backbone_run_asks_for_the_weights_its_settings_name(tmp_path, monkeypatch):
    """ImageNet's weights are looked for where the kit's weights folder says (an empty folder here: the message
    names the file); from scratch, nothing is looked for."""
    monkeypatch.setenv(backbones.WEIGHTS_FOLDER, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=f"has no {backbones.BACKBONES[BACKBONE].weights_file}"):
        one_run.new_network(Settings(network=BACKBONE, weights="imagenet"), 2, 40, seed=1)
    assert one_run.new_network(Settings(network=BACKBONE), 2, 40, seed=1).output_shape == (None, 2)


@pytest.mark.parametrize("way", ["frozen", "fine-tune"])
def test_a_transfer_runs_network_is_the_pretrained_one_with_a_new_seeded_output(way):
    environment.start_tensorflow()
    pretrained = levi_hassner.levi_hassner(2, input_size=40, hidden_units=16, seed=0)
    made = one_run.new_network(Settings(transfer=way), 8, 40, seed=3, pretrained=pretrained)
    same_weights(made, transfer.from_pretrained(pretrained, 8, freeze_trunk=way == "frozen", seed=3))
    assert made.get_layer("trunk").trainable == (way == "fine-tune") and made.output_shape == (None, 8)


def test_a_transfer_setting_and_the_pretrained_network_go_together():
    with pytest.raises(ValueError) as raised:
        one_run.train_and_score(None, Settings(transfer="frozen"), 0)
    assert str(raised.value) == "Settings.transfer='frozen' needs a pretrained model"
    with pytest.raises(ValueError) as raised:
        one_run.train_and_score(None, Settings(), 0, pretrained=object())
    assert str(raised.value) == "Settings.transfer='none' takes no pretrained model"
    data = task_data.TaskData("gender", 0, 8, 6, {}, {}, np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match="^Settings.age_output='dex' is for the age task"):
        one_run.train_and_score(data, Settings(age_output="dex"), 0)


#: Three runs: a transfer run of gender with random crops and no flips, logged; an age regression from scratch with
#: flips and no random crops, quiet by default.
RUNS = {"gender, frozen": ("gender", {"transfer": "frozen", "flip": False}, {"log_epochs": True}),
        "age, regression": ("age", {"age_output": "regression", "random_crop": False}, {})}


@pytest.mark.parametrize("run", list(RUNS))
def test_a_run_trains_its_seeded_network_on_its_seeded_batches_and_logs_as_asked(profile, tmp_path, given_to_fit,
                                                                                  capsys, run):
    """What ``fit.train`` is given, seen as it calls it: the network of ``new_network`` (from the pre-trained one
    for a transfer run), the training batches of ``data.training(batch, seed, random_crop, flip)`` with the way's
    targets, and the validation batches; then what the options do: a line per epoch only when asked, no network
    kept."""
    import tensorflow as tf

    task, changes, options = RUNS[run]
    settings = Settings(batch_size=32, epochs=1, hidden_units=16, optimizer="adam", **changes)
    data = task_data.task_data(profile, task, 0)
    pretrained = levi_hassner.levi_hassner(2, input_size=data.crop_size, hidden_units=16, seed=0) if (
        settings.transfer != "none") else None
    outcome = one_run.train_and_score(data, settings, 4, run_dir=tmp_path, save_model=False, pretrained=pretrained,
                                      **options)

    units = len(data.classes) if settings.age_output == "classes" else 1
    same_weights(given_to_fit["network"], one_run.new_network(settings, units, data.crop_size, 4, pretrained))

    def targets(split):
        if settings.age_output == "classes":
            return None
        return (data.years[split] / np.float32(100)).astype(np.float32)

    wanted = data.training(32, 4, settings.random_crop, settings.flip, targets=targets("train"))
    tf.nest.map_structure(np.testing.assert_array_equal, given_to_fit["training"], next(iter(wanted)))
    tf.nest.map_structure(np.testing.assert_array_equal, given_to_fit["validation"],
                          next(iter(data.evaluation("validation", targets=targets("validation")))))
    said = capsys.readouterr().out
    assert said.startswith("    epoch 1/1  ") if options.get("log_epochs") else said == ""
    assert (tmp_path / "log.csv").is_file() and not (tmp_path / "best.keras").exists()
    assert outcome.scores.n == len(data.labels["test"]) and outcome.oversampled is None


def brightness_network(crop_size: int, weights: np.ndarray, biases: np.ndarray, softmax: bool = True):
    """A network whose answer a test can work out by hand: each channel's mean over the crop, then a dense layer
    of the given weights (and a softmax)."""
    import keras

    inputs = keras.Input((crop_size, crop_size, 3))
    dense = keras.layers.Dense(len(biases), activation="softmax" if softmax else None)
    outputs = dense(keras.layers.GlobalAveragePooling2D()(inputs))
    dense.set_weights([weights.astype(np.float32), biases.astype(np.float32)])
    return keras.Model(inputs, outputs)


def by_hand(data: task_data.TaskData, weights, biases, softmax: bool = True):
    """Each test face's outputs for its centre crop, and their average over the paper's 10 crops (4 corners and
    the centre, each mirrored: a mirror has the same channel means), from the cached pixels less the mean."""
    import tensorflow as tf

    size, crop = data.size, data.crop_size
    corners = [(0, 0), (0, size - crop), (size - crop, 0), (size - crop, size - crop)]
    centre = ((size - crop) // 2,) * 2
    centres, averages = [], []
    for path in data.files["test"]:
        image = tf.io.parse_tensor(tf.io.read_file(path), tf.uint8).numpy().astype(np.float64) - data.mean

        def outputs(top, left, image=image):
            logits = image[top:top + crop, left:left + crop].mean(axis=(0, 1)) @ weights + biases
            if not softmax:
                return logits
            exponentials = np.exp(logits - logits.max())
            return exponentials / exponentials.sum()

        centres.append(outputs(*centre))
        averages.append(np.mean([outputs(*corner) for corner in corners + [centre]], axis=0))
    return np.array(centres), np.array(averages)


def fitted(diverged: bool = False) -> fit.Fitted:
    return fit.Fitted(model=None, history=pd.DataFrame(), diverged=diverged, epochs_trained=3, best_epoch=2,
                      best_validation_accuracy=0.625, seconds=12.345, seconds_per_batch=0.05, seconds_per_epoch=4.1,
                      run_dir=None, iterations=30)


def test_a_gender_network_is_scored_on_its_centre_crop_and_its_ten_crops_as_worked_out_by_hand(profile):
    environment.start_tensorflow()
    data = task_data.task_data(profile, "gender", 0)
    weights, biases = np.array([[0.08, -0.05], [-0.04, 0.09], [0.03, -0.07]]), np.array([0.1, -0.1])
    centre, ten = by_hand(data, weights, biases)
    outcome = one_run.scored(fitted(), brightness_network(data.crop_size, weights, biases), data, oversample=True)

    labels = data.labels["test"]
    assert len(set(centre.argmax(axis=1))) == 2  # the hand-made network answers both classes
    np.testing.assert_array_equal(outcome.predictions["label"], labels)
    np.testing.assert_array_equal(outcome.predictions["predicted"], centre.argmax(axis=1))
    np.testing.assert_array_equal(outcome.predictions["predicted_10crop"], ten.argmax(axis=1))
    assert outcome.scores.exact == pytest.approx((centre.argmax(axis=1) == labels).mean())
    assert outcome.oversampled.exact == pytest.approx((ten.argmax(axis=1) == labels).mean())
    assert outcome.test_loss == pytest.approx(-np.log(centre[np.arange(len(labels)), labels]).mean(), rel=1e-5)
    assert outcome.against_floor.majority == pytest.approx(np.bincount(labels).max() / len(labels))
    assert outcome.against_floor.classes_answered == 2 and np.isnan(outcome.mae_years)
    assert set(outcome.predictions) == {"label", "predicted", "predicted_10crop"}

    row = outcome.row()
    assert row["accuracy"] == outcome.scores.exact and row["accuracy_10crop"] == outcome.oversampled.exact
    assert row["n_test"] == len(labels) and row["test_loss"] == outcome.test_loss
    assert np.isnan(row["one_off_accuracy"]) and np.isnan(row["one_off_accuracy_10crop"])  # gender has no order
    assert (row["majority"], row["classes_answered"]) == (outcome.against_floor.majority, 2)
    assert row["learned"] == outcome.against_floor.learned
    assert {name: row[name] for name in ("epochs_trained", "best_epoch", "best_validation_accuracy", "diverged",
                                         "seconds", "seconds_per_batch", "seconds_per_epoch", "iterations")} == {
        "epochs_trained": 3, "best_epoch": 2, "best_validation_accuracy": 0.625, "diverged": False, "seconds": 12.35,
        "seconds_per_batch": 0.05, "seconds_per_epoch": 4.1, "iterations": 30}

    centre_only = one_run.scored(fitted(), brightness_network(data.crop_size, weights, biases), data)
    assert centre_only.oversampled is None and "accuracy_10crop" not in centre_only.row()
    np.testing.assert_array_equal(centre_only.predictions["predicted"], centre.argmax(axis=1))


def test_an_age_regression_is_scored_in_groups_by_the_one_rule_and_in_years_on_the_exact_ages(profile):
    environment.start_tensorflow()
    data = task_data.task_data(profile, "age", 0)
    weights, biases = np.array([[0.004], [0.003], [-0.002]]), np.array([0.3])  # years / 100
    centre, ten = by_hand(data, weights, biases, softmax=False)
    outcome = one_run.scored(fitted(), brightness_network(data.crop_size, weights, biases, softmax=False), data,
                             "regression", oversample=True)

    years, years_10crop = np.clip(centre[:, 0] * 100, 0, None), np.clip(ten[:, 0] * 100, 0, None)
    truth, exact = data.years["test"], data.exact["test"]
    assert exact.any() and not exact.all()
    # Keras computes in float32, the hand in float64: a few thousandths of a year apart
    np.testing.assert_allclose(outcome.predictions["predicted_years"], years, atol=1e-3)
    np.testing.assert_allclose(outcome.predictions["predicted_years_10crop"], years_10crop, atol=1e-3)
    for predicted, wanted in ((outcome.predictions["predicted"], years),
                              (outcome.predictions["predicted_10crop"], years_10crop)):
        # not within a thousandth of a year of a group's edge
        clear = age_groups.age_group(np.clip(wanted - 1e-3, 0, None)) == age_groups.age_group(wanted + 1e-3)
        assert clear.mean() > 0.95
        np.testing.assert_array_equal(predicted[clear], age_groups.age_group(wanted)[clear])
    np.testing.assert_array_equal(outcome.predictions["years"], truth)
    np.testing.assert_array_equal(outcome.predictions["exact"], exact)
    assert outcome.mae_years == pytest.approx(np.abs(truth[exact] - years[exact]).mean(), abs=1e-3)
    assert outcome.mae_years_10crop == pytest.approx(np.abs(truth[exact] - years_10crop[exact]).mean(), abs=1e-3)
    assert outcome.n_exact == exact.sum() and np.isnan(outcome.test_loss)  # no cross-entropy for a number
    groups, labels = outcome.predictions["predicted"], data.labels["test"]
    assert outcome.scores.exact == pytest.approx((groups == labels).mean())
    assert outcome.scores.one_off == pytest.approx((np.abs(groups - labels) <= 1).mean())
    row = outcome.row()
    assert (row["mae_years"], row["mae_years_10crop"], row["n_exact"]) == (
        outcome.mae_years, outcome.mae_years_10crop, outcome.n_exact)
    assert row["one_off_accuracy_10crop"] == outcome.oversampled.one_off


def test_a_diverged_run_is_not_scored_and_its_row_says_so():
    outcome = one_run.scored(fitted(diverged=True), None, None, oversample=True)
    assert outcome.scores is None and outcome.oversampled is None and outcome.predictions is None
    row = outcome.row()
    assert np.isnan(row["accuracy"]) and np.isnan(row["one_off_accuracy"]) and np.isnan(row["test_loss"])
    assert row["n_test"] == 0 and row["diverged"] is True and "majority" not in row and "accuracy_10crop" not in row
    assert (row["n_exact"], row["epochs_trained"]) == (0, 3) and np.isnan(row["mae_years"])
