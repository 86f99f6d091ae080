"""The one way the kit times a call: a warm-up call left out, then the median and interquartile range."""

from __future__ import annotations

import types

import pytest

from helpers import timer


def test_the_warm_up_call_is_not_timed_and_the_median_and_spread_are_of_the_timed_calls(monkeypatch):
    clock = iter([0.0, 1.0, 10.0, 13.0, 20.0, 22.0, 30.0, 38.0])  # timed calls of 1, 3, 2 and 8 s
    monkeypatch.setattr(timer, "time", types.SimpleNamespace(perf_counter=lambda: next(clock)))  # timer's clock only
    calls = []
    median, spread = timer.median_and_spread(lambda: calls.append(len(calls)), 4)
    assert len(calls) == 5  # one warm-up, four timed
    assert median == pytest.approx(2.5)  # of 1, 2, 3, 8
    assert spread == pytest.approx(4.25 - 1.75)  # numpy's quartiles of those four: 1.75 and 4.25
    assert isinstance(median, float) and isinstance(spread, float)
    assert next(clock, None) is None  # the clock was read twice per timed call, never for the warm-up
