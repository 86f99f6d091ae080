"""The package's layout: data flows one way with no import circle, and reading results needs no TensorFlow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests import import_graph, package_map
from tests.conftest import REPO

#: Modules a notebook or a script may import to read recorded results, on a machine without a working TensorFlow.
WITHOUT_TENSORFLOW = ["helpers.analysis.summaries", "helpers.analysis.conclusions", "helpers.analysis.paired",
                      "helpers.analysis.references", "helpers.analysis.age_faces", "helpers.analysis.chapters",
                      "helpers.studies.store",
                      "helpers.studies.catalogue", "helpers.training.settings", "helpers.training.floor",
                      "helpers.inspection.calibration"]


def test_no_module_of_helpers_imports_itself_through_others():
    graph = import_graph.imports()
    assert "helpers.studies.store" in graph and "helpers.training.fit" in graph["helpers.training.one_run"]
    assert import_graph.circles(graph) == []


def test_the_circle_finder_finds_a_circle():
    assert import_graph.circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_stages_import_only_earlier_stages():
    order = ["helpers.data", "helpers.network", "helpers.training", "helpers.studies", "helpers.analysis",
             "helpers.inspection"]
    graph = import_graph.imports()
    for module, targets in graph.items():
        stage = import_graph.package_of(module)
        for target in targets:
            if stage in order and import_graph.package_of(target) in order:
                assert order.index(import_graph.package_of(target)) <= order.index(stage), f"{module} -> {target}"


def test_reading_results_starts_no_tensorflow():
    code = ("import sys\n" + "".join(f"import {name}\n" for name in WITHOUT_TENSORFLOW)
            + "print(sorted(name for name in ('tensorflow', 'keras') if name in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_package_map_in_docs_is_the_one_the_docstrings_give():
    written = (import_graph.ROOT / "docs" / "package.md").read_text(encoding="utf-8")
    assert written == package_map.render(), "out of date: python -m tests.package_map > docs/package.md"


def test_every_module_that_imports_keras_at_its_top_starts_tensorflow_quietly_first():
    """TensorFlow's start-up messages go to the process's own stderr, below a notebook's cells, unless
    ``environment.start_tensorflow`` imports it first; a module that imports Keras at its top calls it before."""
    import ast

    loud = []
    for path in sorted((import_graph.ROOT / "helpers").rglob("*.py")):
        started = False
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Expr) and ast.unparse(node) == "environment.start_tensorflow()":
                started = True
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.split(".")[0] in ("keras", "tensorflow") for name in names) and not started:
                loud.append(str(path.relative_to(import_graph.ROOT)))
                break
    assert loud == []


def test_the_readme_names_every_weights_file_a_user_may_have_to_place():
    """Notebook 16's backbones in the paper profile: where ImageNet's files go when Keras cannot fetch them."""
    from helpers.network import backbones

    readme = (import_graph.ROOT / "README.md").read_text(encoding="utf-8")
    assert backbones.WEIGHTS_FOLDER in readme
    assert all(spec.weights_file in readme for spec in backbones.BACKBONES.values())


def test_every_test_file_has_a_name_of_its_own():
    """pytest imports test files by their names (the folders are not packages), and make mutation picks a module's
    judges by file name (tests/mutation/own_tests.py): two files of one name stop the collection."""
    from collections import Counter

    names = Counter(path.name for path in (REPO / "tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []


def test_make_tests_linter_reads_every_python_file_of_the_kit_and_none_it_generates():
    """ruff's exclusions are anchored at the repository: a bare "data" left out helpers/data/ and tests/data/."""
    listed = subprocess.run([sys.executable, "-m", "ruff", "check", "--show-files", "."], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split()
    linted = {Path(line).resolve() for line in listed if line.endswith(".py")}
    kit = {path.resolve() for folder in ("helpers", "tests", "data_scripts", "bench") if (REPO / folder).is_dir()
           for path in (REPO / folder).rglob("*.py")}
    assert sorted(map(str, kit - linted)) == []
    assert not [path for path in linted if REPO / "data" in path.parents or REPO / "results" in path.parents]
