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
