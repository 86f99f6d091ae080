"""The predictor for users' photos (``python -m helpers.predict``) and the face detector on a real face:
matplotlib's public-domain portrait of Grace Hopper, which ships with matplotlib (a dependency), so no test
downloads anything."""

from __future__ import annotations

import dataclasses
import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import cbook
from PIL import Image

from helpers import predict
from helpers.data import group_photo, photo
from helpers.network import levi_hassner
from tests.conftest import REPO
from tests.inspection.test_photo import _network

PORTRAIT = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
# Her face, found by eye: the square from (150, 100) to (380, 340) of the 512 x 600 portrait holds it (eyebrows
# to chin, ear to ear); its centre is within 25 pixels of (265, 220).
FACE_CENTRE, FACE_SIDE = np.array([265, 220]), (200, 280)


def _centre(box):
    x, y, width, height = box
    return np.array([x + width / 2, y + height / 2])


@pytest.mark.parametrize("width", [512, 1024, 6000])
def test_the_detector_finds_exactly_her_face_whatever_the_portraits_size(width):
    """At its own 512 pixels the detector used to add a 52-pixel box on her uniform, and at 6,000 pixels 11 boxes
    in the hair and the background: its smallest face was fixed in pixels whatever the photo's size."""
    image = Image.open(PORTRAIT).convert("RGB")
    scale = width / image.width
    pixels = np.asarray(image.resize((width, round(image.height * scale))))
    boxes = photo.detect_faces(pixels)
    assert len(boxes) == 1, boxes
    assert np.abs(_centre(boxes[0]) / scale - FACE_CENTRE).max() < 25
    assert FACE_SIDE[0] <= boxes[0][2] / scale <= FACE_SIDE[1]


def test_the_crop_covers_her_head_as_an_aligned_training_face_does():
    """The aligned faces show the head with hair and neck: the square is the detector's box widened by a third on
    every side, so the face's box takes 0.6 of the crop's side, as on the mirror's aligned faces."""
    pixels = np.asarray(Image.open(PORTRAIT).convert("RGB"))
    box = photo.detect_faces(pixels)[0]
    left, top, side, _ = photo.face_square(box, pixels.shape)
    assert box[2] / side == pytest.approx(1 / (1 + 2 * photo.MARGIN), abs=0.01)
    assert left <= box[0] and top <= box[1] and left + side >= box[0] + box[2] and top + side >= box[1] + box[3]


def test_a_tilted_face_is_turned_upright_before_it_is_cropped():
    """A studio portrait drawn upright (no roll, no yaw; the eye cascade finds its eyes level within
    photo.LEVEL), turned 8 degrees clockwise about its face: the eyes lean by about 8 degrees, and in the crop
    they are level again; a crop asked for as it is is the photo's own pixels. The portrait is drawn here, not
    taken from the mirror, whose faces lean by a few degrees of their own."""
    import cv2

    from helpers.synthetic import faces, people

    rng = np.random.default_rng(1)
    person = people.draw_person(rng, "f", 30.0, 0.0)
    shot = dataclasses.replace(faces.draw_photo(rng, 0.0), yaw=0.0, roll_degrees=0.0)
    pixels = np.asarray(faces.render(person, shot, (256, 256), rng).convert("RGB"))
    (box,) = photo.detect_faces(pixels)
    assert abs(photo.eye_tilt(pixels, box)) < photo.LEVEL
    centre = (box[0] + box[2] / 2, box[1] + box[3] / 2)
    turned = cv2.warpAffine(pixels, cv2.getRotationMatrix2D(centre, -8, 1.0), pixels.shape[1::-1],
                            borderMode=cv2.BORDER_REPLICATE)
    assert 4 < photo.eye_tilt(turned, box) < 12
    crop = photo.crop_faces(turned, [box], margin=0)[0]
    tilt = photo.eye_tilt(turned, box)  # by hand: turned back by its tilt about the box's centre, then cut
    level = cv2.warpAffine(turned, cv2.getRotationMatrix2D(centre, tilt, 1.0), pixels.shape[1::-1],
                           flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    left, top, side, _ = photo.face_square(box, pixels.shape, margin=0)
    np.testing.assert_array_equal(crop, level[top:top + side, left:left + side])
    assert abs(photo.eye_tilt(crop, (0, 0, box[2], box[3]))) < photo.LEVEL
    left, top, side, _ = photo.face_square(box, pixels.shape)
    np.testing.assert_array_equal(photo.crop_faces(turned, [box], upright=False)[0],
                                  turned[top:top + side, left:left + side])


def test_the_smallest_face_is_counted_in_the_detectors_shrunk_copy():
    """At 2,048 x 2,400 pixels her face is about 960 pixels across; the detector sees the photo shrunk to
    photo.DETECT_SIDE (1,024) on its longer side, where the face is about 410: a smallest face of 300 finds it,
    one of 600 does not, though the face in the photo's own pixels is larger than both."""
    image = Image.open(PORTRAIT).convert("RGB")
    pixels = np.asarray(image.resize((2048, 2400)))
    assert len(photo.detect_faces(pixels, min_side=300)) == 1
    assert len(photo.detect_faces(pixels, min_side=600)) == 0


@pytest.mark.parametrize("box, shape, square", [
    ((10, 100, 80, 80), (300, 100), (0, 90, 100, 100)),  # a narrow photo: the square shrinks to its width
    ((260, 50, 30, 30), (200, 300), (240, 35, 60, 60)),  # at the right edge: pushed left, inside
    ((50, 160, 30, 30), (200, 300), (35, 140, 60, 60)),  # at the bottom edge: pushed up, inside
])
def test_the_square_around_a_face_near_an_edge_is_worked_out_by_hand(box, shape, square):
    assert photo.face_square(box, shape, margin=0.5) == square  # the box's side doubled: 1 + 2 x 0.5


@pytest.fixture()
def networks():
    """Both tasks' networks, untrained (the answers are not what these tests check), with a grey mean image."""
    mean = np.full((48, 48, 3), 120, np.float32)
    return {task: predict.Network(task, "classes", _network(classes), mean, 48, 40, f"untrained {task}")
            for task, classes in (("gender", 2), ("age", 8))}


@pytest.fixture()
def folder(tmp_path, profile):
    """What a user's folder holds: the portrait, a composed group photo in a subfolder, a text file named like a
    JPEG, a 16-pixel thumbnail, an empty folder and a hidden file."""
    root = tmp_path / "photos"
    (root / "group").mkdir(parents=True)
    (root / "empty").mkdir()
    Image.open(PORTRAIT).save(root / "grace_hopper.jpg")
    pixels, placed, _ = group_photo.from_test_fold(profile, 0, 5, seed=0)
    Image.fromarray(pixels).save(root / "group" / "five.png")
    (root / "notes.jpg").write_text("These are notes, not a photo.\n")
    Image.new("RGB", (16, 16), "white").save(root / "thumb.jpg")
    (root / ".hidden.jpg").write_text("not looked at")
    return root, placed


def test_a_folder_gives_a_row_per_face_and_a_reason_for_every_file_without_one(folder, networks):
    root, placed = folder
    table = predict.predict([root], networks)
    assert list(table.columns) == predict.COLUMNS
    by_file = {name: rows for name, rows in table.groupby(table.file.map(lambda f: f.replace(str(root), "")))}
    assert set(by_file) == {"/empty", "/grace_hopper.jpg", "/group/five.png", "/notes.jpg", "/thumb.jpg"}
    hopper = by_file["/grace_hopper.jpg"]
    assert len(hopper) == 1 and hopper.reason.isna().all()
    assert np.abs(_centre(hopper[["x", "y", "width", "height"]].iloc[0]) - FACE_CENTRE).max() < 25
    assert hopper.gender.iloc[0] in ("m", "f") and 0.5 <= hopper.p_gender.iloc[0] <= 1
    assert hopper.age_group.iloc[0].startswith("(") and 1 / 8 <= hopper.p_age.iloc[0] <= 1
    group = by_file["/group/five.png"]
    matched = group_photo.match(group[["x", "y", "width", "height"]].to_numpy(int), placed)
    assert len(group) >= 3 and None not in matched and len(set(matched)) == len(group)  # each on its own face
    assert by_file["/notes.jpg"].reason.iloc[0].startswith("not an image Pillow can read (UnidentifiedImageError")
    assert by_file["/thumb.jpg"].reason.iloc[0] == "too small: 16 x 16 pixels, a face needs at least 24"
    assert by_file["/empty"].reason.iloc[0] == "empty folder"
    assert table.expected_age.isna().all()  # 8 classes give a group, not an age in years


@pytest.mark.parametrize("output, units", [("regression", 1), ("dex", 101)])
def test_an_age_network_of_notebook_12_gives_the_expected_age_and_its_group(output, units):
    """The age in years a regression or DEX network predicts, its group by the kit's one rule, and (DEX) the
    group's probability: the sum of its one-year bins."""
    from helpers.data.age_groups import AGE_GROUPS, age_group
    from helpers.training import age_output

    model = levi_hassner.levi_hassner(units, input_size=40, hidden_units=16, seed=3, regression=output == "regression")
    network = predict.Network("age", output, model, np.full((48, 48, 3), 120, np.float32), 48, 40, output)
    assert predict._output_kind(model) == ("age", output)
    faces = predict.predict([PORTRAIT], {"age": network}).iloc[0]
    crop = photo.face_inputs(photo.crop_faces(np.asarray(Image.open(PORTRAIT).convert("RGB")),
                                              photo.detect_faces(np.asarray(Image.open(PORTRAIT).convert("RGB")))),
                             48, 40, network.mean)
    outputs = model.predict(crop, verbose=0)
    years = age_output.predicted_years(output, outputs)[0]
    assert faces.expected_age == pytest.approx(years, rel=1e-5)
    assert faces.age_group == AGE_GROUPS[age_group(years)]
    if output == "dex":
        bins = np.asarray(age_group(age_output.DEX_BINS)) == age_group(years)
        assert faces.p_age == pytest.approx(outputs[0, bins].sum(), rel=1e-5)
    else:
        assert pd.isna(faces.p_age) and pd.isna(faces.gender)


def test_faces_are_answered_in_batches_as_one_photo_at_a_time_would(folder, networks, monkeypatch):
    """The batched answers (1 face a batch here: each photo at once) equal the one-photo function's."""
    from helpers.inspection import photo_predictions

    root, _ = folder
    monkeypatch.setattr(predict, "BATCH", 1)
    answer, sizes = predict._answer, []
    monkeypatch.setattr(predict, "_answer", lambda network, faces: sizes.append(len(faces)) or answer(network, faces))
    table = predict.predict([root], networks).dropna(subset=["face"])
    # answered as they come, a batch at a time (one photo's faces may overfill it): never the whole folder at once
    assert len(sizes) >= 4 and sum(sizes) == 2 * len(table) and max(sizes) < len(table)
    for name, rows in table.groupby("file"):
        alone = photo_predictions.predict_photo(name, {task: (network.model, network.mean) for task, network
                                                       in networks.items()}, 48, 40).table
        assert alone.gender.tolist() == rows.gender.tolist() and alone.age.tolist() == rows.age_group.tolist()
        np.testing.assert_allclose(alone["p(age)"], rows.p_age, atol=1e-5)


def test_without_trained_networks_the_command_line_says_what_to_run_first(tmp_path):
    """An empty results folder: the predictor stops before reading any photo, says to run notebook 02 (or to
    pass --model), and writes no CSV. (With networks, test_notebooks runs it on a folder.)"""
    done = subprocess.run([sys.executable, "-m", "helpers.predict", str(tmp_path / "nowhere.jpg")], cwd=REPO,
                          capture_output=True, text=True, env={**os.environ,
                                                              "AGE_GENDER_KIT_RESULTS": str(tmp_path / "results")})
    assert done.returncode != 0 and "no baseline networks" in done.stderr and "notebook 02" in done.stderr
    assert done.stdout == ""


def test_paths_that_give_no_file_are_rows_too(tmp_path):
    files, rows = predict.files_in([tmp_path / "missing.jpg", tmp_path])
    assert files == [] and [row["reason"] for row in rows] == ["no such file or folder", "empty folder"]


def test_an_uploaded_photo_is_answered_from_its_bytes(networks, capsys):
    """What notebook 15's upload button does with the file a user picks, without a browser: the widget's value
    set from Python, as JupyterLab sets it."""
    from helpers.inspection import photo_predictions

    pairs = {task: (network.model, network.mean) for task, network in networks.items()}
    content = Path(PORTRAIT).read_bytes()
    found = photo_predictions.predict_photo(content, pairs, 48, 40, name="hopper.jpg")
    assert found.message == "1 face(s) found in hopper.jpg, 512 x 600 pixels." and len(found.table) == 1
    not_a_photo = photo_predictions.predict_photo(b"notes", pairs, 48, 40, name="notes.jpg")
    assert not_a_photo.message.startswith("No prediction: notes.jpg is not an image Pillow can read")

    box = photo_predictions.upload_widget(pairs, 48, 40)
    upload = box.children[0]
    upload.value = ({"name": "hopper.jpg", "type": "image/jpeg", "size": len(content), "content": memoryview(content),
                     "last_modified": datetime.datetime(2026, 12, 4, tzinfo=datetime.timezone.utc)},)
    assert "1 face(s) found in hopper.jpg, 512 x 600 pixels." in capsys.readouterr().out


def test_the_default_network_is_the_run_best_on_its_validation_faces_among_those_that_learned():
    runs = pd.DataFrame({"task": ["gender", "gender", "gender", "age", "age"], "seed": [0, 1, 2, 0, 1],
                         "accuracy": [0.70, 0.65, 0.80, 0.40, 0.45],
                         "best_validation_accuracy": [0.60, 0.72, 0.90, 0.50, 0.41],
                         "learned": [True, True, False, True, True]})
    chosen = predict.chosen_runs(runs).set_index("task").seed
    assert chosen.to_dict() == {"gender": 1, "age": 0}  # not seed 2 (did not learn) nor the best on its test faces
    stuck = runs.assign(learned=[False, False, False, True, True])  # no gender run learned: choose among all
    assert predict.chosen_runs(stuck).set_index("task").seed["gender"] == 2
    older = runs.drop(columns=["best_validation_accuracy", "learned"])  # an older kit's table: by test accuracy
    assert predict.chosen_runs(older).set_index("task").seed.to_dict() == {"gender": 2, "age": 1}


@pytest.fixture()
def kept_baseline(tmp_path, monkeypatch):
    """A smoke profile's results folder holding the baseline's kept networks, untrained, as notebook 02 keeps them:
    two gender runs (seed 1 the better on its validation faces) and one age run, each with its mean image."""
    from helpers import profiles
    from helpers.studies import store

    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    profile = profiles.get_profile("smoke", tmp_path / "no-data")
    for task, classes, seed, validation in (("gender", 2, 0, 0.6), ("gender", 2, 1, 0.7), ("age", 8, 0, 0.4)):
        folder = store.run_directory(profile, "baseline", "paper", task, 0, seed)
        folder.mkdir(parents=True)
        pd.DataFrame({"epoch": [1], "loss": [1.0]}).to_csv(folder / "log.csv", index=False)
        levi_hassner.levi_hassner(classes, input_size=profile.crop_size, hidden_units=16, seed=3).save(
            folder / "best.keras")
        store.write_mean(folder, np.full((profile.image_size, profile.image_size, 3), 100 + seed, np.float32))
        store.append(profile, "baseline", {"variant": "paper", "task": task, "fold": 0, "seed": seed, "accuracy": 0.5,
                                           "accuracy_10crop": 0.5, "one_off_accuracy": np.nan, "n_test": 100,
                                           "diverged": False, "best_validation_accuracy": validation, "learned": True,
                                           "majority": 0.4, "classes_answered": 2, "seconds": 1.0,
                                           "finished": "2026-12-05 10:00:00"})
    return profile


def test_the_default_networks_are_the_baselines_chosen_runs_with_their_mean_images(kept_baseline):
    networks, notes = predict.default_networks()
    assert list(networks) == ["gender", "age"]
    gender, age = networks["gender"], networks["age"]
    assert (gender.task, gender.output, age.task, age.output) == ("gender", "classes", "age", "classes")
    assert gender.source == "smoke profile, baseline / paper, gender, fold 0, seed 1"  # the better validation run
    assert (gender.mean == 101).all() and (age.mean == 100).all()
    assert (gender.image_size, gender.crop_size) == (kept_baseline.image_size, kept_baseline.crop_size)
    assert gender.model.output_shape == (None, 2) and age.model.output_shape == (None, 8)
    assert notes == ["networks: smoke profile, baseline / paper, gender, fold 0, seed 1",
                     "networks: smoke profile, baseline / paper, age, fold 0, seed 0",
                     "these networks learned from the synthetic mirror's faces, not from real ones: on a real photo "
                     "their answers show the path, not a trained predictor (make paper trains on Adience)"]


def test_a_kept_network_is_found_from_its_file_and_a_file_of_no_run_is_refused(kept_baseline, tmp_path):
    from helpers.studies import store

    folder = store.run_directory(kept_baseline, "baseline", "paper", "age", 0, 0)
    network = predict.network_from_file(folder / "best.keras")
    assert network.source == "smoke profile, baseline / paper, age, fold 0, seed 0" and network.task == "age"
    stray = tmp_path / "elsewhere" / "best.keras"
    with pytest.raises(SystemExit, match=rf"^{stray}: not the network of a run recorded in the results folder\. "
                                         r"Pass a best\.keras from results/<profile>/runs/<study>/<run>/$"):
        predict.network_from_file(stray)
    (folder / "mean.npy").unlink()  # kept by an older kit: the mean is computed again from the data, if there
    with pytest.raises(SystemExit, match=r"^the smoke profile's age network was kept without its mean image: pass "
                                         r"--data-dir \(the folder holding adience/\) so that it is computed again$"):
        predict.default_networks(tmp_path / "no data here")
    (folder / "best.keras").unlink()
    with pytest.raises(SystemExit, match=r"^baseline / paper \(age, fold 0, seed 0\) kept no network: only the "
                                         r"baseline \(notebook 02\) keeps its networks$"):
        predict.default_networks()



def test_without_a_baseline_the_predictor_says_what_to_run_first(tmp_path, monkeypatch):
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    with pytest.raises(SystemExit, match=rf"^no baseline networks in {tmp_path / 'results'}: run notebook 02 first "
                                         r"\(make run\), or pass --model FILE$"):
        predict.default_networks()


def test_the_command_line_writes_a_row_per_face_to_a_file_or_to_standard_output(kept_baseline, tmp_path, capsys):
    out = tmp_path / "answers.csv"
    assert predict.main([PORTRAIT, "--out", str(out)]) == 0
    printed = capsys.readouterr()
    table = pd.read_csv(out)
    assert list(table.columns) == predict.COLUMNS and len(table) == 1 and table.file.iloc[0] == PORTRAIT
    assert printed.out == ""  # the notes and the progress bar go to standard error, away from the CSV
    assert "networks: smoke profile, baseline / paper, gender, fold 0, seed 1" in printed.err
    assert printed.err.rstrip().endswith(f"1 face(s) in 1 file(s): {out}")
    assert predict.main([PORTRAIT, "--min-side", "2000"]) == 0  # a smallest face larger than the photo
    printed = capsys.readouterr()
    rows = pd.read_csv(io.StringIO(printed.out))
    assert list(rows.columns) == predict.COLUMNS and rows.face.isna().all()
    assert rows.reason.tolist() == ["too small: 512 x 600 pixels, a face needs at least 2000"]
    from helpers.studies import store

    gender = store.run_directory(kept_baseline, "baseline", "paper", "gender", 0, 0) / "best.keras"
    assert predict.main([PORTRAIT, "--model", str(gender), "--out", str(out)]) == 0
    assert "networks: smoke profile, baseline / paper, gender, fold 0, seed 0" in capsys.readouterr().err
    only_gender = pd.read_csv(out)
    assert only_gender.gender.notna().all() and only_gender.age_group.isna().all()


def test_the_command_lines_help_names_every_option(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as raised:
        predict.main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert raised.value.code == 0
    for words in ("Gender and age group for every face in your photos, from the command line.",
                  "paths photos and folders (searched recursively)",
                  "--out OUT write the CSV here instead of to standard output",
                  "--model MODEL a run's best.keras (repeat for both tasks)",
                  "--data-dir DATA_DIR the paper profile's data folder, for networks kept without their mean",
                  "--min-side MIN_SIDE smallest face, in pixels of the detector's copy"):
        assert words in shown


def test_rows_follow_the_order_of_the_files_and_the_bar_counts_each_file_once(tmp_path, networks, capsys,
                                                                           monkeypatch):
    notes = tmp_path / "a_notes.jpg"
    notes.write_text("not a photo")
    portrait = tmp_path / "b_portrait.jpg"
    Image.open(PORTRAIT).save(portrait)
    bomb = tmp_path / "c_bomb.png"
    Image.new("RGB", (700, 700), "grey").save(bomb)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 160_000)  # a bomb past twice that (490,000), the portrait not
    bars = []

    class Bar:
        def __init__(self, total):
            self.total, self.updates = total, []
            bars.append(self)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, count):
            self.updates.append(count)

    missing = [tmp_path / "gone.jpg", tmp_path / "also gone"]
    table = predict.predict([missing[0], notes, portrait, missing[1], bomb], networks, progress=Bar)
    assert table.file.tolist() == [str(notes), str(portrait), str(bomb), str(missing[0]), str(missing[1])]
    assert table.reason.iloc[0].startswith("not an image Pillow can read (UnidentifiedImageError: ")
    assert table.reason.iloc[2].startswith("too many pixels to open safely (")
    assert table.reason.iloc[3:].tolist() == ["no such file or folder"] * 2
    assert pd.isna(table.face.iloc[0]) and table.face.iloc[1] == 0
    assert table.index.tolist() == [0, 1, 2, 3, 4]
    assert [(bar.total, bar.updates) for bar in bars] == [(3, [1, 1, 1])]
    assert capsys.readouterr().out == ""  # the networks answer quietly: no Keras progress line


def test_the_smallest_face_is_the_detectors_and_a_photo_exactly_that_small_is_looked_at(tmp_path, networks):
    side = min(Image.open(PORTRAIT).size)  # 512: her face is about 240 pixels across
    table = predict.predict([PORTRAIT], networks, min_side=side)
    assert table.reason.tolist() == ["no face found in 512 x 600 pixels (upright, frontal faces only)"]
    assert predict.predict([PORTRAIT], networks, min_side=side + 1).reason.tolist() == [
        f"too small: 512 x 600 pixels, a face needs at least {side + 1}"]


def test_files_in_several_folders_are_all_searched(tmp_path):
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.jpg").write_bytes(b"")
    files, rows = predict.files_in([tmp_path / "one", tmp_path / "two", tmp_path / "three"])
    assert files == [tmp_path / "one" / "one.jpg", tmp_path / "two" / "two.jpg"]
    assert rows == [{"file": str(tmp_path / "three"), "reason": "no such file or folder"}]


def test_a_network_the_kit_did_not_make_is_refused_by_its_outputs():
    import keras

    inputs = keras.Input((8, 8, 3))
    three = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(inputs)))
    with pytest.raises(SystemExit) as raised:
        predict._output_kind(three)
    assert str(raised.value) == "a network with 3 outputs is none of the kit's (2 for gender; 8, 1 or 101 for age)"


def test_a_network_kept_without_its_mean_gets_its_training_splits_mean_again(kept_baseline, synthetic_tiny,
                                                                           monkeypatch):
    import shutil

    from helpers.data import task_data
    from helpers.studies import store

    folder = store.run_directory(kept_baseline, "baseline", "paper", "age", 0, 0)
    (folder / "mean.npy").unlink()
    shutil.copytree(synthetic_tiny, kept_baseline.data_dir)  # the smoke profile's data, where it was
    networks, _ = predict.default_networks()
    expected = task_data.task_data(kept_baseline, "age", 0).mean
    np.testing.assert_array_equal(networks["age"].mean, expected)
    assert (networks["gender"].mean == 101).all()  # the kept one, where there is one


def test_a_profile_with_one_tasks_runs_only_is_passed_over(kept_baseline):
    from helpers.studies import store

    store.record_path(kept_baseline, "baseline", {"variant": "paper", "task": "age", "fold": 0, "seed": 0}).unlink()
    assert set(store.read_results(kept_baseline, "baseline").task) == {"gender"}
    with pytest.raises(SystemExit, match="no baseline networks in"):
        predict.default_networks()
