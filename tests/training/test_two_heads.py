"""One network for age and gender (notebook 13): the heads, the masked loss, the faces, and the runner's two rows."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers import environment, profiles
from helpers.data import task_data
from helpers.network import levi_hassner
from helpers.training import fit, two_heads
from helpers.training.settings import Settings


def test_two_heads_share_one_trunk():
    environment.start_tensorflow()
    settings = Settings(hidden_units=16)
    model = two_heads.network(settings, input_size=48, seed=0)
    images = np.random.default_rng(0).normal(size=(3, 48, 48, 3)).astype(np.float32)
    outputs = model(images)
    assert {task: tuple(values.shape) for task, values in outputs.items()} == {"gender": (3, 2), "age": (3, 8)}
    gender = two_heads.single_head(model, "gender")
    np.testing.assert_allclose(np.asarray(gender(images)), np.asarray(outputs["gender"]), rtol=1e-6)
    counts = two_heads.parameters(dataclasses.replace(profiles.get_profile("smoke"), crop_size=48), settings)
    # one trunk: the two-headed network is the gender network plus an age output layer (16 x 8 weights + 8 biases)
    assert counts["one network, two heads"] == counts["gender network"] + 16 * 8 + 8
    assert counts["two networks"] - counts["one network, two heads"] == counts["age network"] - (16 * 8 + 8)
    assert counts["age network"] - counts["gender network"] == 16 * 6 + 6  # 8 outputs against 2, nothing else
    assert counts["two networks"] == counts["gender network"] + counts["age network"] and counts.name == "weights"
    one_layer = two_heads.parameters(dataclasses.replace(profiles.get_profile("smoke"), crop_size=48),
                                     Settings(hidden_units=16, hidden_layers=1))
    assert one_layer["gender network"] == levi_hassner.levi_hassner(2, input_size=48, hidden_units=16,
                                                                    hidden_layers=1).count_params()
    assert counts["gender network"] - one_layer["gender network"] == 16 * 16 + 16  # the second hidden layer


def _compiled(age_loss_weight: float):
    """A two-headed network without weight decay (so the loss is the heads' alone), and its gender half."""
    environment.start_tensorflow()
    model = levi_hassner.levi_hassner(2, input_size=40, hidden_units=16, weight_decay=0, seed=1,
                                      heads={"gender": 2, "age": 8})
    fit.compile_model(model, Settings(multitask=True, age_loss_weight=age_loss_weight, optimizer="adam"))
    gender = fit.compile_model(two_heads.single_head(model, "gender"), Settings(optimizer="adam"))
    return model, gender


def test_a_head_without_labels_adds_nothing_the_joint_loss_is_the_single_task_loss():
    model, gender_only = _compiled(age_loss_weight=3.0)
    rng = np.random.default_rng(2)
    images = rng.normal(size=(20, 40, 40, 3)).astype(np.float32)
    genders = rng.integers(0, 2, 20)
    missing = np.full(20, two_heads.MISSING)
    joint = model.evaluate(images, {"gender": genders, "age": missing}, batch_size=20, verbose=0, return_dict=True)
    single = gender_only.evaluate(images, genders, batch_size=20, verbose=0, return_dict=True)
    assert joint["loss"] == pytest.approx(single["loss"], rel=1e-5)


def test_the_joint_loss_weights_each_heads_mean_over_the_faces_that_have_its_label():
    model, _ = _compiled(age_loss_weight=0.5)
    rng = np.random.default_rng(3)
    images = rng.normal(size=(12, 40, 40, 3)).astype(np.float32)
    genders = np.array([0, 1, -1, 1, 0, -1, 1, 1, 0, 0, -1, 1])  # -1: a face without that label
    ages = np.array([3, -1, 5, -1, 7, 0, -1, 2, 2, 4, 1, -1])
    probabilities = {task: np.asarray(values, np.float64) for task, values in model(images).items()}

    def cross_entropy(task, wanted):
        known = wanted >= 0
        return -np.log(probabilities[task][np.flatnonzero(known), wanted[known]]).mean()

    expected = cross_entropy("gender", genders) + 0.5 * cross_entropy("age", ages)
    joint = model.evaluate(images, {"gender": genders, "age": ages}, batch_size=12, verbose=0, return_dict=True)
    assert joint["loss"] == pytest.approx(expected, rel=1e-4)


def test_the_joint_faces_are_both_tasks_faces_each_once_with_the_missing_label_marked(profile):
    single = {task: task_data.task_data(profile, task, 0) for task in two_heads.TASKS}
    data = two_heads.joint_data(profile, 0)
    for split in ("train", "validation", "test"):
        union = set(single["gender"].files[split]) | set(single["age"].files[split])
        assert sorted(data.files[split]) == sorted(union) and len(data.files[split]) == len(union)
        position = {name: number for number, name in enumerate(data.files[split])}
        for task, own in single.items():
            labels = data.labels[split][task]
            at = [position[name] for name in own.files[split]]
            assert labels[at].tolist() == own.labels[split].tolist()
            assert (labels == two_heads.MISSING).sum() == len(union) - len(own.files[split])
    # the mirror, like Adience, has faces with one label only: both heads lose some to the mask, none dropped
    assert (data.labels["train"]["gender"] == two_heads.MISSING).any()
    assert (data.labels["train"]["age"] == two_heads.MISSING).any()
    for task in two_heads.TASKS:  # each head is scored on the single-task runs' own test faces, in their order
        assert list(data.tasks[task].files["test"]) == list(single[task].files["test"])
        np.testing.assert_array_equal(data.tasks[task].mean, data.mean)


def test_the_label_counts_split_each_splits_faces_by_the_labels_they_have():
    missing = two_heads.MISSING
    data = two_heads.JointData(fold=0, size=8, crop_size=6, files={}, mean=np.zeros(1), tasks={}, labels={
        "train": {"gender": np.array([0, 1, missing, 1, 0]), "age": np.array([3, missing, 2, 7, missing])},
        "test": {"gender": np.array([missing, 1]), "age": np.array([0, missing])}})
    counts = two_heads.label_counts(data)
    assert list(counts.index) == ["train", "test"]
    assert list(counts.columns) == ["both labels", "gender only", "age group only", "faces"]
    assert counts.loc["train"].tolist() == [2, 2, 1, 5]
    assert counts.loc["test"].tolist() == [0, 1, 1, 2]


def test_the_joint_faces_batches_are_the_pipelines_own_augmented_and_of_100_to_evaluate(profile):
    import tensorflow as tf

    from helpers.data import pipeline

    data = two_heads.joint_data(profile, 0)
    common = {"size": data.size, "crop_size": data.crop_size, "mean": data.mean}
    ours = next(iter(data.training(8, seed=3)))
    theirs = next(iter(pipeline.training_dataset(data.files["train"], data.labels["train"], batch_size=8, seed=3,
                                                 random_crop=True, flip=True, **common)))
    tf.nest.map_structure(np.testing.assert_array_equal, ours, theirs)
    plain = next(iter(data.training(8, seed=3, random_crop=False, flip=False)))
    assert not np.array_equal(plain[0], ours[0])  # augmentation is on unless turned off
    unaugmented = next(iter(pipeline.training_dataset(data.files["train"], data.labels["train"], batch_size=8, seed=3,
                                                      random_crop=False, flip=False, **common)))
    tf.nest.map_structure(np.testing.assert_array_equal, plain, unaugmented)
    for split in ("validation", "test"):
        ours = list(data.evaluation(split))
        theirs = list(pipeline.evaluation_dataset(data.files[split], data.labels[split], batch_size=100, **common))
        assert [len(images) for images, _ in ours] == [len(images) for images, _ in theirs]
        assert len(ours[0][0]) == min(100, len(data.files[split]))
        tf.nest.map_structure(np.testing.assert_array_equal, ours[0], theirs[0])


def test_a_network_with_one_head_is_sent_to_one_run():
    from helpers.training.settings import Settings

    with pytest.raises(ValueError) as raised:
        two_heads.train_and_score(None, Settings(), seed=0)
    assert str(raised.value) == ("two_heads.train_and_score needs Settings(multitask=True); one_run.train_and_score "
                                 "trains a network with one head")


def test_a_two_headed_run_is_seeded_quiet_and_saved_with_its_centre_crop_scores(profile, tmp_path, capsys):
    from helpers.studies import catalogue

    settings = catalogue.STUDIES["multitask"].settings_for("one network, equal weights", profile)
    data = two_heads.joint_data(profile, 0)
    first = two_heads.train_and_score(data, settings, seed=4, run_dir=tmp_path / "first")
    again = two_heads.train_and_score(data, settings, seed=4, run_dir=tmp_path / "again")
    assert capsys.readouterr().out == ""  # no line per epoch unless asked
    for task in two_heads.TASKS:
        np.testing.assert_array_equal(first[task].predictions["predicted"], again[task].predictions["predicted"])
        assert first[task].oversampled is None and "accuracy_10crop" not in first[task].row()  # centre crop only
    assert (tmp_path / "first" / "best.keras").is_file()  # kept unless asked not to


def test_joining_two_tasks_faces_keeps_each_face_once_with_int32_labels_and_their_mean_image(tmp_path):
    """Two tasks' faces joined by hand: six cached images of one grey each (4 px), so the mean is plain arithmetic."""
    import tensorflow as tf

    grey = {"a": 10, "b": 20, "c": 60, "d": 90, "e": 0, "f": 30}
    files = {}
    for name, value in grey.items():
        path = tmp_path / "cache" / "adience-4px" / "ab" / f"{name}.tensor"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tf.io.serialize_tensor(tf.fill([4, 4, 3], tf.constant(value, tf.uint8))).numpy())
        files[name] = str(path)

    def task(name, split_names, split_labels):
        return task_data.TaskData(name, 3, 4, 2, {split: np.array([files[face] for face in faces])
                                                   for split, faces in split_names.items()},
                                  {split: np.array(values, np.int32) for split, values in split_labels.items()},
                                  mean=np.zeros((4, 4, 3), np.float32))

    gender = task("gender", {"train": "abc", "validation": "d", "test": "e"},
                  {"train": [0, 1, 1], "validation": [1], "test": [0]})
    age = task("age", {"train": "bcf", "validation": "d", "test": "ef"},
               {"train": [5, 2, 7], "validation": [3], "test": [1, 6]})
    data = two_heads.joint({"gender": gender, "age": age})

    assert (data.fold, data.size, data.crop_size) == (3, 4, 2)
    assert {split: [files_[-8:-7] for files_ in data.files[split]] for split in data.files} == {
        "train": list("abcf"), "validation": ["d"], "test": ["e", "f"]}
    missing = two_heads.MISSING
    assert data.labels["train"]["gender"].tolist() == [0, 1, 1, missing]
    assert data.labels["train"]["age"].tolist() == [missing, 5, 2, 7]
    assert data.labels["test"]["gender"].tolist() == [0, missing] and data.labels["test"]["age"].tolist() == [1, 6]
    assert {values.dtype for by_task in data.labels.values() for values in by_task.values()} == {np.dtype(np.int32)}
    np.testing.assert_array_equal(data.mean, np.full((4, 4, 3), (10 + 20 + 60 + 30) / 4, np.float32))
    for name, own in (("gender", gender), ("age", age)):  # each head's own faces, with the joint mean
        assert data.tasks[name] == dataclasses.replace(own, mean=data.mean)


def test_a_two_headed_network_is_seeded_and_each_head_is_named_after_its_task():
    environment.start_tensorflow()
    settings = Settings(hidden_units=16, hidden_layers=1)
    model = two_heads.network(settings, input_size=40, seed=2)

    def weights(network):
        return [np.asarray(values) for values in network.get_weights()]

    for first, again in zip(weights(model), weights(two_heads.network(settings, input_size=40, seed=2))):
        np.testing.assert_array_equal(first, again)
    assert not np.array_equal(weights(model)[0], weights(two_heads.network(settings, input_size=40, seed=3))[0])
    assert model.count_params() == two_heads.network(Settings(hidden_units=16, hidden_layers=2), 40).count_params() - (
        16 * 16 + 16)  # the settings' hidden layers
    age = two_heads.single_head(model, "age")
    assert age.name == f"{model.name}_age" and age.output_shape == (None, 8)


def test_the_joint_batches_carry_their_crops_static_shape_to_keras(profile):
    data = two_heads.joint_data(profile, 0)
    assert data.size == profile.image_size and data.fold == 0
    crop = (None, data.crop_size, data.crop_size, 3)
    assert data.training(8, seed=3, random_crop=False, flip=False).element_spec[0].shape == crop
    assert data.evaluation("validation").element_spec[0].shape == crop


def test_a_two_headed_run_trains_its_seeded_network_on_the_seeded_batches_and_logs_as_asked(profile, tmp_path,
                                                                                            given_to_fit, capsys):
    """What ``fit.train`` is given, seen as it calls it: the network of ``network(settings, crop, seed)``, the
    training batches of ``data.training(batch, seed, random_crop, flip)`` and the validation batches; then what
    the options do: a line per epoch, no network kept."""
    import tensorflow as tf

    from helpers.studies import catalogue

    settings = catalogue.STUDIES["multitask"].settings_for("one network, equal weights", profile)
    settings = dataclasses.replace(settings, flip=False)  # random crops without flips: each is passed on
    data = two_heads.joint_data(profile, 0)
    two_heads.train_and_score(data, settings, seed=4, run_dir=tmp_path, log_epochs=True, save_model=False)

    seeded = two_heads.network(settings, data.crop_size, 4)
    for built, wanted in zip(given_to_fit["network"].get_weights(), seeded.get_weights()):
        np.testing.assert_array_equal(built, wanted)
    tf.nest.map_structure(np.testing.assert_array_equal, given_to_fit["training"],
                          next(iter(data.training(settings.batch_size, 4, True, False))))
    tf.nest.map_structure(np.testing.assert_array_equal, given_to_fit["validation"],
                          next(iter(data.evaluation("validation"))))
    assert capsys.readouterr().out.startswith("    epoch 1/1  ")
    assert (tmp_path / "log.csv").is_file() and not (tmp_path / "best.keras").exists()
