"""SynthFaces: the people, what stays the same across one subject's photos, and the cues they carry.

A :class:`Person` holds a subject's face shape, skin tone, eye colour, hair, facial hair, make-up and how
early they grey; ``helpers.synthetic.drawing`` draws them and ``helpers.synthetic.faces`` photographs
them.
The cues a network can learn are all continuous in age, so that neighbouring age groups look alike and
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
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

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


def lerp(a, b, t: float) -> tuple[int, int, int]:
    """The colour a fraction ``t`` of the way from ``a`` to ``b``."""
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
        skin=lerp(SKIN_LIGHT, SKIN_DARK, rng.beta(1.6, 2.6)),
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
    return lerp(HAIR_COLOURS[person.hair_colour], GREY_HAIR, grey)
