"""The one index every loader returns, and the account of every row it leaves out.

An index is a pandas DataFrame with these columns, whatever the dataset:

============  ==========================================================================================
dataset       ``adience``, ``celeba`` or ``imdb_wiki``
path          image path relative to the dataset's root folder (``DATA_DIR/adience`` ...)
subject       the person or album that must never cross splits: Adience user_id, CelebA identity,
              IMDB-WIKI person id
gender        ``m``, ``f`` or missing (then the row is out of the gender task)
age           age in years where the source gives one (IMDB-WIKI; Adience's single-number labels)
age_group     0-7 for the 8 Adience groups (``age_groups.age_group``), or missing (then the row is out of the age task)
fold          Adience fold 0-4 (missing elsewhere)
split         CelebA's official partition ``train``/``validation``/``test`` (missing elsewhere)
source        the index file the row came from
line          its line number there (1 = first line), so a row can be traced back
============  ==========================================================================================

Every row a loader does not keep goes to the *rejects* table with its source file, line number and a
reason, so nothing is lost silently; :meth:`LoadResult.summary` counts both.
"""

from __future__ import annotations

import collections
import dataclasses
import os
from pathlib import Path

import pandas as pd

COLUMNS = ["dataset", "path", "subject", "gender", "age", "age_group", "fold", "split", "source", "line"]
REJECT_COLUMNS = ["source", "line", "reason", "detail"]


class Rejects:
    """Collects the rows a loader leaves out."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, source: str, line: int | None, reason: str, detail: str = "") -> None:
        self.rows.append({"source": source, "line": line, "reason": reason, "detail": detail})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=REJECT_COLUMNS)


@dataclasses.dataclass
class LoadResult:
    """What a loader returns: the clean index, the rejected rows, and counts of what it changed."""

    dataset: str
    index: pd.DataFrame
    rejects: pd.DataFrame
    notes: collections.Counter  # e.g. {"age '35' -> (38, 43)": 294}
    warnings: list[str] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.dataset}: kept {len(self.index)} rows, rejected {len(self.rejects)}"]
        for reason, count in self.rejects.reason.value_counts().items():
            lines.append(f"  rejected  {count:>7}  {reason}")
        for note, count in sorted(self.notes.items()):
            lines.append(f"  changed   {count:>7}  {note}")
        lines += [f"  WARNING   {warning}" for warning in self.warnings]
        return "\n".join(lines)


def make_index(rows: list[dict]) -> pd.DataFrame:
    """Build an index with the schema's columns and dtypes from row dicts (missing keys become NA)."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({"age": "Float64", "age_group": "Int64", "fold": "Int64", "line": "Int64",
                         "gender": "string", "split": "string", "subject": "string", "path": "string",
                         "dataset": "string", "source": "string"})


def unsafe_path_reason(relative: str) -> str | None:
    """Why ``relative`` may not be used as a path inside a dataset root, or None if it is safe."""
    if not relative:
        return "empty path"
    if "\x00" in relative:
        return "NUL character in the path"
    if os.path.isabs(relative) or relative.startswith(("/", "\\")) or (len(relative) > 1 and relative[1] == ":"):
        return "absolute path"
    parts = Path(relative).parts
    if ".." in parts:
        return "path escapes the dataset root ('..')"
    return None


def drop_missing_files(rows: list[dict], root: Path, rejects: Rejects) -> list[dict]:
    """Keep the rows whose image exists under ``root``; reject the others as 'missing image file'."""
    kept = []
    for row in rows:
        if (root / row["path"]).is_file():
            kept.append(row)
        else:
            rejects.add(row["source"], row["line"], "missing image file", row["path"])
    return kept
