"""Loaders: exact counts on the real index files, the same code on the mirrors, and an account of bad input."""

from __future__ import annotations

import collections
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from helpers.data import adience, celeba, image_checks, imdb_wiki, splits
from helpers.data import index as dataset_index
from tests.conftest import adience_placeholders

ADIENCE_HEADER = "\t".join(adience.HEADER)


# --- Adience on the real fold files ----------------------------------------------------------------

@pytest.fixture(scope="module")
def real_adience(real_index):
    return adience.load_adience(real_index / "adience", require_files=False)


def test_adience_default_counts_on_the_real_files(real_adience, real_index):
    reasons = real_adience.rejects.reason.value_counts().to_dict()
    assert reasons == {"no usable label": 708, "duplicate line": 117, "ambiguous age label '(8, 23)'": 1}
    assert len(real_adience.index) == 19487 - 117 - 708 - 1 == 18661
    notes = real_adience.notes
    assert notes["age '(25, 23)' -> (25, 32)"] == 72 and notes["age '(27, 32)' -> (25, 32)"] == 77
    assert notes["age '35' -> (38, 43)"] == 293 and notes["age '3' -> (4, 6)"] == 18  # one '35' line is a duplicate
    assert sum(notes.values()) == 1300  # 1,309 odd labels that map, 9 of them on duplicate lines
    # Independently: after dropping duplicates, every row whose age is neither 'None' nor '(8, 23)' has a group.
    raw = pd.concat([pd.read_csv(real_index / f"adience/fold_{k}_data.txt", sep="\t", dtype=str, keep_default_na=False)
                     for k in range(5)]).drop_duplicates()
    kept = real_adience.index
    assert kept.age_group.notna().sum() == (~raw.age.isin(["None", "(8, 23)"])).sum()
    assert set(kept.gender.dropna()) == {"m", "f"}
    assert kept.groupby("subject").fold.nunique().max() == 1


def test_adience_strict_reproduces_the_official_lists_exactly(real_index):
    strict = adience.load_adience(real_index / "adience", strict=True, require_files=False)
    assert strict.index.age_group.notna().sum() == 17424
    assert strict.index.gender.notna().sum() == 17603
    for task in ("age", "gender"):
        lines = adience.official_list_lines(strict.index, task)
        for fold in range(5):
            official = pd.read_csv(
                real_index / f"adience/train_val_txt_files_per_fold/test_fold_is_{fold}/{task}_test.txt",
                sep=" ",
                header=None,
                names=["path", "label"],
            )
            ours = lines[lines.fold == fold]
            # line by line as the files write them ("3", not "3.0")
            assert collections.Counter(f"{path} {label}" for path, label in zip(ours.path, ours.label)) == (
                collections.Counter(f"{path} {label}" for path, label in zip(official.path, official.label))
            ), (task, fold)


def test_adience_rejects_missing_images_and_keeps_present_ones(real_index, tmp_path):
    root = tmp_path / "adience"
    adience_placeholders(real_index, root)
    index = adience.load_adience(root, require_files=False).index
    removed = index.path.iloc[[0, 500, 9000]].tolist()
    for relative in removed:
        (root / relative).unlink()
    result = adience.load_adience(root)
    missing = result.rejects[result.rejects.reason == "missing image file"]
    assert sorted(missing.detail) == sorted(removed)
    assert len(result.index) == 18661 - (index.path.isin(removed)).sum()


# --- bad Adience input ------------------------------------------------------------------------------


def _adience_root(tmp_path, fold0_rows):
    root = tmp_path / "adience"
    root.mkdir()
    (root / "fold_0_data.txt").write_text(ADIENCE_HEADER + "\n" + "".join(r + "\n" for r in fold0_rows))
    for fold in range(1, 5):
        (root / f"fold_{fold}_data.txt").write_text(ADIENCE_HEADER + "\n")
    return root


def _row(user="111@N01", image="1_aa_o.jpg", face="1", age="(25, 32)", gender="f"):
    return "\t".join([user, image, face, age, gender, "0", "0", "10", "10", "0", "0", "50"])


def test_bad_adience_lines_are_rejected_with_line_and_reason(tmp_path):
    rows = [
        _row(),  # line 2: good
        _row(),  # line 3: duplicate of line 2
        _row(face="2")[:-3],  # line 4: 11 fields
        _row(face="3", age="abc"),  # line 5: unknown age label
        _row(face="4", gender="x"),  # line 6: unknown gender label
        _row(user="..", face="5"),  # line 7: escapes the root
        _row(user="/etc", face="6"),  # line 8: absolute path
        _row(image="../../passwd", face="7"),  # line 9: slash in the image name
        _row(face="eight"),  # line 10: face_id not a number
        _row(face="9", age="None", gender="u"),  # line 11: nothing to learn from
        _row(face="10", image="2_bb_o.jpg"),  # line 12: image file missing
        "just some text",  # line 13: malformed
        _row(user="111@N01/x", face="11"),  # line 14: a user_id of two folders
        _row(image="1_aa\\o.jpg", face="12"),  # line 15: a backslash, a folder on Windows
        _row(user="", face="13"),  # line 16: no user, so no folder and no person
        _row(image="", face="14"),  # line 17: no image name
    ]
    root = _adience_root(tmp_path, rows)
    good = root / adience.image_path("111@N01", "1", "1_aa_o.jpg")
    good.parent.mkdir(parents=True)
    Image.new("RGB", (64, 64)).save(good)
    result = adience.load_adience(root)
    got = dict(zip(result.rejects.line, result.rejects.reason))
    assert got == {
        3: "duplicate line",
        4: "wrong column count",
        5: "unknown age label 'abc'",
        6: "unknown gender label 'x'",
        7: "unsafe path",
        8: "unsafe path",
        9: "unsafe path",
        10: "malformed line",
        11: "no usable label",
        12: "missing image file",
        13: "wrong column count",
        14: "unsafe path",
        15: "unsafe path",
        16: "malformed line",
        17: "malformed line",
    }
    assert set(result.rejects.source) == {"fold_0_data.txt"}
    details = dict(zip(result.rejects.line, result.rejects.detail))
    assert details[4] == "11 fields, want 12" and details[10] == "face_id 'eight' is not a number"
    assert details[14] == "slash in a name: aligned/111@N01/x/landmark_aligned_face.11.1_aa_o.jpg"
    assert details[15] == "slash in a name: aligned/111@N01/landmark_aligned_face.12.1_aa\\o.jpg"
    assert details[16] == details[17] == "empty user_id or original_image"
    assert details[11] == "age 'None', gender 'u'"
    assert result.index.line.tolist() == [2]
    assert len(result.index) + len(result.rejects) == len(rows)  # nothing lost silently


def test_a_file_that_is_not_a_fold_file_gets_a_clear_error(tmp_path):
    root = _adience_root(tmp_path, [])
    (root / "fold_2_data.txt").write_text("name,age\nx,3\n")
    with pytest.raises(ValueError, match=r"fold_2_data.txt:1: not an Adience fold file"):
        adience.load_adience(root)
    (root / "fold_2_data.txt").write_text("")
    with pytest.raises(ValueError, match=r"fold_2_data.txt:1: not an Adience fold file: its first line is '', not"):
        adience.load_adience(root)
    long_line = "a spreadsheet's first row, saved over the fold file by mistake"
    (root / "fold_2_data.txt").write_text(long_line + "\n")
    with pytest.raises(ValueError) as raised:
        adience.load_adience(root)
    assert str(raised.value) == (  # the first 40 characters of the line, the header it wants, what to check
        f"{root / 'fold_2_data.txt'}:1: not an Adience fold file: its first line is {long_line[:40]!r}, not the 12 "
        f"tab-separated column names {' '.join(adience.HEADER)}; check that the Adience folder (DATA_DIR/adience) "
        "holds the original fold_0_data.txt ... fold_4_data.txt")
    for header in (" ".join(adience.HEADER),  # spaces for tabs, as an editor may save it
                   ADIENCE_HEADER + "\t"):  # a 13th, empty, column
        (root / "fold_2_data.txt").write_text(header + "\n")
        with pytest.raises(ValueError, match="not an Adience fold file"):
            adience.load_adience(root)
    (root / "fold_2_data.txt").unlink()
    with pytest.raises(FileNotFoundError) as raised:
        adience.load_adience(root)
    assert str(raised.value) == (
        f"{root / 'fold_2_data.txt'} not found: the Adience folder (DATA_DIR/adience) holds fold_0_data.txt ... "
        "fold_4_data.txt and aligned/ (README.md, 'Datasets'; python -m helpers.data.preflight DATA_DIR checks a "
        "data folder)")


def test_users_in_more_than_one_fold_are_refused_naming_five_of_them(tmp_path):
    alone = _row(user="000@N0", face="99")  # in fold 0 only, and first in order: not named
    root = _adience_root(tmp_path, [alone] + [_row(user=f"{n}@N0{n}", face=str(n)) for n in range(6)])
    (root / "fold_3_data.txt").write_text(  # the same six users again in fold 3: not the subject-exclusive folds
        ADIENCE_HEADER + "\n" + "".join(_row(user=f"{n}@N0{n}", face=str(10 + n)) + "\n" for n in range(6)))
    with pytest.raises(ValueError) as raised:
        adience.load_adience(root, require_files=False)
    assert str(raised.value) == (f"{root}: users appear in more than one fold: ['0@N00', '1@N01', '2@N02', "
                                 "'3@N03', '4@N04']; the fold files are not the subject-exclusive Adience folds")
    (root / "fold_3_data.txt").write_text(ADIENCE_HEADER + "\n")
    result = adience.load_adience(root, require_files=False)
    assert len(result.index) == 7 and result.summary().startswith("adience: kept 7 rows, rejected 0")


def test_a_fold_file_saved_with_windows_line_endings_or_a_stray_byte_reads_the_same(tmp_path):
    root = _adience_root(tmp_path, [])
    last_empty = _row(face="2")[:-2]  # its last column, a fiducial score, left empty: still 12 fields
    in_years = _row(face="5", age="35")  # an age in years: kept, and put in its group
    lines = [ADIENCE_HEADER, _row(), _row(face="3", image="1_\xe9_o.jpg"), last_empty, in_years, _row()]
    data = "\r\n".join(lines).encode("latin-1")  # and no line ending after the last line: a copy of line 2
    (root / "fold_0_data.txt").write_bytes(data)
    result = adience.load_adience(root, require_files=False)
    assert result.index.line.tolist() == [2, 3, 4, 5] and set(result.index.dataset) == {"adience"}
    assert result.index.path.tolist()[1] == "aligned/111@N01/landmark_aligned_face.3.1_\ufffd_o.jpg"
    assert result.index.age.tolist()[3] == 35 and result.index.age_group.tolist() == [4, 4, 4, 5]
    assert dict(zip(result.rejects.line, result.rejects.reason)) == {6: "duplicate line"}


# --- CelebA -----------------------------------------------------------------------------------------


def test_celeba_counts_on_the_real_files(real_index):
    result = celeba.load_celeba(real_index / "celeba", require_files=False)
    assert len(result.index) == 202599 and len(result.rejects) == 0 and not result.warnings
    assert result.index.split.value_counts().to_dict() == {"train": 162770, "validation": 19867, "test": 19962}
    assert (result.index.gender == "m").sum() == 84434
    assert result.index.subject.nunique() == 10177


def test_celeba_truncated_real_copy_is_reported_not_silently_shortened(real_index, tmp_path):
    shutil.copy(real_index / "celeba/partial/list_attr_celeba.first821.txt", tmp_path / "list_attr_celeba.txt")
    for name in ("list_eval_partition.txt", "identity_CelebA.txt"):
        shutil.copy(real_index / "celeba" / name, tmp_path / name)
    result = celeba.load_celeba(tmp_path, require_files=False)
    assert len(result.index) == 821  # the last row has no line ending and is still read
    assert result.index.path.iloc[-1] == "img_align_celeba/000821.jpg"
    assert any("lacks 201778 images" in w for w in result.warnings)
    assert (result.rejects.reason == "not in list_attr_celeba.txt").sum() == 201778


def test_bad_celeba_rows_are_rejected(tmp_path):
    names = " ".join(f"A{i}" for i in range(19)) + " Male " + " ".join(f"B{i}" for i in range(20))
    good = " ".join(["1"] * 40)
    (tmp_path / "list_attr_celeba.txt").write_text(
        f"5\r\n{names} \r\n000001.jpg {good}\r\n000002.jpg {' '.join(['1'] * 39)}\r\n"
        f"000003.jpg {good.replace('1', '0', 1)}\r\n"
        f"000004.jpg {good}\r\n../x.jpg {good}\r\n"
    )
    (tmp_path / "list_eval_partition.txt").write_text(
        "000001.jpg 0\r\n000002.jpg 0\r\n000003.jpg 1\r\n000004.jpg 7\r\n../x.jpg 2\r\n"
    )
    (tmp_path / "identity_CelebA.txt").write_text(
        "000001.jpg 1\r\n000002.jpg 2\r\n000003.jpg 3\r\n000004.jpg 4\r\n../x.jpg 5\r\n"
    )
    (tmp_path / "img_align_celeba").mkdir()
    Image.new("RGB", (178, 218)).save(tmp_path / "img_align_celeba/000001.jpg")
    result = celeba.load_celeba(tmp_path)
    reasons = collections.Counter(result.rejects.reason)
    assert result.index.path.tolist() == ["img_align_celeba/000001.jpg"]
    assert reasons["wrong column count"] == 1 and reasons["unknown attribute value"] == 1
    assert reasons["unknown label '7'"] == 1 and reasons["unsafe path"] == 1
    assert not any("count line" in w for w in result.warnings)


def test_celeba_rejects_name_their_file_line_and_detail_and_kept_rows_their_person_gender_and_split(tmp_path):
    names = " ".join(f"A{i}" for i in range(19)) + " Male " + " ".join(f"B{i}" for i in range(20))
    male, female = " ".join(["-1"] * 19 + ["1"] + ["-1"] * 20), " ".join(["1"] * 19 + ["-1"] + ["1"] * 20)
    (tmp_path / "list_attr_celeba.txt").write_text(
        f"9\n{names}\n000001.jpg {male}\n000002.jpg {female}\n000003.jpg {male}\n000004.jpg {female}\n"
        f"a/b.jpg {male}\n000006.jpg 1 1\n000007.jpg {female}\n000010.jpg {male.replace('-1', '0', 1)}\n")
    # the count says 9 images; the file has 8 rows
    (tmp_path / "list_eval_partition.txt").write_text(
        "000001.jpg 0\n000002.jpg 1\n000003.jpg 2\n000004.jpg 2\na/b.jpg 0\n000006.jpg 0\n000008.jpg 0\nbroken\n"
        "000005.jpg 3\n")
    (tmp_path / "identity_CelebA.txt").write_bytes(  # a stray byte, read as a replacement character
        b"000001.jpg 11\n000002.jpg 12\n000003.jpg x7\n000004.jpg 11\na/b.jpg 5\n000006.jpg 6\n000007.jpg 7\n"
        b"00000\xe9.jpg 9\nsix\n")
    result = celeba.load_celeba(tmp_path, require_files=False)
    kept = result.index.set_index("path")
    assert kept.index.tolist() == ["img_align_celeba/000001.jpg", "img_align_celeba/000002.jpg",
                                   "img_align_celeba/000004.jpg"]
    assert kept.gender.tolist() == ["m", "f", "f"] and kept.split.tolist() == ["train", "validation", "test"]
    assert kept.subject.tolist() == ["11", "12", "11"] and kept.line.tolist() == [3, 4, 6]
    assert set(kept.source) == {"list_attr_celeba.txt"} and set(kept.dataset) == {"celeba"}
    assert result.summary().startswith("celeba: kept 3 rows, rejected 13\n")
    rejects = {(row.source, row.line, row.reason, row.detail) for row in result.rejects.itertuples()}
    assert rejects == {
        ("list_attr_celeba.txt", 8, "wrong column count", "3 fields, want 41"),
        ("list_eval_partition.txt", 8, "wrong column count", "1 fields, want 2"),
        ("identity_CelebA.txt", 3, "malformed line", "identity 'x7'"),
        ("list_attr_celeba.txt", 7, "unsafe path", "slash in image name: a/b.jpg"),
        ("list_eval_partition.txt", 6, "not in list_attr_celeba.txt", "000006.jpg"),  # its row was rejected
        ("list_eval_partition.txt", 7, "not in list_attr_celeba.txt", "000008.jpg"),
        ("list_eval_partition.txt", 7, "not in identity_CelebA.txt", "000008.jpg"),
        ("list_attr_celeba.txt", 9, "not in list_eval_partition.txt", "000007.jpg"),
        ("list_eval_partition.txt", 9, "unknown label '3'", ""),
        ("list_attr_celeba.txt", 10, "unknown attribute value", f"000010.jpg {male.replace('-1', '0', 1)}"[:80]),
        ("identity_CelebA.txt", 8, "not in list_attr_celeba.txt", "00000\ufffd.jpg"),
        ("identity_CelebA.txt", 8, "not in list_eval_partition.txt", "00000\ufffd.jpg"),
        ("identity_CelebA.txt", 9, "wrong column count", "1 fields, want 2"),
    }
    assert result.warnings == [
        "list_attr_celeba.txt: the count line says 9 images but the file has 8 rows (a truncated or edited copy?)",
        "list_attr_celeba.txt lacks 3 images listed in the other files; they are rejected",
        "list_eval_partition.txt lacks 2 images listed in the other files; they are rejected",
        "identity_CelebA.txt lacks 1 images listed in the other files; they are rejected",
    ]


def test_celeba_files_that_are_missing_or_lack_their_header_are_refused_with_where(tmp_path):
    expected = (r"list_attr_celeba\.txt not found: the CelebA folder \(DATA_DIR/celeba\) holds list_attr_celeba\.txt, "
                r"list_eval_partition\.txt, identity_CelebA\.txt and img_align_celeba/ \(README\.md, 'Datasets'\)")
    with pytest.raises(FileNotFoundError, match=expected):
        celeba.load_celeba(tmp_path)
    attributes = tmp_path / "list_attr_celeba.txt"
    for text in ("", "5\n", "Male Smiling\n000001.jpg 1 1\n"):
        attributes.write_text(text)
        with pytest.raises(ValueError, match=r"list_attr_celeba\.txt:1: the first line should be the number of images"):
            celeba.load_celeba(tmp_path)
    attributes.write_text("1\nA B C D E F G\n000001.jpg 1 1 1 1 1 1 1\n")
    with pytest.raises(ValueError, match=r"list_attr_celeba\.txt:2: no 'Male' among the attribute names "
                                         r"\['A', 'B', 'C', 'D', 'E'\]\.\.\.$"):
        celeba.load_celeba(tmp_path)
    attributes.write_text("0\nMale Young\n")  # a count and the names, no image yet: an empty index, no error
    (tmp_path / "list_eval_partition.txt").write_text("")
    (tmp_path / "identity_CelebA.txt").write_text("")
    assert len(celeba.load_celeba(tmp_path).index) == 0
    attributes.write_text("1\nMale Young\n000001.jpg 1 1\n")
    (tmp_path / "list_eval_partition.txt").write_text("000001.jpg 0\n")
    (tmp_path / "identity_CelebA.txt").write_text("000001.jpg 1\n")
    missing = celeba.load_celeba(tmp_path)  # the image itself is looked for unless told not to
    assert len(missing.index) == 0 and missing.rejects.reason.tolist() == ["missing image file"]
    assert len(celeba.load_celeba(tmp_path, require_files=False).index) == 1


# --- IMDB-WIKI --------------------------------------------------------------------------------------


def test_wiki_default_cleaning_gives_exactly_yu4us_rows_ages_and_genders(real_index):
    result = imdb_wiki.load_imdb_wiki(real_index / "imdb_wiki", require_files=False)
    reference = pd.read_csv(real_index / "imdb_wiki/yu4u_meta_wiki.csv")
    assert len(result.index) == len(reference) == 38138
    assert result.index.path.tolist() == reference.img_paths.tolist()
    assert result.index.age.astype(int).tolist() == reference.ages.tolist()
    assert (result.index.gender == "m").astype(int).tolist() == reference.genders.tolist()
    assert len(result.index) + len(result.rejects) == 62328


def test_wiki_cleaning_options_change_what_is_kept(real_index):
    loose = imdb_wiki.load_imdb_wiki(
        real_index / "imdb_wiki", min_face_score=0.0, drop_second_faces=False, require_gender=False, require_files=False
    )
    assert len(loose.index) == 62328 - 18016 - (loose.rejects.reason == "age outside 0-100").sum()
    assert loose.index.gender.isna().sum() > 0


def test_age_follows_the_first_of_july_rule():
    def datenum(year, month, day):
        return np.datetime64(f"{year:04d}-{month:02d}-{day:02d}").astype("datetime64[D]").astype(int) + 719163 + 366

    dob = np.array([datenum(1980, 6, 30), datenum(1980, 7, 1)])
    assert imdb_wiki.ages_at_photo(dob, np.array([2010, 2010])).tolist() == [30, 29]


def test_wiki_unsafe_paths_are_rejected(tmp_path):
    from helpers.synthetic import imdb_wiki as mirror

    columns = {
        "dob": [723671, 723671],
        "photo_taken": [2009, 2009],
        "full_path": ["17/1_1981-05-05_2009.jpg", "../../evil.jpg"],
        "gender": [1.0, 0.0],
        "name": ["a", "b"],
        "face_location": [np.zeros((1, 4))] * 2,
        "face_score": [4.0, 4.0],
        "second_face_score": [np.nan, np.nan],
    }
    mirror.write_index(tmp_path, columns)
    result = imdb_wiki.load_imdb_wiki(tmp_path / "wiki_crop", require_files=False)
    assert result.index.path.tolist() == ["17/1_1981-05-05_2009.jpg"]
    assert result.rejects.reason.tolist() == ["unsafe path"]


def test_a_mat_file_that_is_missing_or_not_the_wiki_struct_is_refused_with_what_to_do(tmp_path):
    import scipy.io

    expected = (r"absent\.mat not found: the IMDB-WIKI folder \(DATA_DIR/wiki_crop\) holds wiki\.mat "
                r"\(or imdb_crop/ holds imdb\.mat\); README\.md, 'Datasets'")
    with pytest.raises(FileNotFoundError, match=expected):
        imdb_wiki.read_mat(tmp_path / "absent.mat")
    fields = {name: np.zeros((1, 2)) for name in ("dob", "photo_taken", "gender", "face_score", "second_face_score")}
    for name, variables in (("plain.mat", {"wiki": np.zeros((1, 3))}),  # an array, not a struct
                            ("two.mat", {"wiki": fields, "imdb": fields})):  # two structs
        scipy.io.savemat(tmp_path / name, variables)
        with pytest.raises(ValueError, match=rf"{name}: expected one MATLAB struct \(wiki or imdb\), found \["):
            imdb_wiki.read_mat(tmp_path / name)
    scipy.io.savemat(tmp_path / "short.mat", {"wiki": fields})  # no full_path
    with pytest.raises(ValueError, match=r"short\.mat: the struct 'wiki' lacks the fields \['full_path'\]"):
        imdb_wiki.read_mat(tmp_path / "short.mat")


def _wiki_entries(rows):
    """wiki.mat columns from (path, photo_taken, face_score, second_face_score, gender) rows; everyone was born
    on 5 May 1981 (MATLAB datenum 723671)."""
    paths, taken, face, second, gender = zip(*rows)
    return {"dob": [723671] * len(rows), "photo_taken": list(taken), "full_path": list(paths), "gender": list(gender),
            "name": ["x"] * len(rows), "face_location": [np.zeros((1, 4))] * len(rows), "face_score": list(face),
            "second_face_score": list(second)}


WIKI_ROWS = [  # path, photo taken, face score, second face score, gender (1 man, 0 woman)
    ("17/1_1981-05-05_2009.jpg", 2009, 4.0, np.nan, 1.0),  # 28: kept
    ("18/2_1981-05-05_2009.jpg", 2009, 1.0, 0.0, 0.0),  # the least face score kept; a second "face" scored 0
    ("19/3_1981-05-05_2009.jpg", 2009, 0.99, np.nan, 1.0),
    ("20/4_1981-05-05_2009.jpg", 2009, -np.inf, np.nan, 1.0),
    ("21/5_1981-05-05_2009.jpg", 2009, 3.0, 0.5, 1.0),
    ("22/6_1981-05-05_2009.jpg", 2009, 3.0, -1.0, np.nan),  # a second face scored below 0 is no second face
    ("23/7_1981-05-05_2082.jpg", 2082, 3.0, np.nan, 1.0),  # 101
    ("../8.jpg", 2009, 3.0, np.nan, 1.0),
    ("25/9_1981-05-05_1981.jpg", 1981, 3.0, np.nan, 0.0),  # 0: born in May, photographed on 1 July
    ("26/10_1981-05-05_2081.jpg", 2081, 3.0, np.nan, 0.0),  # 100
    ("27/11_1981-05-05_1980.jpg", 1980, 3.0, np.nan, 1.0),  # -1
    ("", 2009, 3.0, np.nan, 1.0),  # an empty path cell
    ("29/no-page-id_1981-05-05_2009.jpg", 2009, 3.0, np.nan, 1.0),  # no person to keep in one split
]


def test_wiki_keeps_and_rejects_each_entry_by_the_first_rule_it_breaks_and_says_where(tmp_path):
    from helpers.synthetic import imdb_wiki as mirror

    mirror.write_index(tmp_path, _wiki_entries(WIKI_ROWS))
    root = tmp_path / "wiki_crop"
    for kept in (1, 2, 9):  # the image of entry 10 is missing
        (root / WIKI_ROWS[kept - 1][0]).parent.mkdir(parents=True)
        (root / WIKI_ROWS[kept - 1][0]).write_bytes(b"jpeg")
    result = imdb_wiki.load_imdb_wiki(root)
    index = result.index
    assert index.path.tolist() == [WIKI_ROWS[n - 1][0] for n in (1, 2, 9)]
    assert index.line.tolist() == [1, 2, 9] and set(index.source) == {"wiki.mat"}
    assert set(index.dataset) == {"imdb_wiki"}
    assert index.subject.tolist() == ["1", "2", "9"]  # the page id at the start of the file name
    assert index.gender.tolist() == ["m", "f", "f"] and index.age.tolist() == [28.0, 28.0, 0.0]
    assert index.age_group.tolist() == [4, 4, 0]  # (25, 32) and (0, 2)
    rejects = {(row.source, row.line, row.reason, row.detail) for row in result.rejects.itertuples()}
    assert rejects == {
        ("wiki.mat", 3, "face_score below 1.0", WIKI_ROWS[2][0]),
        ("wiki.mat", 4, "no face found (face_score -inf)", WIKI_ROWS[3][0]),
        ("wiki.mat", 5, "second face in the image", WIKI_ROWS[4][0]),
        ("wiki.mat", 6, "gender unknown", WIKI_ROWS[5][0]),
        ("wiki.mat", 7, "age outside 0-100", WIKI_ROWS[6][0]),
        ("wiki.mat", 8, "unsafe path", WIKI_ROWS[7][0]),
        ("wiki.mat", 10, "missing image file", WIKI_ROWS[9][0]),
        ("wiki.mat", 11, "age outside 0-100", WIKI_ROWS[10][0]),
        ("wiki.mat", 12, "unsafe path", ""),
        ("wiki.mat", 13, "person unknown (no page id before '_' in the file name)", WIKI_ROWS[12][0]),
    }
    assert result.summary().splitlines()[:4] == ["imdb_wiki: kept 3 rows, rejected 10",
                                                 "  rejected        2  age outside 0-100",
                                                 "  rejected        2  unsafe path",
                                                 "  rejected        1  face_score below 1.0"]


def test_wiki_cleaning_options_keep_what_they_name_and_ages_outside_0_to_100_get_no_group(tmp_path):
    from helpers.synthetic import imdb_wiki as mirror

    mirror.write_index(tmp_path, _wiki_entries(WIKI_ROWS))
    loose = imdb_wiki.load_imdb_wiki(tmp_path / "wiki_crop", min_face_score=0.5, drop_second_faces=False,
                                     age_range=(-5, 200), require_gender=False, require_files=False)
    kept = loose.index.set_index("line")
    assert sorted(kept.index) == [1, 2, 3, 5, 6, 7, 9, 10, 11]  # not the faceless entry nor the unsafe paths
    assert kept.age_group.isna().tolist() == [False, False, False, False, False, True, False, False, True]
    assert kept.loc[10, "age_group"] == 7 and kept.loc[9, "age_group"] == 0  # 100 and 0 are in the groups
    assert kept.gender.isna().tolist() == [line == 6 for line in kept.index]


def test_imdb_takes_the_person_from_celeb_id_and_rejects_an_entry_without_one(tmp_path):
    import scipy.io

    columns = _wiki_entries([*WIKI_ROWS[:2], WIKI_ROWS[8]])
    struct = np.empty((1, 1), dtype=[(name, object) for name in [*columns, "celeb_id"]])
    for name, values in columns.items():
        cell = np.empty((1, len(values)), dtype=object)
        cell[0, :] = [np.array([value]) for value in values] if name == "full_path" else values
        struct[0, 0][name] = cell if name in ("full_path", "face_location", "name") else np.asarray(
            values, dtype=float).reshape(1, -1)
    struct[0, 0]["celeb_id"] = np.array([[7, 12, np.nan]])
    (tmp_path / "imdb_crop").mkdir()
    scipy.io.savemat(tmp_path / "imdb_crop" / "imdb.mat", {"imdb": struct})
    result = imdb_wiki.load_imdb_wiki(tmp_path / "imdb_crop", mat_name="imdb.mat", require_files=False)
    assert result.index.subject.tolist() == ["7", "12"] and set(result.index.source) == {"imdb.mat"}
    assert result.rejects[["line", "reason"]].values.tolist() == [[3, "person unknown (no celeb_id)"]]


# --- the synthetic mirrors through the same code -----------------------------------------------------


def test_mirrors_load_through_the_same_functions_with_their_images(synthetic_tiny):
    a = adience.load_adience(synthetic_tiny / "adience")
    c = celeba.load_celeba(synthetic_tiny / "celeba")
    w = imdb_wiki.load_imdb_wiki(synthetic_tiny / "wiki_crop")
    for result in (a, c, w):
        assert list(result.index.columns) == dataset_index.COLUMNS
        assert len(result.index) > 300
        assert "missing image file" not in set(result.rejects.reason)
    assert set(a.rejects.reason) <= {"no usable label", "duplicate line", "ambiguous age label '(8, 23)'"}
    assert {"no face found (face_score -inf)", "second face in the image"} <= set(w.rejects.reason)


# --- splits -----------------------------------------------------------------------------------------


def test_adience_splits_are_subject_exclusive_on_every_fold(real_adience):
    for fold in range(5):
        parts = splits.adience_split(real_adience.index, fold, seed=fold)
        assert (parts["test"].fold == fold).all() and not (parts["train"].fold == fold).any()
        share = len(parts["validation"]) / (len(parts["train"]) + len(parts["validation"]))
        assert 0.08 < share < 0.2
        assert not set(parts["train"].subject) & set(parts["validation"].subject)


def test_celeba_and_wiki_splits_are_subject_exclusive(synthetic_tiny, real_index):
    celeba_parts = splits.partition_split(celeba.load_celeba(real_index / "celeba", require_files=False).index)
    assert len(celeba_parts["train"]) == 162770
    wiki_parts = splits.subject_split(imdb_wiki.load_imdb_wiki(synthetic_tiny / "wiki_crop").index, seed=1)
    assert all(len(part) > 0 for part in wiki_parts.values())
    synthetic_parts = splits.adience_split(adience.load_adience(synthetic_tiny / "adience").index, test_fold=4)
    assert all(len(part) > 0 for part in synthetic_parts.values())


def test_a_subject_split_is_the_same_split_every_time_and_its_seed_chooses_it():
    frame = pd.DataFrame({"subject": [f"s{n // 3}" for n in range(300)], "path": [str(n) for n in range(300)]})
    first, again = splits.subject_split(frame), splits.subject_split(frame)
    assert all(first[part].path.tolist() == again[part].path.tolist() for part in first)  # the same faces
    assert first["test"].path.tolist() == splits.subject_split(frame, seed=0)["test"].path.tolist()
    assert first["test"].path.tolist() != splits.subject_split(frame, seed=1)["test"].path.tolist()
    assert list(first) == ["train", "validation", "test"]
    assert sorted(sum((first[part].path.tolist() for part in first), [])) == sorted(frame.path)  # each face once
    # the shares asked for, of all the faces (3 faces per subject: within one subject of 10 %)
    assert abs(len(first["validation"]) - 30) <= 3 and abs(len(first["test"]) - 30) <= 3
    shares = splits.subject_split(frame, validation_share=0.2, test_share=0.3)
    assert abs(len(shares["validation"]) - 60) <= 3 and abs(len(shares["test"]) - 90) <= 3


def test_whole_subjects_are_drawn_until_the_share_is_reached_and_an_adience_split_is_seeded():
    one_face_each = pd.DataFrame({"subject": [f"s{n}" for n in range(300)], "path": [str(n) for n in range(300)]})
    parts = splits.subject_split(one_face_each, validation_share=0.1, test_share=0.1)
    assert (len(parts["validation"]), len(parts["test"])) == (30, 30)  # exactly the share: no subject more
    odd = pd.DataFrame({"subject": [f"s{n}" for n in range(305)], "path": [str(n) for n in range(305)]})
    # 10 % of 305 is 30.5 faces: a part holds at least its share, so 31
    parts = splits.subject_split(odd, validation_share=0.1, test_share=0.1)
    assert (len(parts["validation"]), len(parts["test"])) == (31, 31)
    folds = pd.DataFrame({"subject": [f"s{n}" for n in range(500)], "path": [str(n) for n in range(500)],
                          "fold": np.arange(500) % 5})
    first = splits.adience_split(folds, test_fold=2)
    assert len(first["validation"]) == 40 and set(first["test"].fold) == {2}  # 10 % of the other 400
    assert first["validation"].path.tolist() == splits.adience_split(folds, test_fold=2)["validation"].path.tolist()
    assert first["validation"].path.tolist() == splits.adience_split(folds, 2, seed=0)["validation"].path.tolist()
    with pytest.raises(ValueError, match=r"fold 7 is not in the index \(folds present: \[0, 1, 2, 3, 4\]\)"):
        splits.adience_split(folds, test_fold=7)


def test_a_partition_split_keeps_the_datasets_own_three_parts():
    frame = pd.DataFrame({"subject": list("abcdef"), "split": ["train", "train", "validation", "test", "test", "test"]})
    parts = splits.partition_split(frame)
    assert {part: rows.subject.tolist() for part, rows in parts.items()} == {
        "train": ["a", "b"], "validation": ["c"], "test": ["d", "e", "f"]}


def test_a_leak_between_splits_is_refused():
    frame = pd.DataFrame({"subject": ["a", "b", "c"], "path": ["1", "2", "3"]})
    with pytest.raises(ValueError, match=r"1 subjects cross splits, e.g. b \(train and test\)"):
        splits.assert_subject_exclusive({"train": frame.iloc[:2], "test": frame.iloc[1:]})


# --- image checks -----------------------------------------------------------------------------------


def test_image_checks_sort_every_kind_of_file(tmp_path):
    Image.new("RGB", (64, 64), "red").save(tmp_path / "rgb.jpg")
    Image.new("L", (64, 64)).save(tmp_path / "gray.jpg")
    Image.new("CMYK", (64, 64)).save(tmp_path / "cmyk.jpg")
    Image.new("RGBA", (64, 64)).save(tmp_path / "rgba.png")
    Image.fromarray(np.full((64, 64), 40000, dtype=np.uint16)).save(tmp_path / "deep.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "tiny.jpg")
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("not a picture")
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (256, 256, 3), dtype=np.uint8)).save(tmp_path / "big.jpg")
    (tmp_path / "cut.jpg").write_bytes((tmp_path / "big.jpg").read_bytes()[:3000])
    names = [
        "rgb.jpg",
        "gray.jpg",
        "cmyk.jpg",
        "rgba.png",
        "deep.png",
        "tiny.jpg",
        "empty.jpg",
        "text.jpg",
        "cut.jpg",
        "gone.jpg",
    ]
    checked = image_checks.check_images(
        tmp_path, names * 30, workers=2, show_progress=False
    )  # enough for several chunks
    status = dict(zip(checked.path, checked.status))
    assert status == {
        "rgb.jpg": "ok",
        "gray.jpg": "converted: grayscale",
        "cmyk.jpg": "converted: CMYK",
        "rgba.png": "converted: RGBA",
        "deep.png": "converted: 16-bit",
        "tiny.jpg": "rejected: smaller than 32 px",
        "empty.jpg": "rejected: empty file",
        "text.jpg": "rejected: not an image",
        "cut.jpg": "rejected: unreadable or truncated image",
        "gone.jpg": "rejected: missing image file",
    }


def test_apply_image_checks_moves_bad_rows_to_the_rejects(tmp_path):
    root = _adience_root(tmp_path, [_row(face="1"), _row(face="2", image="2_bb_o.jpg")])
    for face, image in (("1", "1_aa_o.jpg"), ("2", "2_bb_o.jpg")):
        path = root / adience.image_path("111@N01", face, image)
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("L", (64, 64)).save(path)
    (root / adience.image_path("111@N01", "2", "2_bb_o.jpg")).write_bytes(b"")
    result = image_checks.apply_image_checks(adience.load_adience(root), root, show_progress=False)
    assert result.index.line.tolist() == [2]
    assert result.rejects.reason.tolist() == ["empty file"]
    assert result.notes["image converted: grayscale (to RGB in the pipeline)"] == 1


# --- command line -----------------------------------------------------------------------------------


def test_prepare_data_writes_index_rejects_and_summary(synthetic_tiny, repo, tmp_path):
    script = repo / "data_scripts" / "prepare_data.py"
    done = subprocess.run(
        [
            sys.executable,
            str(script),
            "adience",
            "--root",
            str(synthetic_tiny / "adience"),
            "--out",
            str(tmp_path / "index.csv"),
            "--rejects",
            str(tmp_path / "rejects.csv"),
            "--check-images",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    index, rejects = pd.read_csv(tmp_path / "index.csv"), pd.read_csv(tmp_path / "rejects.csv")
    assert list(index.columns) == dataset_index.COLUMNS and list(rejects.columns) == dataset_index.REJECT_COLUMNS
    assert f"kept {len(index)} rows, rejected {len(rejects)}" in done.stdout
    wrong = subprocess.run(
        [sys.executable, str(script), "celeba", "--root", str(tmp_path), "--out", str(tmp_path / "x.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wrong.returncode == 2 and "list_attr_celeba.txt not found" in wrong.stderr
