"""What the study notebooks print beside their tables: the plan and the baseline's mark, the step schedule's drops,
each value's mean, spread and n, which networks learned, the paired comparisons and the verdict in words. The runs
are written by hand, as the runner records them (a record and the predictions on every test face), so that every
expected figure can be counted from the faces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import profiles
from helpers.analysis import conclusions, summaries
from helpers.studies import catalogue, store
from helpers.training import floor


def test_the_plan_marks_the_baseline_with_the_papers_own_value_where_the_profile_differs(tmp_path):
    smoke = profiles.get_profile("smoke", data_dir=tmp_path)
    assert smoke.batch_size == 32  # the paper's is 50
    plan = summaries.plan_table(catalogue.STUDIES["batch_size"], smoke)
    assert plan.loc["32", "baseline"] == "yes (paper: batch_size 50)" and plan.loc["16", "baseline"] == ""
    assert summaries.baseline_note(catalogue.STUDIES["hidden_units"], smoke) == "yes"  # 512, as the paper
    paper = profiles.get_profile("paper", data_dir=tmp_path)
    assert summaries.baseline_note(catalogue.STUDIES["batch_size"], paper) == "yes"


def test_the_step_schedules_drops_are_counted_from_the_runs_iterations(tmp_path):
    smoke = profiles.get_profile("smoke", data_dir=tmp_path)
    runs = pd.DataFrame({"schedule": ["step", "step", "constant"], "step_every": [10_000, 10_000, 10_000],
                         "iterations": [144, 150, 144]})
    assert summaries.schedule_drops(runs, smoke) == (
        "The step schedule's runs made 144-150 iterations each, and it drops the rate every 10,000 iterations: "
        "0 drop(s) in this smoke profile, so here it trains at a constant rate.")
    long = runs.assign(step_every=50, iterations=[144, 100, 10])
    assert summaries.schedule_drops(long, smoke).endswith("2 drop(s) in this smoke profile.")
    assert summaries.schedule_drops(runs.drop(columns="iterations"), smoke).startswith("No run of the step")


def test_the_plan_lists_each_value_in_the_studys_order_with_its_changes_and_runs(tmp_path):
    class_profile = profiles.get_profile("class", data_dir=tmp_path)
    study = catalogue.Study("own", {"wide": {"hidden_units": 1024}, "paper": {}})
    plan = summaries.plan_table(study, class_profile)
    assert plan.index.tolist() == ["wide", "paper"]  # as the study lists them, not sorted
    assert plan.columns.tolist() == ["changes", "runs (tasks x folds x seeds)", "baseline"]
    assert plan.changes.tolist() == [{"hidden_units": 1024}, "nothing: the baseline's settings"]
    assert plan["runs (tasks x folds x seeds)"].tolist() == [2 * 5 * 2, 2 * 5 * 2]
    assert plan.baseline.tolist() == ["", "yes"]


def test_the_baseline_mark_names_every_field_the_study_varies_where_the_profile_differs_from_the_paper(tmp_path):
    smoke = profiles.get_profile("smoke", data_dir=tmp_path)  # Adam at batches of 32; the paper: SGD at 50
    study = catalogue.Study("own", {"adam": {"optimizer": "adam"}, "16": {"batch_size": 16}, "paper": {}})
    assert summaries.baseline_note(study, smoke) == "yes (paper: optimizer sgd, batch_size 50)"


def test_the_step_schedules_drops_count_only_its_own_runs_and_say_each_number_of_drops(tmp_path):
    smoke = profiles.get_profile("smoke", data_dir=tmp_path)
    one = pd.DataFrame({"schedule": ["step", "constant"], "step_every": [50, 50], "iterations": [144, 30_000]})
    assert summaries.schedule_drops(one, smoke) == (
        "The step schedule's runs made 144 iterations each, and it drops the rate every 50 iterations: "
        "2 drop(s) in this smoke profile.")
    several = pd.DataFrame({"schedule": ["step", "step"], "step_every": [50, 50], "iterations": [10, 144]})
    assert "made 10-144 iterations each" in summaries.schedule_drops(several, smoke)
    assert summaries.schedule_drops(several, smoke).endswith(": 0 or 2 drop(s) in this smoke profile.")


@pytest.fixture()
def profile(tmp_path, monkeypatch):
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    return profiles.get_profile("smoke", data_dir=tmp_path / "no-data")  # reads results only


LABELS = np.array([0] * 110 + [1] * 90)  # 200 gender test faces, floor 0.55


def record(profile, study: str, variant: str, predicted: np.ndarray, seed: int = 0) -> dict:
    """One gender run's record and predictions, as the runner writes them."""
    check = floor.check(LABELS, predicted)
    row = {"variant": variant, "task": "gender", "fold": 0, "seed": seed, "accuracy": check.accuracy,
           "accuracy_10crop": check.accuracy, "one_off_accuracy": np.nan, "n_test": len(LABELS), "diverged": False,
           "majority": check.majority, "classes_answered": check.classes_answered, "learned": check.learned}
    store.write_predictions(store.run_directory(profile, study, variant, "gender", 0, seed),
                            {"label": LABELS, "predicted": predicted})
    store.append(profile, study, row)
    return row


def answers(right: int) -> np.ndarray:
    """Predictions right on the first ``right`` faces of each class in turn (both classes answered)."""
    predicted = 1 - LABELS
    predicted[: min(right, 110)] = 0
    predicted[110 : 110 + max(0, right - 110)] = 1
    return predicted


STUDY = catalogue.Study("floor_check", {"16": {"batch_size": 16}, "32": {}, "64": {"batch_size": 64}},
                        tasks=("gender",))


def test_a_value_that_did_not_learn_is_named_and_left_out_of_every_comparison(profile):
    record(profile, STUDY.name, "16", answers(150))  # 0.75: learned
    record(profile, STUDY.name, "32", np.zeros(200, int))  # the paper's value, stuck on one class at 0.55
    record(profile, STUDY.name, "64", answers(140))  # 0.70: learned
    recorded = store.read_results(profile, STUDY.name)
    assert list(floor.learned(recorded)) == [True, False, True]

    table = summaries.task_table(recorded, "gender")
    assert list(table["learned"]) == [1, 0, 1] and list(table["n"]) == [1, 1, 1]
    compared = summaries.comparisons(profile, STUDY, recorded)
    # the paper's 32 did not learn, so the best value that did is the reference, and 32 is compared with nothing
    assert list(compared.index.get_level_values("variant")) == ["64"] and set(compared.against) == {"16"}
    assert compared.difference.iloc[0] == pytest.approx(-0.05)
    verdict = summaries.verdict(profile, STUDY, recorded)
    assert "gender: did not learn, so not ranked: 32 (answers one class for every face)." in verdict
    assert "worst 64 (0.700)" in verdict and "32 (0.550)" not in verdict
    assert summaries.best_mean(recorded, "gender") == pytest.approx(0.75)


def test_the_conclusions_say_how_many_values_learned_and_rank_only_those(profile):
    study = catalogue.STUDIES["batch_size"]
    assert {"16", "32"} <= set(study.variants) and study.paper_variant(profile) == "32"
    record(profile, "batch_size", "16", answers(150))
    record(profile, "batch_size", "32", np.zeros(200, int))  # the paper's (the profile's) batch, stuck
    table = conclusions.best_settings(profile).set_index(["study", "task"])
    row = table.loc[("batch_size", "gender")]
    assert row.learned == "1 of 2 values; did not learn: 32"
    assert row.best == "16" and row["compared with"] == "" and np.isnan(row.difference)  # nothing left to pair
    verdict = summaries.verdict(profile, study, store.read_results(profile, "batch_size")).splitlines()
    assert verdict[:2] == ["gender: did not learn, so not ranked: 32 (answers one class for every face).",
                           "gender: only 16 learned (0.750, n=1 per value): there is nothing to rank it against. "
                           "For comparison, the course report chose 16."]
    assert verdict[-1] == summaries.ONE_RUN  # one run per value, learned or not


def runs_table(rows: list[tuple]) -> pd.DataFrame:
    """(task, variant, seed, accuracy, diverged, learned) -> a results table as the store reads it back."""
    return pd.DataFrame([{"task": task, "variant": variant, "fold": 0, "seed": seed, "accuracy": accuracy,
                          "accuracy_10crop": accuracy, "one_off_accuracy": accuracy + 0.3, "diverged": diverged,
                          "learned": learned, "majority": 0.55, "classes_answered": 2 if learned else 1,
                          "n_test": 200} for task, variant, seed, accuracy, diverged, learned in rows])


RUNS = runs_table([("gender", "512", 0, 0.70, False, True), ("gender", "512", 1, 0.80, False, True),
                   ("gender", "512", 2, np.nan, True, False), ("gender", "128", 0, 0.55, False, False),
                   ("gender", "2048", 0, np.nan, True, False), ("age", "512", 0, 0.40, False, True)])


def test_each_values_mean_spread_and_n_leave_out_diverged_runs_and_count_the_runs_that_learned():
    table = summaries.summary(RUNS)
    assert table.index.tolist() == [("gender", "512"), ("gender", "128"), ("gender", "2048"), ("age", "512")]
    assert table.columns.tolist() == ["mean", "std", "n", "diverged", "learned"]
    assert table.loc[("gender", "512")].tolist() == pytest.approx([0.75, 0.1 / np.sqrt(2), 2, 1, 2])
    assert table.loc[("gender", "128"), ["n", "diverged", "learned"]].tolist() == [1, 0, 0]
    assert np.isnan(table.loc[("gender", "128"), "std"])  # one run has no spread
    only_diverged = table.loc[("gender", "2048")]
    assert np.isnan(only_diverged["mean"]) and only_diverged[["n", "diverged", "learned"]].tolist() == [0, 1, 0]
    assert summaries.summary(RUNS, "one_off_accuracy").loc[("gender", "512"), "mean"] == pytest.approx(1.05)
    assert table[["n", "diverged", "learned"]].dtypes.tolist() == [np.int64] * 3


def test_a_task_table_is_one_tasks_values_and_age_adds_its_one_off_mean():
    gender = summaries.task_table(RUNS, "gender")
    assert gender.index.tolist() == ["512", "128", "2048"] and "one_off_mean" not in gender
    age = summaries.task_table(RUNS, "age")
    assert age.index.tolist() == ["512"] and age.loc["512", "one_off_mean"] == pytest.approx(0.7)
    assert summaries.ranked(RUNS).seed.tolist() == [0, 1, 0]  # learned and not diverged: 512's two, age's one
    assert summaries.best_mean(RUNS, "gender") == pytest.approx(0.75)
    assert np.isnan(summaries.best_mean(RUNS[RUNS.variant == "128"], "gender"))  # none learned


def test_the_values_that_did_not_learn_are_named_with_how_many_runs_and_why():
    runs = runs_table([("gender", "16", 0, 0.55, False, False), ("gender", "16", 1, 0.56, False, False),
                       ("gender", "16", 2, 0.75, False, True), ("gender", "16", 3, np.nan, True, False),
                       ("gender", "64", 0, 0.55, False, False), ("age", "8", 0, 0.2, False, False),
                       ("gender", "32", 0, 0.75, False, True)])
    assert summaries.not_learned(runs, "gender") == {"16": "2 of 3 runs: answers one class for every face",
                                                     "64": "answers one class for every face"}
    assert summaries.not_learned(runs, "age") == {"8": "answers one class for every face"}
    assert summaries.not_learned(runs[runs.variant == "32"], "gender") == {}


def test_classes_answered_are_counted_from_each_runs_predictions(profile):
    record(profile, STUDY.name, "16", answers(150))  # 160 zeros of 200: 2 classes, the commonest 0.8
    record(profile, STUDY.name, "16", answers(200), seed=1)  # every face right: 2 classes, 110 zeros, 0.55
    record(profile, STUDY.name, "32", np.zeros(200, int))  # one class
    store.append(profile, STUDY.name, {"variant": "64", "task": "gender", "fold": 0, "seed": 0, "accuracy": 0.6,
                                       "n_test": 200, "diverged": False})  # kept no predictions: left out
    store.append(profile, STUDY.name, {"variant": "32", "task": "gender", "fold": 0, "seed": 1,
                                       "accuracy": np.nan, "n_test": 200, "diverged": True})
    recorded = store.read_results(profile, STUDY.name)
    answered = summaries.classes_answered(profile, STUDY, recorded)
    assert answered.index.tolist() == [("gender", "16"), ("gender", "32")]
    assert answered.loc[("gender", "16")].tolist() == pytest.approx([2.0, (0.8 + 0.55) / 2])
    assert answered.loc[("gender", "32")].tolist() == pytest.approx([1.0, 1.0])
    assert summaries.classes_answered(profile, STUDY, recorded.iloc[:0]).empty


def test_the_verdict_names_best_and_worst_the_gap_the_paired_comparisons_and_n(profile):
    for seed, (right16, right32, right64) in enumerate([(150, 125, 140), (160, 135, 150)]):
        record(profile, STUDY.name, "16", answers(right16), seed=seed)  # 0.750, 0.800: mean 0.775
        record(profile, STUDY.name, "32", answers(right32), seed=seed)  # the paper's value: 0.625, 0.675 (learned)
        record(profile, STUDY.name, "64", answers(right64), seed=seed)  # 0.700, 0.750
    recorded = store.read_results(profile, STUDY.name)
    compared = summaries.comparisons(profile, STUDY, recorded)
    assert compared.index.tolist() == [("gender", "16"), ("gender", "64")] and set(compared.against) == {"32"}
    assert compared.difference.tolist() == pytest.approx([0.125, 0.075])
    assert compared.columns.tolist() == ["against", "difference", "low", "high", "p", "beyond noise", "test"]
    beyond = compared[compared["beyond noise"]]
    named = ", ".join(f"{variant} {row.difference:+.3f} (p = {row.p:.3f})"
                      for (_, variant), row in beyond.iterrows()) or "none"
    assert summaries.verdict(profile, STUDY, recorded) == (
        f"gender: best 16 (0.775), worst 32 (0.650), gap 0.125 (n=2 per value). Compared with 32 on the same faces "
        f"({compared.test.iloc[0]}), {len(beyond)} of 2 values differ beyond the noise: {named}.")


def test_a_verdict_says_when_a_task_has_no_run_yet_or_none_learned(profile):
    study = catalogue.Study("floor_both", {"16": {"batch_size": 16}, "32": {}}, tasks=("gender", "age"))
    record(profile, study.name, "16", np.zeros(200, int))
    record(profile, study.name, "32", np.ones(200, int))
    lines = summaries.verdict(profile, study, store.read_results(profile, study.name)).splitlines()
    assert lines == ["gender: did not learn, so not ranked: 16 (answers one class for every face); "
                     "32 (answers one class for every face).",
                     "gender: no network learned (n=1 per value).", "age: no scored run yet.", summaries.ONE_RUN]
    assert summaries.comparisons(profile, study, store.read_results(profile, study.name)).empty


def test_classes_answered_sort_the_tasks_and_keep_the_variants_in_the_order_of_the_runs(profile):
    record(profile, STUDY.name, "64", answers(150))
    record(profile, STUDY.name, "16", np.zeros(200, int))
    store.write_predictions(store.run_directory(profile, STUDY.name, "16", "age", 0, 0),
                            {"label": [0, 1, 2, 2], "predicted": [0, 1, 1, 1]})
    store.append(profile, STUDY.name, {"variant": "16", "task": "age", "fold": 0, "seed": 0, "accuracy": 0.5,
                                       "n_test": 4, "diverged": False})
    recorded = store.read_results(profile, STUDY.name)
    ordered = pd.concat([recorded[recorded.variant == "64"], recorded[recorded.variant == "16"].iloc[::-1]])
    answered = summaries.classes_answered(profile, STUDY, ordered)  # gender 64, gender 16, then age 16
    assert answered.index.tolist() == [("age", "16"), ("gender", "64"), ("gender", "16")]
    assert answered.columns.tolist() == ["classes answered", "most common answer's share"]
    assert answered.loc[("age", "16")].tolist() == [2.0, 0.75]
