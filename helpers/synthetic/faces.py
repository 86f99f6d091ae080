"""SynthFaces: one photo of a person, with the photo's own pose, light, background, blur, noise and JPEG quality.

:func:`render` puts a face drawn by ``helpers.synthetic.drawing`` into a picture. Nuisances blur the cues,
scaled by ``difficulty`` in [0, 1] (:func:`draw_photo`): head rotation and yaw, position and size jitter,
directional light and colour casts, cluttered backgrounds, Gaussian blur, sensor noise and JPEG quality.
Label noise (a picture of a different age group or gender than its label) is added by the dataset
writers, not here.
"""

from __future__ import annotations

import dataclasses
import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from helpers.synthetic.drawing import draw_face
from helpers.synthetic.people import Extras, Person

SUPERSAMPLE = 2  # draw at twice the size and shrink: cheap anti-aliasing


@dataclasses.dataclass(frozen=True)
class Photo:
    """How one photo is taken: everything that is not the person."""

    yaw: float = 0.0  # -1..1
    roll_degrees: float = 0.0
    scale: float = 1.0  # face size relative to the aligned default
    offset: tuple[float, float] = (0.0, 0.0)  # centre shift, in fractions of the image size
    light_angle: float = 0.0
    light_strength: float = 0.0
    colour_cast: tuple[float, float, float] = (1.0, 1.0, 1.0)
    clutter: int = 0
    blur: float = 0.0  # Gaussian radius in output pixels
    noise: float = 0.0  # standard deviation, in grey levels
    jpeg_quality: int = 90


def draw_photo(rng: np.random.Generator, difficulty: float, yaw_degrees: float | None = None) -> Photo:
    """Random photo conditions; ``difficulty`` 0 is a studio portrait, 1 a bad snapshot."""
    d = float(np.clip(difficulty, 0.0, 1.0))
    yaw = (yaw_degrees / 60.0) if yaw_degrees is not None else rng.normal(0.0, 0.15 + 0.25 * d)
    return Photo(
        yaw=float(np.clip(yaw, -1.0, 1.0)),
        roll_degrees=float(rng.normal(0.0, 2.0 + 10.0 * d)),
        scale=float(np.exp(rng.normal(0.0, 0.04 + 0.08 * d))),
        offset=(float(rng.normal(0.0, 0.01 + 0.04 * d)), float(rng.normal(0.0, 0.01 + 0.04 * d))),
        light_angle=float(rng.uniform(0.0, 2 * math.pi)),
        light_strength=float(rng.uniform(0.0, 0.15 + 0.45 * d)),
        colour_cast=tuple(float(v) for v in rng.normal(1.0, 0.03 + 0.07 * d, size=3)),
        clutter=int(rng.integers(0, 2 + int(10 * d))),
        blur=float(rng.exponential(0.2 + 0.9 * d)),
        noise=float(rng.uniform(0.0, 2.0 + 10.0 * d)),
        jpeg_quality=int(rng.integers(int(95 - 40 * d), 96)),
    )


def _background(draw, width, height, rng, clutter):
    base = tuple(int(v) for v in rng.integers(30, 230, size=3))
    draw.rectangle([0, 0, width, height], fill=base)
    for _ in range(clutter):
        colour = tuple(int(v) for v in rng.integers(0, 256, size=3))
        x0, y0 = rng.uniform(-0.2, 1.0) * width, rng.uniform(-0.2, 1.0) * height
        x1, y1 = x0 + rng.uniform(0.05, 0.5) * width, y0 + rng.uniform(0.05, 0.5) * height
        if rng.random() < 0.5:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
        else:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
    return base


def render(person: Person | None, photo: Photo, size: tuple[int, int], rng: np.random.Generator,
           extras: Extras | None = None, second: Person | None = None, face_fraction: float = 0.27) -> Image.Image:
    """Draw one photo of ``size`` (width, height). ``person=None`` draws a scene with no face.

    ``second`` adds a smaller, off-centre second face (IMDB-WIKI's second_face_score).
    ``face_fraction`` is the face half-width as a fraction of the image width (aligned crops: about 0.27).
    """
    extras = extras or Extras()
    width, height = size
    big_w, big_h = width * SUPERSAMPLE, height * SUPERSAMPLE
    image = Image.new("RGB", (big_w, big_h))
    draw = ImageDraw.Draw(image)
    base = _background(draw, big_w, big_h, rng, photo.clutter + (6 if person is None else 0))
    if second is not None:
        side = rng.choice([-1, 1])
        draw_face(draw, second, big_w * (0.5 + side * 0.36), big_h * 0.42, big_w * face_fraction * 0.45,
                  float(rng.normal(0, 0.3)), Extras(), rng)
    if person is not None:
        cx = big_w * (0.5 + photo.offset[0])
        cy = big_h * (0.47 + photo.offset[1])
        draw_face(draw, person, cx, cy, big_w * face_fraction * photo.scale, photo.yaw, extras, rng)
    if photo.roll_degrees:
        image = image.rotate(photo.roll_degrees, resample=Image.BILINEAR, fillcolor=base)
    image = image.reduce(SUPERSAMPLE)
    blur = photo.blur + (1.5 if extras.blurry else 0.0)
    if blur > 0.05:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(image, dtype=np.float32)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = (xs / width - 0.5) * math.cos(photo.light_angle) + (ys / height - 0.5) * math.sin(photo.light_angle)
    pixels = pixels * (1.0 + photo.light_strength * ramp)[..., None] * np.asarray(photo.colour_cast, np.float32)
    if photo.noise > 0:
        pixels = pixels + rng.normal(0.0, photo.noise, size=pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def jpeg_bytes(image: Image.Image, quality: int) -> bytes:
    """Encode as baseline JPEG without metadata, so the same pixels always give the same bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=int(quality))
    return buffer.getvalue()
