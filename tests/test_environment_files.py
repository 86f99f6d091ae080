"""pyproject.toml and environment.yml must name the same packages at the same versions."""

import ast
import re
import sys

import yaml

try:
    import tomllib
except ImportError:  # Python 3.10
    from pip._vendor import tomli as tomllib


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _split(requirement: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(==|=)\s*([^\s;]+)\s*", requirement)
    assert match, f"not pinned with ==/=: {requirement!r}"
    return _normalise(match.group(1)), match.group(3)


def _pyproject_pins(repo):
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    return dict(_split(r) for r in requirements)


def _environment_pins(repo):
    environment = yaml.safe_load((repo / "environment.yml").read_text())
    pins = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            pins.update(_split(r) for r in entry["pip"])
        elif not entry.startswith(("python=", "pip")) or entry.startswith("pip="):
            pins.update([_split(entry)])
    return pins


def test_every_dependency_is_pinned_exactly(repo):
    assert len(_pyproject_pins(repo)) >= 15


def test_environment_yml_names_the_same_packages_and_versions(repo):
    pyproject, environment = _pyproject_pins(repo), _environment_pins(repo)
    assert set(pyproject) == set(environment), (
        f"only in pyproject.toml: {sorted(set(pyproject) - set(environment))}; "
        f"only in environment.yml: {sorted(set(environment) - set(pyproject))}"
    )
    different = {
        name: (pyproject[name], environment[name]) for name in pyproject if pyproject[name] != environment[name]
    }
    assert not different, f"versions differ (pyproject, environment.yml): {different}"


def test_every_imported_third_party_package_is_declared(repo):
    """Each top-level import in helpers/, data_scripts/ and notebooks is a declared dependency."""
    import json

    provided_by = {"yaml": "pyyaml", "PIL": "pillow", "IPython": "ipykernel", "sklearn": "scikit-learn",
                   "cv2": "opencv-python-headless"}
    declared = set(_pyproject_pins(repo)) | {"pyyaml"}  # pyyaml comes with papermill
    sources = [p.read_text() for p in (repo / "helpers").rglob("*.py")]
    sources += [p.read_text() for p in (repo / "data_scripts").glob("*.py")]
    for notebook in (repo / "notebooks").glob("*.ipynb"):
        cells = json.loads(notebook.read_text())["cells"]
        sources += ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    imported = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])

    third_party = {m for m in imported if m not in sys.stdlib_module_names and m not in {"helpers", "__future__"}}
    missing = {m for m in third_party if _normalise(provided_by.get(m, m)) not in declared}
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"
