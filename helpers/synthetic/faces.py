"""SynthFaces: drawing a synthetic face whose picture carries its age and gender.

A :class:`Person` holds what stays the same across one subject's photos (face shape, skin tone, eye
colour, hair, facial hair, how early they grey); :func:`render` draws one photo of that person, with the
photo's own pose, light, background, blur, noise and JPEG quality.

The cues a network can learn, all continuous in age so that neighbouring age groups look alike and
distant ones do not (this is what makes 1-off accuracy meaningful):

* **Childhood (0 to about 18)** - ``maturity`` grows from 0 to 1: a round face (height/width about 1.1
  rising to about 1.35), eyes low on the face and large, a short nose and small mouth, rosy cheeks, and
  for infants only a thin cap of hair. Gender shows hardly at all before maturity, as in real photos.
* **Adulthood (from about 28)** - ``aging`` grows from 0 to 1 by about 73: forehead lines, crow's feet,
  nasolabial folds and under-eye bags get more numerous and darker, the eyes narrow, the jaw widens, age
  spots appear after 60, and hair turns grey around 45-60 (each person at their own pace). Men may bald
  from the crown and the temples.
* **Gender (adults)** - men have a wider, squarer jaw, thicker and straighter eyebrows, mostly short hair,
  and often a beard, moustache or stubble; women have a narrower, pointed jaw, thinner arched eyebrows,
  mostly long hair, and often coloured lips, eyeliner and earrings. Each cue is only likely, never
  certain: some men have long hair and no beard, some women short hair and no make-up.

Nuisances blur the cues, scaled by ``difficulty`` in [0, 1]: head rotation and yaw, position and size
jitter, directional light and colour casts, cluttered backgrounds, Gaussian blur, sensor noise and JPEG
quality. Label noise (a picture of a different age group or gender than its label) is added by the
dataset writers, not here.
"""

from __future__ import annotations

import dataclasses
import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SUPERSAMPLE = 2  # draw at twice the size and shrink: cheap anti-aliasing

SKIN_LIGHT = np.array([250, 222, 196], dtype=float)
SKIN_DARK = np.array([96, 62, 42], dtype=float)
HAIR_COLOURS = {  # name -> RGB; probabilities roughly those of the CelebA hair attributes
    "black": (28, 24, 22),
    "brown": (92, 60, 38),
    "light_brown": (140, 100, 62),
    "blond": (214, 184, 120),
    "red": (150, 72, 36),
}
GREY_HAIR = np.array([205, 205, 200], dtype=float)
EYE_COLOURS = [(70, 45, 25), (50, 35, 20), (70, 110, 150), (80, 110, 70), (110, 90, 50)]


def maturity(age: float) -> float:
    """0 for a newborn, 1 from about 18: the shape of the face."""
    return float(np.clip(age / 18.0, 0.0, 1.0) ** 0.8)


def aging(age: float) -> float:
    """0 until about 28, 1 by about 73: wrinkles, sagging and narrowing eyes."""
    return float(np.clip((age - 28.0) / 45.0, 0.0, 1.0))


def _lerp(a, b, t: float) -> tuple[int, int, int]:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return tuple(int(round(v)) for v in a + (b - a) * float(np.clip(t, 0.0, 1.0)))


@dataclasses.dataclass(frozen=True)
class Person:
    """One subject: what stays the same in all their photos (age may move a little between photos)."""

    gender: str  # "m" or "f": what the pictures show
    age: float  # years: what the pictures show
    skin: tuple[int, int, int]
    eye_colour: tuple[int, int, int]
    hair_colour: str
    hair_style: str  # "long", "short", "buzz", "bun", "bald", "infant"
    greying_age: float  # age at which half the hair is grey
    face_ratio_jitter: float
    jaw_jitter: float
    eye_spacing: float
    facial_hair: str  # "none", "stubble", "moustache", "beard"
    lipstick: bool
    eyeliner: bool
    earrings: bool
    balding: float  # 0..1, how far the hairline has receded (men)


def draw_person(rng: np.random.Generator, gender: str, age: float, difficulty: float = 0.5) -> Person:
    """Draw a new subject of the given gender and age; ``difficulty`` makes gender cues less reliable."""
    male = gender == "m"
    adult = age >= 16
    atypical = 0.10 + 0.20 * difficulty  # chance that a gendered cue points the other way
    if age < 1.5:
        style = "infant"
    elif male:
        style = rng.choice(["short", "buzz", "long"], p=[0.78 - atypical / 2, 0.22 - atypical / 2, atypical])
    elif age < 4:
        style = rng.choice(["short", "long"], p=[0.55, 0.45])
    else:
        style = rng.choice(["long", "bun", "short"], p=[0.82 - atypical, 0.18, atypical])
    balding = 0.0
    if male and age > 30 and rng.random() < 0.75 * aging(age) + 0.05:
        balding = float(rng.uniform(0.3, 1.0))
        if balding > 0.85:
            style = "bald"
    facial_hair = "none"
    if male and age >= 17:
        facial_hair = str(rng.choice(["none", "stubble", "moustache", "beard"], p=[0.40, 0.22, 0.10, 0.28]))
    made_up = (not male) and age >= 15
    greying_age = float(rng.normal(55.0, 7.0))
    return Person(
        gender=gender,
        age=float(age),
        skin=_lerp(SKIN_LIGHT, SKIN_DARK, rng.beta(1.6, 2.6)),
        eye_colour=EYE_COLOURS[int(rng.integers(len(EYE_COLOURS)))],
        hair_colour=str(rng.choice(list(HAIR_COLOURS), p=[0.34, 0.30, 0.16, 0.15, 0.05])),
        hair_style=str(style),
        greying_age=greying_age,
        face_ratio_jitter=float(rng.normal(0.0, 0.035)),
        jaw_jitter=float(rng.normal(0.0, 0.05 + 0.04 * difficulty)),
        eye_spacing=float(rng.normal(0.42, 0.025)),
        facial_hair=facial_hair,
        lipstick=bool(made_up and rng.random() < 0.55 - 0.25 * difficulty),
        eyeliner=bool(made_up and rng.random() < 0.5),
        earrings=bool(made_up and rng.random() < 0.4) or bool(male and adult and rng.random() < 0.05),
        balding=balding,
    )


@dataclasses.dataclass(frozen=True)
class Extras:
    """Per-photo accessories and expression (CelebA's attributes draw these)."""

    smiling: bool = False
    mouth_open: bool = False
    eyeglasses: bool = False
    hat: bool = False
    blurry: bool = False


def hair_rgb(person: Person) -> tuple[int, int, int]:
    grey = 1.0 / (1.0 + math.exp(-(person.age - person.greying_age) / 5.0))
    return _lerp(HAIR_COLOURS[person.hair_colour], GREY_HAIR, grey)


def _ellipse(draw, cx, cy, rx, ry, fill, outline=None, width=1):
    draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=fill, outline=outline, width=width)


def draw_face(draw: ImageDraw.ImageDraw, person: Person, cx: float, cy: float, fw: float,
              yaw: float, extras: Extras, rng: np.random.Generator) -> None:
    """Draw ``person`` centred at (cx, cy) with face half-width ``fw`` (pixels) onto ``draw``.

    ``yaw`` in [-1, 1] turns the head: features slide sideways and the far eye narrows.
    """
    m, g = maturity(person.age), aging(person.age)
    male_shape = m if person.gender == "m" else 0.0  # gendered shape appears with maturity
    fem_shape = m if person.gender == "f" else 0.0
    fw = fw * (1.0 + 0.08 * (1.0 - m))
    fh = fw * (1.10 + 0.25 * m + 0.04 * male_shape + person.face_ratio_jitter)
    jaw = 0.72 + 0.14 * male_shape - 0.10 * fem_shape + person.jaw_jitter + 0.07 * g
    skin = person.skin
    shade = _lerp(skin, (40, 25, 20), 0.28)
    hair = hair_rgb(person)
    shift = yaw * fw * 0.28

    # Hair behind the head (long hair falls past the jaw).
    if person.hair_style == "long":
        length = fh * (1.25 + 0.35 * rng.random())
        draw.rounded_rectangle([cx - fw * 1.22, cy - fh * 1.12, cx + fw * 1.22, cy + length],
                               radius=fw * 0.6, fill=hair)
    # Neck and shoulders.
    draw.rectangle([cx - fw * 0.42, cy + fh * 0.6, cx + fw * 0.42, cy + fh * 1.7], fill=shade)
    clothes = tuple(int(v) for v in rng.integers(20, 235, size=3))
    _ellipse(draw, cx, cy + fh * 2.15, fw * 2.1, fh * 0.75, fill=clothes)
    # Hair cap on top of the head (behind the face outline).
    if person.hair_style in ("short", "long", "bun", "buzz", "infant"):
        volume = {"short": 1.17, "long": 1.2, "bun": 1.14, "buzz": 1.07, "infant": 1.05}[person.hair_style]
        cap_colour = hair if person.hair_style != "infant" else _lerp(skin, hair, 0.45)
        _ellipse(draw, cx, cy - fh * 0.18, fw * (volume - 0.02), fh * (volume - 0.12), fill=cap_colour)
        if person.hair_style == "bun":
            _ellipse(draw, cx, cy - fh * 1.22, fw * 0.38, fw * 0.34, fill=hair)
    elif person.hair_style == "bald":  # a fringe of hair around the sides only
        for side in (-1, 1):
            _ellipse(draw, cx + side * fw * 0.95, cy - fh * 0.15, fw * 0.18, fh * 0.35, fill=hair)
    # Ears.
    for side in (-1, 1):
        _ellipse(draw, cx + side * fw * 0.98 - shift * 0.3, cy - fh * 0.02, fw * 0.16, fh * 0.2, fill=shade)
        if person.earrings:
            _ellipse(draw, cx + side * fw * 0.98 - shift * 0.3, cy + fh * 0.22, fw * 0.06, fw * 0.06,
                     fill=(230, 200, 60))
    # Face: an ellipse for the skull and cheeks plus a polygon for the jaw.
    _ellipse(draw, cx, cy, fw, fh, fill=skin)
    draw.polygon([(cx - fw * 0.99, cy), (cx + fw * 0.99, cy), (cx + fw * jaw, cy + fh * 0.72),
                  (cx + fw * 0.30 + shift * 0.4, cy + fh * 1.0), (cx - fw * 0.30 + shift * 0.4, cy + fh * 1.0),
                  (cx - fw * jaw, cy + fh * 0.72)], fill=skin)
    # Fringe: hair over the top of the forehead; its edge is the hairline.
    hairline = cy - fh * (0.52 + 0.38 * person.balding)
    if person.hair_style in ("short", "long", "bun", "buzz"):
        top = cy - fh * 1.05
        draw.chord([cx - fw * 1.0, top, cx + fw * 1.0, hairline + (hairline - top) * 0.6], 180, 360, fill=hair)
        if person.hair_style == "long":  # locks down the sides of the face
            for side in (-1, 1):
                draw.rectangle([cx + side * fw * 0.86 - fw * 0.16, cy - fh * 0.6,
                                cx + side * fw * 0.86 + fw * 0.16, cy + fh * 0.45], fill=hair)
    # Stubble and beards cover the lower face.
    nose_len = fh * (0.14 + 0.16 * m)
    eye_y = cy - fh * (0.02 + 0.20 * m)
    nose_y = eye_y + nose_len
    mouth_y = nose_y + fh * (0.12 + 0.06 * m)
    mouth_w = fw * (0.30 + 0.12 * m)
    if person.facial_hair in ("stubble", "beard"):
        beard_colour = _lerp(skin, hair, 0.35) if person.facial_hair == "stubble" else hair
        draw.polygon([(cx - fw * 0.97, cy + fh * 0.05), (cx - fw * jaw, cy + fh * 0.72),
                      (cx - fw * 0.3 + shift * 0.4, cy + fh * 1.04), (cx + fw * 0.3 + shift * 0.4, cy + fh * 1.04),
                      (cx + fw * jaw, cy + fh * 0.72), (cx + fw * 0.97, cy + fh * 0.05),
                      (cx + fw * 0.6, cy + fh * 0.3), (cx + shift, nose_y + fh * 0.03),
                      (cx - fw * 0.6, cy + fh * 0.3)], fill=beard_colour)
        _ellipse(draw, cx + shift, mouth_y, mouth_w * 0.75, fh * 0.07, fill=skin)
    if person.facial_hair in ("moustache", "beard"):
        _ellipse(draw, cx + shift, mouth_y - fh * 0.08, mouth_w * 0.85, fh * 0.055, fill=hair)
    # Wrinkles, folds and age spots.
    wrinkle = _lerp(skin, (60, 35, 30), 0.22 + 0.38 * g)
    width = max(1, int(round(fw * (0.015 + 0.02 * g))))
    for i in range(int(round(5 * g))):
        y = hairline + (eye_y - hairline) * (0.3 + 0.12 * i)
        if y < eye_y - fh * 0.12:
            draw.arc([cx - fw * 0.55, y - fh * 0.06, cx + fw * 0.55, y + fh * 0.06], 200, 340, fill=wrinkle,
                     width=width)
    if g > 0.15:
        for side in (-1, 1):
            ex = cx + side * fw * person.eye_spacing + shift
            for k in range(1 + int(3 * g)):
                draw.line([(ex + side * fw * 0.2, eye_y + (k - 1) * fh * 0.04),
                           (ex + side * fw * 0.34, eye_y + (k - 1) * fh * 0.08)], fill=wrinkle, width=width)
            draw.line([(cx + side * fw * 0.2 + shift, nose_y), (cx + side * mouth_w * 1.05 + shift, mouth_y + fh * 0.05)],
                      fill=wrinkle, width=width)
    if person.age > 60:
        spot = _lerp(skin, (90, 60, 40), 0.45)
        for _ in range(int((person.age - 60) / 6)):
            sx, sy = cx + fw * rng.uniform(-0.7, 0.7), cy + fh * rng.uniform(-0.6, 0.2)
            _ellipse(draw, sx, sy, fw * 0.035, fw * 0.03, fill=spot)
    if m < 0.75:  # rosy cheeks
        for side in (-1, 1):
            _ellipse(draw, cx + side * fw * 0.5 + shift, nose_y, fw * 0.16, fh * 0.08, fill=_lerp(skin, (230, 110, 110), 0.3))
    # Eyes and eyebrows.
    eye_w = fw * (0.27 - 0.07 * m)
    eye_h = eye_w * (0.58 - 0.20 * g)
    brow = _lerp(hair, (30, 25, 20), 0.3) if person.hair_style != "infant" else _lerp(skin, hair, 0.35)
    brow_w = max(1, int(round(fw * (0.035 + 0.05 * male_shape))))
    for side in (-1, 1):
        far = 1.0 - 0.35 * max(0.0, side * yaw)
        ex, w = cx + side * fw * person.eye_spacing + shift, eye_w * far
        if g > 0.2:
            draw.arc([ex - w, eye_y, ex + w, eye_y + eye_h * 2.4], 20, 160, fill=wrinkle, width=width)
        _ellipse(draw, ex, eye_y, w, eye_h, fill=(245, 245, 240))
        _ellipse(draw, ex + shift * 0.15, eye_y, eye_h * 0.85, eye_h * 0.85, fill=person.eye_colour)
        _ellipse(draw, ex + shift * 0.15, eye_y, eye_h * 0.38, eye_h * 0.38, fill=(10, 10, 10))
        if person.eyeliner:
            draw.arc([ex - w, eye_y - eye_h, ex + w, eye_y + eye_h], 190, 350, fill=(20, 15, 15), width=max(1, width + 1))
        by = eye_y - eye_h - fh * 0.08
        if fem_shape > 0.5:
            draw.arc([ex - w * 1.2, by - fh * 0.02, ex + w * 1.2, by + fh * 0.12], 200, 340, fill=brow, width=brow_w)
        else:
            draw.line([(ex - side * w * 1.1, by + fh * 0.02), (ex + side * w * 1.2, by - fh * 0.01)], fill=brow, width=brow_w)
    # Nose.
    draw.line([(cx + shift * 1.1, eye_y + fh * 0.05), (cx + shift * 1.25, nose_y)], fill=shade, width=max(1, width))
    for side in (-1, 1):
        _ellipse(draw, cx + shift * 1.2 + side * fw * (0.06 + 0.04 * m), nose_y, fw * 0.035, fw * 0.025, fill=shade)
    # Mouth.
    lips = _lerp(skin, (200, 30, 60), 0.75) if person.lipstick else _lerp(skin, (170, 80, 80), 0.45)
    lip_h = fh * (0.035 + 0.02 * fem_shape)
    if extras.smiling:
        draw.chord([cx - mouth_w + shift, mouth_y - lip_h * 2, cx + mouth_w + shift, mouth_y + lip_h * 2.5], 0, 180,
                   fill=lips)
        if extras.mouth_open:
            draw.chord([cx - mouth_w * 0.8 + shift, mouth_y - lip_h, cx + mouth_w * 0.8 + shift, mouth_y + lip_h * 1.6],
                       0, 180, fill=(245, 245, 240))
    else:
        _ellipse(draw, cx + shift, mouth_y, mouth_w * 0.9, lip_h * (1.6 if extras.mouth_open else 1.0), fill=lips)
        draw.line([(cx - mouth_w * 0.85 + shift, mouth_y), (cx + mouth_w * 0.85 + shift, mouth_y)],
                  fill=(60, 20, 20) if not extras.mouth_open else (30, 10, 10), width=max(1, width))
    # Accessories.
    if extras.eyeglasses:
        frame = (25, 25, 25)
        for side in (-1, 1):
            ex = cx + side * fw * person.eye_spacing + shift
            draw.rounded_rectangle([ex - eye_w * 1.35, eye_y - eye_h * 1.8, ex + eye_w * 1.35, eye_y + eye_h * 1.8],
                                   radius=eye_w * 0.4, outline=frame, width=max(2, width + 1))
        draw.line([(cx - fw * person.eye_spacing + eye_w * 1.35 + shift, eye_y),
                   (cx + fw * person.eye_spacing - eye_w * 1.35 + shift, eye_y)], fill=frame, width=max(2, width + 1))
    if extras.hat:
        hat = tuple(int(v) for v in rng.integers(20, 200, size=3))
        draw.chord([cx - fw * 1.1, cy - fh * 1.35, cx + fw * 1.1, cy - fh * 0.25], 180, 360, fill=hat)
        draw.rectangle([cx - fw * 1.35, cy - fh * 0.82, cx + fw * 1.35, cy - fh * 0.7], fill=hat)


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
           extras: Extras = Extras(), second: Person | None = None, face_fraction: float = 0.27) -> Image.Image:
    """Draw one photo of ``size`` (width, height). ``person=None`` draws a scene with no face.

    ``second`` adds a smaller, off-centre second face (IMDB-WIKI's second_face_score).
    ``face_fraction`` is the face half-width as a fraction of the image width (aligned crops: about 0.27).
    """
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
