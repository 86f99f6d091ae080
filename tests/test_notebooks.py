"""Every numbered notebook runs end to end in the smoke profile and records its headline; the studies they
ran leave complete results files that show learning."""

import nbformat
import numpy as np
import papermill
import pytest

from helpers import experiment, headline, profiles, studies
from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="session")
def results_root(tmp_path_factory):
    """One results folder for the whole session: later notebooks reuse the runs of earlier ones, as in
    `make run`, but nothing is read from an older `results/` of the checkout."""
    return tmp_path_factory.mktemp("results")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_in_the_smoke_profile(path, synthetic_tiny, tmp_path, results_root, monkeypatch):
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(results_root))  # the kernel inherits it
    output = tmp_path / path.name
    papermill.execute_notebook(str(path), str(output), parameters={"profile": "smoke", "data_dir": str(synthetic_tiny)},
                               kernel_name="python3", cwd=str(path.parent), progress_bar=False)
    executed = nbformat.read(output, as_version=4)
    assert headline.read(executed), f"{path.name} records no headline (helpers.headline.record)"
    stderr = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", [])
                     if o.get("output_type") == "stream" and o.get("name") == "stderr")
    assert "oneDNN" not in stderr and "Traceback" not in stderr, stderr[:2000]


def test_start_here_finds_the_three_synthetic_datasets(synthetic_tiny, tmp_path):
    path = REPO / "notebooks" / "00_start_here.ipynb"
    output = tmp_path / path.name
    papermill.execute_notebook(str(path), str(output), parameters={"data_dir": str(synthetic_tiny)},
                               kernel_name="python3", cwd=str(path.parent), progress_bar=False)
    executed = nbformat.read(output, as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []) if o.get("name") == "stdout")
    assert "3 of 3 datasets present" in printed and "adience (synthetic)" in printed


@pytest.mark.slow
@pytest.mark.parametrize("name", ["batch_size", "hidden_units", "hidden_layers", "learning_rate"])
def test_study_results_are_complete_in_range_and_show_learning(name, synthetic_tiny, results_root, monkeypatch):
    """Runs the study if the notebook did not (then it takes minutes); otherwise reads its file."""
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(results_root))
    profile = profiles.get_profile("smoke", data_dir=synthetic_tiny)
    study = studies.STUDIES[name]
    results = studies.run_study(study, profile, verbose=False)
    expected = {(v, t, str(f), str(s)) for v in study.variants_for(profile) for t in study.tasks
                for f in profile.folds for s in profile.seeds}
    found = set(map(tuple, results[studies.KEY].astype(str).to_numpy()))  # a CSV reads "8" back as 8
    assert found == expected and len(results) == len(expected)
    scored = results[~results.diverged.astype(bool)]
    assert scored.accuracy.between(0, 1).all() and (scored.n_test > 0).all()
    assert (scored.epochs_trained >= scored.best_epoch).all() and (scored.best_epoch >= 1).all()
    for task in study.tasks:
        labels = experiment.task_data(profile, task, profile.folds[0]).labels["test"]
        majority = np.bincount(labels).max() / len(labels)
        best = scored[scored.task == task].accuracy.max()
        assert best >= majority + 0.04, f"{name}, {task}: best {best:.3f} against a majority of {majority:.3f}"
        if task == "age":
            assert scored[scored.task == "age"].one_off_accuracy.max() > scored[scored.task == "age"].accuracy.max() + 0.2
