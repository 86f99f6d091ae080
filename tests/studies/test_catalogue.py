"""The catalogue of studies: a setting relative to the profile reads as what it is in the plan table."""

from __future__ import annotations

from helpers.studies import catalogue


def test_a_setting_relative_to_the_profile_reads_as_such():
    assert repr(catalogue.OfProfile()) == "the profile's"
    assert repr(catalogue.OfProfile(0.1)) == "the profile's x 0.1"
    assert repr(catalogue.OfProfile(2.0)) == "the profile's x 2"
    assert repr({"learning_rate": catalogue.OfProfile(0.1)}) == "{'learning_rate': the profile's x 0.1}"
    assert repr(catalogue.ProfileChoice("backbone_weights")) == "the profile's backbone_weights"
