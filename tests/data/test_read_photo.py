"""Reading any photo the way the kit reads a user's (``helpers.data.photo.read_photo``): every Pillow mode to RGB,
what was see-through laid on white, a photo larger than ``MAX_SIDE`` shrunk, and the sentences for what cannot
be read. The detector and the crop are tested on a real face in tests/test_predict.py."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from helpers.data import photo

GREY = (90, 90, 90)


def _saved(image: Image.Image, name: str, folder):
    path = folder / name
    image.save(path)
    return path


@pytest.mark.parametrize("mode", ["LA", "P"])
def test_what_is_see_through_is_laid_on_white(tmp_path, mode):
    """A grey photo whose left quarter is see-through: by its alpha channel (LA), or by a palette colour declared
    transparent (P, as a PNG or GIF stores it)."""
    if mode == "LA":
        image = Image.new("LA", (40, 30), (GREY[0], 255))
        image.paste((0, 0), (0, 0, 10, 30))
        path = _saved(image, "gray_alpha.png", tmp_path)
    else:
        colours = Image.new("RGB", (40, 30), GREY)
        colours.paste((10, 200, 10), (0, 0, 10, 30))
        image = colours.convert("P", palette=Image.Palette.ADAPTIVE, colors=2)
        path = tmp_path / "palette.png"
        image.save(path, transparency=int(np.asarray(image)[0, 0]))  # the green strip's colour
    found = photo.read_photo(path)
    assert found.notes == [f"converted from {mode} to RGB"] and found.pixels.dtype == np.uint8
    assert found.pixels.shape == (30, 40, 3) and (found.pixels[:, :10] == 255).all()  # white where it was clear
    assert (found.pixels[:, 10:] == GREY).all()  # the photo where it was not


def test_a_palette_photo_without_transparency_keeps_its_colours(tmp_path):
    colours = Image.new("RGB", (40, 30), (200, 30, 30)).convert("P", palette=Image.Palette.ADAPTIVE, colors=2)
    path = _saved(colours, "palette.png", tmp_path)
    found = photo.read_photo(path)
    assert found.notes == ["converted from P to RGB"] and (found.pixels == (200, 30, 30)).all()


def test_a_photo_exactly_max_side_long_is_kept_and_one_pixel_more_is_shrunk(tmp_path):
    side = photo.MAX_SIDE
    kept = photo.read_photo(_saved(Image.new("RGB", (side, 8), GREY), "kept.png", tmp_path))
    assert kept.notes == [] and kept.pixels.shape == (8, side, 3)
    shrunk = photo.read_photo(_saved(Image.new("RGB", (side + 1, 8), GREY), "shrunk.png", tmp_path))
    assert shrunk.notes == [f"shrunk from {side + 1} x 8 to fit {side} pixels"] and shrunk.pixels.shape[1] == side


def test_an_upload_is_named_in_its_messages_or_called_the_uploaded_file(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), GREY).save(buffer, "PNG")
    found = photo.read_photo(buffer.getvalue(), "mine.png")
    assert found.path is None and found.pixels.shape == (10, 20, 3) and found.notes == []
    assert photo.read_photo(memoryview(buffer.getvalue())).pixels.shape == (10, 20, 3)
    with pytest.raises(photo.PhotoError, match=r"^the uploaded file is not an image Pillow can read "
                                               r"\(UnidentifiedImageError: .*\)\. Pass a JPEG, PNG, BMP, GIF, TIFF "
                                               r"or WebP photo$"):
        photo.read_photo(b"plain words")
    with pytest.raises(photo.PhotoError, match=r"^notes\.txt is not an image"):
        photo.read_photo(b"plain words", "notes.txt")


def test_a_decompression_bomb_is_refused_with_what_to_do(tmp_path, monkeypatch):
    path = _saved(Image.new("RGB", (300, 300), GREY), "bomb.png", tmp_path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # 90,000 pixels: more than twice the limit is a bomb
    with pytest.raises(photo.PhotoError, match=rf"^{path}: too many pixels to open safely \(.*\)\. Shrink it first, "
                                               rf"e\.g\. to {photo.MAX_SIDE} pixels on its longer side$"):
        photo.read_photo(path)
