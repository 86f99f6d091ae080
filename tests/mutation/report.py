"""The mutation report: per module, how many of mutmut's mutants the fast tests killed.

Run by `make mutation` after `mutmut run`, from the repository root. It reads mutmut's results (mutants/*.meta),
the modules listed in pyproject.toml ([tool.mutmut] only_mutate) and the mutants written down as equivalent, with
the change each makes and why, in tests/mutation/equivalent.toml. It writes a Markdown report with one row per
module and the change each surviving mutant made, and exits with status 1 when a module's score is below the target.

    python -m tests.mutation.report --out tests/mutation/REPORT.md
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

try:
    from tomllib import loads as read_toml
except ImportError:  # Python 3.10: mutmut brings the toml package there
    from toml import loads as read_toml

from mutmut.stats import status_by_exit_code

from tests.mutation.own_tests import judging_files, module_of

TARGET = 0.90
HERE = Path(__file__).resolve().parent
# a mutant some test should still kill: every test passed, none called the function, or the run ended oddly
KILLED = ("killed", "timeout")  # a test failed, or the tests ran past mutmut's time limit
UNKILLED = ("survived", "no tests", "suspicious", "segfault")


def listed_modules(pyproject: Path) -> list[str]:
    return read_toml(pyproject.read_text())["tool"]["mutmut"]["only_mutate"]


def results(module: str) -> dict[str, str]:
    """Mutant name -> status for one module's file, from mutmut's .meta file: mutmut's own reading of each exit
    code (killed, timeout, which mutmut counts as killed, survived, no tests, not checked, suspicious, ...)."""
    meta = Path("mutants") / (module + ".meta")
    if not meta.exists():
        raise SystemExit(f"{meta} not found: run `make mutation` (mutmut run) from the repository root first")
    exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
    return {name: status_by_exit_code[code] for name, code in exit_codes.items()}


def change(name: str, module: str) -> str:
    """The lines a mutant changed, as `- old` / `+ new` (mutmut's diff of the function, headers dropped)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    diff = get_diff_for_mutant(name, path=module)
    lines = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return " / ".join(" ".join(line.split()) for line in lines)


def checked_equivalents(equivalent: dict, statuses: dict[str, dict[str, str]]) -> tuple[dict, list[str]]:
    """The entries of equivalent.toml that still hold ({name: why}), and a line for each that does not.

    An entry names a mutant by mutmut's number and says the change it makes. mutmut numbers a function's mutants
    in order, so when the function changes the number can come to name another mutant: an entry holds only while
    its mutant makes the change it was written for, and no test kills it."""
    holding, wrong = {}, []
    for name, entry in equivalent.items():
        module = module_of(name)
        status = statuses.get(module, {}).get(name)
        if status is None:
            wrong.append(f"{name}: mutmut no longer makes it (its function changed or went): remove the entry")
            continue
        now = change(name, module)
        if now != entry["change"]:
            function = name.rsplit("__mutmut_", 1)[0] + "__mutmut_"
            moved = [other for other in statuses[module]
                     if other.startswith(function) and other != name and change(other, module) == entry["change"]]
            where = (f"that change is now {moved[0]}: rename the entry" if moved
                     else "no mutant of its function makes that change now: remove the entry")
            wrong.append(f"{name} now changes `{now}`, not `{entry['change']}` (mutmut renumbered its function's "
                         f"mutants); {where}")
        elif status in KILLED:
            wrong.append(f"{name} is written down as equivalent, but a test kills it: remove the entry")
        else:
            holding[name] = entry["why"]
    return holding, wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--survivors", action="store_true",
                        help="only print the names of the surviving mutants (to try them again after tests changed)")
    arguments = parser.parse_args()
    equivalent = read_toml((HERE / "equivalent.toml").read_text()).get("equivalent", {})
    if arguments.survivors:
        statuses_by_module = {module: results(module) for module in listed_modules(Path("pyproject.toml"))
                              if (Path("mutants") / (module + ".meta")).exists()}
        # An entry that no longer holds hides no survivor. Right after `verdicts restore` mutmut has not yet written
        # a module's mutated source, which the check reads: there, entries are taken by name until the report.
        generated = {module: statuses for module, statuses in statuses_by_module.items()
                     if (Path("mutants") / module).exists()}
        holding, _ = checked_equivalents(equivalent, generated)
        hidden = set(holding) | {name for name in equivalent if module_of(name) not in generated}
        print(" ".join(name for statuses in statuses_by_module.values() for name, status in statuses.items()
                       if status in UNKILLED and name not in hidden))
        return 0
    if arguments.out is None:
        parser.error("--out is needed to write the report")

    modules = listed_modules(Path("pyproject.toml"))
    if untested := [module for module in modules if not judging_files(module)]:
        raise SystemExit(f"{', '.join(untested)}: in pyproject.toml's [tool.mutmut] only_mutate, but no tests "
                         "folder judges it (tests/<its package>/, see tests/mutation/own_tests.py)")
    statuses_by_module = {module: results(module) for module in modules}
    found, wrong = checked_equivalents(equivalent, statuses_by_module)
    rows, survivors, below = [], [], []
    for module, statuses in statuses_by_module.items():
        known = {name: why for name, why in found.items() if name in statuses}
        counts = Counter(statuses[name] for name in statuses if name not in known)
        killed = sum(counts[status] for status in KILLED)
        judged = len(statuses) - len(known) - counts["not checked"]
        other = judged - killed - counts["survived"] - counts["no tests"]  # suspicious, segfault, ...
        score = killed / judged if judged else float("nan")
        if counts["not checked"] or not score >= TARGET:
            below.append(module)
        shown = f"{score:.1%}" if judged else "none judged"
        rows.append(f"| {module} | {', '.join(judging_files(module))} | {len(statuses)} | {killed} | "
                    f"{counts['survived']} | {counts['no tests']} | {len(known)} | {other} | "
                    f"{counts['not checked']} | {shown} |")
        survivors += [(module, name) for name, status in statuses.items()
                      if status in UNKILLED and name not in known]

    lines = [
        "# Mutation testing report",
        "",
        "Written by `make mutation` (mutmut 3, the fast tests; README, \"Mutation testing\"). Score = killed "
        "(a test failed, or the tests ran past mutmut's time limit) / (mutants - equivalent - not checked). "
        f"Target: {TARGET:.0%} per module.",
        "",
        "| module | its tests | mutants | killed | survived | no tests | equivalent | other | not checked "
        "| score |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"## Surviving mutants ({len(survivors)})",
        "",
        "Each changes the program and no fast test noticed. `mutmut show NAME` prints the whole change.",
        "",
    ]
    lines += [f"- `{name}`: `{change(name, module)}`" for module, name in survivors]
    lines += ["", f"## Equivalent mutants ({len(found)})", "",
              "Written down in tests/mutation/equivalent.toml: they change no result a user can see, for the "
              "reason given.", ""]
    lines += [f"- `{name}`: {why}" for name, why in sorted(found.items())]
    for line in wrong:
        print(f"tests/mutation/equivalent.toml: {line}")
    arguments.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:8 + len(rows)]))
    if below:
        print(f"Below {TARGET:.0%} (or not all checked): {', '.join(below)}. The survivors are listed in "
              f"{arguments.out}: kill each with a test of behaviour, or add it to tests/mutation/equivalent.toml "
              "with why.")
    return 1 if below or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
