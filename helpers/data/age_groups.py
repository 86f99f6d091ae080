"""The eight Adience age groups and the one rule that puts an age in years into one of them.

Adience labels faces with 8 age ranges that leave gaps between them (3, 7, 13-14, 21-24, 33-37, 44-47 and
54-59 belong to no group). Every dataset of the kit maps an age through :func:`age_group`, so that 35 means
the same group whether it comes from an odd Adience label, an IMDB-WIKI date of birth or the synthetic
generator:

* an age inside a group's bounds gets that group;
* an age in a gap gets the group whose nearest bound is closest; a tie goes to the older group.

So 33 and 34 -> (25, 32); 35, 36 and 37 -> (38, 43); 3 -> (4, 6); 57 -> (60, 100). A fractional age counts
by its whole years (2.9 is 2). Ages above 100 stay in (60, 100); negative ages are not ages (ValueError).

The other way, a group stands for one age where a number is needed (age as regression, notebook 12): the
middle of its bounds, ``GROUP_MIDPOINTS``, except the open-ended (60, 100), which stands for 70: the bound 100
is where the label stops, not where faces are (Adience's exact ages above 60 are rare), and 80 would pull
every prediction for an older face ten years up.
"""

from __future__ import annotations

import numpy as np

AGE_GROUPS = ["(0, 2)", "(4, 6)", "(8, 12)", "(15, 20)", "(25, 32)", "(38, 43)", "(48, 53)", "(60, 100)"]
GROUP_BOUNDS = np.array([(0, 2), (4, 6), (8, 12), (15, 20), (25, 32), (38, 43), (48, 53), (60, 100)])
GROUP_MIDPOINTS = np.array([1.0, 5.0, 10.0, 17.5, 28.5, 40.5, 50.5, 70.0])  # the age each group stands for


def age_group(years):
    """The group number (0-7) of an age in years, or an array of them (see the module docstring)."""
    whole = np.floor(np.asarray(years, dtype=float))
    if np.any(np.isnan(whole)) or np.any(whole < 0):
        raise ValueError(f"ages must be numbers of years >= 0; got {np.asarray(years).ravel()[:5]}")
    low, high = GROUP_BOUNDS[:, 0], GROUP_BOUNDS[:, 1]
    column = whole[..., np.newaxis]
    distance = np.where(column < low, low - column, np.where(column > high, column - high, 0))  # 100+: the oldest
    # argmin takes the first of equal distances: search from the oldest group down so a tie goes to the older
    older_first = distance[..., ::-1]
    groups = len(AGE_GROUPS) - 1 - np.argmin(older_first, axis=-1)
    return int(groups) if np.ndim(groups) == 0 else groups

