"""The closing tables and lines of notebooks 02, 08, 12, 13 and 16 (``helpers.analysis.chapters``), built from
hand-made tables: each number they print is the one the table holds, and each branch says so in words."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from helpers import profiles
from helpers.analysis import chapters, references, summaries
from helpers.studies import catalogue, store


def test_the_baseline_and_transfer_summaries_print_the_recorded_numbers():
    gender = pd.Series({"fold": 0, "accuracy": 0.612, "accuracy_10crop": 0.6, "best_epoch": 5, "epochs_trained": 6,
                        "seconds_per_batch": 0.2504, "seconds_per_epoch": 7.5})
    age = pd.Series({"fold": 0, "accuracy": 0.35, "one_off_accuracy": 0.7, "accuracy_10crop": 0.34,
                     "one_off_accuracy_10crop": 0.71})
    text = chapters.baseline_summary({"gender": gender, "age": age}, {"gender": 0.514, "age": 0.284}, 32)
    assert text.splitlines() == [
        "Gender on fold 0: 0.612 (10-crop 0.600) against 0.514 for always answering the larger class, best epoch 5 "
        "of 6.",
        "Age on fold 0: 0.350 exact and 0.700 1-off (10-crop 0.340 / 0.710) against 0.284 for the largest group.",
        "One training batch of 32 took 250 ms; an epoch 7.5 s."]
    study = catalogue.STUDIES["transfer"]
    results = pd.DataFrame([{"variant": variant, "task": task, "fold": 0, "seed": 0, "accuracy": accuracy,
                             "diverged": False, "learned": learned, "majority": 0.5, "classes_answered": 2,
                             "one_off_accuracy": accuracy + 0.2,
                             "n_test": 200}
                            for task in ("gender", "age")
                            for variant, accuracy, learned in zip(study.variants, (0.6, 0.65, 0.5),
                                                                  (True, True, False))])
    pretraining = pd.DataFrame([{"task": "gender", "source": "celeba", "accuracy": 0.85, "majority": 0.62},
                                {"task": "age", "source": "imdb_wiki", "accuracy": 0.38, "majority": 0.29}])
    lines = chapters.transfer_summary(study, results, pretraining).splitlines()
    variants = list(study.variants)
    assert lines[0].startswith(f"gender: from scratch 0.600; {variants[1]} 0.650 (+0.050), {variants[2]} 0.500 "
                               "(-0.100). The network pre-trained on celeba scored 0.850")
    assert references.report_choice("transfer", "gender") in lines[2]
    assert lines[3].startswith(f"gender: {variants[2]} did not learn (") and len(lines) == 5


def test_the_backbones_summary_prints_the_costs_and_names_what_was_only_costed():
    profile = profiles.get_profile("smoke", ".")
    study = catalogue.STUDIES["backbones"]
    results = pd.DataFrame([{"variant": variant, "task": task, "fold": 0, "seed": 0, "accuracy": accuracy,
                             "diverged": False, "learned": True, "majority": 0.5, "classes_answered": 2,
                             "one_off_accuracy": accuracy + 0.2, "n_test": faces}
                            for task, faces in (("gender", 246), ("age", 255))
                            for variant, accuracy in (("Levi-Hassner (paper)", 0.7), ("MobileNetV3Small", 0.6))])
    costs = pd.DataFrame({"crop (px)": [68, 68, 68], "parameters (millions)": [2.5, 1.0, 6.0],
                          "multiply-adds (millions)": [60.0, 6.0, 90.0],
                          "training images/s": [500.0, 250.0, 100.0], "ms per face, batch 1": [2.0, 5.0, 13.0]},
                         index=["Levi-Hassner (paper)", "MobileNetV3Small", "EfficientNetV2B0"])
    lines = chapters.backbones_summary(profile, study, results, costs).splitlines()
    assert lines[:4] == [
        "The backbones started from scratch, on crops of 68 px (the paper's network 68), with 9 epochs at most, tested "
        "on 246 gender and 255 age faces per run.",
        "Not trained in the smoke profile, only costed: EfficientNetV2B0.",
        "  MobileNetV3Small: 1.00 M parameters (0.40x the paper's network), 6 M multiply-adds a face (0.1x), 250 "
        "training images/s against 500.",
        "  EfficientNetV2B0: 6.00 M parameters (2.40x the paper's network), 90 M multiply-adds a face (1.5x), 100 "
        "training images/s against 500."]
    assert len(lines) == 5
    assert lines[-1] == ("To beat on the real Adience: Levi & Hassner's 0.868 gender / 0.507 age (10-crop); VGG16 "
                         "from ImageNet + IMDB-WIKI reached 0.602-0.630 age (Lapuschkin et al. 2017), MiVOLO 0.965 "
                         "gender / 0.687 age.")
    imagenet = dataclasses.replace(profile, backbone_weights="imagenet")
    costs.loc["ResNet50V2"] = [96, 23.5, 800.0, 50.0, 30.0]
    results.loc[results.variant == "MobileNetV3Small", "n_test"] = 100  # the paper's network's faces are counted
    lines = chapters.backbones_summary(imagenet, study, results, costs).splitlines()
    assert lines[0].startswith("The backbones started from ImageNet's weights, on crops of 68, 96 px (the paper's "
                               "network 68), with 9 epochs at most, tested on 246 gender and 255 age faces per run.")
    assert lines[1] == "Not trained in the smoke profile, only costed: EfficientNetV2B0, ResNet50V2."


def _row(variant, task, fold, seed, accuracy, **more):
    return {"variant": variant, "task": task, "fold": fold, "seed": seed, "accuracy": accuracy, "diverged": False,
            "learned": True, "majority": 0.3, "classes_answered": 2, "n_test": 200, **more}


def _recorded(tmp_path, monkeypatch, study: str, rows: list[dict]):
    """The smoke profile with these rows as ``study``'s results (the verdict reads them back from the store)."""
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    profile = profiles.get_profile("smoke", tmp_path / "no-data")
    path = store.results_path(profile, study)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    return profile, pd.DataFrame(rows)


def test_the_age_output_table_and_summary_carry_each_ways_numbers(tmp_path, monkeypatch):
    study = catalogue.STUDIES["age_output"]
    groups, years, dex = study.variants
    profile, results = _recorded(tmp_path, monkeypatch, "age_output", [
        _row(groups, "age", 0, 0, 0.50, one_off_accuracy=0.80, mae_years=6.0, n_exact=40, seconds=10.0),
        _row(groups, "age", 1, 0, 0.54, one_off_accuracy=0.84, mae_years=5.0, n_exact=42, seconds=14.0),
        _row(years, "age", 0, 0, 0.40, one_off_accuracy=0.70, mae_years=4.0, n_exact=40, seconds=8.0),
        _row(years, "age", 1, 0, 0.44, one_off_accuracy=0.72, mae_years=3.0, n_exact=42, seconds=12.0),
        _row(dex, "age", 0, 0, 0.30, one_off_accuracy=0.60, mae_years=9.0, n_exact=40, seconds=20.0,
             learned=False, classes_answered=1),
        _row(dex, "age", 1, 0, 0.30, one_off_accuracy=0.60, mae_years=9.5, n_exact=42, seconds=22.0,
             learned=False, classes_answered=1)])
    table = chapters.age_output_table(results)
    assert list(table.index) == [groups, years, dex]
    assert table.loc[groups, "mean"] == pytest.approx(0.52) and table.loc[groups, "one_off_mean"] == pytest.approx(0.82)
    assert table.loc[years, "mae_years_mean"] == pytest.approx(3.5) and table.loc[years, "n_exact_faces"] == 82
    assert table.loc[dex, "seconds_mean"] == pytest.approx(21.0) and table.loc[groups, "n"] == 2
    lines = chapters.age_output_summary(profile, study, results).splitlines()
    assert lines[0] == "2 run(s) per way (n), fold(s) [0], seed(s) [0]."
    assert lines[1] == (f"  {groups}: exact 0.520 +- {table.loc[groups, 'std']:.3f}, 1-off 0.820, MAE 5.5 years on "
                        "82 exact-age faces, 12 s a run")
    assert lines[2].startswith(f"  {years}: exact 0.420 +- ") and lines[2].endswith("MAE 3.5 years on 82 exact-age "
                                                                                   "faces, 10 s a run")
    assert lines[4].startswith(f"  {dex} did not learn (2 of 2 runs: ") and lines[4].endswith("): it is not ranked.")
    assert lines[5] == f"Best group accuracy among the ways that learned: {groups}; smallest MAE: {years}."
    assert lines[6:] == summaries.verdict(profile, study, results).splitlines()
    single = chapters.age_output_summary(profile, study, results[results.fold == 0]).splitlines()
    assert single[1] == f"  {groups}: exact 0.500, 1-off 0.800, MAE 6.0 years on 40 exact-age faces, 10 s a run"


def test_the_two_tasks_table_counts_one_training_for_two_heads_and_two_for_two_networks(tmp_path, monkeypatch):
    study = catalogue.STUDIES["multitask"]
    apart, equal, third = study.variants
    rows = []
    for fold in (0, 1):
        for variant, gender, age, seconds in ((apart, 0.70, 0.50, 10.0), (equal, 0.72, 0.45, 12.0),
                                              (third, 0.74, 0.52, 13.0)):
            for task, accuracy in (("gender", gender + fold / 100), ("age", age + fold / 100)):
                joint_seconds = seconds + fold if variant != apart else seconds + fold + (task == "age") * 5
                rows.append(_row(variant, task, fold, 0, accuracy, one_off_accuracy=accuracy + 0.3,
                                 seconds=joint_seconds))
    profile, results = _recorded(tmp_path, monkeypatch, "multitask", rows)
    table = chapters.both_tasks_table(study, profile, results)
    assert list(table.index) == [apart, equal, third]
    assert list(table.columns) == ["gender", "gender std", "age exact", "age std", "age 1-off", "n",
                                   "seconds for both"]
    assert table.loc[apart, "seconds for both"] == pytest.approx((10 + 15) / 2 + (11 + 16) / 2)  # two trainings
    assert table.loc[equal, "seconds for both"] == pytest.approx((12 + 13) / 2)  # one training gave both rows
    assert table.loc[third, "gender"] == pytest.approx(0.745) and table.loc[third, "age 1-off"] == pytest.approx(0.825)
    assert table.loc[apart, "n"] == 2
    lines = chapters.both_tasks_summary(study, profile, results).splitlines()
    assert lines[0] == "2 run(s) per variant (n), fold(s) [0], seed(s) [0]."
    assert lines[1].startswith(f"  {apart}: gender 0.705, age exact 0.505, 1-off 0.805 (std 0.007 / 0.007), 26 s "
                               "for both tasks") and "x the time" not in lines[1]
    assert lines[2].endswith(f"12 s for both tasks, {12.5 / 26:.2f} x the time")
    assert lines[4].startswith(f"  gender, {equal} - {third}: -0.020 [") and "p = " in lines[4]
    assert lines[5].startswith(f"  age, {equal} - {third}: -0.070 [")
    stuck = results.assign(learned=~((results.variant == third) & (results.task == "age")))
    lines = chapters.both_tasks_summary(study, profile, stuck).splitlines()
    assert lines[5] == f"  age, {equal} - {third}: not compared, one of them did not learn"
    assert lines[6:] == summaries.verdict(profile, study, stuck).splitlines()
