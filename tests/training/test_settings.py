"""Settings check every field once, when they are made; a study checks its variants when it is defined."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers import profiles
from helpers.studies import catalogue
from helpers.training import settings
from helpers.training.settings import Settings


def test_the_papers_settings_every_baseline_and_every_studys_variants_are_valid():
    assert Settings() == Settings(batch_size=50, optimizer="sgd", learning_rate=1e-3)
    for name in ("smoke", "class"):
        profile = profiles.get_profile(name)
        for study in catalogue.STUDIES.values():
            for variant in study.variants:
                assert isinstance(study.settings_for(variant, profile), Settings)


@pytest.mark.parametrize("field, value, message", [
    ("optimizer", "lbfgs", "optimizer='lbfgs': use one of 'sgd', 'adam'"),
    ("schedule", "cosine", "schedule='cosine': use one of 'step', 'constant'"),
    ("transfer", "frozn", "transfer='frozn': use one of 'none', 'frozen', 'fine-tune'"),
    ("age_output", "ordinal", "age_output='ordinal': use one of 'classes', 'regression', 'dex'"),
    ("preprocessing", "clahee", "preprocessing='clahee': use one of 'none', 'gaussian', 'equalize', 'clahe', 'otsu'"),
    ("precision", "float16", "precision='float16': use one of 'float32', 'mixed_float16', 'mixed_bfloat16'"),
    ("batch_size", 0, "batch_size=0: use 1 or more"),
    ("batch_size", 2.5, "batch_size=2.5: use an integer"),
    ("batch_size", True, "batch_size=True: use an integer"),
    ("hidden_layers", 0, "hidden_layers=0: use 1 or more"),
    ("epochs", "6", "epochs='6': use an integer"),
    ("patience", -1, "patience=-1: use 0 or more"),
    ("learning_rate", 0.0, "learning_rate=0.0: use a number above 0"),
    ("momentum", 1.0, "momentum=1.0: use a number below 1"),
    ("age_loss_weight", -0.5, "age_loss_weight=-0.5: use 0.0 or more"),
    ("flip", "yes", "flip='yes': use True or False"),
])
def test_a_wrong_value_is_refused_when_the_settings_are_made_with_the_allowed_values(field, value, message):
    with pytest.raises(ValueError) as refused:
        Settings(**{field: value})
    assert str(refused.value) == f"Settings: {message}"
    with pytest.raises(ValueError) as refused:  # replace makes them again: checked too
        dataclasses.replace(Settings(), **{field: value})
    assert str(refused.value) == f"Settings: {message}"


def test_a_value_of_the_wrong_type_is_named_once_never_a_type_error():
    for field, value in (("momentum", "0.9"), ("learning_rate", "1e-3"), ("epochs", None)):
        with pytest.raises(ValueError) as refused:
            Settings(**{field: value})
        assert str(refused.value) == f"Settings: {field}={value!r}: use a" + ("n integer" if field == "epochs"
                                                                              else " number")
    with pytest.raises(ValueError, match=r"learning_rate=nan: use a number above 0"):
        Settings(learning_rate=float("nan"))


def test_numbers_read_from_a_table_are_numbers_and_every_problem_is_named_at_once():
    assert Settings(batch_size=np.int64(16), learning_rate=np.float64(1e-4), flip=np.bool_(False)).batch_size == 16
    with pytest.raises(ValueError) as refused:
        Settings(batch_size=0, optimizer="rmsprop")
    assert str(refused.value) == "Settings: batch_size=0: use 1 or more; optimizer='rmsprop': use one of 'sgd', 'adam'"


def test_settings_that_cannot_go_together_are_refused():
    with pytest.raises(ValueError) as refused:
        Settings(multitask=True, age_output="dex")
    assert str(refused.value) == (
        "Settings: multitask=True trains one network from scratch on 8 age classes without preprocessing; got "
        "transfer='none', age_output='dex', preprocessing='none'")
    with pytest.raises(ValueError, match="^Settings: multitask=True .* got transfer='frozen', age_output='classes'"):
        Settings(multitask=True, transfer="frozen")
    with pytest.raises(ValueError) as refused:
        Settings(transfer="fine-tune", age_output="regression")
    assert str(refused.value) == ("Settings: transfer='fine-tune' keeps the pre-trained network's 8 age classes; "
                                  "age_output='regression' trains from scratch")
    assert Settings(multitask=True).multitask and Settings(transfer="frozen").transfer == "frozen"


def test_every_text_field_has_its_choices_and_the_papers_value_first():
    for field in dataclasses.fields(Settings):
        if field.type == "str":
            assert getattr(Settings(), field.name) == settings.CHOICES[field.name][0]


def test_each_combination_refused_says_what_goes_together_and_every_problem_is_joined_in_one_message():
    with pytest.raises(ValueError) as refused:
        Settings(multitask=True, preprocessing="clahe", batch_size=0)
    assert str(refused.value) == (
        "Settings: batch_size=0: use 1 or more; multitask=True trains one network from scratch on 8 age classes "
        "without preprocessing; got transfer='none', age_output='classes', preprocessing='clahe'")
    with pytest.raises(ValueError) as refused:
        Settings(weights="imagenet")
    assert str(refused.value) == ("Settings: weights='imagenet' loads a backbone's ImageNet weights; the Levi-Hassner "
                                  "network starts from scratch (or from a pre-trained network: transfer)")
    with pytest.raises(ValueError) as refused:
        Settings(network="mobilenet_v3_small", age_output="regression")
    assert str(refused.value) == (
        "Settings: network='mobilenet_v3_small' trains one task from scratch or from ImageNet, with 8 classes or "
        "DEX's bins; got transfer='none', multitask=False, age_output='regression'")
    assert Settings(network="mobilenet_v3_small", age_output="dex").age_output == "dex"


def test_the_baseline_takes_every_training_figure_from_the_profile():
    shorter_steps = dataclasses.replace(profiles.get_profile("smoke"), step_every=500)  # every profile's is 10,000
    for profile in [profiles.get_profile(name, data_dir="/data") for name in ("smoke", "class", "paper")] + [
            shorter_steps]:
        made = settings.baseline(profile)
        assert (made.batch_size, made.epochs, made.learning_rate, made.step_every, made.patience, made.optimizer) == (
            profile.batch_size, profile.max_epochs, profile.learning_rate, profile.step_every, profile.patience,
            profile.optimizer)
        assert made == dataclasses.replace(Settings(), batch_size=profile.batch_size, epochs=profile.max_epochs,
                                           learning_rate=profile.learning_rate, step_every=profile.step_every,
                                           patience=profile.patience, optimizer=profile.optimizer)
