"""Notebook 15's closing lines: per task the test accuracy, the weakest cell of gender x age group, calibration
before and after a temperature, and how each exported format answered."""

from __future__ import annotations

import pandas as pd


def summary(cells: dict, calibrated: pd.DataFrame, validation_faces: dict, export_table: pd.DataFrame,
            least: int = 5) -> str:
    """``cells``: each task's ``error_analysis.accuracy_by_cell``; ``calibrated``: one row per task from
    ``calibration.temperature_scaling``; ``validation_faces``: the faces each temperature was fitted on;
    ``export_table``: ``helpers.network.export.compare``. Only cells of ``least`` faces or more are named."""
    lines = []
    for task, table in cells.items():
        worst = table.query("n >= @least").sort_values("accuracy").iloc[0]
        row = calibrated.loc[task]
        lines.append(f"{task}: test accuracy {row['accuracy before']:.3f} (n = {int(row['n test'])}); weakest cell "
                     f"with {least} or more faces: {worst['age group']} x {worst['gender']}, {worst['accuracy']:.2f} "
                     f"[{worst['low']:.2f}, {worst['high']:.2f}], n = {int(worst['n'])}")
        change = "better" if row["ECE after"] < row["ECE before"] else "worse"
        lines.append(f"  calibration: ECE {row['ECE before']:.3f} as trained, {row['ECE after']:.3f} with T = "
                     f"{row['temperature']:.2f} fitted on {validation_faces[task]} validation faces ({change} on the "
                     f"test fold); accuracy unchanged: {row['accuracy after'] == row['accuracy before']}")
    lines += [f"{name}: {row['MB on disk']:.1f} MB, answers equal to Keras' on {row['same answers']:.0%} of "
              f"{int(row['faces'])} faces (largest difference {row['largest difference']:.1e}), "
              f"{row['ms per face']:.1f} ms a face" for name, row in export_table.iterrows()]
    return "\n".join(lines)
