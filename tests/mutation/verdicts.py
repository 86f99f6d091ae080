"""mutmut's verdicts kept in the repository, so that a long mutation run can go on from another machine.

mutmut keeps what it has judged in mutants/*.meta: for each module, an exit code per mutant (1: a test killed it,
0: it survived, ...) and a hash of each function's source. mutants/ is not committed (it holds a mutated copy of
the package), so a fresh clone would judge the 4,000 mutants again: many hours on 2 cores. `save` writes the
verdicts and hashes to tests/mutation/verdicts.json; `restore` writes them back into mutants/, for each module
that has no results there yet, before `mutmut run`. mutmut itself then sets back to "not checked" every mutant
whose function's hash changed, as it does for its own results; a mutant of an unchanged function keeps its
verdict.

A kept verdict was made with the tests of its day. `make mutation` tries the survivors again with today's tests
(a new test may kill them); a killed verdict is kept, as mutmut keeps it. To judge everything again from nothing:
`rm -rf mutants tests/mutation/verdicts.json` before `make mutation`.

    python -m tests.mutation.verdicts save      # after mutmut run (make mutation does it)
    python -m tests.mutation.verdicts restore   # before it (make mutation does it too)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib.metadata import version
from pathlib import Path

from tests.mutation.report import listed_modules

LEDGER = Path(__file__).resolve().parent / "verdicts.json"


def _meta_path(module: str) -> Path:
    return Path("mutants") / (module + ".meta")


def _function_and_number(mutant: str) -> tuple[str, str]:
    """helpers.data.splits.x_subject_split__mutmut_3 -> ("x_subject_split", "3")"""
    qualified, number = mutant.rsplit("__mutmut_", 1)
    return qualified.rpartition(".")[2], number


def _mutant(module: str, function: str, number: str) -> str:
    return module.removesuffix(".py").replace("/", ".") + "." + function + "__mutmut_" + number


def from_meta(module: str) -> dict:
    """One module's judged mutants, grouped by function with the function's hash: {function: {"hash": ...,
    "exit_codes": {number: exit code}}}. Mutants not yet judged (exit code None) are left out."""
    meta = json.loads(_meta_path(module).read_text())
    functions = {name: {"hash": digest, "exit_codes": {}}
                 for name, digest in sorted(meta["hash_by_function_name"].items())}
    for mutant, exit_code in meta["exit_code_by_key"].items():
        function, number = _function_and_number(mutant)
        if exit_code is not None and function in functions:
            functions[function]["exit_codes"][number] = exit_code
    return functions


def to_meta(module: str, functions: dict) -> dict:
    """The content of mutants/<module>.meta that mutmut reads back as these verdicts."""
    exit_codes = {_mutant(module, function, number): code
                  for function, entry in functions.items() for number, code in entry["exit_codes"].items()}
    return {"exit_code_by_key": exit_codes,
            "hash_by_function_name": {function: entry["hash"] for function, entry in functions.items()},
            "type_check_error_by_key": {}, "durations_by_key": {}, "estimated_durations_by_key": {}}


def _write_ledger(modules: dict, path: Path) -> None:
    """One function per line, so that a run's changes read as a short diff."""
    lines = ["{", f'"mutmut": {json.dumps(version("mutmut"))},', '"modules": {']
    for index, (module, functions) in enumerate(sorted(modules.items())):
        lines.append(f"{json.dumps(module)}: {{")
        lines += [f"  {json.dumps(function)}: {json.dumps(entry, ensure_ascii=False)}"
                  + ("," if position < len(functions) - 1 else "")
                  for position, (function, entry) in enumerate(functions.items())]
        lines.append("}" + ("," if index < len(modules) - 1 else ""))
    lines += ["}", "}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _read_ledger(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"modules": {}}


def save(path: Path = LEDGER) -> int:
    """Write every listed module's verdicts found in mutants/ into the ledger; a module mutants/ does not hold
    keeps its entry, and so does a mutant mutants/ holds as not judged while its function is unchanged (the same
    hash): mutmut 3.8 sets every verdict back to "not checked" when its test selection in pyproject.toml changes,
    and a run stopped before it judged them all again must not take them out of the ledger. Returns how many
    mutants the ledger holds a verdict for."""
    modules = _read_ledger(path)["modules"]
    for module in listed_modules(Path("pyproject.toml")):
        if _meta_path(module).exists():
            judged, kept = from_meta(module), modules.get(module, {})
            for function, entry in judged.items():
                if function in kept and kept[function]["hash"] == entry["hash"]:
                    merged = kept[function]["exit_codes"] | entry["exit_codes"]
                    entry["exit_codes"] = dict(sorted(merged.items(), key=lambda item: int(item[0])))
            modules[module] = judged
    _write_ledger(modules, path)
    return sum(len(entry["exit_codes"]) for functions in modules.values() for entry in functions.values())


def restore(path: Path = LEDGER) -> int:
    """Write the ledger's verdicts into mutants/ for each module that has no mutmut results there yet, and where
    mutants/ holds a mutant of an unchanged function as not judged (mutmut set it back), after
    removing from mutants/ the copies of files deleted or renamed since, and the unmutated copy of any module
    listed since mutmut made the folder. Returns how many verdicts were restored; none when the ledger was written
    by another mutmut, which may number its mutants differently."""
    restored, listed = 0, listed_modules(Path("pyproject.toml"))
    for folder in ("helpers", "tests"):
        for stale in sorted(Path("mutants", folder).rglob("*.py")):
            if not Path(*stale.parts[1:]).exists():
                # mutmut copies the source and tests into mutants/ but never removes a file renamed or deleted
                # since: a stale test file of a name now used elsewhere stops pytest's collection.
                stale.unlink()
                print(f"{stale}: gone from the repository, removed from mutants/")
    for module in listed:
        copy = Path("mutants") / module
        if copy.exists() and "__mutmut_" not in copy.read_text():
            # Listed after mutmut made mutants/, which then copied it unmutated; mutmut mutates a file again only
            # when its source is newer than the copy, so without this the module would never be mutated.
            copy.unlink()
            print(f"{module} was copied to mutants/ before it was listed: mutmut will mutate it now")
    ledger = _read_ledger(path)
    if ledger["modules"] and ledger.get("mutmut") != version("mutmut"):
        print(f"{path.name} was written by mutmut {ledger.get('mutmut')}, this is mutmut {version('mutmut')}: "
              "its mutants may be numbered differently, so no verdict is restored (every mutant is judged again)")
        return 0
    for module, functions in ledger["modules"].items():
        if module in listed and not _meta_path(module).exists():
            _meta_path(module).parent.mkdir(parents=True, exist_ok=True)
            _meta_path(module).write_text(json.dumps(to_meta(module, functions), ensure_ascii=False))
            restored += sum(len(entry["exit_codes"]) for entry in functions.values())
        elif module in listed:  # mutmut set verdicts back (its test selection changed): those of unchanged functions
            meta = json.loads(_meta_path(module).read_text())
            codes, hashes = meta["exit_code_by_key"], meta["hash_by_function_name"]
            for function, entry in functions.items():
                if hashes.get(function) != entry["hash"]:
                    continue
                for number, code in entry["exit_codes"].items():
                    if codes.get(mutant := _mutant(module, function, number), code) is None:
                        codes[mutant] = code
                        restored += 1
            _meta_path(module).write_text(json.dumps(meta, ensure_ascii=False))
    return restored


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["save", "restore"])
    action = parser.parse_args().action
    if action == "save":
        print(f"{os.path.relpath(LEDGER)}: {save()} verdicts kept")
    else:
        print(f"restored {restore()} verdicts from {os.path.relpath(LEDGER)} into mutants/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
