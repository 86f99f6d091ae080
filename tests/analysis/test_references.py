"""The published figures in the forms the notebooks print them: the modern networks' table, the paper's gain from
over-sampling, the report's choice and the paper's sentence. The figures themselves are checked against the
design notes in tests/analysis/test_conclusions.py."""

from __future__ import annotations

import pytest

from helpers.analysis import references


def test_the_modern_table_puts_the_paper_first_and_shows_a_range_only_where_a_paper_gives_one():
    table = references.modern_table()
    assert table.index.name == "network" and list(table.columns) == ["gender", "age"]
    assert list(table.index) == ["Levi & Hassner (2015), 10-crop", *references.MODERN_ACCURACY]
    assert table.iloc[0].tolist() == ["0.868", "0.507"]
    assert table.loc["VGG16 from ImageNet (Lapuschkin et al. 2017)"].tolist() == ["0.920-0.927", "0.538-0.565"]
    assert table.loc["MiVOLO (Kuprashevich & Tolstykh 2023)"].tolist() == ["0.965", "0.687"]


def test_the_gain_of_ten_crops_is_the_papers_ten_crop_accuracy_less_its_single_crop():
    assert references.paper_oversampling_gain("gender") == pytest.approx(0.868 - 0.859)
    assert references.paper_oversampling_gain("age") == pytest.approx(0.507 - 0.495)


def test_the_report_choice_is_said_with_its_accuracy_where_the_report_gave_one():
    assert references.report_choice("augmentation", "age") == "the course report chose flip (0.421)"
    assert references.report_choice("batch_size", "age") == "the course report chose 4"
    assert references.report_choice("backbones", "gender") == ""  # a study the report did not make


def test_the_papers_sentence_carries_its_figures():
    assert references.paper_summary() == ("The paper reports 0.859 gender and 0.495 exact / 0.847 1-off (10-crop) "
                                          "age over five folds of the real Adience.")
