"""Timing a call the way every benchmark of the kit does: one warm-up call, then the median of several.

The first call of a TensorFlow function traces it and allocates its memory, so it is run once untimed. The
median of the timed calls resists a call slowed by another process; the interquartile range beside it says
how much the machine varied. The call must return only when its work is done (``.numpy()`` a tensor).
"""

from __future__ import annotations

import time

import numpy as np


def median_and_spread(call, repeats: int) -> tuple[float, float]:
    """Median seconds and interquartile range of ``repeats`` calls of ``call()``, after one untimed call."""
    call()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    low, middle, high = np.percentile(seconds, [25, 50, 75])
    return float(middle), float(high - low)
