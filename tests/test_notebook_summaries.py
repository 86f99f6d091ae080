"""The closing lines of notebooks 02, 08, 10, 11 and 15, built by helpers from hand-made tables: each number
they print is the one the table holds, and each branch (no faster layer, one machine) says so in words. 09's
(``conclusions.summary``) are tested with the rest of ``helpers.analysis``, in tests/analysis/."""

from __future__ import annotations

import pandas as pd

from helpers import timings
from helpers.analysis import chapters, references
from helpers.inspection import report
from helpers.network import fft_conv
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


def test_the_fft_summary_names_the_faster_layers_and_the_crossover_or_says_there_is_none():
    agreement = pd.DataFrame({"layer": ["conv1", "conv2"], "max_difference": [2e-6, 3e-5], "relative": [1e-7, 4e-7]})
    layers = pd.DataFrame({"layer": ["conv1", "conv1", "conv2", "conv2"], "batch": [1, 8, 1, 8],
                           "fft_over_library": [3.0, 2.5, 1.2, 0.8]})
    kernels = pd.DataFrame({"kernel": [3, 5, 7], "fft_over_library": [2.0, 0.9, 0.7]})
    lines = fft_conv.summary(agreement, layers, kernels, (28, 96, 256), 8, 5).splitlines()
    assert lines[0] == "The FFT reproduced conv1-conv3 of the trained network to within 3.0e-05 (at most 4.0e-07 " \
                       "of the largest output)."
    assert lines[1] == "  conv1: FFT took 2.50-3.00 times the library's time over batch sizes 1, 8 (median of 5 " \
                       "calls each)"
    assert lines[3] == "The FFT was faster for: conv2 at batch 8 (0.80)."
    assert lines[4] == "Over kernel sizes 3-7 on a 28x28x96 map, batch 8: the FFT was faster from 5 x 5 on."
    slower = fft_conv.summary(agreement, layers.assign(fft_over_library=2.0), kernels.assign(fft_over_library=1.5),
                              (28, 96, 256), 8, 5).splitlines()
    assert slower[3] == "The FFT was faster for: no layer at any batch size."
    assert slower[4].endswith("the FFT never became faster for good on this machine.")


def test_the_timing_summary_reads_this_sessions_rates_and_counts_the_other_machines():
    rows = [("train batch", 100.0, 0.32, 0.01), ("epoch", 80.0, 1.6, 0.5), ("inference, batch 1", 250.0, 0.004, 0.0),
            ("inference, batch 128", 1000.0, 0.128, 0.001)]
    measured = pd.DataFrame([{"workload": workload, "image_size": size, "precision": "float32",
                              "images_per_second": rate * (1 if size == 227 else 4), "median_seconds": median,
                              "iqr_seconds": iqr} for size in (68, 227) for workload, rate, median, iqr in rows])
    every = pd.DataFrame({"session": ["s1", "s0", "s9"], "machine": ["here", "here", "there"]})
    lines = timings.summary(measured, every, "s1", {"gpu": "", "cpu": "AMD EPYC"}, 32, 128, 128).splitlines()
    assert lines[0] == "On this machine (AMD EPYC), at 227 px in float32:"
    assert lines[1] == "  training: 100.0 images/s in one batch of 32, 80.0 images/s over an epoch of 128 (the " \
                       "epoch at 0.80 of the batch's speed)"
    assert lines[2].startswith("  inference: 4.0 ms for one face (250 faces/s), 1000 faces/s in batches of 128 (4.00")
    assert lines[3] == "  2 of 8 measurements had a spread above a tenth of their median: epoch @68, epoch @227"
    assert lines[4] == "The file holds 2 machine(s) and 1 earlier session(s) of this one; the table above compares " \
                       "this machine with 1 other machine(s)."
    alone = timings.summary(measured, every.iloc[:1], "s1", {"gpu": "H200", "cpu": "x"}, 32, 128, 128).splitlines()
    assert alone[0].startswith("On this machine (H200)")
    assert alone[4].endswith("merge another machine's file to compare.")


def test_the_inspection_summary_names_the_weakest_cell_with_enough_faces_and_each_exported_format():
    cells = pd.DataFrame({"age group": ["(0, 2)", "(4, 6)", "(8, 12)"], "gender": ["f", "m", "f"],
                          "accuracy": [0.1, 0.4, 0.9], "low": [0.0, 0.2, 0.7], "high": [0.5, 0.6, 1.0],
                          "n": [3, 10, 9]})
    calibrated = pd.DataFrame({"accuracy before": [0.6], "accuracy after": [0.6], "n test": [183],
                               "ECE before": [0.12], "ECE after": [0.05], "temperature": [1.8]}, index=["gender"])
    exported = pd.DataFrame({"MB on disk": [10.3], "same answers": [1.0], "faces": [32], "largest difference": [1.8e-7],
                             "ms per face": [2.4]}, index=["ONNX"])
    lines = report.summary({"gender": cells}, calibrated, {"gender": 84}, exported).splitlines()
    assert lines[0] == "gender: test accuracy 0.600 (n = 183); weakest cell with 5 or more faces: (4, 6) x m, 0.40 " \
                       "[0.20, 0.60], n = 10"
    assert lines[1] == "  calibration: ECE 0.120 as trained, 0.050 with T = 1.80 fitted on 84 validation faces " \
                       "(better on the test fold); accuracy unchanged: True"
    assert lines[2] == "ONNX: 10.3 MB, answers equal to Keras' on 100% of 32 faces (largest difference 1.8e-07), " \
                       "2.4 ms a face"


def test_the_backbones_summary_prints_the_costs_and_names_what_was_only_costed():
    from helpers import profiles

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
