"""Shared by the tests of one run and of two heads."""

from __future__ import annotations

import pytest

from helpers.training import fit


@pytest.fixture()
def given_to_fit(monkeypatch) -> dict:
    """What ``fit.train`` is given, seen as it is called (the real training still runs): the network ``build()``
    makes, the first training batch and the first validation batch."""
    given, real_train = {}, fit.train

    def train(build, training, validation, settings, **options):
        given.update(network=build(), training=next(iter(training)), validation=next(iter(validation)))
        return real_train(build, training, validation, settings, **options)

    monkeypatch.setattr(fit, "train", train)
    return given
