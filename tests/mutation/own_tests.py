"""Which test files judge each module's mutants in `make mutation`, read from the layout of tests/.

mutmut runs, for a mutant, every test that called the mutated function while it recorded them; through the
shared fixtures that includes the slow studies for nearly every function (the loaders, the network, the
pipeline). Each module is judged here by its own tests instead (tests/conftest.py deselects the others while a
mutant is under test): the test files of its package's folder (``helpers/data/splits.py`` -> ``tests/data/``),
and those of the packages that import it directly (``tests.import_graph``), which use it the way the course
does: the network's modules are judged by ``tests/training/`` too, the results store by ``tests/analysis/``. A
module beside the packages (``helpers/timings.py``) is judged by its own file, ``tests/test_timings.py``, and by
the folders of the packages that import it; where such a module imports another (``helpers.predict`` imports
``helpers.data.photo``), its file judges that one too.
A mutant that only a slow integration test would notice counts as surviving: the module's own tests should
say what it does.
"""

from __future__ import annotations

import functools
from pathlib import Path

from tests import import_graph

TESTS = Path(__file__).resolve().parent.parent


def module_of(mutant: str) -> str:
    """helpers.data.splits.x_subject_split__mutmut_3 -> helpers/data/splits.py"""
    dotted = mutant.split("__mutmut_")[0].rsplit(".", 1)[0]
    return dotted.replace(".", "/") + ".py"


@functools.cache
def import_graph_of_helpers() -> dict[str, set[str]]:
    """The package's import graph, read once per process. Parsing every module of mutmut's copy took 0.4-1.2 s,
    which each mutant's tests paid again when the graph was read in the process forked for them (see
    ``tests/conftest.py``, which reads it in the process they are forked from)."""
    return import_graph.imports()


def judging_files(module: str) -> list[str]:
    """The names of the test files that judge ``module`` (a path such as ``helpers/data/splits.py``)."""
    dotted = module.removesuffix(".py").replace("/", ".")
    graph = import_graph_of_helpers()
    users = {dotted} | {user for user, imported in graph.items() if dotted in imported}
    packages = {import_graph.package_of(user) for user in users}
    folders = [TESTS / package.removeprefix("helpers.") for package in sorted(packages) if package != "helpers"]
    files = {path.name for folder in folders if folder.is_dir() for path in folder.glob("test_*.py")}
    for beside in users:  # a module beside the packages has its own file: helpers.predict -> tests/test_predict.py
        own = TESTS / f"test_{beside.rsplit('.', 1)[1]}.py"
        if beside.count(".") == 1 and own.exists():
            files.add(own.name)
    return sorted(files)


def own_test_files(mutant: str) -> list[str]:
    module = module_of(mutant)
    files = judging_files(module)
    if not files:
        raise KeyError(f"{module} (mutant {mutant}) has no tests folder: its tests belong in tests/<its package>/")
    return files
