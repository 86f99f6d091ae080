"""The closing tables and lines of notebooks 02, 08, 12, 13 and 16 (``helpers.analysis.chapters``), built from
hand-made tables: each number they print is the one the table holds, and each branch says so in words."""

from __future__ import annotations

import pandas as pd

from helpers import profiles
from helpers.analysis import chapters, references
from helpers.studies import catalogue


def test_the_baseline_and_transfer_summaries_print_the_recorded_numbers():
    gender = pd.Series({"fold": 0, "accuracy": 0.612, "accuracy_10crop": 0.6, "best_epoch": 5, "epochs_trained": 6,
                        "seconds_per_batch": 0.25, "seconds_per_epoch": 7.5})
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
    assert lines[-1].startswith("To beat on the real Adience: Levi & Hassner's 0.868 gender / 0.507 age (10-crop)")
