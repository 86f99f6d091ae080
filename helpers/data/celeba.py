"""CelebA: the attribute, partition and identity lists joined into the kit's index (gender from ``Male``).

``list_attr_celeba.txt`` starts with a count line and the 40 attribute names; each row is an image name
and 40 values of 1 or -1. ``list_eval_partition.txt`` gives 0 (train), 1 (validation) or 2 (test), and
``identity_CelebA.txt`` the person. An image is kept only if all three files list it; a file that is
shorter than the others, or whose count line disagrees with its rows, is reported as a warning and every
row it lacks goes to the rejects.
"""

from __future__ import annotations

import collections
from pathlib import Path

from helpers.data.index import LoadResult, Rejects, drop_missing_files, make_index, unsafe_path_reason

PARTITIONS = {"0": "train", "1": "validation", "2": "test"}
FILES = ("list_attr_celeba.txt", "list_eval_partition.txt", "identity_CelebA.txt")


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: the CelebA folder (DATA_DIR/celeba) holds {', '.join(FILES)} "
                                "and img_align_celeba/ (README.md, 'Datasets')")
    return path.read_bytes().decode("ascii", errors="replace").splitlines()  # CRLF or LF, last newline optional


def _pairs(path: Path, rejects: Rejects, valid: set[str]) -> dict[str, tuple[str, int]]:
    """name -> (value, line number) for a two-column list file."""
    found = {}
    for number, line in enumerate(_lines(path), start=1):
        fields = line.split()
        if len(fields) != 2:
            rejects.add(path.name, number, "wrong column count", f"{len(fields)} fields, want 2")
        elif valid and fields[1] not in valid:
            rejects.add(path.name, number, f"unknown label {fields[1]!r}")
        else:
            found[fields[0]] = (fields[1], number)
    return found


def load_celeba(root, require_files: bool = True) -> LoadResult:
    """Read the three CelebA list files under ``root`` into the kit's index."""
    root = Path(root)
    rejects, warnings = Rejects(), []
    attr_path = root / FILES[0]
    lines = _lines(attr_path)
    if len(lines) < 2 or not lines[0].strip().isdigit():
        raise ValueError(f"{attr_path}:1: the first line should be the number of images, then the 40 attribute names")
    stated, names = int(lines[0]), lines[1].split()
    if "Male" not in names:
        raise ValueError(f"{attr_path}:2: no 'Male' among the attribute names {names[:5]}...")
    male_column = names.index("Male")
    attributes = {}
    for number, line in enumerate(lines[2:], start=3):
        fields = line.split()
        if len(fields) != len(names) + 1:
            rejects.add(attr_path.name, number, "wrong column count", f"{len(fields)} fields, want {len(names) + 1}")
        elif not set(fields[1:]) <= {"1", "-1"}:
            rejects.add(attr_path.name, number, "unknown attribute value", line[:80])
        else:
            attributes[fields[0]] = (fields[1 + male_column], number)
    if stated != len(lines) - 2:
        warnings.append(f"{attr_path.name}: the count line says {stated} images but the file has {len(lines) - 2} "
                        "rows (a truncated or edited copy?)")
    partitions = _pairs(root / FILES[1], rejects, set(PARTITIONS))
    identities = _pairs(root / FILES[2], rejects, set())
    everywhere = attributes.keys() & partitions.keys() & identities.keys()
    listed_anywhere = attributes.keys() | partitions.keys() | identities.keys()
    for listing, file in ((attributes, FILES[0]), (partitions, FILES[1]), (identities, FILES[2])):
        lacking = listed_anywhere - listing.keys()
        if lacking:
            warnings.append(f"{file} lacks {len(lacking)} images listed in the other files; they are rejected")
            for image in sorted(lacking):
                source = FILES[1] if image in partitions else FILES[0] if image in attributes else FILES[2]
                line = (partitions.get(image) or attributes.get(image) or identities.get(image))[1]
                rejects.add(source, line, f"not in {file}", image)
    rows = []
    for image in sorted(everywhere):
        relative = f"img_align_celeba/{image}"
        unsafe = unsafe_path_reason(image) or ("/" in image and "slash in image name") or None
        if unsafe:
            rejects.add(FILES[0], attributes[image][1], "unsafe path", f"{unsafe}: {image}")
            continue
        if not identities[image][0].isdigit():
            rejects.add(FILES[2], identities[image][1], "malformed line", f"identity {identities[image][0]!r}")
            continue
        rows.append({"dataset": "celeba", "path": relative, "subject": identities[image][0],
                     "gender": "m" if attributes[image][0] == "1" else "f", "split": PARTITIONS[partitions[image][0]],
                     "source": FILES[0], "line": attributes[image][1]})
    if require_files:
        rows = drop_missing_files(rows, root, rejects)
    return LoadResult("celeba", make_index(rows), rejects.frame(), collections.Counter(), warnings)
