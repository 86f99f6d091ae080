"""Classical preprocessing before the network (notebook 14): denoise, equalize, threshold. One OpenCV call each.

The course report proposed cleaning the images with classical operations before training. Each step here
works on a cached image (already decoded and resized, ``image_cache``) and returns an image of the same size:

- ``gaussian``: Gaussian blur with a standard deviation of ``side / 128`` pixels (2 at the paper's 256 px),
  the classical denoiser; it also removes fine detail such as wrinkles, which age depends on.
- ``equalize``: global histogram equalization of the brightness (the Y of YCrCb, so colours stay), which
  spreads a dark or washed-out photo over the full range.
- ``clahe``: Contrast Limited Adaptive Histogram Equalization (8 x 8 tiles, clip limit 2) of the brightness:
  equalization per region, limited so that noise in flat regions is not blown up.
- ``otsu``: Otsu's threshold of the gray image: black and white, the level that best separates two classes
  of pixels; it throws away nearly everything, and shows what the network can do without it.

OpenCV, not scikit-image: the kit already needs it for the face detector of notebook 15, it runs each of these
in a few microseconds on a small image, and its functions work on the uint8 images the cache holds.

The steps run once per image, when it enters the cache (``image_cache.cached_files(..., step=...)``): each
step has its own cache folder, so a study reads preprocessed images every epoch without recomputing them.
"""

from __future__ import annotations

import numpy as np

STEPS = ("none", "gaussian", "equalize", "clahe", "otsu")


def check(step: str) -> None:
    if step not in STEPS:
        raise ValueError(f"preprocessing step {step!r}: use one of {', '.join(STEPS)}")


def _on_brightness(image: np.ndarray, operation) -> np.ndarray:
    import cv2

    ycrcb = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)
    ycrcb[..., 0] = operation(np.ascontiguousarray(ycrcb[..., 0]))
    return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)


def apply(step: str, image: np.ndarray) -> np.ndarray:
    """``image`` (H x W x 3 uint8 RGB) after ``step``, the same shape and type."""
    import cv2

    check(step)
    image = np.ascontiguousarray(image, np.uint8)
    if step == "none":
        return image
    if step == "gaussian":
        return cv2.GaussianBlur(image, (0, 0), sigmaX=image.shape[0] / 128)
    if step == "equalize":
        return _on_brightness(image, cv2.equalizeHist)
    if step == "clahe":
        return _on_brightness(image, cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply)
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return np.repeat(binary[..., None], 3, axis=2)
