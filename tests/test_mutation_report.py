"""The mutation testing set-up: the report's arithmetic (tests/mutation/report.py) on mutmut result files made by
hand, the verdicts kept in the repository, and the choice and order of the tests that judge a mutant."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

from tests.mutation import report
from tests.mutation.own_tests import judging_files, module_of


def write_meta(module: str, exit_codes: dict) -> None:
    path = report.Path("mutants") / (module + ".meta")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"exit_code_by_key": exit_codes}))


def write_mutants(module: str, function: str, returned: dict[int, str]) -> None:
    """mutmut's mutated copy of ``module``: ``function`` as written (returning ``a + 1``) and its mutant number n
    returning ``returned[n]``."""
    path = report.Path("mutants") / module
    path.parent.mkdir(parents=True, exist_ok=True)
    functions = {"orig": "a + 1", **returned}
    path.write_text("".join(f"def {function}__mutmut_{n}(a):\n    return {body}\n\n\n"
                            for n, body in functions.items()))


def run_report(monkeypatch, out) -> int:
    monkeypatch.setattr(sys, "argv", ["report", "--out", str(out)])
    return report.main()


def test_the_score_leaves_out_equivalent_mutants_and_a_module_not_fully_checked_fails(repo, tmp_path, monkeypatch):
    shutil.copy(repo / "pyproject.toml", tmp_path)
    monkeypatch.chdir(tmp_path)
    name = "helpers.data.splits.x_subject_split__mutmut_"
    assert module_of(name + "1") == "helpers/data/splits.py"
    for module in report.listed_modules(tmp_path / "pyproject.toml"):
        write_meta(module, {f"{module}-killed-{n}": 1 for n in range(9)} | {f"{module}-timeout": 36})
    # splits: 8 killed, 1 timeout, 1 equivalent survivor; 10 judged, all killed
    write_meta("helpers/data/splits.py", {name + str(n): 1 for n in range(8)} | {name + "8": 36, name + "9": 0})
    write_mutants("helpers/data/splits.py", "x_subject_split", {n: f"a + {n + 10}" for n in range(9)} | {9: "a + 1.0"})
    monkeypatch.setattr(report, "HERE", tmp_path)
    equivalent = f'"{name}9" = {{ change = "- return a + 1 / + return a + 1.0", why = "why" }}'
    (tmp_path / "equivalent.toml").write_text(f"[equivalent]\n{equivalent}\n")
    assert run_report(monkeypatch, tmp_path / "REPORT.md") == 0
    text = (tmp_path / "REPORT.md").read_text()
    judges = ", ".join(judging_files("helpers/data/splits.py"))  # tests/data/, and the folders of its importers
    assert "test_loaders.py" in judges and "test_fit.py" not in judges
    assert f"| helpers/data/splits.py | {judges} | 10 | 9 | 0 | 0 | 1 | 0 | 0 | 100.0% |" in text
    assert f"- `{name}9`: why" in text

    # one mutant not checked (a run stopped early): the module is not done, whatever its score
    write_meta("helpers/data/labels.py", {"a__mutmut_1": 1, "a__mutmut_2": None})
    assert run_report(monkeypatch, tmp_path / "REPORT.md") == 1
    row = next(line for line in (tmp_path / "REPORT.md").read_text().splitlines() if "labels.py" in line)
    assert row.endswith("| 2 | 1 | 0 | 0 | 0 | 0 | 1 | 100.0% |")


def test_an_equivalent_entry_that_no_longer_names_its_change_is_refused_and_its_mutant_counted(repo, tmp_path,
                                                                                             monkeypatch, capsys):
    shutil.copy(repo / "pyproject.toml", tmp_path)
    monkeypatch.chdir(tmp_path)
    for module in report.listed_modules(tmp_path / "pyproject.toml"):
        write_meta(module, {f"{module}-killed-{n}": 1 for n in range(10)})
    name = "helpers.data.splits.x_subject_split__mutmut_"
    # the function changed and mutmut numbered its mutants again: "a + 1.0" was 3 and is now 5; 3 is killed, 5 and
    # 9 survive, and 9 now makes another change than its entry says
    write_meta("helpers/data/splits.py", {name + str(n): 1 for n in range(9)} | {name + "5": 0, name + "9": 0})
    write_mutants("helpers/data/splits.py", "x_subject_split",
                  {n: f"a + {n + 10}" for n in range(10)} | {3: "a - 1", 5: "a + 1.0", 7: "a * 1", 9: "a + 2"})
    monkeypatch.setattr(report, "HERE", tmp_path)

    def entry(number: int, returned: str) -> str:
        return f'"{name}{number}" = {{ change = "- return a + 1 / + return {returned}", why = "why {number}" }}'

    (tmp_path / "equivalent.toml").write_text("\n".join([
        "[equivalent]", entry(3, "a + 1.0"), entry(7, "a * 1"), entry(9, "a + 1.5"), entry(11, "a + 3")]))
    assert run_report(monkeypatch, tmp_path / "REPORT.md") == 1
    said = capsys.readouterr().out
    assert f"{name}3 now changes `- return a + 1 / + return a - 1`, not `- return a + 1 / + return a + 1.0`" in said
    assert f"that change is now {name}5: rename the entry" in said
    assert f"{name}7 is written down as equivalent, but a test kills it" in said  # its change, but killed
    assert f"{name}9 now changes `- return a + 1 / + return a + 2`" in said  # moved onto another survivor
    assert "no mutant of its function makes that change now" in said
    assert f"{name}11: mutmut no longer makes it" in said
    text = (tmp_path / "REPORT.md").read_text()
    # no entry holds: 3 and 7 count as killed, 5 and 9 as survivors
    judges = ", ".join(judging_files("helpers/data/splits.py"))
    assert f"| helpers/data/splits.py | {judges} | 10 | 8 | 2 | 0 | 0 | 0 | 0 | 80.0% |" in text
    assert f"- `{name}5`: `- return a + 1 / + return a + 1.0`" in text and f"- `{name}9`: `" in text
    # the list of survivors to try again (make mutation, after a test changed) holds both too
    monkeypatch.setattr(sys, "argv", ["report", "--survivors"])
    assert report.main() == 0
    assert capsys.readouterr().out.split() == [f"{name}5", f"{name}9"]
    # right after `verdicts restore` (a fresh clone) mutmut has not written the mutated source yet: the entries
    # are taken by name, and nothing fails
    (report.Path("mutants") / "helpers/data/splits.py").unlink()
    assert report.main() == 0
    assert capsys.readouterr().out.split() == [f"{name}5"]


def test_verdicts_kept_in_the_repository_are_read_back_by_mutmut_except_those_of_a_changed_function(
        repo, tmp_path, monkeypatch):
    """The round trip a fresh clone makes: mutmut's results saved to the ledger, mutants/ gone, the ledger restored,
    then mutmut's own mutant generation (the first step of `mutmut run`) over the source, one function of which
    changed in between."""
    from mutmut.__main__ import create_mutants_for_file

    from tests.mutation import verdicts

    shutil.copy(repo / "pyproject.toml", tmp_path)
    monkeypatch.chdir(tmp_path)
    module = report.Path("helpers/data/splits.py")
    module.parent.mkdir(parents=True)
    ledger = tmp_path / "verdicts.json"

    def generate(source: str) -> dict:
        module.write_text(source)
        copy = report.Path("mutants") / module
        copy.parent.mkdir(parents=True, exist_ok=True)
        create_mutants_for_file(module, copy)
        return json.loads((report.Path("mutants") / (str(module) + ".meta")).read_text())["exit_code_by_key"]

    source = "def kept(a):\n    return a + 1\n\n\ndef changed(a):\n    return a * 2\n"
    codes = generate(source)
    kept = sorted(name for name in codes if ".x_kept__" in name)
    changed = sorted(name for name in codes if ".x_changed__" in name)
    assert kept and changed and set(codes.values()) == {None}
    # the run judged them: kept's first mutant survived, the others were killed; one of changed's was not judged
    judged = {name: 1 for name in kept + changed} | {kept[0]: 0, changed[0]: None}
    meta = report.Path("mutants") / (str(module) + ".meta")
    meta.write_text(json.dumps(json.loads(meta.read_text()) | {"exit_code_by_key": judged}))
    assert verdicts.save(ledger) == len(judged) - 1
    saved = json.loads(ledger.read_text())["modules"][str(module)]
    assert saved["x_kept"]["exit_codes"] == {name.rsplit("_", 1)[1]: judged[name] for name in kept}
    saved_changed = saved["x_changed"]

    # mutmut set every verdict back (its test selection changed), and the run stopped after judging one again:
    # the ledger keeps the others while their function is unchanged
    meta.write_text(json.dumps(json.loads(meta.read_text()) | {"exit_code_by_key": {
        name: None for name in judged} | {kept[1]: 0}}))
    assert verdicts.save(ledger) == len(judged) - 1
    again = json.loads(ledger.read_text())["modules"][str(module)]
    assert again["x_kept"]["exit_codes"] == {name.rsplit("_", 1)[1]: judged[name] for name in kept} | {
        kept[1].rsplit("_", 1)[1]: 0}
    assert again["x_changed"] == saved_changed
    assert verdicts.restore(ledger) == len(judged) - 2  # and restore puts them back, but for the one judged again
    assert json.loads(meta.read_text())["exit_code_by_key"] == judged | {kept[1]: 0}
    meta.write_text(json.dumps(json.loads(meta.read_text()) | {"exit_code_by_key": judged}))
    assert verdicts.save(ledger) == len(judged) - 1

    shutil.rmtree("mutants")
    assert verdicts.restore(ledger) == len(judged) - 1
    assert verdicts.restore(ledger) == 0  # mutants/ now has results for the module: nothing is overwritten
    codes = generate(source.replace("a * 2", "a * 3"))
    assert {name: codes[name] for name in kept} == {name: judged[name] for name in kept}
    assert {codes[name] for name in changed} == {None}  # its hash changed: judged again

    # a module listed after mutmut copied it unmutated into mutants/ (mutmut would never mutate it): the copy goes
    copy = report.Path("mutants") / module
    copy.write_text(source)
    assert verdicts.restore(ledger) == 0 and not copy.exists()
    codes = generate(source)
    assert codes and "__mutmut_" in copy.read_text()
    # a mutated copy stays; `changed` is as it was judged again, so its verdicts (all but the one not judged) return
    assert verdicts.restore(ledger) == len(changed) - 1 and copy.exists()
    # a test file renamed since mutmut copied it: its stale copy goes (two files of one name stop the collection)
    stale = report.Path("mutants") / "tests" / "data" / "test_old_name.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("def test_nothing():\n    pass\n")
    assert verdicts.restore(ledger) == 0 and not stale.exists() and copy.exists()

    # a ledger written by another mutmut version numbers mutants its own way: nothing is restored
    shutil.rmtree("mutants")
    ledger.write_text(ledger.read_text().replace(f'"mutmut": "{verdicts.version("mutmut")}"', '"mutmut": "2.0"'))
    assert verdicts.restore(ledger) == 0 and not report.Path("mutants").exists()


def test_a_mutant_is_judged_by_its_modules_own_tests_the_fastest_first(repo, tmp_path):
    """tests/conftest.py under mutmut, which runs pytest -x from mutants/ with the mutant's name in the environment:
    the tests collected are those of the module's own test files, in the order of the durations mutmut measured
    (mutants/mutmut-stats.json), so that a quick test that kills the mutant runs before the slow ones."""
    def collected(**environment) -> list[str]:
        command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                   f"--rootdir={repo}", str(repo / "tests" / "analysis" / "test_paired.py"),
                   str(repo / "tests" / "data" / "test_age_groups.py")]
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(repo), **environment})
        assert done.returncode == 0, done.stdout + done.stderr
        return [line for line in done.stdout.splitlines() if "::" in line]

    in_file_order = collected()
    paired = [test for test in in_file_order if test.startswith("tests/analysis/test_paired.py::")]
    assert len(paired) >= 3 and len(paired) < len(in_file_order)
    # the last test in the file measured fastest, the first slowest
    durations = {test: float(len(paired) - place) for place, test in enumerate(paired)}
    (tmp_path / "mutmut-stats.json").write_text(json.dumps({"duration_by_test": durations}))
    mutant = "helpers.analysis.paired.x_mcnemar__mutmut_1"
    assert collected(MUTANT_UNDER_TEST=mutant) == list(reversed(paired))
    assert collected() == in_file_order  # not under mutmut: every test, in the files' order


def test_every_module_is_mutated_or_named_in_the_readmes_list_of_what_is_left_out(repo):
    listed = set(report.listed_modules(repo / "pyproject.toml"))
    readme = (repo / "tests" / "mutation" / "README.md").read_text()
    left_out = set(re.findall(r"^\| `(helpers/[^`]+)` \|", readme.split("## Left out")[1].split("## ")[0], re.M))
    assert listed and left_out and not listed & left_out
    modules = {path.relative_to(repo).as_posix() for path in (repo / "helpers").rglob("*.py")
               if "synthetic" not in path.parts and _holds_code(path)}
    assert "helpers/synthetic/" in left_out
    assert modules - listed - left_out == set(), "add these to [tool.mutmut] only_mutate or to the README's list"
    assert {module for module in listed | left_out if module.endswith(".py")} <= modules  # every name still a module


def test_a_module_beside_the_packages_is_judged_by_its_own_test_file_and_its_importers_folders():
    assert judging_files("helpers/timings.py") == ["test_timings.py"]  # only notebooks import it
    assert {"test_timer.py", "test_fft_conv.py"} <= set(judging_files("helpers/timer.py"))  # fft_conv imports it
    assert "test_predict.py" in judging_files("helpers/data/photo.py")  # the command-line predictor imports it


def _holds_code(path) -> bool:
    """Whether a module holds more than a docstring and imports (the packages' __init__.py hold only those)."""
    import ast

    statements = ast.parse(path.read_text()).body
    return any(not isinstance(node, (ast.Expr, ast.Import, ast.ImportFrom)) for node in statements)
