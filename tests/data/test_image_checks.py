"""Images that cannot train a network leave the index for its rejects, each with its file, line and reason
(``helpers.data.image_checks``); the conversions the pipeline will make are counted."""

from __future__ import annotations

import collections

import numpy as np
import pandas as pd
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


def test_one_image_each_way_gives_its_whole_verdict(tmp_path):
    Image.new("RGB", (32, 32), "grey").save(tmp_path / "rgb.png")  # just large enough with the default limit
    Image.new("RGBA", (40, 40), "grey").save(tmp_path / "rgba.png")
    Image.new("1", (40, 40)).save(tmp_path / "bits.png")
    Image.new("RGB", (31, 40), "grey").save(tmp_path / "narrow.png")
    assert image_checks.check_image(str(tmp_path / "rgb.png")) == ("ok", "")
    assert image_checks.check_image(str(tmp_path / "rgba.png")) == ("converted: RGBA", "RGBA")
    assert image_checks.check_image(str(tmp_path / "bits.png")) == ("converted: black and white", "1")
    assert image_checks.check_image(str(tmp_path / "narrow.png")) == ("rejected: smaller than 32 px", "31x40")
    complete = (tmp_path / "rgb.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(complete[: len(complete) // 2])
    status, detail = image_checks.check_image(str(tmp_path / "cut.png"))
    assert status == "rejected: unreadable or truncated image" and 0 < len(detail) <= 120 and detail != "None"


def test_a_mode_without_a_plain_name_is_named_by_its_own_code(tmp_path):
    Image.new("LAB", (40, 40)).save(tmp_path / "lab.tif")
    assert image_checks.check_image(str(tmp_path / "lab.tif")) == ("converted: LAB", "LAB")


def test_every_chunk_of_a_long_list_is_checked_and_the_bar_counts_them(tmp_path, monkeypatch):
    from helpers import progress

    bars = []
    real_bar = progress.bar

    def watched(total, description, **options):  # the real bar (shown after 2 s only), its updates kept
        shown = real_bar(total, description, **options)
        bars.append({"total": total, "description": description, **options, "updates": []})
        real_update = shown.update
        shown.update = lambda count: (bars[-1]["updates"].append(count), real_update(count))[1]
        return shown

    monkeypatch.setattr(progress, "bar", watched)
    Image.new("RGB", (40, 40), "grey").save(tmp_path / "face.png")
    paths = ["face.png"] * 300 + ["gone.png"]  # two chunks of 256
    checked = image_checks.check_images(tmp_path, paths, workers=1)
    assert checked.path.tolist() == paths
    assert checked.status.tolist() == ["ok"] * 300 + ["rejected: missing image file"]
    assert bars == [{"total": 301, "description": "checking images", "enabled": True, "updates": [256, 45]}]
    in_parallel = image_checks.check_images(tmp_path, paths, workers=2, show_progress=False)
    assert in_parallel.equals(checked)
    assert bars[1] == {"total": 301, "description": "checking images", "enabled": False, "updates": [256, 45]}


def test_the_index_left_keeps_its_own_columns(tmp_path):
    Image.new("RGB", (40, 40), "grey").save(tmp_path / "good.jpg")
    rows = [{"dataset": "adience", "path": name, "source": "fold_0_data.txt", "line": number + 2}
            for number, name in enumerate(["gone.jpg", "good.jpg"])]
    result = index.LoadResult("adience", index.make_index(rows), index.Rejects().frame(), collections.Counter())
    columns = list(result.index.columns)
    image_checks.apply_image_checks(result, tmp_path, show_progress=False)
    assert list(result.index.columns) == columns and result.index.path.tolist() == ["good.jpg"]
    assert result.index.index.equals(pd.RangeIndex(1))
