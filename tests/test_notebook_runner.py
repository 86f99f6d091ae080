"""make run's runner: every notebook runs, failures name their cell, headlines reach the table."""

import re

import nbformat

from helpers import notebook_runner


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


def test_two_workers_each_run_every_notebook_into_a_folder_of_their_own_with_the_seed(tmp_path, capsys):
    """`--workers 2` in miniature: two runner processes, each executing every notebook into its own folder, with
    the seed given; how their studies share runs is tests/studies/test_workers.py's."""
    shows = [_notebook(tmp_path / f"0{n}_worker.ipynb", "import os\nimport helpers.headline\n"
                       "helpers.headline.record('runner, seed', f'{os.getppid()}, {seed}')") for n in (0, 1)]
    status = notebook_runner.main(["--output", str(tmp_path / "out"), "--workers", "2", "--seed", "1",
                                   *map(str, shows)])
    printed = capsys.readouterr().out
    assert status == 0 and "2 workers: all finished" in printed
    assert {p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.ipynb")} == {
        f"worker{w}/0{n}_worker.ipynb" for w in (0, 1) for n in (0, 1)}
    runners = {}
    for worker in ("worker0", "worker1"):
        seen = re.findall(rf"^\[{worker}\] .*runner, seed = (\d+), (\d+)$", printed, re.MULTILINE)
        assert len(seen) >= 2 and {seed for _, seed in seen} == {"1"}, printed
        runners[worker] = {pid for pid, _ in seen}
    assert len(runners["worker0"] | runners["worker1"]) == 2  # one runner process per worker, not one shared
