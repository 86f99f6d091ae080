"""The IMDB-WIKI mirror: ``wiki_crop/wiki.mat`` and ``wiki_crop/NN/<id>_<dob>_<year>.jpg``.

``wiki.mat`` holds one 1x1 MATLAB struct ``wiki`` whose fields have the real classes and shapes, all 1xN:
``dob`` int32 (MATLAB datenum), ``photo_taken`` uint16, ``full_path`` cell of char, ``gender`` double
(1 male, 0 female, NaN unknown), ``name`` cell of char (a few empty), ``face_location`` cell of 1x4
(double for a detected face; uint8 ``[1 1 1 1]`` or uint16 ``[1 1 w h]`` when no face was found),
``face_score`` double (-Inf when no face), ``second_face_score`` double (NaN when there is none).

The real set's faults come in its proportions: about 29 % of images without a face, 7 % with a second
face, 4 % unknown gender, about 2 % negative ages (photo taken before birth) and 1 % over 100 (birth
years such as 11 or 647). Each person has one photo. Age follows the dataset authors' definition: the
photo is taken on 1 July of ``photo_taken``.
"""

from __future__ import annotations

import datetime
import io

import numpy as np
import scipy.io

from helpers.synthetic import people

NO_FACE = 18016 / 62328
SECOND_FACE = 4096 / 62328
GENDER_UNKNOWN = 2643 / 62328
MALE_SHARE = 47063 / (47063 + 12622)
NEGATIVE_AGE = 1198 / 62328
OVER_100 = 500 / 62328
# Real ages (0-100) per decade, 0-9 ... 90-100, from wiki.mat.
AGE_DECADE_COUNTS = np.array([343, 3066, 24004, 12609, 7544, 5753, 3839, 2076, 1020, 376], dtype=float)
FIRST_NAMES = ["Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kofi",
               "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tara", "Umar", "Vera"]
LAST_NAMES = ["Adler", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat", "Ito", "Jensen",
              "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Silva", "Tanaka"]
MAT_HEADER = b"MATLAB 5.0 MAT-file, Platform: GLNXA64, Created by: age-gender-kit synthetic mirror"


def matlab_datenum(day: datetime.date) -> int:
    return day.toordinal() + 366


def age_at_photo(dob_datenum: int, photo_taken: int) -> int:
    """The dataset authors' age: the photo is taken on 1 July, so a birthday after June counts next year."""
    birth = datetime.date.fromordinal(max(int(dob_datenum) - 366, 1))
    return int(photo_taken) - birth.year - (0 if birth.month < 7 else 1)


def _entry(rng: np.random.Generator):
    """(age label, photo year, birth date, gender code) for one entry, faults included."""
    photo_taken = int(rng.integers(2000, 2016)) if rng.random() < 0.85 else int(rng.integers(1940, 2000))
    fault = rng.random()
    if fault < NEGATIVE_AGE:
        age = -int(rng.integers(1, 30))
    elif fault < NEGATIVE_AGE + OVER_100:
        age = photo_taken - int(rng.integers(1, 1000))  # a birth year such as 11 or 647
    else:
        decade = int(rng.choice(10, p=AGE_DECADE_COUNTS / AGE_DECADE_COUNTS.sum()))
        age = int(min(100, decade * 10 + rng.integers(0, 10 if decade < 9 else 11)))
    month, day = int(rng.integers(1, 13)), int(rng.integers(1, 29))
    year = photo_taken - age - (0 if month < 7 else 1)
    gender = np.nan if rng.random() < GENDER_UNKNOWN else (1.0 if rng.random() < MALE_SHARE else 0.0)
    return age, photo_taken, datetime.date(max(year, 1), month, day), gender


def build(preset, rng: np.random.Generator):
    """Return (columns of wiki.mat, render jobs)."""
    ids = set()
    while len(ids) < preset.wiki_entries:
        ids.add(int(rng.integers(10_000, 50_000_000)))
    ids = sorted(ids, key=str)  # the real file lists entries in this order
    columns = {k: [] for k in ("dob", "photo_taken", "full_path", "gender", "name", "face_location",
                               "face_score", "second_face_score")}
    jobs = []
    for person_id in ids:
        age, photo_taken, birth, gender = _entry(rng)
        side = int(rng.integers(preset.wiki_size[0], preset.wiki_size[1] + 1))
        path = f"{person_id % 100:02d}/{person_id}_{birth.year}-{birth.month:02d}-{birth.day:02d}_{photo_taken}.jpg"
        has_face = rng.random() >= NO_FACE
        second = has_face and rng.random() < SECOND_FACE / (1 - NO_FACE)
        shown_gender = {1.0: "m", 0.0: "f"}.get(gender, "m" if rng.random() < 0.5 else "f")
        shown_age = age if 0 <= age <= 100 else float(rng.uniform(18, 70))
        if has_face:
            score = float(max(0.73, rng.normal(3.3, 1.3)))
            half = side * 0.28
            location = np.array([[side / 2 - half * 1.1, side * 0.47 - half * 1.4,
                                  side / 2 + half * 1.1, side * 0.47 + half * 1.5]], dtype=np.float64)
        else:
            score = -np.inf
            location = (np.array([[1, 1, 1, 1]], dtype=np.uint8) if rng.random() < 0.52
                        else np.array([[1, 1, side, side]], dtype=np.uint16))
        columns["dob"].append(matlab_datenum(birth))
        columns["photo_taken"].append(photo_taken)
        columns["full_path"].append(path)
        columns["gender"].append(gender)
        columns["name"].append("" if rng.random() < 0.002 else
                               f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
        columns["face_location"].append(location)
        columns["face_score"].append(score)
        columns["second_face_score"].append(float(rng.uniform(0.73, 5.5)) if second else np.nan)
        person = people.draw_person(rng, shown_gender, shown_age, preset.difficulty) if has_face else None
        other = people.draw_person(rng, str(rng.choice(["m", "f"])), float(rng.uniform(5, 80))) if second else None
        # A low detector score goes with a harder photo.
        difficulty = preset.difficulty
        if has_face:
            difficulty = float(np.clip(preset.difficulty + 0.12 * (3.0 - score), 0.0, 1.0))
        jobs.append(dict(path=f"wiki_crop/{path}", person=person, second=other, size=(side, side),
                         difficulty=difficulty, face_fraction=0.28, seed=int(rng.integers(2**63))))
    return columns, jobs


def _cell(values) -> np.ndarray:
    cell = np.empty((1, len(values)), dtype=object)
    for i, value in enumerate(values):
        cell[0, i] = value
    return cell


def write_index(root, columns) -> None:
    """Write ``wiki_crop/wiki.mat`` (compressed MAT 5) with a fixed header so the bytes are reproducible."""
    fields = [("dob", np.int32), ("photo_taken", np.uint16), ("full_path", None), ("gender", np.float64),
              ("name", None), ("face_location", None), ("face_score", np.float64), ("second_face_score", np.float64)]
    struct = np.empty((1, 1), dtype=[(name, object) for name, _ in fields])
    for name, dtype in fields:
        values = columns[name]
        struct[0, 0][name] = _cell(values) if dtype is None else np.asarray(values, dtype=dtype).reshape(1, -1)
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, {"wiki": struct}, do_compression=True, format="5")
    data = bytearray(buffer.getvalue())
    data[:116] = MAT_HEADER.ljust(116)  # savemat stamps the current time here
    (root / "wiki_crop").mkdir(parents=True, exist_ok=True)
    (root / "wiki_crop" / "wiki.mat").write_bytes(bytes(data))
