"""The preflight: each common mistake in a data folder is named, with what to do, before any notebook starts."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.data import adience, preflight
from tests.conftest import adience_placeholders


def _adience_copy(source_root, data_dir):
    """DATA_DIR/adience with the mirror's fold files and a copy of its aligned images (so tests may remove some)."""
    root = data_dir / "adience"
    root.mkdir(parents=True)
    for fold in range(5):
        shutil.copy(source_root / "adience" / f"fold_{fold}_data.txt", root)
    shutil.copytree(source_root / "adience" / "aligned", root / "aligned")
    return root


@pytest.fixture()
def data_dir(synthetic_tiny, tmp_path):
    directory = tmp_path / "faces"
    _adience_copy(synthetic_tiny, directory)
    return directory


def test_a_good_layout_passes_and_counts_every_image(synthetic_tiny):
    report = preflight.check(synthetic_tiny)
    assert [f.verdict for f in report.findings] == ["ok", "ok", "ok"] and report.adience_usable
    rows = len(adience.load_adience(synthetic_tiny / "adience").index)
    assert f"{rows:,} of {rows:,} indexed images" in report.finding("adience").found
    table = report.table()
    assert "every notebook" in table and "08 (gender)" in table and "08 (age)" in table


def test_the_dataset_folder_passed_instead_of_its_parent_is_named(data_dir):
    report = preflight.check(data_dir / "adience")
    finding = report.finding("adience")
    assert finding.verdict == "unusable" and not report.adience_usable
    assert "DATA_DIR is the adience folder itself" in finding.todo and str(data_dir.resolve()) in finding.todo


def test_images_still_in_their_archive_say_how_to_unpack(data_dir):
    root = data_dir / "adience"
    shutil.rmtree(root / "aligned")
    (root / "aligned.tar.gz").write_bytes(b"\x1f\x8b")
    finding = preflight.check(data_dir).finding("adience")
    assert finding.verdict == "unusable" and "still in aligned.tar.gz" in finding.found
    assert finding.todo.startswith("unpack it: tar -xf") and str(root) in finding.todo


def test_the_unaligned_faces_folder_is_recognised(data_dir):
    root = data_dir / "adience"
    (root / "aligned").rename(root / "faces")
    finding = preflight.check(data_dir).finding("adience")
    assert finding.verdict == "unusable" and "faces/ (the unaligned photos) but no aligned/" in finding.found
    assert "aligned.tar.gz" in finding.todo


def test_a_few_missing_images_are_listed_and_many_stop_the_run(data_dir):
    root = data_dir / "adience"
    paths = adience.load_adience(root).index.path.tolist()
    for path in paths[:2]:
        (root / path).unlink()
    finding = preflight.check(data_dir).finding("adience")
    assert finding.verdict == "usable" and preflight.check(data_dir).adience_usable
    assert set(finding.missing) == set(paths[:2]) and "rows are rejected" in finding.todo
    assert f"{len(paths) - 2:,} of {len(paths):,}" in finding.found

    for path in paths[2:40]:
        (root / path).unlink()
    finding = preflight.check(data_dir).finding("adience")
    assert finding.verdict == "unusable" and len(finding.missing) == preflight.SAMPLE
    assert "40 images" in finding.todo and "more than 1%" in finding.todo


def test_a_truncated_or_unreadable_fold_file_is_named_with_its_line(data_dir):
    fold_file = data_dir / "adience" / "fold_2_data.txt"
    text = fold_file.read_text()
    cut = text[: text.index("\n", len(text) // 2) + 20]  # cut in the middle of a line
    fold_file.write_text(cut)
    finding = preflight.check(data_dir).finding("adience")
    line = cut.count("\n") + 1
    assert finding.verdict == "unusable" and f"fold_2_data.txt:{line}" in finding.found
    assert "cut short" in finding.found and "fold_2_data.txt again" in finding.todo

    fold_file.write_text("<html>404 Not Found</html>\n")
    finding = preflight.check(data_dir).finding("adience")
    assert finding.verdict == "unusable" and "fold_2_data.txt:1" in finding.found


def test_missing_fold_files_and_an_empty_folder(data_dir, tmp_path):
    (data_dir / "adience" / "fold_4_data.txt").unlink()
    finding = preflight.check(data_dir).finding("adience")
    assert finding.verdict == "unusable" and "fold_4_data.txt" in finding.found
    empty = tmp_path / "empty"
    empty.mkdir()
    report = preflight.check(empty)
    assert [f.verdict for f in report.findings] == ["absent"] * 3 and not report.adience_usable
    assert "download" in report.finding("adience").todo


def test_the_pretraining_sets_are_optional_but_their_mistakes_are_named(data_dir, synthetic_tiny):
    assert preflight.check(data_dir).adience_usable  # no celeba/ or wiki_crop/: only notebook 08 needs them
    (data_dir / "wiki_crop.tar").write_bytes(b"")
    shutil.copytree(synthetic_tiny / "celeba", data_dir / "celeba", ignore=shutil.ignore_patterns("img_align_celeba"))
    report = preflight.check(data_dir)
    assert report.finding("imdb_wiki").verdict == "unusable" and "tar -xf" in report.finding("imdb_wiki").todo
    assert report.finding("celeba").verdict == "unusable" and "img_align_celeba/" in report.finding("celeba").todo
    assert report.adience_usable


def test_the_real_fold_files_with_placeholder_images(real_index, tmp_path):
    root = tmp_path / "faces" / "adience"
    adience_placeholders(real_index, root)
    index = adience.load_adience(root, require_files=False).index
    finding = preflight.check(root.parent).finding("adience")
    assert finding.verdict == "ok" and f"{len(index):,} of {len(index):,} indexed images" in finding.found


def test_the_command_line_exits_non_zero_when_adience_is_unusable(synthetic_tiny, tmp_path):
    good = subprocess.run([sys.executable, "-m", "helpers.data.preflight", str(synthetic_tiny)],
                          capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and "adience" in good.stdout
    bad = subprocess.run([sys.executable, "-m", "helpers.data.preflight", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "absent" in bad.stdout and "Stopped before any notebook" in bad.stderr


def test_make_paper_on_an_empty_folder_stops_before_any_notebook(repo, tmp_path):
    started = time.perf_counter()
    done = subprocess.run(["make", "-s", "paper", f"DATA_DIR={tmp_path}", f"PYTHON={sys.executable}"],
                          capture_output=True, text=True, cwd=repo, timeout=300)
    assert done.returncode != 0 and "Stopped before any notebook" in done.stderr
    assert "notebook_runner" not in done.stdout and "-->" not in done.stdout  # no kernel was started
    assert time.perf_counter() - started < 120


def test_setup_on_real_data_runs_the_preflight_and_stops_with_its_table(data_dir, capsys):
    import helpers

    course = helpers.setup(profile="paper", data_dir=data_dir)
    assert course.data_dir == data_dir and "every notebook  ok" in capsys.readouterr().out
    shutil.rmtree(data_dir / "adience" / "aligned")
    with pytest.raises(preflight.DataNotReady, match="no aligned/ folder"):
        helpers.setup(profile="paper", data_dir=data_dir)


def test_a_fold_left_empty_says_how_many_rows_were_dropped_and_why(data_dir):
    import dataclasses

    from helpers import profiles
    from helpers.data import task_data

    root = data_dir / "adience"
    index = adience.load_adience(root).index
    for path in index[index.fold == 0].path:
        (root / path).unlink()
    profile = dataclasses.replace(profiles.get_profile("smoke", data_dir=data_dir), image_size=48, crop_size=40)
    with pytest.raises(ValueError) as raised:
        task_data.task_data(profile, "gender", fold=0)
    message = str(raised.value)
    assert "no usable row of fold 0" in message and "missing image file" in message
    assert re.search(rf"rejected\s+{(index.fold == 0).sum()}\s+missing image file", message)
    assert "helpers.data.preflight" in message
    assert "--root" not in message


def test_the_raw_fold_view_keeps_every_line_and_refuses_a_wrong_file(real_index, tmp_path):
    raw = adience.raw_fold(real_index / "adience", fold=0)
    lines = (real_index / "adience" / "fold_0_data.txt").read_bytes().decode("utf-8").rstrip("\n").split("\n")
    assert list(raw.columns) == adience.HEADER and len(raw) == len(lines) - 1
    assert raw.map(type).eq(str).all().all()  # every field as written: 'None' and '0012' stay strings
    with pytest.raises(FileNotFoundError, match=r"DATA_DIR/adience\) holds fold_0_data.txt"):
        adience.raw_fold(tmp_path, fold=3)
    (tmp_path / "fold_3_data.txt").write_text("a\tb\n1\t2\n")
    with pytest.raises(ValueError, match="fold_3_data.txt:1: not an Adience fold file"):
        adience.raw_fold(tmp_path, fold=3)
    (tmp_path / "fold_3_data.txt").write_bytes(b"\xff\xd8\xff\xe0 a JPEG saved under the fold file's name\n")
    with pytest.raises(ValueError, match="fold_3_data.txt:1: not an Adience fold file"):
        adience.raw_fold(tmp_path, fold=3)


def test_the_command_line_prints_the_table_and_says_why_it_stops(synthetic_tiny, tmp_path, capsys):
    assert preflight.main([str(synthetic_tiny)]) == 0
    printed = capsys.readouterr()
    assert printed.out == preflight.check(synthetic_tiny).table() + "\n" and printed.err == ""
    assert preflight.main([str(tmp_path)]) == 1
    printed = capsys.readouterr()
    assert printed.out == preflight.check(tmp_path).table() + "\n"
    assert printed.err == (f"\nStopped before any notebook: Adience in {tmp_path} is not usable (see 'what to "
                           "do').\n")


def test_list_files_that_cannot_be_read_are_named_with_the_error_cut_to_200_characters(tmp_path):
    from helpers.data import celeba

    data_dir = tmp_path / ("a folder with a long name " * 6).strip()  # so that the loader's message runs past 200
    root = data_dir / "celeba"
    root.mkdir(parents=True)
    for name in celeba.FILES:
        (root / name).write_text("this is not a list file\n")
    with pytest.raises(ValueError) as raised:
        celeba.load_celeba(root, require_files=False)
    assert len(str(raised.value)) > 200
    finding = preflight.check(data_dir).finding("celeba")
    assert finding.verdict == "unusable" and finding.todo == "download the list files again"
    assert finding.found == "an index file cannot be read: " + str(raised.value)[:200]


# Each mistake's whole row, written out by hand: the dataset, the verdict, what was found and what to do.
ADIENCE_SOURCE = "https://talhassner.github.io/home/projects/Adience/Adience-data.html"
CELEBA_SOURCE = "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html"
WIKI_SOURCE = "https://data.vision.ee.ethz.ch/cvl/rrothe/imdb-wiki/"


def _row(finding):
    return finding.dataset, finding.verdict, finding.found, finding.todo, finding.missing


def test_a_path_that_is_not_a_folder_and_a_folder_without_adience(tmp_path):
    nowhere = tmp_path / "nowhere"
    assert _row(preflight.check(nowhere).finding("adience")) == (
        "adience", "absent", f"{nowhere} is not a folder",
        "set DATA_DIR to the folder that holds adience/ (README.md, 'Datasets')", ())
    report = preflight.check(tmp_path)
    assert [_row(finding) for finding in report.findings] == [
        ("adience", "absent", "no adience/ folder in DATA_DIR",
         f"download it from {ADIENCE_SOURCE} and unpack it into {tmp_path / 'adience'}", ()),
        ("celeba", "absent", "no celeba/ folder in DATA_DIR",
         f"for notebook 08: download it from {CELEBA_SOURCE} into {tmp_path / 'celeba'}", ()),
        ("imdb_wiki", "absent", "no wiki_crop/ folder in DATA_DIR",
         f"for notebook 08: download wiki_crop.tar from {WIKI_SOURCE} into {tmp_path}", ()),
    ]


def test_each_datasets_own_folder_passed_as_data_dir_says_to_pass_its_parent(synthetic_tiny, data_dir):
    hint = "DATA_DIR is the {} folder itself; set DATA_DIR to the folder that holds it: {}"
    own = data_dir / "adience"
    assert _row(preflight.check(own).finding("adience")) == (
        "adience", "unusable", "no adience/ folder in DATA_DIR", hint.format("adience", data_dir), ())
    celeba_folder = synthetic_tiny / "celeba"
    assert _row(preflight.check(celeba_folder).finding("celeba")) == (
        "celeba", "unusable", "no celeba/ folder in DATA_DIR", hint.format("celeba", synthetic_tiny), ())
    wiki_folder = synthetic_tiny / "wiki_crop"
    assert _row(preflight.check(wiki_folder).finding("imdb_wiki")) == (
        "imdb_wiki", "unusable", "no wiki_crop/ folder in DATA_DIR", hint.format("wiki_crop", synthetic_tiny), ())


def test_adiences_fold_files_missing_unreadable_or_wrong(data_dir, monkeypatch):
    root = data_dir / "adience"
    for name in ("fold_1_data.txt", "fold_4_data.txt"):
        (root / name).rename(root / f"{name}.kept")
    assert _row(preflight.check(data_dir).finding("adience")) == (
        "adience", "unusable", "fold files missing: fold_1_data.txt, fold_4_data.txt",
        f"put all five fold_K_data.txt into {root}", ())
    for name in ("fold_1_data.txt", "fold_4_data.txt"):
        (root / f"{name}.kept").rename(root / name)

    fold_file = root / "fold_3_data.txt"
    real_open = type(fold_file).open

    def refused(path, *args, **kwargs):  # what a file without read permission does (the tests may run as root)
        if path == fold_file:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(type(fold_file), "open", refused)
        assert _row(preflight.check(data_dir).finding("adience")) == (
            "adience", "unusable", f"an index file cannot be read: [Errno 13] Permission denied: '{fold_file}'",
            f"check the permissions of {fold_file}", ())

    text = fold_file.read_bytes()
    for first_line in (b"<html>404 Not Found</html>\n", b"\xff\xd8\xff\xe0 a JPEG saved as a fold file\n"):
        fold_file.write_bytes(first_line + text)
        shown = first_line.decode("utf-8", errors="replace").rstrip("\n")
        assert _row(preflight.check(data_dir).finding("adience")) == (
            "adience", "unusable", adience.header_problem("fold_3_data.txt", shown), "download fold_3_data.txt again",
            ())
    fold_file.write_bytes(text)


def test_adience_folds_that_load_into_nothing_or_not_at_all(data_dir):
    root = data_dir / "adience"
    texts = {fold: (root / f"fold_{fold}_data.txt").read_text() for fold in range(5)}
    header, first_row = texts[0].splitlines(keepends=True)[:2]
    (root / "fold_1_data.txt").write_text(texts[1] + first_row)  # a user of fold 0 now in fold 1 too
    with pytest.raises(ValueError) as raised:
        adience.load_adience(root, require_files=False)
    assert _row(preflight.check(data_dir).finding("adience")) == (
        "adience", "unusable", "an index file cannot be read: " + str(raised.value)[:200],
        "download the fold files again", ())
    for fold in range(5):
        (root / f"fold_{fold}_data.txt").write_text(header)
    assert _row(preflight.check(data_dir).finding("adience")) == (
        "adience", "unusable", "the fold files hold no usable row", "download the fold files again", ())

    (root / "fold_0_data.txt").write_text(header + first_row)  # one face, and its image gone
    only = adience.load_adience(root, require_files=False).index.path.iloc[0]
    (root / only).unlink()
    assert _row(preflight.check(data_dir).finding("adience")) == (
        "adience", "unusable", "5 fold files, 1 rows; 0 of 1 indexed images",
        f"1 images (100%) are missing, more than 1%: unpack the whole archive again ({ADIENCE_SOURCE})", (only,))


def test_adience_without_aligned_images_says_where_they_are(data_dir):
    root = data_dir / "adience"
    shutil.rmtree(root / "aligned")
    assert _row(preflight.check(data_dir).finding("adience")) == (
        "adience", "unusable", f"5 fold files; no aligned/ folder in {root}",
        f"download aligned.tar.gz ({ADIENCE_SOURCE}) and unpack it into {root}", ())
    (root / "faces").mkdir()
    assert _row(preflight.check(data_dir).finding("adience")) == (
        "adience", "unusable", "5 fold files; faces/ (the unaligned photos) but no aligned/",
        f"download aligned.tar.gz ({ADIENCE_SOURCE}) and unpack it into {root}", ())
    (root / "aligned.tar").write_bytes(b"")
    assert _row(preflight.check(data_dir).finding("adience")) == (
        "adience", "unusable", "5 fold files; images still in aligned.tar",
        f"unpack it: tar -xf {root / 'aligned.tar'} -C {root}", ())


def test_missing_images_exactly_at_the_limit_leave_adience_usable(data_dir, monkeypatch):
    root = data_dir / "adience"
    paths = adience.load_adience(root).index.path.tolist()
    assert _row(preflight.check(data_dir).finding("adience")) == (
        "adience", "ok", f"5 fold files, {len(paths):,} rows; {len(paths):,} of {len(paths):,} indexed images", "", ())
    for path in paths[:3]:
        (root / path).unlink()
    monkeypatch.setattr(preflight, "MAX_MISSING_SHARE", 3 / len(paths))  # the rule is "more than", not "as many as"
    finding = preflight.check(data_dir).finding("adience")
    share = 3 / len(paths)
    assert _row(finding)[:4] == (
        "adience", "usable", f"5 fold files, {len(paths):,} rows; {len(paths) - 3:,} of {len(paths):,} indexed images",
        f"3 missing images ({share:.2%}): their rows are rejected; unpack again to keep them")
    assert sorted(finding.missing) == sorted(paths[:3])


def _celeba_copy(synthetic_tiny, data_dir):
    shutil.copytree(synthetic_tiny / "celeba", data_dir / "celeba")
    return data_dir / "celeba"


def test_celebas_list_files_images_and_archive(synthetic_tiny, data_dir):
    from helpers.data import celeba

    root = _celeba_copy(synthetic_tiny, data_dir)
    paths = celeba.load_celeba(root).index.path.tolist()
    (root / paths[0]).unlink()
    assert _row(preflight.check(data_dir).finding("celeba")) == (
        "celeba", "usable", f"3 list files, {len(paths):,} rows; {len(paths) - 1:,} of {len(paths):,} indexed images",
        f"1 missing images ({1 / len(paths):.2%}): their rows are rejected; unpack again to keep them", (paths[0],))

    shutil.rmtree(root / "img_align_celeba")
    assert _row(preflight.check(data_dir).finding("celeba")) == (
        "celeba", "unusable", "3 list files; images absent", f"put img_align_celeba/ into {root}", ())
    (root / "img_align_celeba.zip").write_bytes(b"")
    assert _row(preflight.check(data_dir).finding("celeba")) == (
        "celeba", "unusable", "3 list files; images still in img_align_celeba.zip",
        f"unzip it: unzip {root / 'img_align_celeba.zip'} -d {root}", ())

    first, _, third = celeba.FILES
    (root / first).unlink()
    (root / third).unlink()
    assert _row(preflight.check(data_dir).finding("celeba")) == (
        "celeba", "unusable", f"list files missing: {first}, {third}", f"put {', '.join(celeba.FILES)} into {root}", ())


def test_a_celeba_list_file_that_disagrees_is_counted_as_a_warning(synthetic_tiny, data_dir):
    from helpers.data import celeba

    root = _celeba_copy(synthetic_tiny, data_dir)
    attributes = root / celeba.FILES[0]
    lines = attributes.read_text().splitlines(keepends=True)
    attributes.write_text(f"{int(lines[0]) + 5}\n" + "".join(lines[1:]))  # the count line says 5 images too many
    result = celeba.load_celeba(root)
    assert len(result.warnings) == 1
    rows = len(result.index)
    assert _row(preflight.check(data_dir).finding("celeba")) == (
        "celeba", "ok", f"3 list files, {rows:,} rows; 1 warning(s) about the list files; {rows:,} of {rows:,} indexed "
        "images", "", ())


def test_imdb_wikis_archive_and_an_unreadable_wiki_mat(synthetic_tiny, data_dir):
    from helpers.data import imdb_wiki

    (data_dir / "wiki_crop.tar.gz").write_bytes(b"")
    assert _row(preflight.check(data_dir).finding("imdb_wiki")) == (
        "imdb_wiki", "unusable", "no wiki_crop/ folder in DATA_DIR (wiki_crop.tar.gz not unpacked)",
        f"unpack it: tar -xf {data_dir / 'wiki_crop.tar.gz'} -C {data_dir}", ())
    shutil.copytree(synthetic_tiny / "wiki_crop", data_dir / "wiki_crop")
    rows = len(imdb_wiki.load_imdb_wiki(data_dir / "wiki_crop").index)
    assert _row(preflight.check(data_dir).finding("imdb_wiki")) == (
        "imdb_wiki", "ok", f"wiki.mat, {rows:,} usable entries; {rows:,} of {rows:,} indexed images", "", ())
    (data_dir / "wiki_crop" / "wiki.mat").write_bytes(b"not a MATLAB file")
    mat = re.escape(str(data_dir / "wiki_crop" / "wiki.mat"))
    with pytest.raises(ValueError, match=rf"^{mat} cannot be read as a MATLAB file \(.+\): download wiki_crop.tar "
                       "again and unpack it$") as raised:
        imdb_wiki.load_imdb_wiki(data_dir / "wiki_crop", require_files=False)
    assert _row(preflight.check(data_dir).finding("imdb_wiki")) == (
        "imdb_wiki", "unusable", "an index file cannot be read: " + str(raised.value)[:200],
        "download wiki_crop.tar again and unpack it", ())


def test_the_table_wraps_each_cell_in_its_column_and_lists_the_missing_images_after_it():
    report = preflight.Report(Path("/data"), [
        preflight.Finding("adience", "usable", "5 fold files, 12 rows; 10 of 12 indexed images",
                          "2 missing images (16.67%): their rows are rejected; unpack again to keep them",
                          ("aligned/a/1.jpg", "aligned/b/2.jpg")),
        preflight.Finding("celeba", "unusable", "/a/folder/name/that/is/longer/than/its/column", ""),
        preflight.Finding("imdb_wiki", "absent", "cut short, or perhaps not tab-separated at all", "re-download it"),
    ])
    assert report.table() == "\n".join([
        "Data in /data:",
        "dataset    needed by       verdict   found                                 what to do",
        "-" * 120,
        "adience    every notebook  usable    5 fold files, 12 rows; 10 of 12       "
        "2 missing images (16.67%): their rows are",
        "                                     indexed images                        "
        "rejected; unpack again to keep them",
        "celeba     08 (gender)     unusable  /a/folder/name/that/is/longer/than/its/column  -",
        "imdb_wiki  08 (age)        absent    cut short, or perhaps not             re-download it",
        "                                     tab-separated at all",
        "  adience: missing aligned/a/1.jpg",
        "  adience: missing aligned/b/2.jpg",
    ])


def test_the_command_lines_help_says_what_it_does_and_what_to_pass(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as raised:
        preflight.main(["--help"])
    assert raised.value.code == 0
    shown = capsys.readouterr().out
    assert ("Preflight: look at a data folder before any notebook starts, and say in one table what is there and what "
            "to do.") in shown
    assert "data_dir    the folder holding adience/ (and celeba/, wiki_crop/ for 08)" in shown


def test_many_missing_images_of_the_pretraining_sets_name_their_own_source(synthetic_tiny, data_dir):
    from helpers.data import celeba, imdb_wiki

    root = _celeba_copy(synthetic_tiny, data_dir)
    paths = celeba.load_celeba(root).index.path.tolist()
    for path in paths[:10]:
        (root / path).unlink()
    finding = preflight.check(data_dir).finding("celeba")
    assert _row(finding)[:4] == (
        "celeba", "unusable",
        f"3 list files, {len(paths):,} rows; {len(paths) - 10:,} of {len(paths):,} indexed images",
        f"10 images ({10 / len(paths):.0%}) are missing, more than 1%: "
        f"unpack the whole archive again ({CELEBA_SOURCE})")

    shutil.copytree(synthetic_tiny / "wiki_crop", data_dir / "wiki_crop")
    wiki = data_dir / "wiki_crop"
    paths = imdb_wiki.load_imdb_wiki(wiki).index.path.tolist()
    (wiki / paths[0]).unlink()
    assert _row(preflight.check(data_dir).finding("imdb_wiki")) == (
        "imdb_wiki", "usable", f"wiki.mat, {len(paths):,} usable entries; {len(paths) - 1:,} of {len(paths):,} indexed "
        "images", f"1 missing images ({1 / len(paths):.2%}): their rows are rejected; unpack again to keep them",
        (paths[0],))
    for path in paths[1:10]:
        (wiki / path).unlink()
    assert preflight.check(data_dir).finding("imdb_wiki").todo == (
        f"10 images ({10 / len(paths):.0%}) are missing, more than 1%: unpack the whole archive again ({WIKI_SOURCE})")


def test_the_report_names_the_folder_it_looked_at(tmp_path):
    report = preflight.check(tmp_path / "." / "faces" / "..")
    assert report.data_dir == tmp_path.resolve()
    assert report.table().splitlines()[0] == f"Data in {tmp_path.resolve()}:"
