"""Every numbered notebook runs end to end in the smoke profile and records its headline."""

import nbformat
import papermill
import pytest

from helpers import headline
from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_in_the_smoke_profile(path, synthetic_tiny, tmp_path):
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
