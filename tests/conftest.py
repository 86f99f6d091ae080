"""Shared fixtures: the repository, the real index files (when present), a synthetic mirror and a profile shrunk
to seconds on it."""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Beside the kit's development checkout (absent in a user's clone; tests that need it skip): the real index
# files taken unchanged from public sources, and the design notes. `make mutation` runs the tests from a copy
# in mutants/ and names the folder in AGE_GENDER_KIT_SHARED.
SHARED = Path(os.environ.get("AGE_GENDER_KIT_SHARED", REPO.parent / "shared"))
REAL_INDEX = SHARED / "real_index"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def real_index() -> Path:
    if not REAL_INDEX.is_dir():
        pytest.skip(
            f"real index files not found at {REAL_INDEX} (they ship beside the kit's development checkout only)"
        )
    return REAL_INDEX


@pytest.fixture(scope="session")
def synthetic_tiny(tmp_path_factory) -> Path:
    """The tiny mirror with seed 0: the one `make data` wrote, or a fresh one if that is missing or older
    than the generator's code (the same rule as the Makefile's). A mirror named in AGE_GENDER_KIT_SYNTHETIC is
    used as it is: `make mutation` names the one `make data` has just brought up to date, and its copy of the
    code in mutants/ is newer than any mirror (each mutant's tests would otherwise write their own)."""
    from helpers import profiles, synthetic

    default = profiles.synthetic_dir()
    manifest = default / "MANIFEST.json"
    sources = list((REPO / "helpers" / "synthetic").glob("*.py")) + [REPO / "data_scripts" / "make_synthetic.py"]
    named = "AGE_GENDER_KIT_SYNTHETIC" in os.environ
    if manifest.exists() and (named or manifest.stat().st_mtime >= max(p.stat().st_mtime for p in sources)):
        content = json.loads(manifest.read_text())
        if content.get("preset") == "tiny" and content.get("seed") == 0:
            return default
    out = tmp_path_factory.mktemp("synthetic") / "tiny"
    synthetic.generate(out, "tiny", seed=0, show_progress=False)
    return out


def adience_placeholders(real_index: Path, root: Path, image: Path | None = None) -> list[str]:
    """The real Adience fold files in ``root``, with a placeholder at every indexed path: an empty file, or a
    hard link to ``image`` (a path of its own, so the image cache, keyed on the path, caches each one).
    Returns the indexed paths (relative to ``root``)."""
    import shutil

    from helpers.data import adience

    root.mkdir(parents=True, exist_ok=True)
    for fold in range(5):
        shutil.copy(real_index / "adience" / f"fold_{fold}_data.txt", root)
    paths = list(adience.load_adience(root, require_files=False).index.path.unique())
    for relative in paths:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        if image is None:
            (root / relative).touch()
        else:
            (root / relative).hardlink_to(image)
    return paths


#: The image cache of the tests' shrunk profile, kept between sessions (``make clean`` removes it). Decoding the
#: mirror's faces at 48 px takes 8.6 s (measured); each test that trained paid it again with a cache of its own,
#: and a cache of one session made ``make mutation`` judge 152 mutants "timeout": mutmut times each test within
#: one session, where only the first test decoded, then runs a mutant's tests in a session of their own, where
#: the first decoded again (tests/mutation/README.md, 2026-12-05). Kept between sessions, every session but the
#: first finds it filled. Entries are keyed on each image's path, size and time and written under a name of their
#: own before a rename (``helpers.data.image_cache``), so tests and workers that share it read the same pixels; a
#: test that damages or counts cache entries makes its own folder.
TEST_IMAGE_CACHE = REPO / "cache" / "tests"


@pytest.fixture(scope="session")
def results_root(tmp_path_factory, request):
    """The course's results folder for the whole test run: later notebooks reuse the runs of earlier ones, as in
    `make run`, but nothing is read from an older `results/` of the checkout. Under `make test`'s two pytest-xdist
    processes it is one folder for both (in the run's base folder, which holds each process's own), so that the
    pre-training that tests/test_notebooks_alone.py does is there when notebook 08 needs it."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if hasattr(request.config, "workerinput") else base) / "course-results"
    root.mkdir(exist_ok=True)
    return root


@pytest.fixture()
def profile(synthetic_tiny, tmp_path, monkeypatch):
    """The smoke profile shrunk to seconds (48 px images, 40 px crops, one epoch), with the tests' image cache
    (:data:`TEST_IMAGE_CACHE`) and a results folder of its own under the test's ``tmp_path``."""
    import dataclasses

    from helpers import profiles

    monkeypatch.setenv("AGE_GENDER_KIT_CACHE", str(TEST_IMAGE_CACHE))
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    smoke = profiles.get_profile("smoke", data_dir=synthetic_tiny)
    return dataclasses.replace(smoke, image_size=48, crop_size=40, max_epochs=1, batch_size=64)


#: Under `make mutation`, mutmut imports this file in the process it forks each mutant's tests from (its fork server,
#: warmed up by a collection of the tests). What that process holds, each fork inherits instead of redoing.
UNDER_MUTMUT = "mutmut" in sys.modules
if UNDER_MUTMUT:
    from tests.mutation import own_tests

    own_tests.import_graph_of_helpers()


def pytest_unconfigure(config):
    """After the fork server's collection, move every object it holds out of the garbage collector's reach
    (``gc.freeze``, as CPython advises before forking): the collections pytest runs at the end of each mutant's
    session then skip TensorFlow's, pandas' and the tests' objects. With the import graph above read once, the 60
    mutants of ``conclusions.summary`` (one test of 0.01 s) took a median 0.17 s a session instead of 2.3 s
    (mutmut's log, 2 cores with another job beside, 2026-12-05), well within mutmut's limit of (the test's own
    seconds + 1) x 5."""
    if UNDER_MUTMUT and config.option.collectonly:
        gc.collect()
        gc.freeze()


def pytest_collection_modifyitems(config, items):
    """With `make test`'s two pytest-xdist workers, the notebooks' file goes first, so that one worker runs the
    course's chain of notebooks from the start, and the notebooks that read no other's results second, so that
    the other worker starts with them and then runs every other file. Under `make mutation`, a mutant of a module is
    judged by that module's own test files only (tests/mutation/own_tests.py), the fastest test first.

    mutmut runs pytest with -x, which stops at the first failing test; its fork runner passes the tests fastest
    first, but its forkserver runner (pyproject.toml says why the kit uses it) passes them in no order, so a
    mutant that a 0.1 s test kills could wait for a minute of training first. The durations are those mutmut
    measured when it mapped the tests (mutmut-stats.json, in mutants/, where it runs pytest)."""
    if hasattr(config, "workerinput"):  # a pytest-xdist worker (where xdist sets the option dist to "no")
        first = ("test_notebooks.py", "test_notebooks_alone.py")
        items.sort(key=lambda item: first.index(item.path.name) if item.path.name in first else len(first))  # stable
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" not in mutant:
        return
    from tests.mutation.own_tests import own_test_files

    own = set(own_test_files(mutant))
    kept = [item for item in items if item.path.name in own]
    config.hook.pytest_deselected(items=[item for item in items if item.path.name not in own])
    stats = Path("mutmut-stats.json")
    durations = json.loads(stats.read_text())["duration_by_test"] if stats.exists() else {}
    kept.sort(key=lambda item: durations.get(item.nodeid, 0.0))  # a stable sort: equal durations keep their order
    items[:] = kept
