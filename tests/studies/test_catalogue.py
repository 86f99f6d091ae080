"""The catalogue of studies: each study's variants checked when it is defined (a misspelled field or value fails
at once, with the study and the variant named), each variant's settings under a profile, and the plan of runs."""

from __future__ import annotations

import pytest

from helpers import profiles
from helpers.studies import catalogue
from helpers.training.settings import Settings, baseline


def test_a_setting_relative_to_the_profile_reads_as_such():
    assert repr(catalogue.OfProfile()) == "the profile's"
    assert repr(catalogue.OfProfile(0.1)) == "the profile's x 0.1"
    assert repr(catalogue.OfProfile(2.0)) == "the profile's x 2"
    assert repr({"learning_rate": catalogue.OfProfile(0.1)}) == "{'learning_rate': the profile's x 0.1}"
    assert repr(catalogue.ProfileChoice("backbone_weights")) == "the profile's backbone_weights"


@pytest.mark.parametrize("variants, quick, message", [
    ({"wide": {"hiden_units": 1024}}, (),
     "study 'mine', variant 'wide': hiden_units is not a field of Settings (helpers/training/settings.py lists them)"),
    ({"two": {"zoom": 2, "flipp": True}}, (),
     "study 'mine', variant 'two': flipp, zoom is not a field of Settings (helpers/training/settings.py lists them)"),
    ({"adamw": {"optimizer": "adamw"}}, (),
     "study 'mine', variant 'adamw': Settings: optimizer='adamw': use one of 'sgd', 'adam'"),
    ({"32": {"batch_size": 32}}, ("16",), "study 'mine': quick variants ['16'] are not among its variants ['32']"),
    ({"old": {"weights": catalogue.ProfileChoice("backbone_weights")}}, (),  # fine from scratch, refused in paper
     "study 'mine', variant 'old': Settings: weights='imagenet' loads a backbone's ImageNet weights; the "
     "Levi-Hassner network starts from scratch (or from a pre-trained network: transfer)"),
])
def test_a_misspelled_variant_fails_when_the_study_is_defined_naming_the_study_and_the_variant(variants, quick,
                                                                                              message):
    with pytest.raises(ValueError) as refused:
        catalogue.Study("mine", variants, quick=quick)
    assert str(refused.value) == message


def test_each_variant_is_the_profiles_baseline_with_its_changes():
    smoke, paper = profiles.get_profile("smoke"), profiles.get_profile("paper", "/data")
    tenth = catalogue.Study("mine", {"slow": {"learning_rate": catalogue.OfProfile(0.1), "hidden_units": 64}})
    assert tenth.settings_for("slow", smoke) == Settings(**{**baseline(smoke).__dict__, "hidden_units": 64,
                                                            "learning_rate": smoke.learning_rate * 0.1})
    assert tenth.settings_for("slow", paper).learning_rate == pytest.approx(1e-4)
    # a setting the profile chooses: the backbones start from ImageNet in the paper profile, from scratch elsewhere
    modern = catalogue.Study("mine", {"small": {"network": "mobilenet_v3_small",
                                                "weights": catalogue.ProfileChoice("backbone_weights")}})
    assert modern.settings_for("small", smoke).weights == "none"
    assert modern.settings_for("small", paper).weights == "imagenet"
    study = catalogue.STUDIES["batch_size"]
    assert study.paper_variant(smoke) == "32" and study.paper_variant(paper) is None  # no variant of the paper's 50
    assert catalogue.STUDIES["baseline"].paper_variant(smoke) == "paper"
    assert catalogue.Study("mine", {"wide": {"hidden_units": 1024}}).paper_variant(smoke) is None


def test_the_plan_is_every_task_fold_variant_and_seed_the_profile_runs_in_that_order():
    smoke = profiles.get_profile("smoke", seed=2)
    study = catalogue.Study("mine", {"a": {"hidden_units": 64}, "b": {"hidden_units": 128}, "c": {}}, quick=("c", "a"))
    assert study.variants_for(smoke) == ["c", "a"]  # a quick profile runs the quick variants, in their order
    assert study.variants_for(profiles.get_profile("paper", "/data")) == ["a", "b", "c"]
    assert catalogue.plan(study, smoke) == [("c", "gender", 0, 2), ("a", "gender", 0, 2), ("c", "age", 0, 2),
                                            ("a", "age", 0, 2)]
    assert catalogue.plan(study, smoke, folds=(3, 1), seeds=(5, 6))[:5] == [
        ("c", "gender", 3, 5), ("c", "gender", 3, 6), ("a", "gender", 3, 5), ("a", "gender", 3, 6),
        ("c", "gender", 1, 5)]
    everything = catalogue.Study("all", {"a": {}, "b": {"hidden_units": 64}}, tasks=("age",))
    assert everything.variants_for(smoke) == ["a", "b"]  # no quick variants: all of them
