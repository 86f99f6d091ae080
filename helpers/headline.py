"""A notebook's headline metric: shown to the student, and read back by ``make run``'s summary table.

    helpers.headline.record("gender accuracy (fold 0)", 0.83)

displays one line in the notebook and tags it with a private MIME type, so the runner finds it in the
executed notebook without parsing printed text.
"""

from __future__ import annotations

MIME_TYPE = "application/vnd.age-gender-kit.headline+json"


def record(name: str, value: float | str, fmt: str = ".3f") -> None:
    """Show and tag the notebook's headline metric (the last one recorded wins)."""
    from IPython.display import display

    shown = format(value, fmt) if isinstance(value, (int, float)) else str(value)
    display({MIME_TYPE: {"name": name, "value": shown}, "text/plain": f"Headline: {name} = {shown}"}, raw=True)


def read(notebook) -> str:
    """The last headline recorded in an executed notebook (an ``nbformat`` node), or '' if none."""
    found = ""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if MIME_TYPE in data:
                found = f"{data[MIME_TYPE]['name']} = {data[MIME_TYPE]['value']}"
    return found
