"""Execute the course notebooks with papermill and print what happened to each.

    python -m helpers.notebook_runner --profile smoke --output runs/smoke notebooks/*.ipynb

Every notebook runs even if an earlier one failed. The summary table gives, for each notebook, its
status, the seconds it took and its headline metric (see :mod:`helpers.headline`); a failure names the
cell and the error. The exit status is 1 when any notebook failed.

Several runs at once: ``--gpus 0,1,2,3`` or ``--workers 2`` starts Ray on this machine (listening on its
loopback only; ``helpers.studies.cluster``) for those GPUs, or for that many runs on the CPU, and hands its
address to the notebooks through ``RAY_ADDRESS``. Each notebook still runs once, in order; its studies send
their runs to Ray as tasks (``helpers.studies.runner``). With ``RAY_ADDRESS`` already set (a cluster started
with ``ray start``), the notebooks join that cluster instead.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import dataclasses
import functools
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager

from helpers import headline


@dataclasses.dataclass
class NotebookResult:
    notebook: str
    status: str  # "ok" or "FAILED"
    seconds: float
    headline: str = ""
    error: str = ""


@functools.cache
def _socket_folder() -> str:
    folder = tempfile.mkdtemp(prefix="age-gender-kit-kernel-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


class LocalKernelManager(AsyncKernelManager):
    """A kernel manager that leaves nothing on stderr a student can do nothing about.

    - It talks to the kernel over Unix sockets where there are some: over TCP ipykernel warns, once per
      notebook, that the connection is unencrypted (true of a kernel on this machine too). The sockets go
      to a fresh temporary folder of each runner: in the notebooks' folder, where jupyter_client would put
      them, two workers' kernels took the same socket names and read each other's messages.
    - It does not interrupt a kernel it is shutting down anyway: jupyter_client 8 does, and ipykernel then
      now and then logs "KeyboardInterrupt caught in kernel" after a notebook that ran fine.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if os.name == "posix":
            self.transport = "ipc"
            self.ip = str(Path(_socket_folder()) / "kernel")

    async def _async_interrupt_kernel(self) -> None:
        if not self.shutting_down:
            await super()._async_interrupt_kernel()


def _describe_failure(error: papermill.PapermillExecutionError, output: Path) -> str:
    """'cell 7 (`model.fit(...)`): ValueError: ...', numbering cells as in the committed notebook."""
    index = error.cell_index
    executed = nbformat.read(output, as_version=4)
    injected = [i for i, c in enumerate(executed.cells) if "injected-parameters" in c.metadata.get("tags", [])]
    if injected and injected[0] < index:
        index -= 1  # papermill added a cell after the parameters; the student's notebook lacks it
    first_line = error.source.strip().splitlines()[0] if error.source.strip() else ""
    return f"cell {index} (`{first_line[:60]}`): {error.ename}: {error.evalue}"


def execute(notebook: Path, output_dir: Path, parameters: dict, kernel: str | None) -> NotebookResult:
    """Run one notebook into ``output_dir`` (same file name) and report on it."""
    output = output_dir / notebook.name
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            kernel_name=kernel,
            cwd=str(notebook.parent),
            progress_bar=False,
            kernel_manager_class=LocalKernelManager,
        )
    except papermill.PapermillExecutionError as error:
        seconds = time.perf_counter() - started
        return NotebookResult(notebook.name, "FAILED", seconds, error=_describe_failure(error, output))
    except Exception as error:  # kernel died, notebook unreadable, ...: report it and go on
        seconds = time.perf_counter() - started
        return NotebookResult(notebook.name, "FAILED", seconds, error=f"{type(error).__name__}: {error}")
    seconds = time.perf_counter() - started
    return NotebookResult(notebook.name, "ok", seconds, headline=headline.read(nbformat.read(output, as_version=4)))


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def format_table(results: list[NotebookResult]) -> str:
    """The summary, one line per notebook, as wide as the terminal (``COLUMNS``, else 120): a long headline or
    error is cut here and printed whole after the table."""
    rows = [("notebook", "status", "seconds", "headline")]
    rows += [(r.notebook, r.status, f"{r.seconds:.1f}", r.headline or r.error) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    room = max(24, shutil.get_terminal_size((120, 24)).columns - sum(widths) - 6)
    rows = [(a, b, c, _shorten(d, room)) for a, b, c, d in rows]
    lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}  {d}" for a, b, c, d in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    total = sum(r.seconds for r in results)
    lines.append(f"{len(results)} notebooks, {sum(r.status == 'ok' for r in results)} ok, {total:.0f} s in all")
    return "\n".join(lines)


@contextlib.contextmanager
def ray_for_the_notebooks(workers: int, gpus: list[str]):
    """Ray started on this machine for ``workers`` runs on the CPU or for the ``gpus`` (their indices), joined by
    every notebook started meanwhile (through ``RAY_ADDRESS``); yields a line saying so. Stopped at the end, and
    the environment restored."""
    from helpers.studies import cluster

    names = ("CUDA_VISIBLE_DEVICES", "TF_FORCE_GPU_ALLOW_GROWTH", "RAY_ADDRESS")
    before = {name: os.environ.get(name) for name in names}
    if gpus:
        os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)  # Ray hands them out, a share of one to each run
        os.environ["TF_FORCE_GPU_ALLOW_GROWTH"] = "true"  # the notebooks' own TensorFlow leaves the rest to the runs
    try:
        os.environ["RAY_ADDRESS"] = address = cluster.start_local(workers, gpus=len(gpus))
        yield f"Ray started on this machine ({address}): {cluster.describe()}; the notebooks send their runs to it"
    finally:
        cluster.stop()
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--profile", default="smoke", choices=["smoke", "class", "paper"])
    parser.add_argument("--data-dir", default=None, help="data root (default: the profile's)")
    parser.add_argument("--output", type=Path, required=True, help="folder for the executed copies")
    parser.add_argument("--kernel", default=None, help="Jupyter kernel (default: each notebook's own)")
    parser.add_argument("--seed", type=int, default=None,
                        help="the notebooks' seed parameter (default: their own, 0); each study's runs start at it")
    workers = parser.add_mutually_exclusive_group()
    workers.add_argument("--gpus", default="", help="train the studies' runs on these GPUs through Ray, e.g. 0,1,2,3")
    workers.add_argument("--workers", type=int, default=1, help="train this many runs at once on the CPU through Ray")
    args = parser.parse_args(argv)
    gpus = [gpu.strip() for gpu in args.gpus.split(",") if gpu.strip()]
    args.output.mkdir(parents=True, exist_ok=True)
    parameters = {"profile": args.profile}
    if args.data_dir:
        parameters["data_dir"] = str(Path(args.data_dir).resolve())
    if args.seed is not None:
        parameters["seed"] = args.seed
    results = []
    with contextlib.ExitStack() as stack:
        if gpus or args.workers > 1:
            try:
                print(stack.enter_context(ray_for_the_notebooks(args.workers, gpus)), flush=True)
            except RuntimeError as error:  # Ray is not installed: the message says which extra to install
                print(f"helpers.notebook_runner: {error}", file=sys.stderr)
                return 2
        for notebook in args.notebooks:
            print(f"--> {notebook} ...", flush=True)
            result = execute(notebook, args.output, parameters, args.kernel)
            print(f"    {result.status} in {result.seconds:.1f} s {result.headline or result.error}", flush=True)
            results.append(result)
    print()
    print(format_table(results))
    failed = [r for r in results if r.status != "ok"]
    for result in failed:
        print(f"FAILED {result.notebook}: {result.error} (executed copy: {args.output / result.notebook})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
