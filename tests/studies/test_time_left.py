"""The time a study has left: the first guess from runs already trained, or from the H200 rates, then the pace."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from helpers import profiles
from helpers.studies import catalogue, time_left
from helpers.training.settings import baseline


def table(seconds, reused_from=None, diverged=None) -> pd.DataFrame:
    count = len(seconds)
    return pd.DataFrame({"seconds": seconds, "reused_from": reused_from or [""] * count,
                         "diverged": diverged or [False] * count})


def test_the_first_guess_is_the_median_trained_run_times_the_runs_to_train():
    profile = profiles.get_profile("smoke")
    tables = {"baseline": table([10.0, 30.0, 20.0]),
              "batch_size": table([99.0, 500.0, 40.0], reused_from=["baseline/paper", "", ""],
                                  diverged=[False, True, False])}
    # trained, not copied, not diverged: 10, 30, 20, 40 -> median 25 s
    guess = time_left.first_guess(profile, catalogue.STUDIES["hidden_units"], [("128", "gender", 0, 0)] * 3, tables)
    assert guess == "about 75 s (3 x 25 s, the median run trained so far in the smoke profile, n = 4)"
    assert time_left.first_guess(profile, catalogue.STUDIES["baseline"], [], tables) == "nothing to train"
    nothing = time_left.first_guess(profile, catalogue.STUDIES["baseline"], [("paper", "age", 0, 0)], {})
    assert "time left shows once the first has finished" in nothing


def test_the_first_guess_counts_the_pre_trainings_transfer_runs_need_first(tmp_path, monkeypatch):
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path))  # nothing pre-trained yet
    profile = profiles.get_profile("smoke")
    study = catalogue.STUDIES["transfer"]
    keys = [("frozen trunk, new softmax (report)", "gender", 0, 0), ("fine-tune all, rate / 10", "gender", 0, 0),
            ("frozen trunk, new softmax (report)", "age", 0, 0)]
    assert time_left.pretrainings(profile, study, keys) == [("age", 0), ("gender", 0)]
    assert time_left.pretrainings(profile, study, [("from scratch", "age", 0, 0)]) == []
    each = 12.0 * profile.pretraining_epochs / profile.max_epochs
    guess = time_left.first_guess(profile, study, keys, {"baseline": table([12.0])})
    assert guess == (f"about {time_left.duration(3 * 12 + 2 * each)} (3 x 12 s, the median run trained so far in "
                     f"the smoke profile, n = 1, and first 2 pre-training(s) of {profile.pretraining_epochs} epochs, "
                     f"about {each:.0f} s each at that pace)")
    paper = dataclasses.replace(profiles.get_profile("paper", data_dir="DATA_DIR"), pretraining_epochs=60)
    source = dataclasses.replace(baseline(paper), epochs=60)  # the pre-training's own epochs, not the runs' 190
    bound = (sum(time_left.upper_bound(study.settings_for(v, paper), t) for v, t, _, _ in keys)
             + time_left.upper_bound(source, "celeba") + time_left.upper_bound(source, "imdb_wiki"))
    assert time_left.first_guess(paper, study, keys, {}) == (
        f"at most {time_left.duration(bound)} on one NVIDIA H200 if no run stops early (3 runs and 2 pre-training(s) "
        "at the rates of bench/paper_estimate.py)")


def test_with_nothing_trained_the_paper_profile_guesses_from_the_h200_rates():
    profile = profiles.get_profile("paper", data_dir="DATA_DIR")
    study = catalogue.STUDIES["batch_size"]
    keys = [("16", "gender", 0, 0), ("64", "age", 1, 0)]
    bound = (profile.max_epochs * time_left.TRAIN_IMAGES["gender"] / time_left.H200_RATES[16]
             + profile.max_epochs * time_left.TRAIN_IMAGES["age"] / time_left.H200_RATES[64])
    assert time_left.upper_bound(study.settings_for("16", profile), "gender") == pytest.approx(
        profile.max_epochs * 12_304 / 4877)
    assert time_left.first_guess(profile, study, keys, {}) == (
        f"at most {time_left.duration(bound)} on one NVIDIA H200 if no run stops early (2 runs at the rates of "
        "bench/paper_estimate.py)")
    assert time_left.rate_at(40) == pytest.approx(7859 + (40 - 32) / (50 - 32) * (6157 - 7859))
    # another machine's rates and faces: 2 epochs x 1,000 faces at 100 images/s (batch 16 of 8 -> 100, 32 -> 300)
    other = dataclasses.replace(study.settings_for("16", profile), epochs=2)
    assert time_left.upper_bound(other, "gender", {8: 100.0, 32: 300.0}, {"gender": 1000}) == pytest.approx(
        2 * 1000 / (100 + (16 - 8) / (32 - 8) * 200))


@pytest.mark.parametrize("seconds, text", [(45, "45 s"), (89.4, "89 s"), (90, "2 min"), (90.5, "2 min"),
                                           (600, "10 min"), (5399, "90 min"), (5400, "1.5 h"), (5400.5, "1.5 h"),
                                           (5580, "1.6 h")])
def test_durations_read_in_the_unit_a_person_would_use(seconds, text):
    assert time_left.duration(seconds) == text


def test_the_time_left_is_the_pace_so_far_times_the_runs_left():
    assert time_left.left(elapsed=120, done=2, remaining=3) == "3 min left"
    assert time_left.left(elapsed=120, done=0, remaining=1) == "2 min left"  # another worker's run not in yet
    assert time_left.left(elapsed=120, done=4, remaining=0) == "done"


def test_runs_another_study_already_made_are_not_counted_as_runs_to_train():
    profile = profiles.get_profile("smoke")
    study = catalogue.STUDIES["hidden_units"]
    paper = baseline(profile)
    recorded = pd.DataFrame([{"task": "gender", "fold": 0, "seed": 0, **dataclasses.asdict(paper),
                              "accuracy_10crop": 0.6, "seconds": 30.0, "reused_from": ""}])
    keys = [(variant, "gender", 0, 0) for variant in study.variants_for(profile)]
    needed = time_left.to_train(profile, study, keys, {"baseline": recorded})
    copied = [key for key in keys if key not in needed]
    assert len(copied) == 1 and study.settings_for(copied[0][0], profile) == paper


def test_the_seconds_counted_are_those_of_runs_trained_here_whatever_columns_a_table_kept():
    # as read back from CSV files: an empty reused_from is a missing value, and an older kit's table has no
    # reused_from, diverged or seconds column
    recorded = pd.DataFrame({"seconds": [10, 20, 30], "reused_from": [float("nan"), "baseline/paper", float("nan")],
                             "diverged": [False, False, True]})
    older = pd.DataFrame({"seconds": [40.0, 50.0]})  # neither copied nor diverged: both counted
    no_seconds = pd.DataFrame({"accuracy": [0.5]})  # a table that kept no time is left out, not counted as NaN
    seconds = time_left.trained_seconds({"a": recorded, "b": older, "c": no_seconds, "d": table([])})
    assert sorted(seconds) == [10.0, 40.0, 50.0] and seconds.dtype == float
    assert sorted(time_left.trained_seconds({"b": older})) == [40.0, 50.0]  # no table has either column
    empty = time_left.trained_seconds({"c": no_seconds})
    assert len(empty) == 0 and empty.dtype == float


def test_a_table_without_a_diverged_column_beside_one_with_it_counts_its_runs_as_trained():
    with_column = table([10.0, 99.0], diverged=[False, True])
    without = pd.DataFrame({"seconds": [30.0], "reused_from": [""]})
    assert sorted(time_left.trained_seconds({"a": with_column, "b": without})) == [10.0, 30.0]


def test_a_pre_training_kept_for_one_seed_is_still_needed_for_another(tmp_path, monkeypatch):
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path))
    from helpers.studies import pretraining

    profile = profiles.get_profile("smoke")
    study = catalogue.STUDIES["transfer"]
    kept = pretraining.pretraining_directory(profile, "gender", 0)
    kept.mkdir(parents=True)
    (kept / "scores.json").write_text("{}")  # finished: its scores are written last
    keys = [("frozen trunk, new softmax (report)", "gender", 0, seed) for seed in (0, 1)]
    assert time_left.pretrainings(profile, study, keys) == [("gender", 1)]
    (kept / "scores.json").unlink()
    (kept / "best.keras").write_text("")  # a network without its scores: cut short, so trained again
    assert time_left.pretrainings(profile, study, keys) == [("gender", 0), ("gender", 1)]


def test_a_two_headed_networks_two_rows_are_one_training_and_every_other_run_still_counts():
    profile = profiles.get_profile("smoke")
    study = catalogue.STUDIES["multitask"]
    joint = "one network, equal weights"
    keys = [(joint, "gender", 0, 0), (joint, "age", 0, 0), (joint, "gender", 0, 1), (joint, "age", 0, 1),
            ("two networks (paper)", "age", 0, 0)]
    assert time_left.to_train(profile, study, keys, {}) == [keys[0], keys[2], keys[4]]
