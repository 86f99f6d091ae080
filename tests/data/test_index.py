"""The loaders' shared index (``helpers.data.index``): which paths from an index file may be used inside a
dataset root, and why not (the reason CelebA's rejects table shows)."""

from __future__ import annotations

import pytest

from helpers.data import index


@pytest.mark.parametrize("relative, reason", [
    ("", "empty path"),
    ("faces/a\x00.jpg", "NUL character in the path"),
    ("/etc/passwd", "absolute path"),
    ("\\\\server\\share\\a.jpg", "absolute path"),  # a Windows share
    ("\\a.jpg", "absolute path"),
    ("C:faces.jpg", "absolute path"),  # a Windows drive, even without a slash
    ("C:", "absolute path"),
    ("c:\\faces\\a.jpg", "absolute path"),
    ("../a.jpg", "path escapes the dataset root ('..')"),
    ("faces/../../a.jpg", "path escapes the dataset root ('..')"),
    ("faces/a.jpg", None),
    ("a", None),  # one character: no drive letter to look for
    ("..a.jpg", None),  # dots in a name are not a parent folder
    ("faces/a:b.jpg", None),  # a colon past the second character
])
def test_a_path_is_refused_with_its_reason_or_accepted(relative, reason):
    assert index.unsafe_path_reason(relative) == reason


def test_an_index_has_the_schemas_columns_in_order_with_types_that_keep_a_missing_value():
    frame = index.make_index([{"path": "a.jpg", "dataset": "adience", "age": 25.0, "line": 2, "fold": 0},
                              {"path": "b.jpg", "dataset": "adience", "gender": "f"}])
    assert list(frame.columns) == list(index.COLUMNS)
    types = {"age": "Float64", "age_group": "Int64", "fold": "Int64", "line": "Int64"}
    assert frame.dtypes.astype(str).to_dict() == {column: types.get(column, "string") for column in index.COLUMNS}
    assert frame.line.isna().tolist() == [False, True] and frame.age.isna().tolist() == [False, True]
    assert frame.gender.isna().tolist() == [True, False] and frame.age.iloc[0] == 25.0
