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
