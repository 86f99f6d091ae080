"""What the course's notebooks need that reads no notebook's results: 00, 01 and 11
(``tests.test_notebooks.ALONE``), each executed in the smoke profile with a results folder of its own; 00 and 01
again under nbval; 09 before any study has run; and the pre-trained networks of notebook 08, trained into the
course's results folder. `make test` gives this file to the pytest process that does not execute the chain of
notebooks (tests/conftest.py), so that the two processes finish closer together; run alone, or in either order,
it tests the same (08 pre-trains what it does not find, and waits for a pre-training another process holds)."""

import re
import subprocess
import sys

import nbformat
import papermill
import pytest

from helpers import profiles
from helpers.studies import pretraining
from tests.conftest import REPO
from tests.test_notebooks import ALONE, KERNEL, execute_and_check


@pytest.mark.slow
def test_pretrained_networks_learned_their_source_task(synthetic_tiny, results_root, monkeypatch):
    """The CelebA and IMDB-WIKI networks notebook 08 starts from, kept in the course's results folder, beat always
    answering the largest class."""
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(results_root))
    profile = profiles.get_profile("smoke", data_dir=synthetic_tiny)
    for task in ("gender", "age"):
        pretraining.pretrained_model(profile, task, profile.seeds[0], verbose=False)  # trained here unless 08 did
    kept = pretraining.pretraining_results(profile).set_index("task")
    assert set(kept.source) == {"celeba", "imdb_wiki"} and (kept.epochs_trained == profile.pretraining_epochs).all()
    assert kept.loc["gender", "accuracy"] >= kept.loc["gender", "majority"] + 0.05, kept.loc["gender"].to_dict()
    assert kept.loc["age", "one_off_accuracy"] > kept.loc["age", "accuracy"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ALONE)
def test_a_notebook_that_reads_no_others_results_executes_in_the_smoke_profile(name, synthetic_tiny, tmp_path,
                                                                                 monkeypatch):
    execute_and_check(REPO / "notebooks" / name, synthetic_tiny, tmp_path, tmp_path / "results", monkeypatch)


def test_conclusions_with_no_results_name_the_notebooks_to_run_first(synthetic_tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "no-results-yet"))
    path = REPO / "notebooks" / "09_conclusions.ipynb"
    output = tmp_path / path.name
    papermill.execute_notebook(str(path), str(output), parameters={"data_dir": str(synthetic_tiny)},
                               kernel_name=KERNEL, cwd=str(path.parent), progress_bar=False)
    printed = "".join(o.get("text", "") for c in nbformat.read(output, as_version=4).cells
                      for o in c.get("outputs", []) if o.get("name") == "stdout")
    assert "No results yet from 02_levi_hassner_model, 03_batch_size" in printed and "08_transfer_learning" in printed
    assert "0 study x task comparisons" in printed


@pytest.mark.slow
@pytest.mark.parametrize("name", ["00_start_here.ipynb", "01_data_and_preprocessing.ipynb"])
def test_an_executed_notebook_shows_the_same_outputs_when_run_again(name, synthetic_tiny, tmp_path):
    """nbval re-executes a notebook papermill has executed and compares every text output (tables, printed
    counts, the data's sample; not the figures' bytes) with the stored one: the data path and the seeds fixed by
    helpers.setup make the chapters a student reads the same on every run. The papermill tests check what each
    notebook shows, not that it shows it again."""
    executed = tmp_path / name
    papermill.execute_notebook(str(REPO / "notebooks" / name), str(executed), kernel_name=KERNEL,
                               parameters={"data_dir": str(synthetic_tiny)}, cwd=str(REPO / "notebooks"),
                               progress_bar=False)
    done = subprocess.run([sys.executable, "-m", "pytest", "--nbval", str(executed), "--nbval-kernel-name", KERNEL,
                           "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]
    assert re.search(r"\d+ passed", done.stdout)
