"""How often a worker looks again at a run another worker holds (``helpers.studies.claims.poll``)."""

from __future__ import annotations

from helpers.studies import claims


def test_the_poll_is_ten_seconds_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv("AGE_GENDER_KIT_POLL", raising=False)
    assert claims.poll() == 10.0
    monkeypatch.setenv("AGE_GENDER_KIT_POLL", "0.25")
    assert claims.poll() == 0.25
