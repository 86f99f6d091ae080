"""The paper profile's path on real-format data: the real Adience fold files, a 264 x 264 placeholder JPEG at
every indexed path, notebook 01 in the paper profile, then bench/paper_path.py (one fold's data for both
tasks at 256 px, a short slice trained and scored at 227 px). Skipped without ../shared/real_index."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import nbformat
import numpy as np
import papermill
import pytest
from PIL import Image

from tests.conftest import adience_placeholders
from tests.test_notebooks import KERNEL

#: Adience's faces at 256 px as one uint8 array: what a loader that held the dataset in memory would need.
DATASET_MB = 18_661 * 256 * 256 * 3 / 2**20


@pytest.fixture()
def real_format(real_index, tmp_path, monkeypatch):
    """A DATA_DIR with the real fold files and one smooth 264 px JPEG hard-linked at all 18,661 paths: smaller
    than Adience's aligned faces (816 px), but it still goes through the resize to 256 px. Caching the 18,661
    took 160 s at 816 px on a slow 2-core machine; on a fast one, 39 s at 408 px and 29 s at 264 px."""
    rows, columns = np.mgrid[0:264, 0:264] / 264
    pixels = np.stack([200 * columns + 30, 180 * rows + 40, 120 * (1 - rows * columns) + 60], axis=-1)
    face = tmp_path / "face.jpg"
    Image.fromarray(pixels.astype(np.uint8)).save(face, quality=90)
    adience_placeholders(real_index, tmp_path / "data" / "adience", image=face)
    monkeypatch.setenv("AGE_GENDER_KIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    yield tmp_path / "data"
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)  # 3.5 GB of cached images


@pytest.mark.slow
def test_the_paper_path_on_the_real_fold_files(repo, real_format, tmp_path):
    notebook = repo / "notebooks" / "01_data_and_preprocessing.ipynb"
    output = tmp_path / notebook.name
    parameters = {"profile": "paper", "data_dir": str(real_format)}
    papermill.execute_notebook(str(notebook), str(output), parameters=parameters, kernel_name=KERNEL,
                               cwd=str(notebook.parent), progress_bar=False)
    printed = "".join(o.get("text", "") for cell in nbformat.read(output, as_version=4).cells
                      for o in cell.get("outputs", []) if o.get("name") == "stdout")
    assert "From 19487 fold-file rows the loader kept 18661 and rejected 826" in printed
    assert "fold 0: 4496 rows" in printed

    done = subprocess.run([sys.executable, str(repo / "bench" / "paper_path.py"), str(real_format), "--slice", "100"],
                          capture_output=True, text=True, env=os.environ, timeout=1500)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.rsplit("PAPER_PATH ", 1)[1])
    print(json.dumps(figures, indent=1))  # the closing note's figures (pytest -s shows them)
    assert figures["load"]["rows"] == 18_661
    assert {split: figures["gender"][split] for split in ("train", "validation", "test")} == {
        "train": 12_088, "validation": 1_408, "test": 3_995}
    assert figures["age"]["test"] + figures["age"]["train"] + figures["age"]["validation"] < 18_661
    cached = sum(1 for _ in (tmp_path / "cache").rglob("*.tensor"))
    assert cached == 18_661  # fold 0 tests, folds 1-4 train: the two tasks cache every indexed face once
    growth = figures["age"]["peak_mb"] - figures["start_peak_mb"]
    assert growth < DATASET_MB / 3, f"caching Adience raised the peak memory by {growth} MB"
    assert figures["train"]["n_test"] == 100 and 0 <= figures["train"]["accuracy_10crop"] <= 1
