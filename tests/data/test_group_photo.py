"""A group photo made of the mirror's faces (notebook 15): each face where its box says, and the detections
matched to the faces pasted, with their true labels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data import group_photo


def test_a_composed_photo_holds_each_face_where_its_box_says():
    faces = [np.full((20, 20, 3), value, np.uint8) for value in (30, 220)]
    pixels, boxes = group_photo.compose(faces, [40, 25], seed=1)
    for face, (x, y, side, _) in zip(faces, boxes):
        assert (pixels[y:y + side, x:x + side] == face[0, 0]).all()
    detected = [(boxes[1][0] + 5, boxes[1][1] + 5, 10, 10), (0, 0, 5, 5)]
    assert group_photo.match(detected, boxes) == [1, None]
    truth = pd.DataFrame({"gender": ["m", "f"], "age group": ["(0, 2)", "(60, 100)"]})
    table, counted = group_photo.with_truth(pd.DataFrame({"gender": ["f", "m"]}), detected, boxes, truth)
    assert table["true gender"].tolist() == ["f", ""] and table["true age group"].tolist() == ["(60, 100)", ""]
    assert counted == "1 of 2 pasted faces were found; 1 detection(s) matched no face"


def test_a_detection_belongs_to_the_square_that_holds_its_centre_left_and_top_edges_included():
    placed = [(10, 10, 20, 20)]  # the square from 10 (included) to 30 (excluded), both ways
    detected = [(0, 0, 20, 20),  # centre (10, 10): the top-left corner, inside
                (20, 10, 20, 10),  # centre (30, 15): on the right edge, outside
                (10, 20, 10, 20),  # centre (15, 30): on the bottom edge, outside
                (24, 12, 12, 4),  # centre (30, 14): its left side is inside, its centre is not
                (12, 24, 4, 12),  # centre (14, 30): likewise downwards
                (10, 10, 10, 10)]  # centre (15, 15)
    assert group_photo.match(detected, placed) == [0, None, None, None, None, 0]


def test_the_sentence_counts_faces_found_and_detections_on_no_face_apart():
    placed = [(0, 0, 10, 10), (20, 0, 10, 10), (40, 0, 10, 10)]
    detected = [(2, 2, 6, 6), (22, 2, 6, 6), (60, 60, 6, 6)]  # two faces found, one detection on the background
    truth = pd.DataFrame({"gender": ["m", "f", "m"], "age group": ["(0, 2)", "(4, 6)", "(8, 12)"]})
    _, counted = group_photo.with_truth(pd.DataFrame({"gender": ["m", "f", "f"]}), detected, placed, truth)
    assert counted == "2 of 3 pasted faces were found; 1 detection(s) matched no face"


def _pasted(face, size):
    from PIL import Image

    return np.asarray(Image.fromarray(face).resize((size, size), Image.Resampling.LANCZOS))


def test_a_composed_photo_is_the_seeded_background_with_each_face_resized_by_lanczos_in_its_place():
    """Worked out by hand from the recipe: a gap of 24 around each face, 1.5 times the largest face high, a
    vertical blend from a top colour to a bottom colour with Gaussian noise of 6 drawn from the seed, clipped."""
    rng = np.random.default_rng(3)
    faces = [rng.integers(0, 256, (30, 30, 3), dtype=np.uint8) for _ in range(3)]  # texture: resampling shows
    pixels, boxes = group_photo.compose(faces, [20, 40, 30], seed=5)
    assert pixels.shape == (60, 20 + 40 + 30 + 24 * 4, 3) and pixels.dtype == np.uint8
    assert boxes[:, 0].tolist() == [24, 24 + 20 + 24, 24 + 20 + 24 + 40 + 24] and boxes[:, 2].tolist() == [20, 40, 30]
    assert (boxes[:, 2] == boxes[:, 3]).all() and (boxes[:, 1] >= 0).all() and (boxes[:, 1] + boxes[:, 2] <= 60).all()
    draws = np.random.default_rng(5)
    top, bottom = draws.uniform(90, 200, 3), draws.uniform(40, 160, 3)
    blend = top + (bottom - top) * np.linspace(0, 1, 60)[:, None, None] + draws.normal(0, 6, (60, 186, 3))
    expected = np.clip(blend, 0, 255).astype(np.uint8)
    for face, (x, y, side, _) in zip(faces, boxes):
        np.testing.assert_array_equal(pixels[y:y + side, x:x + side], _pasted(face, side))
        expected[y:y + side, x:x + side] = pixels[y:y + side, x:x + side]
    np.testing.assert_array_equal(pixels, expected)  # the background everywhere else
    again, _ = group_photo.compose(faces, [20, 40, 30], seed=5)
    np.testing.assert_array_equal(again, pixels)
    np.testing.assert_array_equal(group_photo.compose(faces, [20, 40, 30])[0],
                                  group_photo.compose(faces, [20, 40, 30], seed=0)[0])  # seed 0 unless told


def test_a_face_as_tall_as_the_photo_allows_sits_anywhere_from_the_top_to_the_bottom():
    faces = [np.full((4, 4, 3), 200, np.uint8)] * 12
    pixels, boxes = group_photo.compose(faces, [1] * 12, seed=0, gap=1)  # 1 pixel high photo: every y is 0
    assert pixels.shape == (1, 25, 3) and boxes[:, 1].tolist() == [0] * 12
    tops = {int(y) for seed in range(20) for y in group_photo.compose(faces[:2], [40, 20], seed=seed)[1][:, 1]}
    assert 0 in tops and max(tops) <= 40  # 60 high: the smaller face may sit from 0 to 40


def test_a_group_photo_of_a_test_fold_holds_different_people_with_both_labels(profile):
    from PIL import Image

    from helpers.data import adience
    from helpers.data.age_groups import AGE_GROUPS

    pixels, boxes, truth = group_photo.from_test_fold(profile, 0, 4, seed=2)
    index = adience.load_adience(profile.data_dir / "adience").index.set_index("path")
    assert list(truth.columns) == ["path", "gender", "age group"] and list(truth.index) == [0, 1, 2, 3]
    assert (index.loc[truth.path, "fold"] == 0).all() and index.loc[truth.path, "subject"].is_unique
    assert truth.gender.tolist() == index.loc[truth.path, "gender"].tolist()
    assert truth["age group"].tolist() == [AGE_GROUPS[int(g)] for g in index.loc[truth.path, "age_group"]]
    sides = np.random.default_rng(2).integers(80, 181, 4)
    assert boxes[:, 2].tolist() == sides.tolist()
    for path, (x, y, side, _) in zip(truth.path, boxes):
        face = np.asarray(Image.open(profile.data_dir / "adience" / path).convert("RGB"))
        np.testing.assert_array_equal(pixels[y:y + side, x:x + side], _pasted(face, side))
    same, _, again = group_photo.from_test_fold(profile, 0, 4, seed=2, sizes=[90, 90, 90, 90])
    assert again.path.tolist() == truth.path.tolist() and same.shape == (135, 4 * 90 + 5 * 24, 3)
