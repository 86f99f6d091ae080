"""Notebook 14: the classical steps do what their names say and run once per image in their own cache (that a
study's runs train and test on the step's images is checked with the study runner, in tests/studies/test_runner.py)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from helpers.data import image_cache, preprocessing

SIZE = 64


def _dark_noisy_faces(root, count=3):
    rng = np.random.default_rng(0)
    names = []
    for number in range(count):
        image = np.clip(60 + 15 * np.sin(np.arange(96) / 9)[None, :, None] + rng.normal(0, 8, (96, 96, 3)), 0, 255)
        names.append(f"face{number}.png")
        Image.fromarray(image.astype(np.uint8)).save(root / names[-1])
    return names


def test_each_step_keeps_the_image_size_and_does_what_its_name_says():
    rng = np.random.default_rng(1)
    flat = np.clip(120 + rng.normal(0, 20, (SIZE, SIZE, 3)), 0, 255).astype(np.uint8)
    dark = np.clip(50 + 20 * np.linspace(0, 1, SIZE)[None, :, None] + rng.normal(0, 3, (SIZE, SIZE, 3)), 0, 255)
    dark = dark.astype(np.uint8)
    for step in preprocessing.STEPS:
        out = preprocessing.apply(step, flat)
        assert out.shape == flat.shape and out.dtype == np.uint8, step
    np.testing.assert_array_equal(preprocessing.apply("none", flat), flat)
    noisy = np.clip(120 + rng.normal(0, 20, (256, 256, 3)), 0, 255).astype(np.uint8)  # at 256 px the blur's sigma is 2
    blurred = preprocessing.apply("gaussian", noisy).astype(float)
    assert blurred.std() < noisy.std() / 4 and abs(blurred.mean() - noisy.mean()) < 1  # less noise, same level
    for step in ("equalize", "clahe"):  # a dark, flat image gets more contrast, brightness only
        stretched = preprocessing.apply(step, dark).astype(float).mean(axis=2)
        assert np.ptp(stretched) > 2 * np.ptp(dark.astype(float).mean(axis=2)), step
    assert np.ptp(preprocessing.apply("equalize", dark).mean(axis=2)) >= 200  # global: the full range
    binary = preprocessing.apply("otsu", dark)
    assert set(np.unique(binary)) == {0, 255} and (binary[..., 0] == binary[..., 2]).all()
    with pytest.raises(ValueError, match="use one of none, gaussian, equalize, clahe, otsu"):
        preprocessing.apply("sharpen", flat)


def test_a_step_runs_once_per_image_into_its_own_cache(tmp_path):
    names = _dark_noisy_faces(tmp_path)
    cache = tmp_path / "cache"
    plain = image_cache.cached_files(tmp_path, names, SIZE, directory=cache, show_progress=False)
    clahe = image_cache.cached_files(tmp_path, names, SIZE, directory=cache, show_progress=False, step="clahe")
    assert {p.split("/")[-3] for p in clahe} == {f"{tmp_path.name}-{SIZE}px-clahe"}
    for plain_file, clahe_file in zip(plain, clahe):
        expected = preprocessing.apply("clahe", image_cache.read_cached(plain_file, SIZE).numpy())
        np.testing.assert_array_equal(image_cache.read_cached(clahe_file, SIZE).numpy(), expected)
    written = [os.stat(path).st_mtime_ns for path in clahe]
    again = image_cache.cached_files(tmp_path, names, SIZE, directory=cache, show_progress=False, step="clahe")
    assert list(again) == list(clahe) and [os.stat(path).st_mtime_ns for path in again] == written  # not rewritten


def test_equalizing_changes_only_the_brightness_as_opencv_does_on_the_luma_channel():
    import cv2

    rng = np.random.default_rng(2)
    light = 0.35 + 0.25 * np.linspace(0, 1, SIZE)[None, :, None]  # a dim skin tone, brighter to the right
    image = np.clip(np.array([150, 110, 90]) * light + rng.normal(0, 3, (SIZE, SIZE, 3)), 0, 255).astype(np.uint8)
    before = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)
    for step, operation in (("equalize", cv2.equalizeHist),
                            ("clahe", cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply)):
        after = cv2.cvtColor(preprocessing.apply(step, image), cv2.COLOR_RGB2YCrCb).astype(float)
        luma = operation(np.ascontiguousarray(before[..., 0])).astype(float)
        assert np.abs(after[..., 0] - luma).mean() < 1, step  # up to the rounding of the way back to RGB
        assert np.abs(after[..., 1:] - before[..., 1:]).mean() < 1, step  # the same colours


def test_each_step_is_its_opencv_call_exactly_on_a_photo_wider_than_high():
    import cv2

    rng = np.random.default_rng(3)
    light = 0.35 + 0.25 * np.linspace(0, 1, 300)[None, :, None]
    image = np.clip(np.array([150, 110, 90]) * light + rng.normal(0, 3, (256, 300, 3)), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(preprocessing.apply("gaussian", image),
                                  cv2.GaussianBlur(image, (0, 0), sigmaX=256 / 128))  # the side is the height
    ycrcb = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)
    ycrcb[..., 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(np.ascontiguousarray(ycrcb[..., 0]))
    np.testing.assert_array_equal(preprocessing.apply("clahe", image), cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB))
    assert preprocessing.apply("none", image.astype(np.int64)).dtype == np.uint8  # uint8 back, whatever came in
