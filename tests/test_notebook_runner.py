"""make run's runner: every notebook runs, failures name their cell, headlines reach the table."""

import os
import re

import nbformat
import pandas as pd
import pytest

from helpers import notebook_runner
from tests.conftest import TEST_IMAGE_CACHE


def _notebook(path, *sources):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = nbformat.v4.new_code_cell('profile = "smoke"\ndata_dir = None\nseed = 0')
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters] + [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(notebook, path)
    return path


def test_runner_reports_failures_and_headlines_and_goes_on(tmp_path, capsys):
    failing = _notebook(tmp_path / "01_fails.ipynb", "x = 1", "1 / 0")
    passing = _notebook(tmp_path / "02_passes.ipynb",
                        "import helpers.headline\nhelpers.headline.record('profile seen', profile)")
    status = notebook_runner.main(["--profile", "smoke", "--output", str(tmp_path / "out"), str(failing), str(passing)])
    printed = capsys.readouterr().out
    assert status == 1
    assert "FAILED 01_fails.ipynb: cell 2" in printed and "ZeroDivisionError" in printed
    assert "02_passes.ipynb" in printed and "profile seen = smoke" in printed
    assert (tmp_path / "out" / "01_fails.ipynb").exists() and (tmp_path / "out" / "02_passes.ipynb").exists()


def test_runner_leaves_nothing_on_stderr_a_user_cannot_act_on(tmp_path, capfd):
    """ipykernel warns on stderr, once per notebook, that a TCP connection to it is unencrypted."""
    passing = _notebook(tmp_path / "00_ok.ipynb", "x = 1")
    assert notebook_runner.main(["--output", str(tmp_path / "out"), str(passing)]) == 0
    assert "WARNING" not in capfd.readouterr().err


def test_runner_exits_zero_when_all_pass_and_passes_data_dir(tmp_path, capsys):
    passing = _notebook(
        tmp_path / "00_ok.ipynb", "import helpers.headline\nhelpers.headline.record('data', str(data_dir))"
    )
    status = notebook_runner.main(["--output", str(tmp_path / "out"), "--data-dir", str(tmp_path), str(passing)])
    assert status == 0
    assert f"data = {tmp_path}" in capsys.readouterr().out


def test_the_seed_reaches_every_notebook_only_when_given(tmp_path, capsys):
    shows_seed = _notebook(tmp_path / "00_seed.ipynb", "import helpers.headline\nhelpers.headline.record('seed', seed)")
    assert notebook_runner.main(["--output", str(tmp_path / "out"), "--seed", "3", str(shows_seed)]) == 0
    assert "seed = 3" in capsys.readouterr().out
    assert notebook_runner.main(["--output", str(tmp_path / "own"), str(shows_seed)]) == 0
    assert "seed = 0" in capsys.readouterr().out  # the notebook's own


def test_a_long_error_is_cut_in_the_table_and_printed_whole_below(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")  # the terminal's width
    message = "wrong layout " * 40
    failing = _notebook(tmp_path / "01_fails.ipynb", f"raise ValueError({message!r})")
    assert notebook_runner.main(["--output", str(tmp_path / "out"), str(failing)]) == 1
    printed = capsys.readouterr().out
    table = printed[printed.index("notebook  "):printed.index("FAILED 01_fails")]
    assert max(len(line) for line in table.splitlines()) <= 100
    assert message.strip() in printed  # the FAILED line keeps it all


#: A notebook that runs a small study (the smoke profile shrunk to seconds, two values of gender, seeds 0 and 1)
#: and records its kernel's pid.
STUDY_NOTEBOOK = """\
import dataclasses, os
import helpers.headline
from helpers import environment, profiles
from helpers.studies import catalogue, runner
environment.setup(data_dir=data_dir, verbose=False)
shrunk = dataclasses.replace(profiles.get_profile(profile, data_dir), image_size=48, crop_size=40, max_epochs=1,
                             batch_size=64)
study = catalogue.Study("spread", {"wide": {"hidden_units": 64}, "narrow": {"hidden_units": 16}}, tasks=("gender",))
table = runner.run_study(study, shrunk, seeds=(0, 1))
helpers.headline.record("kernel", os.getpid())"""


@pytest.mark.slow
def test_two_workers_run_each_notebook_once_and_its_runs_on_a_local_ray(synthetic_tiny, tmp_path, capsys,
                                                                        monkeypatch):
    """`make run WORKERS=2` in miniature: Ray started by the runner on the loopback, each notebook executed once,
    its study's runs trained by two Ray workers, not by the notebook's kernel; then Ray stopped."""
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("AGE_GENDER_KIT_CACHE", str(TEST_IMAGE_CACHE))
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    study = _notebook(tmp_path / "00_study.ipynb", STUDY_NOTEBOOK)
    status = notebook_runner.main(["--output", str(tmp_path / "out"), "--data-dir", str(synthetic_tiny),
                                   "--workers", "2", str(study)])
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert re.search(r"Ray started on this machine \(127\.0\.0\.1:\d+\): the Ray cluster \(1 node, 2 CPUs", printed)
    assert [p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.ipynb")] == [
        "00_study.ipynb"]  # one executed copy: the notebook ran once
    table = pd.read_csv(tmp_path / "results" / "smoke" / "spread.csv")
    kernel = re.search(r"kernel = (\d+)", printed).group(1)
    assert len(table) == 4 and table.worker.nunique() == 2 and not table.worker.str.endswith(f":{kernel}").any()
    assert table.accuracy.between(0, 1).all()
    import ray

    assert "RAY_ADDRESS" not in os.environ and not ray.is_initialized()  # the runner stopped its Ray
