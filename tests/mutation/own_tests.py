"""Which test files judge each module's mutants in `make mutation`.

mutmut runs, for a mutant, every test that called the mutated function while it recorded them; through the
shared fixtures that includes the slow studies for nearly every function (the loaders, the network, the
pipeline). Each module is judged here by its own test files instead: tests/conftest.py deselects the others
while a mutant is under test. A mutant that only a slow integration test would notice counts as surviving:
the module's own tests should say what it does.
"""

from __future__ import annotations

from pathlib import Path

OWN_TESTS = {
    "helpers/network/layers.py": ["test_model.py"],
    "helpers/network/levi_hassner.py": ["test_model.py", "test_age_output.py", "test_training.py"],
    "helpers/network/optimizer.py": ["test_model.py", "test_training.py"],
    "helpers/data/pipeline.py": ["test_pipeline.py"],
    "helpers/data/image_cache.py": ["test_pipeline.py"],
    "helpers/data/splits.py": ["test_loaders.py"],
    "helpers/data/adience.py": ["test_loaders.py", "test_preflight.py"],
    "helpers/data/celeba.py": ["test_loaders.py", "test_preflight.py"],
    "helpers/data/imdb_wiki.py": ["test_loaders.py", "test_preflight.py"],
    "helpers/data/labels.py": ["test_pipeline.py", "test_age_output.py", "test_loaders.py"],
    "helpers/data/age_groups.py": ["test_age_groups.py", "test_loaders.py"],
    "helpers/training/fit.py": ["test_training.py"],
    "helpers/training/evaluation.py": ["test_training.py"],
    "helpers/studies/runner.py": ["test_studies.py", "test_workers.py"],
    "helpers/studies/store.py": ["test_studies.py", "test_workers.py", "test_conclusions.py"],
    "helpers/analysis/conclusions.py": ["test_conclusions.py"],
    "helpers/analysis/paired.py": ["test_paired.py", "test_conclusions.py"],
    "helpers/inspection/calibration.py": ["test_photo.py"],
    "helpers/training/floor.py": ["test_floor.py"],
}


def module_of(mutant: str) -> str:
    """helpers.data.splits.x_subject_split__mutmut_3 -> helpers/data/splits.py"""
    dotted = mutant.split("__mutmut_")[0].rsplit(".", 1)[0]
    return dotted.replace(".", "/") + ".py"


def own_test_files(mutant: str) -> list[str]:
    module = module_of(mutant)
    if module not in OWN_TESTS:
        raise KeyError(f"{module} (mutant {mutant}) has no entry in {Path(__file__).name}'s OWN_TESTS: add its "
                       "test files there")
    return OWN_TESTS[module]
