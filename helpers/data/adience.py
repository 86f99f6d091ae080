"""Adience: from the five fold files to one clean index.

Each fold file (``fold_{k}_data.txt``) is tab-separated with a 12-column header; a row names one face in
one photo, and its image is ``aligned/<user_id>/landmark_aligned_face.<face_id>.<original_image>``.

Two modes:

* **default**: every usable row, with the odd age labels mapped to the 8 groups (table below), exact
  duplicate lines dropped, and gender ``u`` or empty kept for the age task only. Each mapping and each
  dropped row is counted.
* **strict** (``strict=True``): exactly the rows of the official per-fold lists of Levi & Hassner: age only
  where the label is one of the 8 canonical strings, gender only m/f, duplicate lines kept.

Odd labels in the default mode: a single age goes to its group by the kit's one rule
(``age_groups.age_group``: the group it falls in, or the one with the nearest bound, a tie to the older
group: '3' -> (4, 6), '35' -> (38, 43)). Ranges: '(27, 32)' and
the typo '(25, 23)' -> (25, 32); '(38, 42)' and '(38, 48)' -> (38, 43). '(8, 23)' spans three groups and is
rejected as ambiguous; 'None' leaves the age missing (the row still serves the gender task).
"""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pandas as pd

from helpers.data.age_groups import AGE_GROUPS, age_group
from helpers.data.index import LoadResult, Rejects, drop_missing_files, make_index, unsafe_path_reason

HEADER = ["user_id", "original_image", "face_id", "age", "gender", "x", "y", "dx", "dy", "tilt_ang",
          "fiducial_yaw_angle", "fiducial_score"]
RANGE_LABELS = {"(27, 32)": 4, "(25, 23)": 4, "(38, 42)": 5, "(38, 48)": 5}
AMBIGUOUS_LABELS = {"(8, 23)"}


def image_path(user_id: str, face_id: str, original_image: str) -> str:
    return f"aligned/{user_id}/landmark_aligned_face.{face_id}.{original_image}"


def _name_problem(name: str) -> str | None:
    """Why a user_id or image name cannot be one path component inside aligned/, or None."""
    return unsafe_path_reason(name) or ("slash in a name" if "/" in name or "\\" in name else None)


def _age_fields(label: str, strict: bool):
    """(age in years or None, group or None, note or None, reject reason or None) for an age string."""
    if label in AGE_GROUPS:
        return None, AGE_GROUPS.index(label), None, None
    if strict:
        return None, None, None, None
    if label == "None":
        return None, None, None, None
    if label in RANGE_LABELS:
        group = RANGE_LABELS[label]
        return None, group, f"age {label!r} -> {AGE_GROUPS[group]}", None
    if label in AMBIGUOUS_LABELS:
        return None, None, None, f"ambiguous age label {label!r}"
    if re.fullmatch(r"\d{1,3}", label):
        group = age_group(int(label))
        return int(label), group, f"age {label!r} -> {AGE_GROUPS[group]}", None
    return None, None, None, f"unknown age label {label!r}"


def header_problem(path, first_line: str) -> str | None:
    """What is wrong with a fold file's first line, naming ``path``:1; None when it is the 12-column header."""
    if first_line.rstrip("\r\n").split("\t") == HEADER:
        return None
    return (f"{path}:1: not an Adience fold file: its first line is {first_line[:40]!r}, not the 12 "
            "tab-separated column names")


def _require_header(path: Path, first_line: str) -> None:
    if problem := header_problem(path, first_line):
        raise ValueError(f"{problem} {' '.join(HEADER)}; check that the Adience folder (DATA_DIR/adience) holds "
                         "the original fold_0_data.txt ... fold_4_data.txt")


def read_fold_file(path: Path, fold: int, strict: bool, rejects: Rejects, notes: collections.Counter) -> list[dict]:
    """Parse one fold file into index rows, sending bad lines to ``rejects``."""
    source = path.name
    text = path.read_bytes().decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    _require_header(path, lines[0] if lines else "")
    rows, seen = [], set()
    for number, line in enumerate(lines[1:], start=2):
        line = line.rstrip("\r")
        fields = line.split("\t")
        if len(fields) != len(HEADER):
            rejects.add(source, number, "wrong column count", f"{len(fields)} fields, want {len(HEADER)}")
            continue
        user_id, original_image, face_id, age_label, gender_label = fields[:5]
        if not strict and line in seen:
            rejects.add(source, number, "duplicate line")
            continue
        seen.add(line)
        if not re.fullmatch(r"\d+", face_id):
            rejects.add(source, number, "malformed line", f"face_id {face_id!r} is not a number")
            continue
        if not user_id or not original_image:
            rejects.add(source, number, "malformed line", "empty user_id or original_image")
            continue
        relative = image_path(user_id, face_id, original_image)
        unsafe = _name_problem(user_id) or _name_problem(original_image)
        if unsafe:
            rejects.add(source, number, "unsafe path", f"{unsafe}: {relative}")
            continue
        years, group, note, reason = _age_fields(age_label, strict)
        if reason:
            rejects.add(source, number, reason)
            continue
        if gender_label in ("m", "f"):
            gender = gender_label
        elif gender_label in ("u", ""):
            gender = None
        else:
            rejects.add(source, number, f"unknown gender label {gender_label!r}")
            continue
        if group is None and gender is None:
            rejects.add(source, number, "no usable label", f"age {age_label!r}, gender {gender_label!r}")
            continue
        if note:
            notes[note] += 1
        rows.append({"dataset": "adience", "path": relative, "subject": user_id, "gender": gender, "age": years,
                     "age_group": group, "fold": fold, "source": source, "line": number})
    return rows


def fold_path(root, fold: int) -> Path:
    """``root/fold_<fold>_data.txt``, or a FileNotFoundError that says what the Adience folder should hold."""
    path = Path(root) / f"fold_{fold}_data.txt"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: the Adience folder (DATA_DIR/adience) holds fold_0_data.txt "
                                "... fold_4_data.txt and aligned/ (README.md, 'Datasets'; "
                                "python -m helpers.data.preflight DATA_DIR checks a data folder)")
    return path


def raw_fold(root, fold: int) -> pd.DataFrame:
    """One fold file as it is, every field a string (to look at before :func:`load_adience` cleans it)."""
    path = fold_path(root, fold)
    with path.open("rb") as handle:
        _require_header(path, handle.readline().decode("utf-8", errors="replace"))
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def load_adience(root, strict: bool = False, require_files: bool = True) -> LoadResult:
    """Read ``root/fold_{0..4}_data.txt`` into the kit's index (see the module docstring for the modes).

    ``require_files`` rejects rows whose image is missing under ``root``; turn it off to study the index
    files alone.
    """
    root = Path(root)
    rejects, notes = Rejects(), collections.Counter()
    rows = []
    for fold in range(5):
        rows += read_fold_file(fold_path(root, fold), fold, strict, rejects, notes)
    if require_files:
        rows = drop_missing_files(rows, root, rejects)
    index = make_index(rows)
    overlap = index.groupby("subject").fold.nunique()
    if (overlap > 1).any():
        raise ValueError(f"{root}: users appear in more than one fold: {list(overlap[overlap > 1].index[:5])}; "
                         "the fold files are not the subject-exclusive Adience folds")
    return LoadResult("adience", index, rejects.frame(), notes)


def official_list_lines(index: pd.DataFrame, task: str) -> pd.DataFrame:
    """The (path, label) pairs of the official per-fold lists for ``task`` ('age' or 'gender').

    Paths are relative to ``aligned/`` as in those lists; age labels are 0-7, gender m=0 and f=1.
    """
    if task == "age":
        rows = index[index.age_group.notna()]
        labels = rows.age_group.astype(int)
    else:
        rows = index[index.gender.isin(["m", "f"])]
        labels = (rows.gender == "f").astype(int)
    return pd.DataFrame({"path": rows.path.str.removeprefix("aligned/").to_numpy(), "label": labels.to_numpy(),
                         "fold": rows.fold.to_numpy()})
