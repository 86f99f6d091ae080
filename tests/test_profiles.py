"""The three profiles: what the README's table says of each is what it is, the seeds start at the notebook's,
and the folders come from the environment where it names them."""

from __future__ import annotations

import re

import pytest

from helpers import profiles
from tests.conftest import REPO


def _readme_rows() -> dict[str, str]:
    text = (REPO / "README.md").read_text()
    table = text.split("## Profiles", 1)[1].split("\n\n", 2)[1]
    return {re.match(r"\| `(\w+)`", line).group(1): line for line in table.splitlines()[2:]}


def test_the_readmes_table_says_what_each_profile_is(tmp_path):
    rows = _readme_rows()
    smoke, course, paper = (profiles.get_profile(name, tmp_path) for name in ("smoke", "class", "paper"))
    assert list(rows) == ["smoke", "class", "paper"]
    assert f"resized to {smoke.image_size}, cropped to {smoke.crop_size}" in rows["smoke"]
    rate, epochs, batch, pretraining = re.search(r"Adam ([\d.e-]+), (\d+) epochs, batch (\d+); pre-training (\d+) "
                                                 "epochs", rows["smoke"]).groups()
    assert (float(rate), int(epochs), int(batch), int(pretraining)) == (
        smoke.learning_rate, smoke.max_epochs, smoke.batch_size, smoke.pretraining_epochs)
    assert smoke.optimizer == "adam" and smoke.quick_studies and f"| {len(smoke.folds)} x {len(smoke.seeds)} |" in rows[
        "smoke"]
    assert f"the same, {course.max_epochs} epochs" in rows["class"] and "| 5 x 2 |" in rows["class"]
    assert (course.image_size, course.crop_size, course.batch_size, course.optimizer, course.pretraining_epochs) == (
        smoke.image_size, smoke.crop_size, smoke.batch_size, smoke.optimizer, smoke.pretraining_epochs)
    assert f"resized to {paper.image_size}, cropped to {paper.crop_size}" in rows["paper"]
    rate, batch, epochs = re.search(r"SGD ([\d.e-]+) with the step schedule, batch (\d+), up to (\d+) epochs",
                                    rows["paper"]).groups()
    assert (float(rate), int(batch), int(epochs)) == (paper.learning_rate, paper.batch_size, paper.max_epochs)
    assert paper.optimizer == "sgd" and paper.quick_studies is False  # a flag, as the field says: not None
    assert f"| {len(paper.folds)} x {len(paper.seeds)} |" in rows["paper"]
    assert paper.max_epochs * 13_000 // paper.batch_size == pytest.approx(50_000, rel=0.02)  # "about 50,000 iterations"


def test_the_seeds_start_at_the_notebooks_and_the_folds_are_the_five_adience_folds(tmp_path):
    assert profiles.get_profile("smoke", tmp_path, seed=3).seeds == (3,)
    assert profiles.get_profile("class", tmp_path, seed=3).seeds == (3, 4)
    assert profiles.get_profile("class", tmp_path).folds == profiles.get_profile("paper", tmp_path).folds == (
        0, 1, 2, 3, 4)
    assert profiles.get_profile("smoke", tmp_path).folds == (0,)
    assert profiles.get_profile(data_dir=tmp_path) == profiles.get_profile("smoke", tmp_path)  # a notebook's default
    for name in ("smoke", "class", "paper"):  # the data folder given is the one read, in every profile
        assert profiles.get_profile(name, tmp_path).data_dir == tmp_path
        assert profiles.get_profile(name, str(tmp_path)).name == name
    assert profiles.get_profile("paper", tmp_path, seed=2).seeds == (2,)


def test_each_profiles_settings_of_the_schedule_and_the_network_start():
    smoke, paper = profiles.get_profile("smoke"), profiles.get_profile("paper", "DATA")
    assert (smoke.step_every, smoke.patience, smoke.log_epochs, smoke.backbone_weights) == (10_000, 15, False, "none")
    assert (paper.step_every, paper.patience, paper.log_epochs, paper.backbone_weights) == (10_000, 10, True,
                                                                                            "imagenet")
    assert paper.pretraining_epochs == 190 and paper.name == "paper" and smoke.name == "smoke"


def test_the_data_and_results_folders_come_from_the_environment_where_it_names_them(tmp_path, monkeypatch):
    monkeypatch.delenv("AGE_GENDER_KIT_SYNTHETIC", raising=False)
    monkeypatch.delenv("AGE_GENDER_KIT_RESULTS", raising=False)
    assert profiles.synthetic_dir() == profiles.REPO_ROOT / "data" / "synthetic"
    assert profiles.get_profile("smoke").data_dir == profiles.REPO_ROOT / "data" / "synthetic"
    assert profiles.results_dir(profiles.get_profile("class", tmp_path)) == profiles.REPO_ROOT / "results" / "class"
    monkeypatch.setenv("AGE_GENDER_KIT_SYNTHETIC", str(tmp_path / "mirror"))
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "out"))
    assert profiles.get_profile("smoke").data_dir == tmp_path / "mirror"
    assert profiles.results_dir(profiles.get_profile("smoke")) == tmp_path / "out" / "smoke"
    (tmp_path / "mirror").mkdir()
    assert not profiles.get_profile("smoke").synthetic
    (tmp_path / "mirror" / "MANIFEST.json").write_text("{}")
    assert profiles.get_profile("smoke").synthetic and profiles.get_profile("paper", tmp_path / "mirror").synthetic


def test_a_profile_describes_itself_and_a_wrong_name_or_a_paper_run_without_data_says_what_to_do(tmp_path):
    smoke = profiles.get_profile("smoke", tmp_path / "absent")
    assert smoke.describe() == (f"profile 'smoke': NO DATA YET (run make data) at {tmp_path / 'absent'}, images 78 px "
                                "cropped to 68 px, folds [0], seeds [0], up to 9 epochs, batch 32, adam at 0.0002")
    (tmp_path / "absent").mkdir()
    assert profiles.get_profile("paper", tmp_path / "absent").describe().startswith(
        f"profile 'paper': real data at {tmp_path / 'absent'}, images 256 px cropped to 227 px, folds [0, 1, 2, 3, 4]")
    (tmp_path / "absent" / "MANIFEST.json").write_text("{}")
    assert "synthetic mirror at" in profiles.get_profile("smoke", tmp_path / "absent").describe()
    with pytest.raises(ValueError, match=r"^the 'paper' profile needs data_dir: the folder holding the real adience/ "
                                         r"\(see README.md, 'Datasets'\). Example: make paper DATA_DIR=/data/faces$"):
        profiles.get_profile("paper")
    with pytest.raises(ValueError, match=r"^unknown profile 'fast': use 'smoke' \(synthetic data, CPU, minutes\), "
                                         r"'class' \(the same data, 5 folds x 2 seeds, a few hours\) or 'paper' "
                                         r"\(real data, GPU\)$"):
        profiles.get_profile("fast")
