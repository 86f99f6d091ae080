"""SynthFaces: drawing one face, feature by feature, with the cues of its person's age and gender."""

from __future__ import annotations

import numpy as np
from PIL import ImageDraw

from helpers.synthetic.people import Extras, Person, aging, hair_rgb, lerp, maturity


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
    shade = lerp(skin, (40, 25, 20), 0.28)
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
        cap_colour = hair if person.hair_style != "infant" else lerp(skin, hair, 0.45)
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
        beard_colour = lerp(skin, hair, 0.35) if person.facial_hair == "stubble" else hair
        draw.polygon([(cx - fw * 0.97, cy + fh * 0.05), (cx - fw * jaw, cy + fh * 0.72),
                      (cx - fw * 0.3 + shift * 0.4, cy + fh * 1.04), (cx + fw * 0.3 + shift * 0.4, cy + fh * 1.04),
                      (cx + fw * jaw, cy + fh * 0.72), (cx + fw * 0.97, cy + fh * 0.05),
                      (cx + fw * 0.6, cy + fh * 0.3), (cx + shift, nose_y + fh * 0.03),
                      (cx - fw * 0.6, cy + fh * 0.3)], fill=beard_colour)
        _ellipse(draw, cx + shift, mouth_y, mouth_w * 0.75, fh * 0.07, fill=skin)
    if person.facial_hair in ("moustache", "beard"):
        _ellipse(draw, cx + shift, mouth_y - fh * 0.08, mouth_w * 0.85, fh * 0.055, fill=hair)
    # Wrinkles, folds and age spots.
    wrinkle = lerp(skin, (60, 35, 30), 0.22 + 0.38 * g)
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
            draw.line([(cx + side * fw * 0.2 + shift, nose_y),
                       (cx + side * mouth_w * 1.05 + shift, mouth_y + fh * 0.05)],
                      fill=wrinkle, width=width)
    if person.age > 60:
        spot = lerp(skin, (90, 60, 40), 0.45)
        for _ in range(int((person.age - 60) / 6)):
            sx, sy = cx + fw * rng.uniform(-0.7, 0.7), cy + fh * rng.uniform(-0.6, 0.2)
            _ellipse(draw, sx, sy, fw * 0.035, fw * 0.03, fill=spot)
    if m < 0.75:  # rosy cheeks
        for side in (-1, 1):
            _ellipse(draw, cx + side * fw * 0.5 + shift, nose_y, fw * 0.16, fh * 0.08,
                     fill=lerp(skin, (230, 110, 110), 0.3))
    # Eyes and eyebrows.
    eye_w = fw * (0.27 - 0.07 * m)
    eye_h = eye_w * (0.58 - 0.20 * g)
    brow = lerp(hair, (30, 25, 20), 0.3) if person.hair_style != "infant" else lerp(skin, hair, 0.35)
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
            draw.arc([ex - w, eye_y - eye_h, ex + w, eye_y + eye_h], 190, 350, fill=(20, 15, 15),
                     width=max(1, width + 1))
        by = eye_y - eye_h - fh * 0.08
        if fem_shape > 0.5:
            draw.arc([ex - w * 1.2, by - fh * 0.02, ex + w * 1.2, by + fh * 0.12], 200, 340, fill=brow, width=brow_w)
        else:
            draw.line([(ex - side * w * 1.1, by + fh * 0.02), (ex + side * w * 1.2, by - fh * 0.01)], fill=brow,
                      width=brow_w)
    # Nose.
    draw.line([(cx + shift * 1.1, eye_y + fh * 0.05), (cx + shift * 1.25, nose_y)], fill=shade, width=max(1, width))
    for side in (-1, 1):
        _ellipse(draw, cx + shift * 1.2 + side * fw * (0.06 + 0.04 * m), nose_y, fw * 0.035, fw * 0.025, fill=shade)
    # Mouth.
    lips = lerp(skin, (200, 30, 60), 0.75) if person.lipstick else lerp(skin, (170, 80, 80), 0.45)
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
