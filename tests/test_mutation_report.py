"""The mutation report's arithmetic (tests/mutation/report.py), on mutmut result files made by hand."""

from __future__ import annotations

import json
import shutil
import sys

from tests.mutation import report
from tests.mutation.own_tests import OWN_TESTS, module_of


def write_meta(module: str, exit_codes: dict) -> None:
    path = report.Path("mutants") / (module + ".meta")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"exit_code_by_key": exit_codes}))


def run_report(monkeypatch, out) -> int:
    monkeypatch.setattr(sys, "argv", ["report", "--out", str(out)])
    return report.main()


def test_the_score_leaves_out_equivalent_mutants_and_a_module_not_fully_checked_fails(repo, tmp_path, monkeypatch):
    shutil.copy(repo / "pyproject.toml", tmp_path)
    monkeypatch.chdir(tmp_path)
    name = "helpers.data.splits.x_subject_split__mutmut_"
    assert module_of(name + "1") == "helpers/data/splits.py"
    for module in OWN_TESTS:
        write_meta(module, {f"{module}-killed-{n}": 1 for n in range(9)} | {f"{module}-timeout": 36})
    # splits: 8 killed, 1 timeout, 1 equivalent survivor; 10 judged, all killed
    write_meta("helpers/data/splits.py", {name + str(n): 1 for n in range(8)} | {name + "8": 36, name + "9": 0})
    monkeypatch.setattr(report, "HERE", tmp_path)
    (tmp_path / "equivalent.toml").write_text(f'[equivalent]\n"{name}9" = "why"\n"gone__mutmut_1" = "stale"\n')
    assert run_report(monkeypatch, tmp_path / "REPORT.md") == 0
    text = (tmp_path / "REPORT.md").read_text()
    assert "| helpers/data/splits.py | test_loaders.py | 10 | 9 | 0 | 0 | 1 | 0 | 0 | 100.0% |" in text
    assert f"- `{name}9`: why" in text and "gone__mutmut_1" not in text

    # one mutant not checked (a run stopped early): the module is not done, whatever its score
    write_meta("helpers/data/labels.py", {"a__mutmut_1": 1, "a__mutmut_2": None})
    assert run_report(monkeypatch, tmp_path / "REPORT.md") == 1
    row = next(line for line in (tmp_path / "REPORT.md").read_text().splitlines() if "labels.py" in line)
    assert row.endswith("| 2 | 1 | 0 | 0 | 0 | 0 | 1 | 100.0% |")


def test_an_equivalent_entry_whose_mutant_a_test_kills_is_named_and_fails_the_report(repo, tmp_path, monkeypatch,
                                                                                      capsys):
    shutil.copy(repo / "pyproject.toml", tmp_path)
    monkeypatch.chdir(tmp_path)
    for module in OWN_TESTS:
        write_meta(module, {f"{module}-killed-{n}": 1 for n in range(10)})
    name = "helpers.data.splits.x_subject_split__mutmut_"
    # the function changed and mutmut renumbered its mutants: the entry for 3 now names a mutant a test kills
    write_meta("helpers/data/splits.py", {name + str(n): 1 for n in range(9)} | {name + "9": 0})
    monkeypatch.setattr(report, "HERE", tmp_path)
    (tmp_path / "equivalent.toml").write_text(f'[equivalent]\n"{name}3" = "why"\n"{name}9" = "why"\n')
    assert run_report(monkeypatch, tmp_path / "REPORT.md") == 1
    said = capsys.readouterr().out
    assert f"names {name}3 as equivalent, but a test kills it" in said and "no longer makes" not in said
    text = (tmp_path / "REPORT.md").read_text()
    assert "| helpers/data/splits.py | test_loaders.py | 10 | 9 | 0 | 0 | 1 | 0 | 0 | 100.0% |" in text  # killed
    assert f"- `{name}9`: why" in text and f"`{name}3`" not in text
