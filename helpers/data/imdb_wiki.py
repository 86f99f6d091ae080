"""IMDB-WIKI: ``wiki.mat`` (or ``imdb.mat``) into the kit's index, with the usual cleaning as options.

The .mat file holds one struct (``wiki`` or ``imdb``) of 1xN fields; see ``helpers/synthetic/imdb_wiki.py``
for the layout. Age follows the dataset authors' definition: the photo is taken on 1 July of ``photo_taken``,
so ``age = photo_taken - birth year``, one less for a birthday from July on; it goes into the 8 Adience groups
by the kit's one rule (``age_groups.age_group``).

The cleaning, each a named option with the common default: a detected face with ``face_score`` at least
``min_face_score`` (1.0); no second face (no ``second_face_score`` above 0); age within ``age_range``
(0-100); known gender. Always: a safe path and a known person (IMDB's ``celeb_id``, WIKI's page id at the
start of the file name). With these defaults the real ``wiki.mat`` gives exactly the 38,138 rows of yu4u's
widely used ``meta/wiki.csv``. Every dropped entry goes to the rejects with its reason (the first that
applies).
"""

from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.io

from helpers.data.age_groups import age_group
from helpers.data.index import LoadResult, Rejects, drop_missing_files, make_index, unsafe_path_reason


def birth_year_and_month(dob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Year and month of MATLAB datenums (day 1 = 1 January of year 0), vectorised."""
    ordinal = np.maximum(dob.astype(np.int64) - 366, 1)  # Python's date ordinal; as the authors clip
    days = (ordinal - 719163).astype("timedelta64[D]")  # 719163 = ordinal of 1970-01-01
    dates = np.datetime64("1970-01-01", "D") + days
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    return years, months


def ages_at_photo(dob: np.ndarray, photo_taken: np.ndarray) -> np.ndarray:
    years, months = birth_year_and_month(dob)
    return photo_taken.astype(np.int64) - years - (months >= 7)


def read_mat(path: Path) -> pd.DataFrame:
    """The struct in ``wiki.mat``/``imdb.mat`` as a raw DataFrame, one row per entry."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: the IMDB-WIKI folder (DATA_DIR/wiki_crop) holds wiki.mat "
                                "(or imdb_crop/ holds imdb.mat); README.md, 'Datasets'")
    try:
        contents = scipy.io.loadmat(path)
    except scipy.io.matlab.MatReadError as error:  # cut short or not a MATLAB file at all
        raise ValueError(f"{path} cannot be read as a MATLAB file ({error}): download wiki_crop.tar again and "
                         "unpack it") from error
    keys = [k for k in contents if not k.startswith("__")]
    if len(keys) != 1 or contents[keys[0]].dtype.names is None:
        raise ValueError(f"{path}: expected one MATLAB struct (wiki or imdb), found {keys}")
    struct = contents[keys[0]][0, 0]
    needed = {"dob", "photo_taken", "full_path", "gender", "face_score", "second_face_score"}
    missing = needed - set(struct.dtype.names)
    if missing:
        raise ValueError(f"{path}: the struct {keys[0]!r} lacks the fields {sorted(missing)}")
    full_path = struct["full_path"].ravel()
    return pd.DataFrame({
        "dob": struct["dob"].ravel().astype(np.int64),
        "photo_taken": struct["photo_taken"].ravel().astype(np.int64),
        "full_path": [str(p[0]) if len(p) else "" for p in full_path],
        "gender": struct["gender"].ravel().astype(float),
        "face_score": struct["face_score"].ravel().astype(float),
        "second_face_score": struct["second_face_score"].ravel().astype(float),
        "celeb_id": struct["celeb_id"].ravel() if "celeb_id" in struct.dtype.names else np.nan,
    })


def load_imdb_wiki(root, mat_name: str = "wiki.mat", min_face_score: float = 1.0, drop_second_faces: bool = True,
                   age_range: tuple[int, int] = (0, 100), require_gender: bool = True,
                   require_files: bool = True) -> LoadResult:
    """Read ``root/<mat_name>`` into the kit's index, cleaning as the options say (module docstring)."""
    root = Path(root)
    raw = read_mat(root / mat_name)
    raw["age"] = ages_at_photo(raw.dob.to_numpy(), raw.photo_taken.to_numpy())
    reasons = pd.Series("", index=raw.index, dtype=object)

    def reject_where(mask, reason):
        reasons[(reasons == "") & mask] = reason

    reject_where(raw.full_path.map(lambda p: unsafe_path_reason(p) is not None), "unsafe path")
    reject_where(np.isneginf(raw.face_score), "no face found (face_score -inf)")
    reject_where(raw.face_score < min_face_score, f"face_score below {min_face_score}")
    if drop_second_faces:
        reject_where(raw.second_face_score.notna() & (raw.second_face_score > 0), "second face in the image")
    reject_where((raw.age < age_range[0]) | (raw.age > age_range[1]), f"age outside {age_range[0]}-{age_range[1]}")
    if require_gender:
        reject_where(raw.gender.isna(), "gender unknown")
    # The person, whose faces the splits keep together: IMDB's celeb_id, or WIKI's page id before the first "_".
    if mat_name.startswith("imdb"):
        person = raw.celeb_id.astype("Int64").astype(str).where(raw.celeb_id.notna())
        reject_where(person.isna(), "person unknown (no celeb_id)")
    else:
        person = raw.full_path.str.extract(r"/(\d+)_", expand=False)
        reject_where(person.isna(), "person unknown (no page id before '_' in the file name)")

    rejects = Rejects()
    dropped = np.flatnonzero(reasons.to_numpy() != "")
    for position, reason, path in zip(dropped, reasons.to_numpy()[dropped], raw.full_path.to_numpy()[dropped]):
        rejects.add(mat_name, int(position) + 1, reason, path)
    kept = raw[reasons == ""]
    in_range = kept.age.between(0, 100)
    rows = pd.DataFrame({
        "dataset": "imdb_wiki", "path": kept.full_path, "subject": person[kept.index],
        "gender": kept.gender.map({1.0: "m", 0.0: "f"}), "age": kept.age.astype(float),
        "age_group": pd.Series(age_group(kept.age.clip(lower=0).to_numpy()), index=kept.index).where(in_range),
        "source": mat_name, "line": kept.index + 1,  # "line" is the entry's 1-based position in the struct
    }).to_dict("records")
    if require_files:
        rows = drop_missing_files(rows, root, rejects)
    return LoadResult("imdb_wiki", make_index(rows), rejects.frame(), collections.Counter())
