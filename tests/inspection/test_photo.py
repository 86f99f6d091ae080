"""Notebook 15: a photo read safely, its faces found and prepared like the training faces, the networks' errors
per cell and their calibration (the exported files' answers: tests/network/test_export.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from helpers import environment
from helpers.data import group_photo, photo, task_data
from helpers.data.age_groups import AGE_GROUPS
from helpers.inspection import calibration, error_analysis, photo_predictions
from helpers.network import levi_hassner
from helpers.training import evaluation


def _network(classes: int):
    """An untrained network whose answers differ from face to face, which is all these tests need: the paper's
    initial weights (std 0.01) give every face nearly the same softmax, so they are scaled up 6 times."""
    environment.start_tensorflow()
    network = levi_hassner.levi_hassner(classes, input_size=40, hidden_units=16, seed=3)
    for weights in network.weights:
        if weights.path.endswith("kernel"):
            weights.assign(weights * 6)
    return network


def test_awkward_files_become_rgb_or_a_clear_error(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 255, (60, 90, 3), dtype=np.uint8)
    paths = photo_predictions.awkward_photos(pixels, tmp_path)
    gray = photo.read_photo(paths["grayscale"])
    assert gray.pixels.shape == (60, 90, 3) and "converted from L to RGB" in gray.notes[0]
    assert (gray.pixels[..., 0] == gray.pixels[..., 2]).all()
    clear = photo.read_photo(paths["transparent"])
    assert clear.pixels.shape == (60, 90, 3) and (clear.pixels[:, :2] == 255).all()  # the see-through strip: white
    np.testing.assert_array_equal(clear.pixels[:, 10:], pixels[:, 10:])
    huge = photo.read_photo(paths["huge"])
    assert max(huge.pixels.shape) == photo.MAX_SIDE and "shrunk from 6000 x 4000" in huge.notes[0]
    with pytest.raises(photo.PhotoError, match=r"notes\.jpg is not an image Pillow can read"):
        photo.read_photo(paths["not an image"])
    with pytest.raises(photo.PhotoError, match="no such file"):
        photo.read_photo(tmp_path / "missing.jpg")


def test_the_square_around_a_face_is_widened_and_stays_inside_the_photo():
    assert photo.face_square((40, 40, 30, 30), (200, 300), margin=0.5) == (25, 25, 60, 60)
    assert photo.face_square((0, 5, 30, 30), (200, 300), margin=0.5) == (0, 0, 60, 60)  # pushed inside
    assert photo.face_square((10, 10, 150, 150), (200, 300), margin=0.5) == (0, 0, 200, 200)  # shrunk to fit


def test_a_training_face_through_the_photo_path_gets_the_evaluation_pipelines_answer(profile):
    data = task_data.task_data(profile, "age", 0)
    model = _network(8)
    pipeline_answer = evaluation.predict(model, data.evaluation("test"))[:8]
    faces = [photo.read_photo(path).pixels for path in data.sources["test"][:8]]
    table = photo_predictions.predict_faces(faces, {"age": (model, data.mean)}, profile.image_size, profile.crop_size)
    photo_answer = np.stack(table["age probabilities"])
    # equal but for Pillow's and TensorFlow's JPEG decoders (a few levels on some pixels; 4e-3 measured)
    assert np.abs(pipeline_answer - photo_answer).max() < 0.02
    assert table.age.tolist() == [data.classes[i] for i in pipeline_answer.argmax(axis=1)]
    assert pipeline_answer.std(axis=0).max() > 0.01  # the faces got different answers: a real comparison


def test_a_photo_gets_faces_or_a_sentence_never_a_traceback(profile, tmp_path):
    pixels, placed, truth = group_photo.from_test_fold(profile, 0, count=5, seed=2)
    networks = {"gender": (_network(2), np.zeros((48, 48, 3), np.float32))}
    found = photo_predictions.predict_photo(pixels, networks, profile.image_size, profile.crop_size)
    matched = group_photo.match(found.boxes, placed)
    assert len(found.boxes) >= 2 and None not in matched, found.message  # cartoon faces: most, not all, are found
    assert found.table.gender.isin(["m", "f"]).all() and found.table["p(gender)"].between(0.5, 1).all()
    assert len(truth) == 5 and set(truth.gender) <= {"m", "f"}
    said = {kind: photo_predictions.predict_photo(path, networks, profile.image_size, profile.crop_size).message
            for kind, path in photo_predictions.awkward_photos(pixels, tmp_path).items()}
    assert said["not an image"].startswith("No prediction:") and "notes.jpg" in said["not an image"]
    assert said["no face"].startswith("No face found in") and "sky.jpg" in said["no face"]
    assert "face(s) found" in said["grayscale"] and "converted from L to RGB" in said["grayscale"]
    assert "face(s) found" in said["huge"] and "shrunk from 6000" in said["huge"]
    assert "face(s) found" in said["transparent"]


def test_every_outcome_of_a_photo_is_a_whole_answer_pixels_boxes_table_and_sentence(profile, tmp_path):
    from PIL import Image

    pixels, _, _ = group_photo.from_test_fold(profile, 0, count=3, seed=2)
    height, width = pixels.shape[:2]
    zeros = np.zeros((48, 48, 3), np.float32)
    networks = {"gender": (_network(2), zeros), "age": (_network(8), zeros)}
    found = photo_predictions.predict_photo(pixels, networks, profile.image_size, profile.crop_size)
    assert found.message == f"{len(found.boxes)} face(s) found in the photo, {width} x {height} pixels."
    np.testing.assert_array_equal(found.pixels, pixels)
    table = found.table
    assert list(table.index) == list(range(len(found.boxes))) and table.columns[0] == "box"
    assert table.box.tolist() == [tuple(int(v) for v in box) for box in found.boxes]
    assert found.boxes.dtype.kind == "i" and len(found.boxes) >= 2
    assert (np.diff(found.boxes[:, 2] * found.boxes[:, 3]) <= 0).all()  # the largest face first
    assert all(type(value) is int for box in table.box for value in box)
    for task, classes in (("gender", ["m", "f"]), ("age", AGE_GROUPS)):
        probabilities = np.stack(table[f"{task} probabilities"])
        assert probabilities.shape == (len(found.boxes), len(classes))
        np.testing.assert_allclose(table[f"p({task})"], probabilities.max(axis=1))
        assert table[task].tolist() == [classes[i] for i in probabilities.argmax(axis=1)]
    one = photo_predictions.predict_faces([pixels[:60, :60]], networks, profile.image_size, profile.crop_size)
    assert len(one) == 1 and one["p(age)"].iloc[0] == np.stack(one["age probabilities"])[0].max()
    assert photo_predictions.predict_faces([], networks, profile.image_size, profile.crop_size).empty

    sky = np.tile(np.linspace(90, 200, 300, dtype=np.uint8)[:, None, None], (1, 400, 3))  # no face at all
    nothing = photo_predictions.predict_photo(sky, networks, profile.image_size, profile.crop_size)
    assert nothing.message == ("No face found in the photo, 400 x 300 pixels: the detector finds upright, frontal "
                               "faces of at least 24 pixels. Try a photo with a face turned to the camera.")
    assert nothing.boxes.shape == (0, 4) and nothing.boxes.dtype.kind == "i" and nothing.table.empty
    np.testing.assert_array_equal(nothing.pixels, sky)
    as_integers = photo_predictions.predict_photo(sky.astype(np.int64), networks, 48, 40)  # any integer type
    assert as_integers.message == nothing.message and as_integers.pixels.dtype == np.uint8
    huge = tmp_path / "huge gray.png"  # two notes, in the order they were made
    Image.fromarray(sky[..., 0]).resize((8000, 6000)).save(huge)
    said = photo_predictions.predict_photo(huge, networks, profile.image_size, profile.crop_size, min_side=30)
    assert said.message == (f"No face found in {huge}, 4096 x 3072 pixels (shrunk from 8000 x 6000 to fit 4096 "
                            "pixels; converted from L to RGB): the detector finds upright, frontal faces of at least "
                            "30 pixels. Try a photo with a face turned to the camera.")
    refused = photo_predictions.predict_photo(b"not a photo", networks, 48, 40, name="upload.jpg")
    assert refused.message.startswith("No prediction: ") and "upload.jpg" in refused.message
    assert refused.message.endswith(".") and refused.pixels is None and refused.table.empty
    assert refused.boxes.shape == (0, 4) and refused.boxes.dtype.kind == "i"
    uploaded = photo_predictions.predict_photo(huge.read_bytes(), networks, 48, 40, name="mine.png")
    assert uploaded.message.startswith("No face found in mine.png, 4096 x 3072 pixels (shrunk")


def test_the_awkward_files_are_what_their_names_say(tmp_path):
    from PIL import Image

    pixels = np.full((90, 120, 3), 140, np.int64)  # any integer type: written as 8-bit
    pixels[:, :60] = 60
    paths = photo_predictions.awkward_photos(pixels, tmp_path / "new" / "folder")
    assert {kind: path.name for kind, path in paths.items()} == {
        "grayscale": "grayscale.jpg", "transparent": "transparent.png", "huge": "huge.jpg", "no face": "sky.jpg",
        "not an image": "notes.jpg"}
    assert all(path.parent == tmp_path / "new" / "folder" for path in paths.values())
    with Image.open(paths["grayscale"]) as image:
        assert image.mode == "L" and image.size == (120, 90)
    with Image.open(paths["transparent"]) as image:
        alpha = np.asarray(image.getchannel("A"))
        assert image.mode == "RGBA" and (alpha[:, :6] == 0).all() and (alpha[:, 6:] == 255).all()  # 120 // 20
    with Image.open(paths["huge"]) as image:
        assert image.size == (6000, 4500) and image.format == "JPEG"
    with Image.open(paths["no face"]) as image:
        assert image.mode == "RGB" and image.size == (120, 90)
    with pytest.raises(OSError):
        Image.open(paths["not an image"])


def test_reliability_and_expected_calibration_error_on_hand_made_answers():
    confident = np.array([[0.9, 0.1]] * 10)
    nine_right = np.array([0] * 9 + [1])
    assert calibration.expected_calibration_error(confident, nine_right) == pytest.approx(0.0)
    assert calibration.expected_calibration_error(confident, np.zeros(10)) == pytest.approx(0.1)
    mixed = np.array([[0.9, 0.1]] * 10 + [[0.4, 0.6]] * 10)
    labels = np.array([0] * 5 + [1] * 5 + [1] * 10)  # 90 % sure, 50 % right; 60 % sure, 100 % right
    table = calibration.reliability(mixed, labels)
    assert table.faces.tolist() == [10, 10] and table.accuracy.tolist() == [1.0, 0.5]
    assert calibration.expected_calibration_error(mixed, labels) == pytest.approx((10 * 0.4 + 10 * 0.4) / 20)


def _rows(*tops, classes: int = 20):
    """Probabilities whose first class holds each of ``tops`` and the others share the rest."""
    return np.array([[top] + [(1 - top) / (classes - 1)] * (classes - 1) for top in tops])


def test_the_reliability_table_gives_each_bins_edges_faces_confidence_and_accuracy():
    """Ten bins of 0.1: a confidence on an edge belongs to the bin below it (0.5 to (0.4, 0.5]), 1.0 to the
    last, and 0.05 (20 classes, none preferred) to the first; empty bins are left out."""
    probabilities = np.concatenate([np.full((1, 20), 0.05), _rows(0.5, 0.5, 1.0)])
    table = calibration.reliability(probabilities, [0, 0, 3, 0])
    assert list(table.columns) == ["low", "high", "faces", "confidence", "accuracy"]
    assert table.index.tolist() == [0, 1, 2]
    np.testing.assert_allclose(table.low, [0.0, 0.4, 0.9])
    np.testing.assert_allclose(table.high, [0.1, 0.5, 1.0])
    assert table.faces.tolist() == [1, 2, 1] and table.accuracy.tolist() == [1.0, 0.5, 1.0]
    np.testing.assert_allclose(table.confidence, [0.05, 0.5, 1.0])


def test_the_calibration_error_uses_the_bins_it_is_given():
    """One face right at 62 % and one wrong at 78 %: in ten bins (0.38 + 0.78) / 2 = 0.58; in five, one bin
    (0.6, 0.8] of 70 % confidence and 50 % accuracy: 0.2."""
    probabilities, labels = _rows(0.62, 0.78, classes=2), [0, 1]
    assert calibration.expected_calibration_error(probabilities, labels) == pytest.approx(0.58)
    assert calibration.expected_calibration_error(probabilities, labels, bins=5) == pytest.approx(0.2)


def test_a_probability_of_zero_is_held_at_1e_12_before_its_logarithm():
    """At T = 20, (1, 0) becomes 1 / (1 + (1e-12) ** (1/20)) = 1 / (1 + 10 ** -0.6) = 0.799 for the first class:
    the held zero is softened like any small probability. Its likelihood for the second class is -log(1e-12)."""
    np.testing.assert_allclose(calibration.with_temperature([[1.0, 0.0]], 20.0), [[1 / (1 + 10 ** -0.6),
                                                                                   1 - 1 / (1 + 10 ** -0.6)]])
    assert calibration.negative_log_likelihood([[1.0, 0.0]], [1]) == pytest.approx(12 * np.log(10))


def test_the_calibration_error_weights_each_bin_by_its_faces():
    """30 faces at 90 % confidence, all right (gap 0.1), and 10 at 60 %, all wrong (gap 0.6): weighted by faces
    (30 x 0.1 + 10 x 0.6) / 40 = 0.225; a plain mean over the two bins would say 0.35."""
    probabilities = np.array([[0.9, 0.1]] * 30 + [[0.6, 0.4]] * 10)
    labels = np.array([0] * 30 + [1] * 10)
    assert calibration.expected_calibration_error(probabilities, labels) == pytest.approx(0.225)


def test_a_temperature_divides_the_logits_as_worked_by_hand():
    """(0.8, 0.2) at T = 2: logits halved, p ** (1/2) normalised: sqrt(0.8) / (sqrt(0.8) + sqrt(0.2)) = 2/3
    (multiplied, it would be 0.64 / 0.68 = 0.94). Three such faces, two of them right, are calibrated at 2/3:
    the likelihood is highest exactly at T = 2."""
    confident = np.array([[0.8, 0.2]])
    np.testing.assert_allclose(calibration.with_temperature(confident, 2.0), [[2 / 3, 1 / 3]])
    np.testing.assert_allclose(calibration.with_temperature(confident, 0.5), [[0.64 / 0.68, 0.04 / 0.68]])
    assert calibration.fit_temperature(np.repeat(confident, 3, axis=0), [0, 0, 1]) == pytest.approx(2.0, abs=1e-3)


def test_the_fitted_temperature_undoes_an_over_confident_network_and_keeps_every_answer():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 1.5, (4000, 8))
    truth = np.array([rng.choice(8, p=p) for p in calibration.with_temperature(np.exp(logits), 1.0)])
    over_confident = calibration.with_temperature(np.exp(logits), 1 / 3)  # logits x 3
    temperature = calibration.fit_temperature(over_confident, truth)
    assert temperature == pytest.approx(3.0, rel=0.1)
    fixed = calibration.with_temperature(over_confident, temperature)
    assert (fixed.argmax(1) == over_confident.argmax(1)).all()
    assert (calibration.expected_calibration_error(fixed, truth)
            < calibration.expected_calibration_error(over_confident, truth) / 3)
    half = len(truth) // 2  # fitted on one half, applied to the other: the same fix, the same answers
    summary, scaled = calibration.temperature_scaling(over_confident[:half], truth[:half], over_confident[half:],
                                                      truth[half:])
    assert summary["temperature"] == pytest.approx(3.0, rel=0.15) and summary["ECE after"] < summary["ECE before"] / 3
    assert summary["accuracy after"] == summary["accuracy before"] and scaled.shape == (len(truth) - half, 8)
    assert list(summary) == ["temperature", "n test", "ECE before", "ECE after", "accuracy before", "accuracy after"]
    assert summary["n test"] == len(truth) - half


def test_accuracy_per_cell_has_its_n_and_wilson_interval():
    faces = pd.DataFrame({"gender": ["m"] * 10 + ["f"] * 4 + ["unknown"],
                          "age group": ["(0, 2)"] * 10 + ["(25, 32)"] * 4 + ["(0, 2)"],
                          "correct": [True] * 8 + [False] * 2 + [True, False, False, False] + [True]})
    table = error_analysis.accuracy_by_cell(faces).set_index(["age group", "gender"])
    assert table.loc[("(0, 2)", "m"), "n"] == 10 and table.loc[("(0, 2)", "m"), "accuracy"] == 0.8
    assert (table.loc[("(0, 2)", "m"), "low"], table.loc[("(0, 2)", "m"), "high"]) == pytest.approx((0.490, 0.943),
                                                                                                   abs=1e-3)
    assert table.loc[("(25, 32)", "f"), "accuracy"] == 0.25 and table.loc[("(0, 2)", "unknown"), "n"] == 1
    assert [group for group, _ in table.index] == ["(0, 2)", "(0, 2)", "(25, 32)"]  # the groups' own order


def test_the_cells_follow_the_classes_order_whichever_label_makes_the_rows():
    faces = pd.DataFrame({"gender": ["f", "m", "m", "f", "unknown"],
                          "age group": ["(15, 20)", "(4, 6)", "(15, 20)", "(60, 100)", "(4, 6)"],
                          "correct": [True, False, True, True, False]})
    table = error_analysis.accuracy_by_cell(faces)
    assert list(table.columns) == ["age group", "gender", "n", "accuracy", "low", "high"]
    assert list(table.index) == [0, 1, 2, 3, 4]
    # the classes' order (m before f, (4, 6) before (15, 20)), not the alphabet's
    assert list(zip(table["age group"], table.gender)) == [("(4, 6)", "m"), ("(4, 6)", "unknown"), ("(15, 20)", "m"),
                                                           ("(15, 20)", "f"), ("(60, 100)", "f")]
    swapped = error_analysis.accuracy_by_cell(faces, rows="gender", columns="age group")
    assert list(swapped.columns[:2]) == ["gender", "age group"]
    assert list(zip(swapped.gender, swapped["age group"])) == [("m", "(4, 6)"), ("m", "(15, 20)"), ("f", "(15, 20)"),
                                                               ("f", "(60, 100)"), ("unknown", "(4, 6)")]


def test_the_wilson_interval_is_the_textbook_formula_and_an_empty_cell_has_none():
    from scipy import stats

    correct, total, level = 3, 4, 0.9
    z, p = stats.norm.ppf(0.95), correct / total
    centre = (p + z**2 / (2 * total)) / (1 + z**2 / total)
    half = z / (1 + z**2 / total) * np.sqrt(p * (1 - p) / total + z**2 / (4 * total**2))
    assert error_analysis.wilson_interval(correct, total, level) == pytest.approx((centre - half, centre + half))
    assert error_analysis.wilson_interval(1, 1)[0] == pytest.approx(1 / (1 + stats.norm.ppf(0.975) ** 2))
    low, high = error_analysis.wilson_interval(0, 0)
    assert np.isnan(low) and np.isnan(high)


def test_each_test_face_gets_its_answer_its_confidence_and_its_other_label_or_unknown():
    answers = np.array([[0.1, 0.7, 0.2, 0, 0, 0, 0, 0], [0.6, 0.3, 0.1, 0, 0, 0, 0, 0], [0, 0, 0.45, 0.55, 0, 0, 0, 0]])
    data = task_data.TaskData("age", 0, 48, 40, files={"test": ["a.npy", "b.npy", "c.npy"]},
                              labels={"test": np.array([1, 1, 3], np.int32)}, mean=np.zeros(1))
    faces = error_analysis.test_faces(data, answers, {"a.npy": "f", "c.npy": "m"})
    assert list(faces.columns) == ["file", "true", "predicted", "confidence", "correct", "age group", "gender"]
    assert faces.predicted.tolist() == ["(4, 6)", "(0, 2)", "(15, 20)"]
    assert faces.true.tolist() == ["(4, 6)", "(4, 6)", "(15, 20)"]
    assert faces.confidence.tolist() == [0.7, 0.6, 0.55] and faces.correct.tolist() == [True, False, True]
    assert faces["age group"].tolist() == faces.true.tolist()  # an age network's own label
    assert faces.gender.tolist() == ["f", error_analysis.MISSING, "m"]
    gender = dataclasses.replace(data, task="gender", labels={"test": np.array([0, 1, 1], np.int32)})
    faces = error_analysis.test_faces(gender, [[0.2, 0.8], [0.9, 0.1], [0.3, 0.7]])
    assert list(faces.columns[-2:]) == ["gender", "age group"] and faces.gender.tolist() == ["m", "f", "f"]
    assert faces["age group"].tolist() == [error_analysis.MISSING] * 3  # no other labels given
    assert faces.predicted.tolist() == ["f", "m", "f"] and faces.correct.tolist() == [False, False, True]


def test_the_other_tasks_labels_come_from_the_joint_faces_where_the_face_has_one():
    from helpers.training import two_heads

    missing = two_heads.MISSING
    both = two_heads.JointData(0, 48, 40, files={"test": np.array(["a", "b", "c"])}, mean=np.zeros(1), tasks={},
                               labels={"test": {"gender": np.array([1, missing, 0]), "age": np.array([7, 2, missing])}})
    assert error_analysis.other_labels(both) == {"gender": {"a": "(60, 100)", "b": "(8, 12)"},
                                                 "age": {"a": "f", "c": "m"}}


def test_the_worst_mistakes_are_the_wrong_answers_given_most_surely_eight_unless_asked():
    faces = pd.DataFrame({"file": [f"{n}.jpg" for n in range(12)], "correct": [False] * 10 + [True] * 2,
                          "confidence": [0.5, 0.9, 0.6, 0.95, 0.7, 0.55, 0.8, 0.65, 0.85, 0.75, 0.99, 0.98]})
    worst = error_analysis.confident_mistakes(faces)
    assert worst.file.tolist() == ["3.jpg", "1.jpg", "8.jpg", "6.jpg", "9.jpg", "4.jpg", "7.jpg", "2.jpg"]
    assert error_analysis.confident_mistakes(faces, 2).file.tolist() == ["3.jpg", "1.jpg"]


def test_every_test_face_keeps_both_labels_and_the_worst_mistakes_come_first(profile):
    from helpers.training import two_heads

    data = task_data.task_data(profile, "gender", 0)
    probabilities = evaluation.predict(_network(2), data.evaluation("test"))
    others = error_analysis.other_labels(two_heads.joint_data(profile, 0))
    faces = error_analysis.test_faces(data, probabilities, others["gender"])
    assert len(faces) == len(data.labels["test"]) and faces.correct.mean() == pytest.approx(
        (probabilities.argmax(1) == data.labels["test"]).mean())
    assert faces["age group"].isin(AGE_GROUPS + [error_analysis.MISSING]).all() and faces.gender.isin(["m", "f"]).all()
    assert (faces["age group"] != error_analysis.MISSING).mean() > 0.9  # most gender faces have an age group
    worst = error_analysis.confident_mistakes(faces, 5)
    assert not worst.correct.any() and worst.confidence.is_monotonic_decreasing


def test_each_face_gets_a_caption_with_both_answers_and_their_probabilities():
    table = pd.DataFrame({"box": [(0, 0, 10, 10), (5, 5, 20, 20)], "gender": ["f", "m"], "p(gender)": [0.914, 0.5],
                          "age": ["(25, 32)", "(0, 2)"], "p(age)": [0.4449, 0.996]})
    assert photo_predictions.captions(table) == ["f 0.91 · (25, 32) 0.44", "m 0.50 · (0, 2) 1.00"]
    assert photo_predictions.captions(table.iloc[:0]) == []
