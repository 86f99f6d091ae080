"""Images that cannot train a network leave the index for its rejects, each with its file, line and reason
(``helpers.data.image_checks``); the conversions the pipeline will make are counted."""

from __future__ import annotations

import collections

import numpy as np
from PIL import Image

from helpers.data import image_checks, index


def test_unusable_images_move_to_the_rejects_with_their_reason_and_conversions_are_counted(tmp_path):
    Image.new("RGB", (40, 40), "grey").save(tmp_path / "good.jpg")
    Image.new("L", (40, 40), 90).save(tmp_path / "gray.png")
    Image.new("RGB", (20, 40), "grey").save(tmp_path / "small.jpg")
    Image.new("RGB", (32, 40), "grey").save(tmp_path / "edge.jpg")  # 32 px: just large enough
    (tmp_path / "notes.jpg").write_text("not an image")
    (tmp_path / "empty.jpg").touch()
    names = ["good.jpg", "notes.jpg", "gray.png", "small.jpg", "empty.jpg", "gone.jpg", "edge.jpg"]
    rows = [{"dataset": "adience", "path": name, "source": "fold_0_data.txt", "line": number + 2}
            for number, name in enumerate(names)]
    earlier = index.Rejects()
    earlier.add("fold_0_data.txt", 1, "no gender", "")
    result = index.LoadResult("adience", index.make_index(rows), earlier.frame(), collections.Counter({"kept": 1}))
    checked = image_checks.apply_image_checks(result, tmp_path, show_progress=False)
    assert checked is result
    assert result.index.path.tolist() == ["good.jpg", "gray.png", "edge.jpg"]
    assert list(result.index.index) == [0, 1, 2]
    assert list(result.rejects.columns) == index.REJECT_COLUMNS and list(result.rejects.index) == [0, 1, 2, 3, 4]
    assert result.rejects.iloc[0].tolist() == ["fold_0_data.txt", 1, "no gender", ""]  # what the loader rejected
    assert result.rejects.iloc[1:].values.tolist() == [
        ["fold_0_data.txt", 3, "not an image", "notes.jpg"],
        ["fold_0_data.txt", 5, "smaller than 32 px", "small.jpg 20x40"],
        ["fold_0_data.txt", 6, "empty file", "empty.jpg"],
        ["fold_0_data.txt", 7, "missing image file", "gone.jpg"]]
    assert result.notes == collections.Counter({"kept": 1, "image converted: grayscale (to RGB in the pipeline)": 1})


def test_nothing_unusable_leaves_the_rejects_as_they_were_and_a_smaller_limit_keeps_small_faces(tmp_path):
    Image.new("RGB", (20, 40), "grey").save(tmp_path / "small.jpg")
    rows = [{"dataset": "celeba", "path": "small.jpg", "source": "list_attr_celeba.txt", "line": 3}]
    rejects = index.Rejects().frame()
    result = index.LoadResult("celeba", index.make_index(rows), rejects, collections.Counter())
    image_checks.apply_image_checks(result, tmp_path, min_side=16, workers=1, show_progress=False)
    assert result.rejects is rejects and result.index.path.tolist() == ["small.jpg"] and not result.notes
    assert np.array_equal(result.index.line.to_numpy(), [3])
