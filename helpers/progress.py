"""Progress bars for long work (generating data, checking and caching images, a study's runs).

They go to standard output, so that a notebook shows them as ordinary output and nothing lands on stderr;
they appear only for work that lasts more than two seconds and redraw at most every two seconds, so that an
executed notebook keeps a short record of the long work and none of the quick.
"""

from __future__ import annotations

import sys

from tqdm import tqdm


def bar(total: int, description: str, unit: str = "img", enabled: bool = True) -> tqdm:
    """A progress bar over ``total`` items; use it as a context manager and ``update(n)`` it."""
    return tqdm(total=total, desc=description, unit=unit, disable=not enabled, file=sys.stdout, delay=2.0,
                mininterval=2.0, ncols=100)
