"""Which datasets a data root holds (``helpers.data.layout.inventory``, notebook 00's first table)."""

from __future__ import annotations

import json

import pandas as pd

from helpers.data import layout


def test_the_inventory_says_per_dataset_what_is_there_and_where_to_get_the_rest(tmp_path):
    (tmp_path / "adience" / "aligned" / "7").mkdir(parents=True)
    for fold in range(5):
        (tmp_path / "adience" / f"fold_{fold}_data.txt").touch()
    for name in ("a.jpg", "b.JPEG", "c.png", "notes.txt"):  # three images, whatever the case of their ending
        (tmp_path / "adience" / "aligned" / "7" / name).touch()
    (tmp_path / "adience" / "aligned" / "9").mkdir()  # and one more in a second user's folder: 4 in all
    (tmp_path / "adience" / "aligned" / "9" / "d.jpg").touch()
    (tmp_path / "celeba" / "img_align_celeba").mkdir(parents=True)
    (tmp_path / "celeba" / "list_attr_celeba.txt").touch()
    (tmp_path / "celeba" / "img_align_celeba" / "000001.jpg").touch()
    table = layout.inventory(tmp_path).set_index("dataset")
    assert list(table.index) == ["adience", "celeba", "imdb_wiki"]
    assert list(table.columns) == ["status", "kind", "preset", "index files", "images", "where", "get it from"]
    assert table.loc["adience"].tolist()[:5] == ["complete", "real", None, "5/5", 4]
    assert table.loc["celeba"].tolist()[:5] == ["partial", "real", None, "1/3", 1]
    assert table.loc["imdb_wiki"].tolist()[:5] == ["missing", "", None, "0/1", 0]
    assert table.loc["adience", "where"] == str(tmp_path / "adience")
    assert table.loc["imdb_wiki", "where"] == str(tmp_path / "wiki_crop")
    assert table.loc["celeba", "get it from"] == "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html"


def test_a_mirror_is_named_synthetic_with_its_preset_and_images_without_their_index_are_not_counted(tmp_path):
    (tmp_path / "MANIFEST.json").write_text(json.dumps({"preset": "tiny", "seed": 0}))
    (tmp_path / "wiki_crop" / "01").mkdir(parents=True)
    (tmp_path / "wiki_crop" / "wiki.mat").touch()
    (tmp_path / "wiki_crop" / "01" / "1_1980-01-01_2010.jpg").touch()
    (tmp_path / "adience" / "aligned").mkdir(parents=True)
    (tmp_path / "adience" / "aligned" / "face.jpg").touch()  # no fold file: the dataset is missing
    table = layout.inventory(str(tmp_path)).set_index("dataset")
    assert table.loc["imdb_wiki"].tolist()[:5] == ["complete", "synthetic", "tiny", "1/1", 1]
    assert table.loc["adience", ["status", "kind", "index files", "images"]].tolist() == ["missing", "", "0/5", 0]
    assert pd.isna(table.loc["adience", "preset"])  # a preset only for what is there
