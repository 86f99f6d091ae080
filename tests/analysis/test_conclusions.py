"""The conclusions table: best value, the value it is compared with, the paired test, and the reference figures."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers import profiles
from helpers.analysis import conclusions, paired, references
from helpers.studies import catalogue, store
from tests.conftest import SHARED

REPORT = SHARED / "design" / "REPORT.md"


@pytest.fixture()
def profile(tmp_path, monkeypatch):
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    return profiles.get_profile("smoke", data_dir=tmp_path / "no-data")  # reads results only


def write_results(profile, study: str, runs: list[tuple]) -> None:
    """runs: (variant, task, seed, accuracy) with 200 test faces each."""
    rows = [{"study": study, "variant": variant, "task": task, "fold": 0, "seed": seed, "accuracy": accuracy,
             "accuracy_10crop": accuracy, "one_off_accuracy": np.nan, "n_test": 200, "diverged": False}
            for variant, task, seed, accuracy in runs]
    path = store.results_path(profile, study)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)


def test_one_run_per_value_uses_the_test_sets_sampling_error(profile):
    # the smoke profile's batch size is 32, so "32" is the paper's setting the best value is compared with
    write_results(
        profile,
        "batch_size",
        [
            ("16", "gender", 0, 0.70),
            ("32", "gender", 0, 0.60),
            ("64", "gender", 0, 0.58),
            ("16", "age", 0, 0.40),
            ("32", "age", 0, 0.42),
            ("64", "age", 0, 0.30),
        ],
    )
    table = conclusions.best_settings(profile).set_index("task")
    gender = table.loc["gender"]
    assert gender.best == "16" and gender["compared with"] == "baseline 32" and gender.n == 1
    half = 1.96 * np.sqrt(0.7 * 0.3 / 200 + 0.6 * 0.4 / 200)  # 0.093: no per-face predictions, so unpaired
    assert gender.difference == pytest.approx(0.10) and gender.high - gender.low == pytest.approx(2 * half, rel=1e-3)
    assert gender["beyond noise"] and gender.p < 0.05 and gender.test.startswith("unpaired")
    assert gender["report's choice"] == "16" and gender["report's choice here"] == pytest.approx(0.70)
    age = table.loc["age"]  # the paper's value is best: compared with the runner-up, 2 points apart
    assert age.best == "32" and age["compared with"] == "runner-up 16" and not age["beyond noise"]
    assert age["report's choice"] == "4" and np.isnan(age["report's choice here"])  # the quick study skipped 4


def test_a_tie_with_the_papers_value_keeps_the_papers_value(profile):
    write_results(profile, "hidden_units", [("128", "age", 0, 0.40), ("512", "age", 0, 0.40), ("2048", "age", 0, 0.30)])
    row = conclusions.best_settings(profile).iloc[0]
    assert row.best == "512" and row["compared with"] == "runner-up 128" and row.difference == 0


def test_several_runs_per_value_use_their_spread(profile):
    runs = [
        (variant, "gender", seed, accuracy)
        for variant, values in {"1": (0.70, 0.72, 0.74), "2": (0.60, 0.66, 0.72), "3": (0.50, 0.50, 0.50)}.items()
        for seed, accuracy in enumerate(values)
    ]
    write_results(profile, "hidden_layers", runs)
    row = conclusions.best_settings(profile).iloc[0]
    assert row.best == "1" and row.n == 3 and row["compared with"] == "baseline 2"
    half = 1.96 * np.hypot(0.02 / np.sqrt(3), 0.06 / np.sqrt(3))  # standard deviations 0.02 and 0.06
    assert row.high - row.low == pytest.approx(2 * half, rel=1e-3) and row.difference == pytest.approx(0.06)
    assert row["beyond noise"] == (half < 0.06)


def write_predictions(profile, study: str, variant: str, seed: int, correct: np.ndarray) -> None:
    """Per-face predictions of a gender run: right where ``correct`` is True."""
    labels = np.arange(len(correct)) % 2
    predicted = np.where(correct, labels, 1 - labels)
    store.write_predictions(store.run_directory(profile, study, variant, "gender", 0, seed),
                            {"label": labels, "predicted": predicted, "predicted_10crop": predicted})


def test_runs_with_per_face_predictions_are_compared_face_by_face(profile):
    # 200 faces: both right on 120, only "16" right on 20, only "32" right on 8 (0.70 against 0.64)
    correct_16 = np.r_[np.ones(140, bool), np.zeros(60, bool)]
    correct_32 = np.r_[np.ones(120, bool), np.zeros(20, bool), np.ones(8, bool), np.zeros(52, bool)]
    write_results(profile, "batch_size", [("16", "gender", 0, 0.70), ("32", "gender", 0, 0.64)])
    write_predictions(profile, "batch_size", "16", 0, correct_16)
    write_predictions(profile, "batch_size", "32", 0, correct_32)
    row = conclusions.best_settings(profile).iloc[0]
    assert row.best == "16" and row.test.startswith("McNemar") and row.difference == pytest.approx(0.06)
    assert row.p == pytest.approx(stats.binomtest(20, 28, 0.5).pvalue)  # 0.036
    assert row["beyond noise"]  # where the unpaired test of 0.70 against 0.64 says it is within the noise
    unpaired = paired.unpaired(0.70, np.sqrt(0.7 * 0.3 / 200), 0.64, np.sqrt(0.64 * 0.36 / 200))
    assert unpaired.p_value > 0.05 and unpaired.high - unpaired.low > row.high - row.low


def test_the_baseline_is_set_beside_the_papers_accuracies(profile):
    write_results(
        profile, "baseline", [("paper", "gender", 0, 0.80), ("paper", "gender", 1, 0.84), ("paper", "age", 0, 0.45)]
    )
    table = conclusions.against_paper(profile).set_index(["task", "metric"])
    assert table.loc[("gender", "accuracy"), "kit mean"] == pytest.approx(0.82)
    assert table.loc[("gender", "accuracy"), "n"] == 2
    assert table.loc[("gender", "accuracy"), "kit - paper"] == pytest.approx(0.82 - 0.859)
    assert table.loc[("age", "one_off_accuracy_10crop"), "n"] == 0  # not recorded by these rows: said, not invented


def test_reference_figures_are_those_of_the_design_notes():
    if not REPORT.exists():
        pytest.skip(f"{REPORT} ships beside the development checkout only")
    text = REPORT.read_text()
    for value in references.PAPER_ACCURACY.values():
        assert f"{value * 100:.1f}%" in text, value
    for _, accuracy in references.REPORT_CHOICE.values():
        assert accuracy is None or f"{accuracy:.3f}" in text, accuracy
    assert f"{references.REPORT_AGE_WITH_PRETRAINING:.3f}" in text
    line = re.search(
        r"batch size age (\d+) / gender (\d+); hidden neurons (\d+) / (\d+);\s+learning rate age "
        r"([\d.]+) / gender ([\d.]+); hidden layers (\d) / (\d)",
        text,
    )
    assert line, "the report's conclusions line moved: update helpers.references.REPORT_CHOICE"
    batch_age, batch_gender, units_age, units_gender, rate_age, rate_gender, layers_age, layers_gender = line.groups()
    choice = {key: value[0] for key, value in references.REPORT_CHOICE.items()}
    assert (choice["batch_size", "age"], choice["batch_size", "gender"]) == (batch_age, batch_gender)
    assert (choice["hidden_units", "age"], choice["hidden_units", "gender"]) == (units_age, units_gender)
    assert (choice["learning_rate", "age"], choice["learning_rate", "gender"]) == (
        f"constant {float(rate_age):g}",
        f"constant {float(rate_gender):g}",
    )
    assert (choice["hidden_layers", "age"], choice["hidden_layers", "gender"]) == (layers_age, layers_gender)
    for (study, _), (variant, _) in references.REPORT_CHOICE.items():  # every choice names a real variant
        assert variant in catalogue.STUDIES[study].variants, (study, variant)


def test_only_studies_with_two_values_and_results_get_a_row_and_every_column_is_filled(profile):
    assert conclusions.best_settings(profile).columns.tolist() == conclusions.COLUMNS  # nothing run yet: empty
    assert conclusions.not_run(profile) == [study.notebook for study in catalogue.STUDIES.values()]
    write_results(profile, "baseline", [("paper", "gender", 0, 0.80)])  # one value: nothing to choose
    # the paper's 32 is third; one run of "64" only for age, whose row then compares nothing
    write_results(profile, "batch_size", [("16", "gender", 0, 0.70), ("64", "gender", 0, 0.66),
                                          ("32", "gender", 0, 0.60), ("64", "age", 0, 0.41)])
    write_results(profile, "hidden_units", [("128", "age", 0, 0.40)])  # a single run is still a result
    table = conclusions.best_settings(profile, "accuracy")
    assert table.columns.tolist() == conclusions.COLUMNS and set(table.study) == {"batch_size", "hidden_units"}
    assert conclusions.not_run(profile) == [study.notebook for name, study in catalogue.STUDIES.items()
                                            if name not in ("baseline", "batch_size", "hidden_units")]
    assert table.set_index("study").loc["hidden_units", "best"] == "128"
    batch = table[table.study == "batch_size"].set_index("task")
    gender, age = batch.loc["gender"], batch.loc["age"]
    assert gender["compared with"] == "baseline 32" and gender.difference == pytest.approx(0.10)
    assert gender.test.startswith("unpaired") and gender["report's accuracy"] == references.REPORT_CHOICE[
        "batch_size", "gender"][1]
    assert (age.best, age.n, age["compared with"], age.test, age["beyond noise"]) == ("64", 1, "", "", False)
    assert age[["difference", "low", "high", "p"]].isna().all() and np.isnan(age["std"])


def test_the_runner_up_stands_in_for_a_paper_value_not_run_and_a_study_the_report_skipped_names_no_choice(profile):
    # the paper's batch size (32) was not run; neither task's runs of multitask are among the report's choices
    write_results(profile, "batch_size", [("16", "gender", 0, 0.70), ("64", "gender", 0, 0.60)])
    write_results(profile, "multitask", [("one network, equal weights", "age", seed, accuracy)
                                         for seed, accuracy in enumerate((0.40, 0.44))]
                  + [("two networks (paper)", "age", seed, 0.30) for seed in range(2)])
    table = conclusions.best_settings(profile).set_index("study")
    assert table.loc["batch_size", "compared with"] == "runner-up 64"
    multitask = table.loc["multitask"]
    assert multitask["compared with"] == "baseline two networks (paper)" and multitask["report's choice"] == ""
    assert multitask["std"] == pytest.approx(np.std([0.40, 0.44], ddof=1)) and multitask.n == 2
    assert multitask["report's accuracy"] is None or np.isnan(multitask["report's accuracy"])


def test_a_task_whose_runs_all_diverged_is_left_out_and_the_chosen_metric_is_used_throughout(profile):
    write_results(profile, "hidden_layers", [("1", "gender", 0, np.nan), ("2", "gender", 0, np.nan),
                                             ("1", "age", 0, 0.40), ("2", "age", 0, 0.50)])
    path = store.results_path(profile, "hidden_layers")
    frame = pd.read_csv(path)
    frame["accuracy_10crop"] = frame.accuracy * 0.5  # the ten-crop figures say otherwise
    frame.to_csv(path, index=False)
    table = conclusions.best_settings(profile, "accuracy_10crop")
    assert table.task.tolist() == ["age"]
    row = table.iloc[0]
    assert row["mean"] == pytest.approx(0.25) and row.difference == pytest.approx(0.05)
    assert row["report's choice"] == "1" and row["report's choice here"] == pytest.approx(0.20)


def test_the_baseline_beside_the_paper_leaves_out_diverged_runs_and_keeps_each_figure_in_its_column(profile):
    before = conclusions.against_paper(profile)  # no baseline yet: every figure of the paper, none of the kit
    assert len(before) == len(references.PAPER_ACCURACY) and (before.n == 0).all() and before["kit mean"].isna().all()
    write_results(profile, "baseline", [("paper", "gender", 0, 0.80), ("paper", "gender", 1, 0.84),
                                        ("paper", "gender", 2, 0.20)])
    path = store.results_path(profile, "baseline")
    frame = pd.read_csv(path)
    frame.loc[2, "diverged"] = True
    frame.to_csv(path, index=False)
    row = conclusions.against_paper(profile).set_index(["task", "metric"]).loc[("gender", "accuracy")]
    assert row.n == 2 and row["kit std"] == pytest.approx(np.std([0.80, 0.84], ddof=1))
    assert row.paper == references.PAPER_ACCURACY["gender", "accuracy"]


def test_only_the_fold_and_seed_both_values_ran_are_paired_and_a_missing_side_unpairs(profile):
    labels = np.tile([0, 1], 50)  # 100 gender faces
    rows = []
    for variant, keys in (("a", [(0, 0), (0, 1)]), ("b", [(0, 1), (1, 0)])):  # in common: fold 0, seed 1
        for fold, seed in keys:
            predicted = labels if variant == "a" else np.where(np.arange(100) < 10, 1 - labels, labels)
            store.write_predictions(store.run_directory(profile, "pairs", variant, "gender", fold, seed),
                                    {"label": labels, "predicted": predicted, "predicted_10crop": predicted})
            rows.append({"variant": variant, "task": "gender", "fold": fold, "seed": seed, "n_test": 100,
                         "diverged": False, "accuracy": np.mean(predicted == labels), "study": "pairs"})
    runs = pd.DataFrame(rows)
    runs.to_csv(store.results_path(profile, "pairs"), index=False)
    comparison = paired.compare_runs(profile, "pairs", runs, "gender", "a", "b")
    assert comparison.pairs == 1 and comparison.test.startswith("McNemar")
    assert comparison.difference == pytest.approx(0.10)  # a right on the 10 faces b got wrong
    for side in ("a", "b"):  # either side without per-face predictions: the unpaired means instead
        path = store.run_directory(profile, "pairs", side, "gender", 0, 1) / "predictions.csv"
        kept = path.read_bytes()
        path.unlink()
        fallback = paired.compare_runs(profile, "pairs", runs, "gender", "a", "b")
        assert fallback.pairs == 0 and fallback.test.startswith("unpaired"), side
        path.write_bytes(kept)


def test_the_settings_caption_is_the_profiles_baseline(profile):
    import dataclasses

    from helpers.training.settings import baseline

    caption = conclusions.study_settings(profile)
    assert caption.columns.tolist() == ["paper's settings, this profile"]
    assert caption.iloc[:, 0].to_dict() == dataclasses.asdict(baseline(profile))


def test_compare_runs_pairs_the_same_fold_and_seed_and_scores_the_metrics_own_column(profile):
    labels = np.arange(8).repeat(25)  # 200 age faces, 25 per group
    rng = np.random.default_rng(0)
    rows, truth = [], {}
    for variant, seeds, right in (("1", (0, 1, 2), 0.6), ("2", (0, 1), 0.4)):
        for seed in seeds:
            hit = rng.random(200) < right
            off = np.where(hit, labels, np.clip(labels + rng.choice([-2, -1, 1, 2], 200), 0, 7))
            ten = np.where(rng.random(200) < 0.5, labels, off)  # ten crops: another answer
            store.write_predictions(store.run_directory(profile, "hidden_layers", variant, "age", 0, seed),
                                    {"label": labels, "predicted": off, "predicted_10crop": ten})
            truth[variant, seed] = {"accuracy": np.mean(off == labels), "accuracy_10crop": np.mean(ten == labels),
                                    "one_off_accuracy": np.mean(np.abs(off - labels) <= 1)}
            rows.append({"variant": variant, "task": "age", "fold": 0, "seed": seed, "n_test": 200,
                         "diverged": False, **truth[variant, seed]})
    # ignored: a diverged run of "2" on seed 2, and a gender run
    rows.append({"variant": "2", "task": "age", "fold": 0, "seed": 2, "n_test": 200, "diverged": True,
                 "accuracy": 0.0, "accuracy_10crop": 0.0, "one_off_accuracy": 0.0})
    rows.append({"variant": "1", "task": "gender", "fold": 0, "seed": 3, "n_test": 200, "diverged": False,
                 "accuracy": 0.9, "accuracy_10crop": 0.9, "one_off_accuracy": np.nan})
    runs = pd.DataFrame(rows).assign(study="hidden_layers")
    store.results_path(profile, "hidden_layers").parent.mkdir(parents=True, exist_ok=True)
    runs.to_csv(store.results_path(profile, "hidden_layers"), index=False)
    for metric in ("accuracy", "accuracy_10crop", "one_off_accuracy"):
        comparison = paired.compare_runs(profile, "hidden_layers", runs, "age", "1", "2", metric)
        expected = np.mean([truth["1", seed][metric] - truth["2", seed][metric] for seed in (0, 1)])
        assert comparison.test.startswith("paired t-test") and comparison.pairs == 2, metric
        assert comparison.difference == pytest.approx(expected), metric

    # "2" on seed 1 kept no predictions (an older kit): no pairs, the unpaired means of the runs instead,
    # the default metric being accuracy and each run's error from its own number of test faces
    (store.run_directory(profile, "hidden_layers", "2", "age", 0, 1) / "predictions.csv").unlink()
    runs.loc[runs.variant == "2", "n_test"] = 50
    fallback = paired.compare_runs(profile, "hidden_layers", runs[runs.seed != 0], "age", "1", "2")
    assert fallback.test.startswith("unpaired") and fallback.pairs == 0
    a = np.mean([truth["1", seed]["accuracy"] for seed in (1, 2)])
    a_error = np.std([truth["1", seed]["accuracy"] for seed in (1, 2)], ddof=1) / np.sqrt(2)
    b = truth["2", 1]["accuracy"]
    assert fallback.difference == pytest.approx(a - b)
    assert fallback.high - fallback.low == pytest.approx(2 * 1.96 * np.hypot(a_error, np.sqrt(b * (1 - b) / 50)),
                                                         rel=1e-3)


def _best(**changes):
    row = {"study": "batch_size", "task": "gender", "best": "32", "mean": 0.7, "difference": 0.05,
           "compared with": "16", "low": 0.01, "high": 0.09, "p": 0.012, "test": "McNemar", "beyond noise": True,
           "n": 1, "learned": "2 of 2 values", "report's choice": "16"}
    return {**row, **changes}


def test_the_conclusions_summary_counts_what_is_beyond_the_noise_and_names_what_is_not_ranked():
    best = pd.DataFrame([_best(), _best(study="hidden_units", best="512", difference=0.01, **{"beyond noise": False,
                                        "report's choice": "512"}),
                         _best(study="hidden_layers", task="age", difference=np.nan, n=3,
                               learned="1 of 2 values; did not learn: 1 (answers one class)",
                               **{"beyond noise": False})])
    paper = pd.DataFrame([{"task": "gender", "metric": "exact", "kit mean": 0.612, "n": 1, "paper": 0.868}])
    lines = conclusions.summary(best, paper).splitlines()
    assert lines[0] == "3 study x task comparisons from 3 run(s) per value at most."
    assert lines[1].startswith("  beyond the noise: batch_size, gender: 32 0.700, +0.050 against 16")
    assert "p = 0.012" in lines[1] and "hidden_units" not in lines[1]
    assert lines[2] == "  not ranked: hidden_layers, age: did not learn: 1 (answers one class)"
    assert lines[3] == "  within the noise: 1 (hidden_units/gender)"
    assert lines[4] == "Where two values or more learned, the best here is the report's choice in 1 of 2 cases " \
                       "(hidden_units/gender)."
    assert lines[5] == "  gender exact: kit 0.612 (n=1) against the paper's 0.868"
    none = conclusions.summary(best.iloc[1:2].assign(**{"report's choice": "x"}), paper.iloc[:0]).splitlines()
    assert none[-1] == "Where two values or more learned, the best here is the report's choice in 0 of 1 cases."


def test_the_conclusions_summary_joins_several_names_with_commas_and_says_none_when_nothing_was_compared():
    within = pd.DataFrame([_best(study=study, task=task, difference=0.01, **{"beyond noise": False,
                                                                          "report's choice": "32"})
                           for study, task in (("batch_size", "gender"), ("batch_size", "age"))])
    lines = conclusions.summary(within, pd.DataFrame()).splitlines()
    assert lines[1] == "  within the noise: 2 (batch_size/gender, batch_size/age)"
    assert lines[2] == "Where two values or more learned, the best here is the report's choice in 2 of 2 cases " \
                       "(batch_size/gender, batch_size/age)."
    nothing = conclusions.summary(within.iloc[:0], pd.DataFrame()).splitlines()
    assert nothing == ["0 study x task comparisons from 0 run(s) per value at most.", "  within the noise: 0 (none)",
                       "Where two values or more learned, the best here is the report's choice in 0 of 0 cases."]


def test_a_value_some_of_whose_runs_did_not_learn_says_how_many_and_is_still_compared_over_the_others(profile):
    rows = [{"study": "batch_size", "variant": variant, "task": "gender", "fold": fold, "seed": 0,
             "accuracy": accuracy, "accuracy_10crop": accuracy, "one_off_accuracy": np.nan, "n_test": 200,
             "diverged": False, "majority": 0.55, "classes_answered": 2 if learned else 1, "learned": learned}
            for variant, fold, accuracy, learned in [("16", 0, 0.55, False), ("16", 1, 0.70, True),
                                                     ("16", 2, 0.72, True), ("32", 0, 0.75, True),
                                                     ("32", 1, 0.76, True), ("32", 2, 0.78, True)]]
    path = store.results_path(profile, "batch_size")
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    row = conclusions.best_settings(profile).set_index(["study", "task"]).loc[("batch_size", "gender")]
    assert row.learned == "2 of 2 values; did not learn: 16 (1 of 3 runs)"
    assert row.best == "32" and row.n == 3 and row["compared with"] == "runner-up 16"
    # no predictions kept, so the means are compared unpaired: 16's over its two runs that learned
    assert row.difference == pytest.approx(np.mean([0.75, 0.76, 0.78]) - np.mean([0.70, 0.72]))
    stuck = pd.DataFrame(rows).assign(learned=lambda table: table.learned & (table.variant == "32"))
    stuck.to_csv(path, index=False)
    row = conclusions.best_settings(profile).set_index(["study", "task"]).loc[("batch_size", "gender")]
    assert row.learned == "1 of 2 values; did not learn: 16"


def test_a_task_in_which_no_value_learned_gets_a_row_that_names_them_and_ranks_nothing(profile):
    rows = [{"study": "batch_size", "variant": variant, "task": task, "fold": 0, "seed": 0, "accuracy": accuracy,
             "accuracy_10crop": accuracy, "one_off_accuracy": np.nan, "n_test": 200, "diverged": False,
             "majority": 0.55, "classes_answered": 2 if task == "gender" else 1, "learned": task == "gender"}
            for variant, task, accuracy in [("16", "gender", 0.70), ("32", "gender", 0.75), ("16", "age", 0.30),
                                            ("32", "age", 0.30)]]
    path = store.results_path(profile, "batch_size")
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    table = conclusions.best_settings(profile)
    assert list(table.columns) == conclusions.COLUMNS
    age = table[table.task == "age"]
    assert len(age) == 1 and age.iloc[0].study == "batch_size"
    assert age.iloc[0].learned == "0 of 2 values; did not learn: 16, 32"
    assert age.iloc[0].best == "" and not age.iloc[0]["beyond noise"] and np.isnan(age.iloc[0]["difference"])
    gender = table[table.task == "gender"].iloc[0]
    assert gender.learned == "2 of 2 values" and gender.best == "32"
    assert table["beyond noise"].dtype == bool
