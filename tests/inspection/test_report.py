"""Notebook 15's closing lines (``helpers.inspection.report``), from hand-made tables."""

from __future__ import annotations

import pandas as pd

from helpers.inspection import report


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
    worse = calibrated.assign(**{"ECE after": [0.15], "accuracy after": [0.59]})
    lines = report.summary({"gender": cells}, worse, {"gender": 84}, exported).splitlines()
    assert lines[1] == "  calibration: ECE 0.120 as trained, 0.150 with T = 1.80 fitted on 84 validation faces " \
                       "(worse on the test fold); accuracy unchanged: False"
