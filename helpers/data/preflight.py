"""Preflight: look at a data folder before any notebook starts, and say in one table what is there and what to do.

``make paper`` runs it before Jupyter starts (``python -m helpers.data.preflight DATA_DIR``), and
``helpers.setup`` runs it in a profile on real data. Each dataset gets one row: whether it is needed (Adience
by every notebook; CelebA and IMDB-WIKI by notebook 08 only), what was found (index files, images found
against images indexed) and, when something is wrong, what to do. It names the common mistakes: the dataset
folder passed instead of its parent, images still in their archive (``aligned.tar.gz``), the unaligned
``faces/`` instead of ``aligned/``, images missing in part, an index file that cannot be read or was cut
short. A few missing images are listed and their rows rejected by the loaders; more than
``MAX_MISSING_SHARE`` of them make the dataset unusable, since the folds would no longer be Adience's.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import textwrap
from pathlib import Path

from helpers.data import adience, celeba, imdb_wiki
from helpers.data.layout import LAYOUT

MAX_MISSING_SHARE = 0.01  # more indexed images than this missing: the dataset is unusable
SAMPLE = 3  # missing paths shown
NEEDED_BY = {"adience": "every notebook", "celeba": "08 (gender)", "imdb_wiki": "08 (age)"}
FOLDER = {name: layout["index"][0].split("/")[0] for name, layout in LAYOUT.items()}  # adience, celeba, wiki_crop
# The archives as downloaded, when found where their unpacked folder should be.
ARCHIVES = {"adience": ("aligned.tar.gz", "aligned.tar"), "celeba": ("img_align_celeba.zip",),
            "imdb_wiki": ("wiki_crop.tar", "wiki_crop.tar.gz")}


@dataclasses.dataclass
class Finding:
    """One dataset's row of the preflight table."""

    dataset: str
    verdict: str  # "ok", "usable" (a few images missing, their rows rejected), "unusable" or "absent"
    found: str
    todo: str = ""
    missing: tuple[str, ...] = ()  # a sample of indexed images that are not there

    @property
    def needed_by(self) -> str:
        return NEEDED_BY[self.dataset]


@dataclasses.dataclass
class Report:
    data_dir: Path
    findings: list[Finding]

    def finding(self, dataset: str) -> Finding:
        return next(f for f in self.findings if f.dataset == dataset)

    @property
    def adience_usable(self) -> bool:
        return self.finding("adience").verdict in ("ok", "usable")

    def table(self) -> str:
        """The findings as a fixed-width text table (long cells wrapped), then the missing paths."""
        widths = {"dataset": 9, "needed by": 14, "verdict": 8, "found": 36, "what to do": 45}  # 120 in all
        rows = [("dataset", "needed by", "verdict", "found", "what to do")]
        rows += [(f.dataset, f.needed_by, f.verdict, f.found, f.todo or "-") for f in self.findings]
        lines = [f"Data in {self.data_dir}:"]
        for number, row in enumerate(rows):
            cells = [textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]
                     for text, width in zip(row, widths.values())]
            for depth in range(max(map(len, cells))):
                lines.append("  ".join(f"{(cell[depth] if depth < len(cell) else ''):<{width}}"
                                       for cell, width in zip(cells, widths.values())).rstrip())
            if number == 0:
                lines.append("-" * (sum(widths.values()) + 2 * (len(widths) - 1)))
        for f in self.findings:
            lines += [f"  {f.dataset}: missing {path}" for path in f.missing]
        return "\n".join(lines)


def _parent_hint(data_dir: Path, dataset: str) -> str | None:
    """What to do when ``data_dir`` is the dataset's own folder rather than the folder that holds it."""
    if (data_dir / Path(LAYOUT[dataset]["index"][0]).name).is_file():
        return (f"DATA_DIR is the {FOLDER[dataset]} folder itself; set DATA_DIR to the folder that holds it: "
                f"{data_dir.parent}")
    return None


def _missing_images(root: Path, paths, dataset: str) -> tuple[str, str, tuple[str, ...], str]:
    """(verdict, found, sample of missing paths, what to do) from the indexed image paths under ``root``."""
    paths = list(paths)
    absent = [path for path in paths if not (root / path).is_file()]
    found = f"{len(paths) - len(absent):,} of {len(paths):,} indexed images"
    if not absent:
        return "ok", found, (), ""
    share = len(absent) / max(len(paths), 1)
    if share > MAX_MISSING_SHARE:
        return ("unusable", found, tuple(absent[:SAMPLE]),
                f"{len(absent):,} images ({share:.0%}) are missing, more than {MAX_MISSING_SHARE:.0%}: unpack the "
                f"whole archive again ({LAYOUT[dataset]['source']})")
    return ("usable", found, tuple(absent[:SAMPLE]),
            f"{len(absent):,} missing images ({share:.2%}): their rows are rejected; unpack again to keep them")


def _unreadable(error: Exception) -> str:
    return f"an index file cannot be read: {str(error)[:200]}"


def check_adience(data_dir: Path) -> Finding:
    if not data_dir.is_dir():
        return Finding("adience", "absent", f"{data_dir} is not a folder",
                       "set DATA_DIR to the folder that holds adience/ (README.md, 'Datasets')")
    root = data_dir / FOLDER["adience"]
    if not root.is_dir():
        hint = _parent_hint(data_dir, "adience")
        return Finding("adience", "unusable" if hint else "absent", f"no {root.name}/ folder in DATA_DIR",
                       hint or f"download it from {LAYOUT['adience']['source']} and unpack it into {root}")
    folds = [root / f"fold_{fold}_data.txt" for fold in range(5)]
    if absent := [path.name for path in folds if not path.is_file()]:
        return Finding("adience", "unusable", f"fold files missing: {', '.join(absent)}",
                       f"put all five fold_K_data.txt into {root}")
    for path in folds:
        try:
            with path.open("rb") as handle:
                first = handle.readline().decode("utf-8", errors="replace").rstrip("\r\n")
        except OSError as error:
            return Finding("adience", "unusable", _unreadable(error), f"check the permissions of {path}")
        if problem := adience.header_problem(path.name, first):
            return Finding("adience", "unusable", problem, f"download {path.name} again")
    try:
        result = adience.load_adience(root, require_files=False)
    except (OSError, ValueError) as error:
        return Finding("adience", "unusable", _unreadable(error), "download the fold files again")
    short = result.rejects[result.rejects.reason == "wrong column count"]
    if len(short):
        where = short.iloc[-1]
        return Finding("adience", "unusable", f"{where.source}:{where.line} has {where.detail}: the file is "
                       "cut short or not tab-separated", f"download {where.source} again")
    if len(result.index) == 0:
        return Finding("adience", "unusable", "the fold files hold no usable row", "download the fold files again")
    images = root / "aligned"
    if not images.is_dir():
        archive = next((root / name for name in ARCHIVES["adience"] if (root / name).exists()), None)
        if archive is not None:
            return Finding("adience", "unusable", f"5 fold files; images still in {archive.name}",
                           f"unpack it: tar -xf {archive} -C {root}")
        if (root / "faces").is_dir():
            return Finding("adience", "unusable", "5 fold files; faces/ (the unaligned photos) but no aligned/",
                           f"download aligned.tar.gz ({LAYOUT['adience']['source']}) and unpack it into {root}")
        return Finding("adience", "unusable", f"5 fold files; no aligned/ folder in {root}",
                       f"download aligned.tar.gz ({LAYOUT['adience']['source']}) and unpack it into {root}")
    verdict, found, missing, todo = _missing_images(root, result.index.path, "adience")
    return Finding("adience", verdict, f"5 fold files, {len(result.index):,} rows; {found}", todo, missing)


def check_celeba(data_dir: Path) -> Finding:
    root = data_dir / FOLDER["celeba"]
    if not root.is_dir():
        hint = _parent_hint(data_dir, "celeba")
        return Finding("celeba", "unusable" if hint else "absent", f"no {root.name}/ folder in DATA_DIR",
                       hint or f"for notebook 08: download it from {LAYOUT['celeba']['source']} into {root}")
    if absent := [name for name in celeba.FILES if not (root / name).is_file()]:
        return Finding("celeba", "unusable", f"list files missing: {', '.join(absent)}",
                       f"put {', '.join(celeba.FILES)} into {root}")
    try:
        result = celeba.load_celeba(root, require_files=False)
    except (OSError, ValueError) as error:
        return Finding("celeba", "unusable", _unreadable(error), "download the list files again")
    if not (root / "img_align_celeba").is_dir():
        archive = next((root / name for name in ARCHIVES["celeba"] if (root / name).exists()), None)
        todo = f"unzip it: unzip {archive} -d {root}" if archive else f"put img_align_celeba/ into {root}"
        return Finding("celeba", "unusable",
                       f"3 list files; images {'still in ' + archive.name if archive else 'absent'}", todo)
    verdict, found, missing, todo = _missing_images(root, result.index.path, "celeba")
    warnings = f"; {len(result.warnings)} warning(s) about the list files" if result.warnings else ""
    return Finding("celeba", verdict, f"3 list files, {len(result.index):,} rows{warnings}; {found}", todo, missing)


def check_imdb_wiki(data_dir: Path) -> Finding:
    root = data_dir / FOLDER["imdb_wiki"]
    if not root.is_dir():
        hint = _parent_hint(data_dir, "imdb_wiki")
        archive = next((data_dir / name for name in ARCHIVES["imdb_wiki"] if (data_dir / name).exists()), None)
        todo = hint or (f"unpack it: tar -xf {archive} -C {data_dir}" if archive else
                        f"for notebook 08: download wiki_crop.tar from {LAYOUT['imdb_wiki']['source']} into {data_dir}")
        return Finding("imdb_wiki", "unusable" if hint or archive else "absent",
                       f"no {root.name}/ folder in DATA_DIR" + (f" ({archive.name} not unpacked)" if archive else ""),
                       todo)
    try:
        result = imdb_wiki.load_imdb_wiki(root, require_files=False)
    except (OSError, ValueError, NotImplementedError) as error:
        return Finding("imdb_wiki", "unusable", _unreadable(error), "download wiki_crop.tar again and unpack it")
    verdict, found, missing, todo = _missing_images(root, result.index.path, "imdb_wiki")
    return Finding("imdb_wiki", verdict, f"wiki.mat, {len(result.index):,} usable entries; {found}", todo, missing)


def check(data_dir) -> Report:
    """Look at every dataset under ``data_dir``; nothing is written or decoded."""
    data_dir = Path(data_dir).expanduser().resolve()
    return Report(data_dir, [check_adience(data_dir), check_celeba(data_dir), check_imdb_wiki(data_dir)])


class DataNotReady(RuntimeError):
    """Adience cannot be used: the message is the preflight's table."""


def require_adience(data_dir) -> Report:
    """Run the preflight and raise :class:`DataNotReady` (its table as the message) unless Adience is usable."""
    report = check(data_dir)
    if not report.adience_usable:
        raise DataNotReady(f"Adience is not usable, so no notebook can run:\n{report.table()}")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="the folder holding adience/ (and celeba/, wiki_crop/ for 08)")
    args = parser.parse_args(argv)
    report = check(args.data_dir)
    print(report.table())
    if not report.adience_usable:
        print(f"\nStopped before any notebook: Adience in {args.data_dir} is not usable (see 'what to do').",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
