"""docs/package.md, written from the modules' own docstrings, so that the map cannot drift from the code.

    python -m tests.package_map > docs/package.md     # after adding, moving or redescribing a module

``tests/test_layout.py`` fails when docs/package.md differs from what this prints.
"""

from __future__ import annotations

import ast

from tests import import_graph

#: The stages in the order data flows through them, then the mirrors and the course around them.
STAGES = ["helpers.data", "helpers.network", "helpers.training", "helpers.studies", "helpers.analysis",
          "helpers.inspection", "helpers.synthetic", "helpers"]


def first_paragraph(path) -> str:
    """A module's docstring up to its first blank line, on one line."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return " ".join(docstring.split("\n\n")[0].split()).replace("|", "\\|")


def render() -> str:
    modules = import_graph.modules()
    lines = ["# The package map", "",
             "Written by `python -m tests.package_map > docs/package.md` from each module's docstring (its first",
             "paragraph); `python -m tests.import_graph` prints who imports whom. Each stage imports only the stages",
             "above it.", ""]
    for package in STAGES:
        members = sorted(name for name, path in modules.items()
                         if name.rpartition(".")[0] == package and path.name != "__init__.py" and name not in STAGES)
        lines += [f"## `{package.replace('.', '/')}/`", "", first_paragraph(modules[package]), ""]
        lines += ["| module | what it is |", "|---|---|"]
        lines += [f"| `{name.rpartition('.')[2]}` | {first_paragraph(modules[name])} |" for name in members]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
