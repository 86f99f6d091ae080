"""Open every image once, in parallel, and say which ones cannot be used.

Rejected: missing, empty, not an image, truncated or otherwise undecodable files, and images smaller
than ``min_side`` pixels. Accepted and converted to 8-bit RGB by the input pipeline (so they are
counted, not rejected): grayscale, palette, CMYK, RGBA or LA, and 16-bit images.
"""

from __future__ import annotations

import collections
import concurrent.futures
import os
from pathlib import Path

import pandas as pd
from PIL import Image

from helpers import progress

CONVERTED_MODES = {"L": "grayscale", "LA": "grayscale with alpha", "P": "palette", "PA": "palette", "CMYK": "CMYK",
                   "RGBA": "RGBA", "I;16": "16-bit", "I;16B": "16-bit", "I;16L": "16-bit", "I": "32-bit integer",
                   "F": "32-bit float", "1": "black and white", "YCbCr": "YCbCr"}


def check_image(path: str, min_side: int = 32) -> tuple[str, str]:
    """('ok' | 'converted: <mode>' | 'rejected: <reason>', detail) for one file."""
    try:
        if os.path.getsize(path) == 0:
            return "rejected: empty file", ""
        with Image.open(path) as image:
            image.load()  # decodes everything: truncated files fail here
            mode, size = image.mode, image.size
    except FileNotFoundError:
        return "rejected: missing image file", ""
    except Image.UnidentifiedImageError:
        return "rejected: not an image", ""
    except (OSError, SyntaxError, ValueError) as error:
        return "rejected: unreadable or truncated image", str(error)[:120]
    if min(size) < min_side:
        return f"rejected: smaller than {min_side} px", f"{size[0]}x{size[1]}"
    if mode == "RGB":
        return "ok", ""
    return f"converted: {CONVERTED_MODES.get(mode, mode)}", mode


def _check_chunk(paths: list[str], min_side: int) -> list[tuple[str, str]]:
    return [check_image(p, min_side) for p in paths]


def check_images(root, relative_paths, min_side: int = 32, workers: int | None = None,
                 show_progress: bool = True) -> pd.DataFrame:
    """Check ``root/<path>`` for each path; returns a DataFrame (path, status, detail) in the same order."""
    paths = [str(Path(root) / p) for p in relative_paths]
    chunks = [paths[i:i + 256] for i in range(0, len(paths), 256)]
    results: list[tuple[str, str]] = []
    with progress.bar(len(paths), "checking images", enabled=show_progress) as bar:
        if (workers or os.cpu_count() or 1) == 1 or len(chunks) <= 1:
            for chunk in chunks:
                results += _check_chunk(chunk, min_side)
                bar.update(len(chunk))
        else:
            with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
                for chunk_result in pool.map(_check_chunk, chunks, [min_side] * len(chunks)):
                    results += chunk_result
                    bar.update(len(chunk_result))
    return pd.DataFrame({"path": list(relative_paths), "status": [s for s, _ in results],
                         "detail": [d for _, d in results]})


def apply_image_checks(result, root, min_side: int = 32, workers: int | None = None, show_progress: bool = True):
    """Move rows with unusable images from ``result.index`` to its rejects; count the conversions."""
    checked = check_images(root, result.index.path.tolist(), min_side, workers, show_progress)
    bad = checked.status.str.startswith("rejected").to_numpy()
    rejected_rows = result.index[bad]
    extra = pd.DataFrame({"source": rejected_rows.source.to_numpy(), "line": rejected_rows.line.to_numpy(),
                          "reason": checked.status[bad].str.removeprefix("rejected: ").to_numpy(),
                          "detail": (rejected_rows.path + " " + checked.detail[bad]).str.strip().to_numpy()})
    result.rejects = pd.concat([result.rejects, extra], ignore_index=True) if len(extra) else result.rejects
    result.index = result.index[~bad].reset_index(drop=True)
    conversions = collections.Counter(checked.status[checked.status.str.startswith("converted")])
    result.notes.update({f"image {status} (to RGB in the pipeline)": n for status, n in conversions.items()})
    return result
