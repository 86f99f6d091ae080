"""Training, evaluation and transfer on small in-memory problems the network must be able to learn."""

from __future__ import annotations

import dataclasses
import time
import warnings

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from helpers.network import levi_hassner, transfer
from helpers.training import evaluation, fit
from helpers.training.settings import Settings

SIDE = 48


def stripes(count=192, seed=0):
    """Class 1: a bright band on the left half; class 0: on the right. Mean-free like the pipeline's."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, count).astype(np.int32)
    images = rng.normal(0, 20, (count, SIDE, SIDE, 3)).astype(np.float32)
    for image, label in zip(images, labels):
        if label:
            image[:, :SIDE // 2] += 60
        else:
            image[:, SIDE // 2:] += 60
    return images - images.mean(axis=0), labels


def batches(images, labels, size=32):
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(size)


def small_network(classes=2, seed=0):
    return levi_hassner.levi_hassner(classes, input_size=SIDE, hidden_units=32, hidden_layers=1, seed=seed)


CONFIG = Settings(epochs=6, learning_rate=1e-3, schedule="constant", patience=3)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    keras.utils.set_random_seed(0)
    images, labels = stripes()
    test_images, test_labels = stripes(96, seed=1)
    run_dir = tmp_path_factory.mktemp("run")
    run = fit.train(small_network, batches(images, labels), batches(test_images, test_labels), CONFIG,
                    run_dir=run_dir)
    return run, test_images, test_labels


def test_training_learns_and_writes_checkpoint_and_log(trained):
    run, test_images, test_labels = trained
    assert not run.diverged
    assert 1 <= run.best_epoch <= run.epochs_trained <= CONFIG.epochs
    assert run.best_validation_accuracy >= 0.9
    assert run.best_validation_accuracy == run.history.val_accuracy.max()  # chosen on accuracy, not on loss
    assert run.best_epoch == run.history.val_accuracy.idxmax()
    assert run.history.index.name == "epoch" and list(run.history.index) == list(range(1, run.epochs_trained + 1))
    assert (
        list(run.history.columns[:2]) == ["accuracy", "loss"] and run.history.loss.iloc[-1] < run.history.loss.iloc[0]
    )
    log = pd.read_csv(run.run_dir / "log.csv")
    assert len(log) == run.epochs_trained and {"val_accuracy", "loss"} <= set(log.columns)
    assert 0 < run.seconds_per_batch < run.seconds_per_epoch < run.seconds
    assert run.iterations == run.epochs_trained * 6  # 192 images in batches of 32: one weight update a batch
    best = keras.saving.load_model(run.run_dir / "best.keras", safe_mode=True)
    scores = evaluation.evaluate(best, batches(test_images, test_labels), test_labels, ["m", "f"], ordinal=False)
    assert scores.exact == pytest.approx(run.best_validation_accuracy, abs=1e-6)  # restored = saved = best epoch


def test_a_long_run_can_print_one_line_per_epoch(capsys):
    import re
    import time

    images, labels = stripes(64)
    settings = Settings(epochs=2, schedule="constant")
    started = time.perf_counter()
    run = fit.train(small_network, batches(images, labels), batches(images, labels), settings, log_epochs=True)
    elapsed = time.perf_counter() - started
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("epoch")]
    assert [line.split()[1] for line in lines] == ["1/2", "2/2"]
    for epoch, line in enumerate(lines):
        # "epoch 1/2  loss 0.6931  accuracy 0.5000  val_loss ...  (3 s)": losses and accuracies, not the rate
        figures, seconds = re.fullmatch(r"\s*epoch \d/2  (.*)  \((\d+) s\)", line).groups()
        shown = dict(item.split(" ") for item in figures.split("  "))
        assert set(shown) == {"accuracy", "loss", "val_accuracy", "val_loss"}
        for name, value in shown.items():
            assert float(value) == pytest.approx(run.history[name].iloc[epoch], abs=1e-4), name
        assert 0 <= int(seconds) <= elapsed + 1
    fit.train(small_network, batches(images, labels), batches(images, labels), settings)
    assert "epoch" not in capsys.readouterr().out  # quiet unless asked, as in the smoke profile


def test_a_nan_loss_ends_the_run_as_diverged_not_as_a_crash(tmp_path):
    images, labels = stripes(64)
    config = Settings(epochs=3, learning_rate=1e6, schedule="constant")
    run = fit.train(small_network, batches(images, labels), batches(images, labels), config, run_dir=tmp_path)
    assert run.diverged
    assert run.epochs_trained < config.epochs  # stopped at the first NaN, not run to the end


def test_mirrored_strategy_trains_on_cpu(tmp_path):
    images, labels = stripes(64)
    distribution = fit.strategy("mirrored")
    config = Settings(epochs=1, schedule="constant")
    run = fit.train(
        small_network, batches(images, labels), batches(images, labels), config, distribution=distribution
    )
    assert not run.diverged and run.epochs_trained == 1
    assert run.model.distribute_strategy is distribution
    assert fit.strategy() is tf.distribute.get_strategy()  # by default: one device, TensorFlow's own
    with pytest.raises(ValueError, match="unknown strategy"):
        fit.strategy("horovod")


def test_the_multiworker_strategy_is_made_in_process_on_one_machine_without_a_cluster(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)  # no cluster: this machine is the one worker
    made = fit.strategy("multiworker")
    assert isinstance(made, tf.distribute.MultiWorkerMirroredStrategy) and made.num_replicas_in_sync == 1


def test_mixed_bfloat16_builds_bfloat16_layers_with_a_float32_softmax():
    images, labels = stripes(32)
    config = Settings(epochs=1, schedule="constant", precision="mixed_bfloat16")
    run = fit.train(small_network, batches(images, labels), batches(images, labels), config)
    assert run.model.get_layer("conv1").compute_dtype == "bfloat16"
    assert run.model.get_layer("probabilities").compute_dtype == "float32"
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored


def test_adam_is_available_and_an_unknown_optimizer_is_refused():
    network = fit.compile_model(small_network(), Settings(optimizer="adam", schedule="constant"))
    assert isinstance(network.optimizer, keras.optimizers.Adam)
    assert isinstance(fit.compile_model(small_network(), Settings()).optimizer, keras.optimizers.SGD)
    with pytest.raises(ValueError, match="optimizer='lbfgs': use one of 'sgd', 'adam'"):
        Settings(optimizer="lbfgs")


def test_xla_compiled_training_matches_plain_training():
    images, labels = stripes(32)
    losses = {}
    for jit in (False, True):
        keras.utils.set_random_seed(0)
        config = Settings(epochs=1, schedule="constant", jit_compile=jit)
        run = fit.train(lambda: small_network(seed=5), batches(images, labels), batches(images, labels), config)
        assert run.model.jit_compile == jit
        losses[jit] = run.history.loss.iloc[0]
    assert losses[True] == pytest.approx(losses[False], rel=2e-2)  # same model and data; XLA fuses differently


def test_scores_exact_one_off_confusion_and_recall():
    truth = [0, 1, 2, 3, 3, 7]
    predicted = [0, 2, 2, 5, 3, 6]
    scores = evaluation.score(truth, predicted, [f"g{i}" for i in range(8)], ordinal=True)
    assert scores.exact == pytest.approx(3 / 6)
    assert scores.one_off == pytest.approx(5 / 6)
    assert scores.confusion.loc["g3", "g5"] == 1 and scores.confusion.to_numpy().sum() == 6
    assert scores.recall["g3"] == 0.5 and scores.recall["g1"] == 0 and np.isnan(scores.recall["g4"])
    # the tables say what they hold: rows are the true groups, columns the predicted ones
    assert (scores.confusion.index.name, scores.confusion.columns.name, scores.recall.name) == (
        "true", "predicted", "recall")
    assert np.isnan(evaluation.score([0, 1], [1, 1], ["m", "f"], ordinal=False).one_off)
    with pytest.raises(ValueError, match="same length"):
        evaluation.score([0, 1], [1], ["m", "f"], ordinal=False)
    with pytest.raises(ValueError, match="^nothing to score: the test set is empty$"):
        evaluation.score([], [], ["m", "f"], ordinal=False)
    assert evaluation.score([1], [1], ["m", "f"], ordinal=False).exact == 1  # one face is a test set
    with warnings.catch_warnings():  # a group with no test face has no recall, and that is no cause for a warning
        warnings.simplefilter("error")
        assert np.isnan(evaluation.score([0, 0], [0, 1], ["m", "f"], ordinal=False).recall["f"])


def test_scores_count_faces_whatever_the_type_of_the_class_numbers():
    classes = [f"g{i}" for i in range(8)]
    # groups as floats (np.round of a regression's years), or as unsigned bytes, where 0 - 1 would wrap to 255
    for truth, predicted in [(np.array([0.0, 1.0, 3.0]), np.array([1.0, 1.0, 5.0])),
                             (np.array([0, 1, 3], np.uint8), np.array([1, 1, 5], np.uint8))]:
        scores = evaluation.score(truth, predicted, classes, ordinal=True)
        assert scores.exact == pytest.approx(1 / 3) and scores.one_off == pytest.approx(2 / 3)
        assert scores.confusion.loc["g0", "g1"] == 1 and scores.confusion.to_numpy().dtype.kind == "i"  # counts


def test_test_loss_is_keras_cross_entropy_of_the_probabilities():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.5, 0.25, 0.25]], np.float32)
    labels = np.array([0, 1, 2])
    expected = keras.losses.SparseCategoricalCrossentropy()(labels, probabilities)
    assert evaluation.cross_entropy(probabilities, labels) == pytest.approx(float(expected), rel=1e-5)
    certain_and_wrong = np.array([[1.0, 0.0], [0.5, 0.5]])  # no probability at all for the first face's class
    assert evaluation.cross_entropy(certain_and_wrong, [1, 0]) == pytest.approx((-np.log(1e-12) - np.log(0.5)) / 2)


def test_ten_crop_prediction_averages_the_softmax_of_each_images_crops(capsys):
    network = small_network(seed=3)
    rng = np.random.default_rng(0)
    crops = rng.normal(0, 50, (5, 10, SIDE, SIDE, 3)).astype(np.float32)
    dataset = tf.data.Dataset.from_tensor_slices((crops, np.zeros(5, np.int32))).batch(2)
    averaged = evaluation.predict(network, dataset, ten_crop=True)
    expected = np.stack([keras.ops.convert_to_numpy(network(c)).mean(axis=0) for c in crops])
    np.testing.assert_allclose(averaged, expected, rtol=1e-4, atol=1e-6)
    centres = tf.data.Dataset.from_tensor_slices((crops[:, 4], np.zeros(5, np.int32))).batch(2)
    single = evaluation.predict(network, centres)  # one crop per image by default: the network's own softmax
    np.testing.assert_allclose(single, keras.ops.convert_to_numpy(network(crops[:, 4])), rtol=1e-4, atol=1e-6)
    assert capsys.readouterr().out == ""  # predicting draws no progress bar between the study's lines
    labels = np.array([0, 1, 2, 3, 4]) % 3  # three ordered classes: the one-off score needs the order
    network = small_network(classes=3, seed=3)
    dataset = tf.data.Dataset.from_tensor_slices((crops, labels)).batch(2)
    scores = evaluation.evaluate(network, dataset, labels, ["young", "middle", "old"], ordinal=True, ten_crop=True)
    predicted = evaluation.predict(network, dataset, ten_crop=True).argmax(axis=1)
    assert scores.exact == pytest.approx(np.mean(predicted == labels)) and scores.n == 5
    assert scores.one_off == pytest.approx(np.mean(np.abs(predicted - labels) <= 1))


def test_transfer_freezes_the_trunk_or_fine_tunes_everything(trained):
    run = trained[0]
    original = [keras.ops.convert_to_numpy(w).copy() for w in run.model.weights]
    images, labels = stripes(64, seed=2)
    for freeze in (True, False):
        network = transfer.from_pretrained(run.model, 8, freeze_trunk=freeze, seed=0)
        assert network.output_shape == (None, 8)
        trunk = network.get_layer("trunk")
        before = [keras.ops.convert_to_numpy(w).copy() for w in trunk.weights]
        head_before = keras.ops.convert_to_numpy(network.get_layer("output").kernel).copy()
        fit.compile_model(network, Settings(schedule="constant", learning_rate=1e-2))
        network.fit(images, labels % 8, epochs=1, batch_size=32, verbose=0)
        changed = [not np.array_equal(b, keras.ops.convert_to_numpy(w)) for b, w in zip(before, trunk.weights)]
        assert not np.array_equal(head_before, keras.ops.convert_to_numpy(network.get_layer("output").kernel))
        assert (not any(changed)) if freeze else all(changed), (freeze, changed, [w.path for w in trunk.weights])
    assert all(layer.trainable for layer in run.model.layers)  # the pre-trained model is left as it was
    assert all(np.array_equal(a, keras.ops.convert_to_numpy(b)) for a, b in zip(original, run.model.weights))
    with pytest.raises(ValueError, match="no layer named 'output'"):
        transfer.from_pretrained(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), 2)


def test_the_returned_model_is_the_best_validation_epochs_not_the_last(tmp_path):
    """A validation set labelled the opposite way: the more the network learns, the worse it scores there,
    so the best validation epoch is the first. The model ``train`` returns, and the one it saves, must score
    that epoch's accuracy."""
    keras.utils.set_random_seed(0)
    images, labels = stripes(96)
    validation_images, validation_labels = stripes(64, seed=2)
    validation_labels = 1 - validation_labels
    settings = Settings(epochs=6, learning_rate=3e-4, schedule="constant", patience=6, optimizer="adam")
    run_dir = tmp_path / "study" / "run"  # its parent folder does not exist yet
    run = fit.train(small_network, batches(images, labels), batches(validation_images, validation_labels),
                    settings, run_dir=run_dir)
    accuracies = run.history.val_accuracy
    assert run.epochs_trained == 6 and accuracies.iloc[-1] < accuracies.max() - 0.1  # the case this test is about
    for model in (run.model, keras.saving.load_model(run_dir / "best.keras", safe_mode=True)):
        scores = evaluation.evaluate(model, batches(validation_images, validation_labels), validation_labels,
                                     ["m", "f"], ordinal=False)
        assert scores.exact == pytest.approx(accuracies.max(), abs=1e-6)
    assert run.best_epoch == accuracies.idxmax() < run.epochs_trained


def regression_network():
    return levi_hassner.levi_hassner(1, input_size=SIDE, hidden_units=32, hidden_layers=1, seed=0, regression=True)


@pytest.mark.parametrize("output", ["regression", "dex"])
def test_age_in_years_is_stopped_and_saved_on_its_lowest_validation_loss(output, tmp_path):
    """Age in years (a regression, or DEX's expected age over one-year bins) has no group accuracy to watch: the
    best epoch is the lowest validation loss, for the model returned, the model saved and the epoch recorded, and
    no validation accuracy is reported."""
    keras.utils.set_random_seed(0)
    images, labels = stripes(96)
    validation_images, validation_labels = stripes(64, seed=2)
    kind = np.float32 if output == "regression" else np.int32
    training_set = batches(images, labels.astype(kind))
    validation_set = batches(validation_images, validation_labels.astype(kind))
    settings = Settings(epochs=4, learning_rate=3e-4, schedule="constant", patience=4, optimizer="adam",
                        age_output=output)
    started = time.perf_counter()
    run = fit.train(regression_network if output == "regression" else small_network, training_set,
                    validation_set, settings, run_dir=tmp_path)
    assert 0 < run.seconds < time.perf_counter() - started  # the training's own time
    losses = run.history.val_loss
    assert np.isnan(run.best_validation_accuracy)
    # the log has no accuracy for years on a scale (float predictions are never equal to an age); DEX's bins are
    # classes, and their exact-year accuracy is logged beside the loss
    assert ("val_accuracy" in run.history.columns) == (output == "dex")
    assert run.best_epoch == losses.idxmin() >= 1 and losses.idxmin() != losses.idxmax()
    for model in (run.model, keras.saving.load_model(tmp_path / "best.keras", safe_mode=True)):
        loss = model.evaluate(validation_set, verbose=0)
        assert (loss[0] if isinstance(loss, list) else loss) == pytest.approx(losses.min(), rel=1e-4)


def test_a_diverged_regression_has_no_best_epoch():
    """A loss that is NaN from the first batch (here NaN targets): training stops after that batch, no epoch is
    best, and the one batch timed is reported."""
    images, _ = stripes(32)
    data = batches(images, np.full(32, np.nan, np.float32))
    settings = Settings(epochs=3, learning_rate=1e6, schedule="constant", age_output="regression")
    run = fit.train(regression_network, data, data, settings)
    assert run.diverged and run.epochs_trained == 1 and run.history.val_loss.isna().all()
    assert run.best_epoch == 0 and np.isnan(run.best_validation_accuracy)
    assert run.seconds_per_batch > 0


def test_the_time_per_batch_leaves_out_the_first_which_builds_the_step():
    """The first batch of a fresh model includes tracing its training step, many times a batch's time: with two
    batches, the typical batch is the second, under a quarter of the epoch (about 1/22 measured on 2 cores)."""
    images, labels = stripes(64)
    run = fit.train(small_network, batches(images, labels), batches(images, labels),
                    Settings(epochs=1, schedule="constant"))
    assert 0 < run.seconds_per_batch < run.seconds_per_epoch / 4


def test_the_optimizer_follows_the_settings_schedule_momentum_and_learning_rate_multipliers():
    settings = Settings(optimizer="sgd", learning_rate=0.01, schedule="step", step_every=5, momentum=0.5,
                        caffe_multipliers=False)
    plain = fit.compile_model(small_network(), settings).optimizer
    assert plain.momentum == 0.5 and plain.multipliers == ()
    rates = []
    for iteration in (4, 5):  # a tenfold drop every 5 iterations, not the default 10,000
        plain.iterations.assign(iteration)
        rates.append(float(plain.learning_rate))
    assert rates == pytest.approx([0.01, 0.001])
    paper = fit.compile_model(small_network(), Settings(optimizer="sgd", caffe_multipliers=True)).optimizer
    assert paper.multipliers == levi_hassner.LEARNING_RATE_MULTIPLIERS


def test_two_heads_are_compiled_with_a_loss_that_skips_missing_labels_and_weighs_age():
    """Each head's cross-entropy over the faces that have its label (labels.MISSING for the others), the age
    head's weighted by ``age_loss_weight``; the settings' optimizer; XLA as the settings say."""
    from helpers.data import labels as label_rules

    network = levi_hassner.levi_hassner(2, input_size=SIDE, hidden_units=32, hidden_layers=1, seed=0,
                                        weight_decay=0.0, heads={"gender": 2, "age": 8})
    settings = Settings(multitask=True, age_loss_weight=0.5, optimizer="adam", schedule="constant")
    compiled = fit.compile_model(network, settings)
    assert isinstance(compiled.optimizer, keras.optimizers.Adam) and compiled.jit_compile is False
    assert fit.compile_model(network, dataclasses.replace(settings, jit_compile=True)).jit_compile is True
    compiled = fit.compile_model(network, settings)
    images, _ = stripes(8)
    missing = label_rules.MISSING
    truth = {"gender": np.array([0, 1, 0, 1, missing, 1, 0, 1], np.int32),
             "age": np.array([3, missing, 2, missing, 7, 0, missing, 5], np.int32)}
    probabilities = compiled.predict(images, verbose=0)

    def cross_entropy(task):
        kept = truth[task] != missing
        return -np.log(probabilities[task][kept, truth[task][kept]]).mean()

    loss = compiled.evaluate(images, truth, verbose=0, return_dict=True)["loss"]
    assert loss == pytest.approx(cross_entropy("gender") + 0.5 * cross_entropy("age"), rel=1e-4)
