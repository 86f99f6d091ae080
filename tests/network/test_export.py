"""The size an exported network takes on disk: a file's bytes, or every file's under a folder."""

from __future__ import annotations

from helpers.network import export


def test_the_size_on_disk_is_a_files_bytes_or_the_sum_of_a_folders_files(tmp_path):
    (tmp_path / "model" / "variables").mkdir(parents=True)
    (tmp_path / "model" / "saved_model.pb").write_bytes(b"x" * 1000)
    (tmp_path / "model" / "variables" / "variables.data").write_bytes(b"x" * 2345)
    (tmp_path / "model" / "assets").mkdir()  # an empty folder adds nothing
    assert export.size_on_disk(tmp_path / "model" / "saved_model.pb") == 1000
    assert export.size_on_disk(tmp_path / "model") == 3345
    assert export.size_on_disk(str(tmp_path / "model" / "variables")) == 2345
