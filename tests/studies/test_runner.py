"""One experiment run and the study runner: protocol, results file, resuming, atomic writes, divergence."""

from __future__ import annotations

import dataclasses
import os
import re
import threading
import time

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from helpers import profiles
from helpers.analysis import age_faces, chapters, summaries
from helpers.data import image_cache, task_data
from helpers.studies import catalogue, claims, cluster, pretraining, runner, store, trained
from helpers.training import one_run, two_heads
from helpers.training.settings import baseline

MINI = catalogue.Study("mini", {"wide": {"hidden_units": 64}, "narrow": {"hidden_units": 16}}, tasks=("gender",))


def test_a_study_writes_one_row_per_run_and_resumes(profile, capsys):
    started = pd.Timestamp.now().floor("s")
    recorded = runner.run_study(MINI, profile)
    said = capsys.readouterr().out
    assert "2 to run in 2 trainings" in said and "the time left shows once the first has finished" in said
    assert f"0 already in {store.results_path(profile, 'mini')}, " in said  # the file a student can open
    assert re.search(r"wide .*accuracy .* s, \d+ (s|min) left$", said, re.MULTILINE)  # one run done, one to go
    assert re.search(r", done$", said, re.MULTILINE)
    bars = [line.rstrip() for line in said.replace("\r", "\n").splitlines() if re.match(r"mini: .*\[\d\d:\d\d", line)]
    assert re.fullmatch(r"mini: 100%\|.*\| 2/2 \[.*(s/run|run/s)\]", bars[-1])  # the bar over the runs, at its end
    assert "waiting" not in said  # no run was held by another worker
    assert len(recorded) == 2 and set(recorded.variant) == {"wide", "narrow"}
    assert set(recorded.hidden_units) == {64, 16} and (recorded.task == "gender").all()
    assert recorded.accuracy.between(0, 1).all() and (recorded.n_test > 0).all()
    assert {"one_off_accuracy", "epochs_trained", "best_epoch", "seconds", "diverged", "test_loss"} <= set(
        recorded.columns
    )
    path = store.results_path(profile, "mini")
    assert path.parent.name == "smoke" and path.exists()
    # each row says when its run finished, in a form that sorts as text (the table is kept in that order), and
    # which worker trained it; each run was claimed under results/<profile>/claims/<study>/ (README, "Several
    # workers"), and released
    finished = pd.to_datetime(recorded.finished, format="%Y-%m-%d %H:%M:%S")
    assert finished.between(started, pd.Timestamp.now()).all()
    assert (recorded.worker == claims.worker()).all()
    claimed = store.results_dir(profile) / "claims" / "mini"
    assert claimed.is_dir() and not list(claimed.iterdir())

    before = path.read_bytes()
    capsys.readouterr()
    runner.run_study(MINI, profile)
    assert "0 to run" in capsys.readouterr().out
    assert path.read_bytes() == before  # a finished study is only read

    second = recorded.iloc[1]
    record = store.records_dir(profile, "mini") / f"{store.run_name(*second[store.KEY])}.csv"
    record.write_bytes(b"")  # a run's record emptied (a full disk): set aside, and the run trained again
    again = runner.run_study(MINI, profile)
    said = capsys.readouterr()
    assert f"WARNING {record}: not a record of this kit" in said.err
    assert record.with_name(record.name + ".damaged").read_bytes() == b""
    columns = ["variant", "task", "fold", "seed", "accuracy", "accuracy_10crop", "n_test"]
    assert again[columns].equals(recorded[columns])  # trained again, deterministically: the rows complete
    said = said.out
    assert len(again) == 2 and "1 to run" in said
    first = recorded.iloc[0]  # the guess before the run: the one run still recorded, n = 1
    assert f"time: about {first.seconds:.0f} s (1 x {first.seconds:.0f} s, the median run" in said and "n = 1)" in said
    assert len(pd.read_csv(path)) == 2  # the table students read was written again from the records


def test_every_run_keeps_its_prediction_for_every_test_face(profile, capsys):
    profile = dataclasses.replace(profile, log_epochs=True)  # as the paper profile: a line per epoch
    recorded = runner.run_study(MINI, profile)
    assert len(re.findall(r"    epoch 1/\d+  accuracy \d", capsys.readouterr().out)) == 2  # once in each run
    for row in recorded.itertuples():
        faces = store.predictions(profile, "mini", row.variant, row.task, row.fold, row.seed)
        assert len(faces) == row.n_test and set(faces.label) <= {0, 1}
        assert (faces.label == faces.predicted).mean() == pytest.approx(row.accuracy)
        assert (faces.label == faces.predicted_10crop).mean() == pytest.approx(row.accuracy_10crop)
        # the run against its majority floor: the commonest true class's share, and a one-sided binomial tail
        floor_share = faces.label.value_counts(normalize=True).max()
        tail = binom.sf(round(row.accuracy * row.n_test) - 1, row.n_test, floor_share)
        assert row.majority == pytest.approx(floor_share) and row.classes_answered == faces.predicted.nunique()
        assert row.learned == (row.classes_answered > 1 and tail < 0.05)
    copied = runner.run_study(catalogue.Study("copy", {"64 wide": {"hidden_units": 64}}, tasks=("gender",)), profile)
    assert copied.reused_from.iloc[0] == "mini/wide"  # a copied run's predictions are those of the run it copies
    assert store.predictions(profile, "copy", "64 wide", "gender", 0, 0).equals(
        store.predictions(profile, "mini", "wide", "gender", 0, 0))


def test_an_interrupted_study_keeps_every_finished_row_and_nothing_else(profile, monkeypatch):
    real_run, calls = one_run.train_and_score, []

    def run_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the user stops the study during the second run
        return real_run(*args, **kwargs)

    monkeypatch.setattr(one_run, "train_and_score", run_then_fail)
    with pytest.raises(KeyboardInterrupt):
        runner.run_study(MINI, profile)
    saved = pd.read_csv(store.results_path(profile, "mini"))
    assert len(saved) == 1 and saved.accuracy.notna().all()
    assert not list(store.results_path(profile, "mini").parent.glob(".*.tmp"))


def test_a_diverged_run_is_recorded_and_the_study_goes_on(profile, capsys):
    study = catalogue.Study(
        "blowup", {"huge rate": {"learning_rate": 1e6, "schedule": "constant"}, "paper": {}}, tasks=("gender",)
    )
    recorded = runner.run_study(study, profile).set_index("variant")
    said = capsys.readouterr().out.replace("\r", "\n")  # (the bar's redraws start with a carriage return)
    assert re.search(r"^  gender fold 0 seed 0 huge rate +DIVERGED, \d+ epochs", said, re.MULTILINE)
    assert re.search(r"^  gender fold 0 seed 0 paper +accuracy 0\.\d{3}, ", said, re.MULTILINE)
    assert bool(recorded.loc["huge rate", "diverged"]) and np.isnan(recorded.loc["huge rate", "accuracy"])
    assert not bool(recorded.loc["paper", "diverged"]) and recorded.loc["paper", "accuracy"] > 0
    table = summaries.summary(recorded.reset_index())
    assert table.loc[("gender", "huge rate"), "diverged"] == 1 and table.loc[("gender", "huge rate"), "n"] == 0
    assert table.loc[("gender", "paper"), "n"] == 1


def test_standard_studies_vary_one_factor_around_the_papers_settings(profile):
    base = baseline(profile)
    for study in catalogue.STUDIES.values():
        for variant in study.variants:
            settings = study.settings_for(variant, profile)
            changed = {
                f.name for f in dataclasses.fields(settings) if getattr(settings, f.name) != getattr(base, f.name)
            }
            assert changed <= set(study.variants[variant]), (study.name, variant, changed)
    assert catalogue.STUDIES["learning_rate"].settings_for("step schedule (profile's rate)", profile) == base
    smoke = profiles.get_profile("smoke")  # (the fixture's batch of 64 is not one of the smoke profile's values)
    for study in catalogue.STUDIES.values():  # a quick profile still runs the baseline, so runs can be shared
        quick = [study.settings_for(variant, smoke) for variant in study.variants_for(smoke)]
        assert set(study.variants_for(smoke)) <= set(study.variants) and baseline(smoke) in quick, study.name
    assert catalogue.STUDIES["batch_size"].variants_for(smoke) == ["16", "32"]  # the report's choice and the paper's
    assert len(catalogue.STUDIES["batch_size"].variants_for(dataclasses.replace(smoke, quick_studies=False))) == 5


def test_a_run_already_made_by_another_study_is_reused_not_retrained(profile, monkeypatch):
    first = runner.run_study(MINI, profile).set_index("variant")
    monkeypatch.setattr(one_run, "train_and_score", lambda *args, **kwargs: pytest.fail("trained a run it already had"))
    other = catalogue.Study("other", {"512 wide": {"hidden_units": 64}}, tasks=("gender",))
    copied = runner.run_study(other, profile).iloc[0]
    assert copied.reused_from == "mini/wide" and copied.study == "other"
    assert copied.accuracy == first.loc["wide", "accuracy"] and copied.seconds == first.loc["wide", "seconds"]
    with pytest.raises(pytest.fail.Exception):  # a different setting is a different run
        runner.run_study(catalogue.Study("third", {"x": {"hidden_units": 8}}, tasks=("gender",)), profile)


def test_a_recorded_run_reads_back_its_log_and_follows_a_reused_run(profile):
    runner.run_study(MINI, profile)
    runner.run_study(catalogue.Study("copy", {"64 wide": {"hidden_units": 64}}, tasks=("gender",)), profile)
    original = trained.recorded_run(profile, "mini", "wide", "gender", 0, 0)
    copied = trained.recorded_run(profile, "copy", "64 wide", "gender", 0, 0)
    assert copied.row.reused_from == "mini/wide" and copied.history.equals(original.history)
    assert len(original.history) == original.row.epochs_trained and {"loss", "val_accuracy"} <= set(original.history)
    assert original.model is None and original.mean is None  # MINI keeps no models
    # the same settings as mini's "wide", but a study that keeps its models trains its own: a copy has no model
    kept = catalogue.Study("kept", {"64 wide": {"hidden_units": 64}}, tasks=("gender",), keep_models=True)
    runner.run_study(kept, profile)
    kept_run = trained.recorded_run(profile, "kept", "64 wide", "gender", 0, 0)
    assert pd.isna(kept_run.row.reused_from)  # written empty: trained here, copied from nowhere
    assert kept_run.model.output_shape == (None, 2)
    mean = task_data.task_data(profile, "gender", 0).mean  # kept beside the model, for a photo without the data
    assert kept_run.mean.dtype == np.float32 and np.array_equal(kept_run.mean, mean.astype(np.float32))
    with pytest.raises(LookupError, match="run the study first"):
        trained.recorded_run(profile, "mini", "absent", "gender", 0, 0)


def test_the_baselines_run_is_trained_once_for_its_fold_and_seed_then_read_back(profile, capsys):
    profile = dataclasses.replace(profile, seeds=(0, 1))  # the other seed is not trained
    run = trained.baseline_run(profile, "age", 1, 1)  # trains the baseline's runs of fold 1, seed 1: both tasks
    assert capsys.readouterr().out == ""  # quietly
    assert (run.row.study, run.row.variant, run.row.task, run.row.fold, run.row.seed) == ("baseline", "paper", "age",
                                                                                          1, 1)
    assert run.model.output_shape == (None, 8) and run.mean.shape == (profile.image_size, profile.image_size, 3)
    recorded = store.read_results(profile, "baseline")
    assert sorted(zip(recorded.task, recorded.fold, recorded.seed)) == [("age", 1, 1), ("gender", 1, 1)]
    model_file = store.run_directory(profile, "baseline", "paper", "gender", 1, 1) / "best.keras"
    stamp = model_file.stat().st_mtime_ns
    gender = trained.baseline_run(profile, "gender", 1, 1)  # already recorded: read back, not trained again
    assert gender.model.output_shape == (None, 2) and model_file.stat().st_mtime_ns == stamp
    assert len(store.read_results(profile, "baseline")) == 2


def test_a_ray_tasks_pretraining_body_keeps_the_network_and_its_scores_where_the_transfer_runs_look(profile, capsys):
    """What a Ray worker runs for a pre-training (``_pretrain_here``), called in this process: the network, its
    log and its scores under the pre-training's folder, scores.json last, the row returned, nothing printed."""
    import json

    profile = dataclasses.replace(profile, pretraining_epochs=1)
    row = pretraining._pretrain_here(profile, "gender", 1)
    assert capsys.readouterr().out == ""
    kept = pretraining.pretraining_directory(profile, "gender", 1)
    assert kept.name == "celeba_gender_seed1" and {"best.keras", "log.csv", "scores.json"} <= {
        path.name for path in kept.iterdir()}
    assert pd.Series(json.loads((kept / "scores.json").read_text())).equals(pd.Series(row))  # NaN where row has NaN
    assert (row["source"], row["task"], row["seed"]) == ("celeba", "gender", 1) and 0 <= row["accuracy"] <= 1
    data = task_data.source_data(profile, "gender")
    assert row["n_train"] == len(data.labels["train"]) and row["majority"] == data.majority("test")
    assert (kept / "scores.json").stat().st_mtime_ns >= (kept / "best.keras").stat().st_mtime_ns  # written last
    table = pretraining.pretraining_results(profile)
    assert len(table) == 1 and table.iloc[0].equals(pd.Series(row, name=0))


def test_transfer_runs_start_from_a_network_pretrained_once(profile, capsys):
    profile = dataclasses.replace(profile, pretraining_epochs=1)
    study = catalogue.Study(
        "mini_transfer", {"frozen": {"transfer": "frozen"}, "fine-tuned": {"transfer": "fine-tune"}}, tasks=("gender",)
    )
    recorded = runner.run_study(study, profile, verbose=False).set_index("variant")
    assert capsys.readouterr().out == ""  # asked to be quiet, the pre-training too
    assert list(recorded.transfer) == ["frozen", "fine-tune"] and recorded.accuracy.between(0, 1).all()
    kept = pretraining.pretraining_directory(profile, "gender", 0)
    model_stamp = (kept / "best.keras").stat().st_mtime_ns
    scores = pretraining.pretraining_results(profile)
    assert list(scores.source) == ["celeba"] and scores.accuracy.between(0, 1).all()
    assert scores.n_train.iloc[0] == task_data.source_data(profile, "gender").counts()["train"]
    network = pretraining.pretrained_model(profile, "gender", 0)  # read back, not trained again
    assert (kept / "best.keras").stat().st_mtime_ns == model_stamp and network.output_shape == (None, 2)
    with pytest.raises(ValueError, match="needs a pretrained model"):
        one_run.train_and_score(task_data.task_data(profile, "gender", 0), study.settings_for("frozen", profile), 0)
    # seed 1 needs a network of its own, pre-trained once and announced with its score on the source's test split
    runner.run_study(catalogue.Study("mini_frozen", {"frozen": {"transfer": "frozen"}}, tasks=("gender",)), profile,
                     seeds=(1,))
    said = capsys.readouterr().out
    assert said.count("pre-training gender on celeba") == 1 and "gender on celeba: test accuracy" in said


def test_a_ray_tasks_body_trains_in_a_folder_of_its_own_and_returns_the_runs_rows_and_files(profile, monkeypatch):
    """What a Ray worker runs (``runner._trained_elsewhere`` in ``cluster.in_own_folder``), called here in this
    process: the run a study
    records in one process, the pre-trained network sent as bytes, the results folder left as it was."""
    profile = dataclasses.replace(profile, pretraining_epochs=1)
    study = catalogue.Study("mini_sent", {"frozen": {"transfer": "frozen"}}, tasks=("gender",))
    here = runner.run_study(study, profile, verbose=False).iloc[0]
    root = store.results_dir(profile)
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    network = (pretraining.pretraining_directory(profile, "gender", 0) / "best.keras").read_bytes()
    key = ("frozen", "gender", 0, 0)
    rows, files = cluster.in_own_folder(profile, runner._trained_elsewhere, study, profile, key, network)
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == before  # nothing written here
    assert os.environ["AGE_GENDER_KIT_RESULTS"] == str(root.parent)
    assert len(rows) == 1 and rows[0]["worker"] == claims.worker()
    scores = ["variant", "task", "fold", "seed", "transfer", "accuracy", "accuracy_10crop", "n_test", "best_epoch"]
    assert {name: rows[0][name] for name in scores} == {name: here[name] for name in scores}  # the same training
    run = store.run_directory(profile, "mini_sent", *key)
    written_here = {str(path.relative_to(root)): path.read_bytes() for path in run.rglob("*") if path.is_file()}
    assert set(files) == set(written_here) and "predictions.csv" in " ".join(files)
    assert files[str((run / "predictions.csv").relative_to(root))] == written_here[
        str((run / "predictions.csv").relative_to(root))]
    monkeypatch.delenv("AGE_GENDER_KIT_RESULTS")  # a worker that had none is left with none
    cluster.in_own_folder(profile, runner._trained_elsewhere, study, profile, key, network)
    assert "AGE_GENDER_KIT_RESULTS" not in os.environ


def test_a_ray_tasks_body_trains_a_run_from_scratch_when_no_network_is_sent(profile):
    """A run that is not a transfer run gets no pre-trained network in its task (``pretrained`` None) and trains the
    same network as in one process."""
    study = catalogue.Study("mini_scratch", {"narrow": {"hidden_units": 16}}, tasks=("gender",))
    here = runner.run_study(study, profile, verbose=False).iloc[0]
    key = ("narrow", "gender", 0, 0)
    rows, files = cluster.in_own_folder(profile, runner._trained_elsewhere, study, profile, key, None)
    scores = ["variant", "transfer", "hidden_units", "accuracy", "accuracy_10crop", "n_test", "best_epoch"]
    assert {name: rows[0][name] for name in scores} == {name: here[name] for name in scores}
    assert any(name.endswith("predictions.csv") for name in files)


def test_a_run_another_worker_holds_is_waited_for_and_trained_here_once_it_is_released(profile, monkeypatch,
                                                                                       capsys):
    monkeypatch.setenv("AGE_GENDER_KIT_POLL", "0.2")
    profile = dataclasses.replace(profile, log_epochs=True)  # as the paper profile: a line per epoch
    study = catalogue.Study("mini_held", {"wide": {"hidden_units": 64}}, tasks=("gender",))
    [key] = catalogue.plan(study, profile)
    held = claims.claim(runner.claim_path(profile, study.name, key))  # another worker's claim, held for 2 s
    releaser = threading.Timer(2.0, held.release)
    started = time.monotonic()
    releaser.start()
    recorded = runner.run_study(study, profile)
    releaser.join()
    assert time.monotonic() - started >= 2.0  # it waited for the claim, then trained the run itself
    assert list(recorded.variant) == ["wide"] and list(recorded.worker) == [claims.worker()]
    said = capsys.readouterr().out
    assert "1 run(s) held by other workers: waiting for them" in said
    assert re.search(r"    epoch 1/1  accuracy \d\.\d{4}  loss \d", said)  # the paper profile's line per epoch
    assert recorded.accuracy_10crop.notna().all()  # every run is scored over 10 crops too
    assert re.search(r"^mini_held: 100%\|.*\| 1/1 ", said.replace("\r", "\n"), re.MULTILINE)  # a bar, for one run too


def test_a_study_trains_and_tests_on_its_steps_images(profile, tmp_path, monkeypatch):
    monkeypatch.setenv("AGE_GENDER_KIT_CACHE", str(tmp_path / "cache"))  # its own: the test reads the entries
    study = catalogue.Study("mini", {"none": {}, "otsu": {"preprocessing": "otsu"}}, tasks=("gender",), notebook="test")
    recorded = runner.run_study(study, profile, verbose=False).set_index("variant")
    assert recorded.loc["otsu", "preprocessing"] == "otsu" and recorded.loc["none", "preprocessing"] == "none"
    otsu_cache = tmp_path / "cache" / "adience-48px-otsu"
    stored = list(otsu_cache.rglob("*.tensor"))
    assert len(stored) > 0
    pixels = image_cache.read_cached(str(stored[0]), 48).numpy()
    assert set(np.unique(pixels)) <= {0, 255}  # what the otsu runs read: black and white
    assert recorded.loc["otsu", "n_test"] == recorded.loc["none", "n_test"]  # the same test faces
    answered = summaries.classes_answered(profile, study, recorded.reset_index()).loc["gender"]
    for variant in ("none", "otsu"):
        faces = store.predictions(profile, "mini", variant, "gender", 0, profile.seeds[0])
        assert answered.loc[variant, "classes answered"] == faces.predicted.nunique()
        assert answered.loc[variant, "most common answer's share"] == faces.predicted.value_counts().max() / len(faces)


def test_the_verdict_says_plainly_when_each_value_is_a_single_run(profile):
    recorded = runner.run_study(MINI, profile)
    assert summaries.ONE_RUN in summaries.verdict(profile, MINI, recorded)
    twice = runner.run_study(MINI, profile, seeds=(0, 1))
    assert set(twice.seed) == {0, 1} and set(twice.fold) == set(profile.folds) == {0}
    verdict = summaries.verdict(profile, MINI, twice)
    assert "n=2 per value" in verdict and summaries.ONE_RUN not in verdict
    # the folds and seeds asked for, not the profile's: fold 0 of a two-fold profile is recorded, nothing to train
    two_folds = dataclasses.replace(profile, folds=(0, 1))
    assert runner.run_study(MINI, two_folds, folds=(0,), seeds=(0, 1)).equals(twice)


def test_the_three_ways_to_predict_age_are_scored_alike_and_kept_per_face(profile):

    study = catalogue.STUDIES["age_output"]
    recorded = runner.run_study(study, profile).set_index("variant")
    assert list(recorded.index) == ["8 groups (paper)", "years (regression)", "DEX (expected age)"]
    assert recorded.accuracy.between(0, 1).all() and (recorded.one_off_accuracy >= recorded.accuracy).all()
    data = task_data.task_data(profile, "age", 0)
    assert (recorded.n_exact == data.exact["test"].sum()).all() and data.exact["test"].sum() > 0
    assert recorded.mae_years.between(0, 100).all()
    assert np.isnan(recorded.loc["years (regression)", "test_loss"])  # no class probabilities to score
    faces = age_faces.faces_table(profile, study, recorded.reset_index(), data)
    assert len(faces) == 3 * len(data.labels["test"])
    by_group = age_faces.accuracy_by_group(faces)
    assert by_group.faces.sum() == len(data.labels["test"])
    for variant, rows in faces.groupby("variant"):  # the per-face table gives back the run's own scores
        assert rows.correct.mean() == pytest.approx(recorded.loc[variant, "accuracy"])
        exact = rows[rows.exact]
        assert exact.error_years.mean() == pytest.approx(recorded.loc[variant, "mae_years"], rel=1e-5)
        weighted = (by_group[variant].fillna(0) * by_group.faces).sum() / by_group.faces.sum()
        assert weighted == pytest.approx(recorded.loc[variant, "accuracy"])  # the groups add up to the run
    table = chapters.age_output_table(recorded.reset_index())
    assert table.loc["DEX (expected age)", "mae_years_mean"] == pytest.approx(recorded.loc["DEX (expected age)",
                                                                                         "mae_years"])
    assert table.n_exact_faces.tolist() == recorded.n_exact.tolist()
    said = chapters.age_output_summary(profile, study, recorded.reset_index())
    learned = recorded.learned.astype(bool)  # these one-epoch networks at 40 px may learn nothing at all
    assert ("smallest MAE" in said) == learned.any()
    assert all(f"  {way} did not learn (" in said for way in recorded.index[~learned.to_numpy()])


def test_the_plan_holds_every_run_once_and_loads_each_tasks_images_once_per_fold(profile):
    study = catalogue.Study("plan", {"a": {}, "b": {}, "c": {}}, tasks=("gender", "age"))
    planned = catalogue.plan(study, profile, folds=(0, 3), seeds=(0, 1))
    assert len(planned) == len(set(planned)) == 2 * 2 * 3 * 2
    assert set(planned) == {(v, t, f, s) for v in "abc" for t in ("gender", "age") for f in (0, 3) for s in (0, 1)}
    data_changes = sum(1 for before, after in zip(planned, planned[1:]) if before[1:3] != after[1:3])
    assert data_changes == 2 * 2 - 1  # the runner keeps one task's images at a time
    assert catalogue.plan(study, profile) == [(v, t, 0, 0) for t in ("gender", "age") for v in "abc"]
    quick = catalogue.Study("plan", {"a": {}, "b": {}, "c": {}}, tasks=("age",), quick=("a", "c"))
    assert [key[0] for key in catalogue.plan(quick, profile)] == ["a", "c"]  # the smoke profile runs the quick ones


def test_runs_another_study_recorded_are_copied_with_their_source_and_none_trained(profile, monkeypatch, capsys):
    paper, wide = baseline(profile), dataclasses.replace(baseline(profile), hidden_units=1024)
    for variant, settings, accuracy, source in (("p", paper, 0.61, ""), ("w", wide, 0.64, "older/1024")):
        store.append(profile, "earlier", {"study": "earlier", "variant": variant, "task": "gender", "fold": 0,
                                          "seed": 0, **dataclasses.asdict(settings), "accuracy": accuracy,
                                          "accuracy_10crop": accuracy, "epochs_trained": 3, "diverged": False,
                                          "reused_from": source, "finished": variant})
    monkeypatch.setattr(one_run, "train_and_score",
                        lambda *args, **kwargs: pytest.fail("trained a run another study had"))
    study = catalogue.Study("later", {"paper": {}, "1024": {"hidden_units": 1024}}, tasks=("gender",))
    copied = runner.run_study(study, profile).set_index("variant")
    said = capsys.readouterr().out
    assert "2 runs planned, 0 already in" in said and "2 to run in 0 trainings" in said
    assert "paper                accuracy 0.610, 3 epochs, the same run as earlier/p" in said
    assert copied.loc["paper", "reused_from"] == "earlier/p" and copied.loc["1024", "reused_from"] == "older/1024"
    assert (copied.study == "later").all() and copied.accuracy.tolist() == [0.61, 0.64]
    assert store.is_recorded(profile, "later", "1024", "gender", 0, 0)
    runner.run_study(study, profile)
    assert "2 runs planned, 2 already in" in capsys.readouterr().out


def test_one_two_headed_training_records_both_tasks_rows(profile, capsys):
    study = catalogue.Study("mini", {"two networks": {}, "one network": {"multitask": True}}, notebook="test",
                            keep_models=True)
    recorded = runner.run_study(study, profile)
    printed = capsys.readouterr().out
    assert "4 runs planned" in printed and "4 to run in 3 trainings" in printed  # 2 single + 1 joint training
    for task in ("gender", "age"):  # the one training's two rows, each on its line
        assert re.search(rf"{task} +fold 0 seed {profile.seeds[0]} one network +accuracy", printed), printed
    joint = recorded[recorded.variant == "one network"].set_index("task")
    assert sorted(joint.index) == ["age", "gender"]
    assert joint.loc["gender", "seconds"] == joint.loc["age", "seconds"]  # one training, recorded on both rows
    assert recorded.accuracy_10crop.notna().all()  # each head scored over the 10 crops too, as every other run
    assert (store.run_directory(profile, "mini", "one network", "both", 0, profile.seeds[0]) / "log.csv").exists()
    for task, classes in (("gender", 2), ("age", 8)):  # read back: each task's row, the one log, the task's head
        read_back = trained.recorded_run(profile, "mini", "one network", task, 0, profile.seeds[0])
        assert read_back.row.task == task and len(read_back.history) == joint.loc[task, "epochs_trained"]
        assert {"gender_loss", "age_loss"} <= set(read_back.history)
        assert read_back.model.output_shape == (None, classes)
    for task in two_heads.TASKS:  # each head's predictions are paired with the separate network's, face by face
        own = store.predictions(profile, "mini", "two networks", task, 0, profile.seeds[0])
        shared = store.predictions(profile, "mini", "one network", task, 0, profile.seeds[0])
        assert own.label.tolist() == shared.label.tolist()
        assert (shared.predicted == shared.label).mean() == pytest.approx(joint.loc[task, "accuracy"])
    table = chapters.both_tasks_table(study, profile, recorded)
    two = recorded[recorded.variant == "two networks"].seconds.sum()
    assert table.loc["two networks", "seconds for both"] == pytest.approx(two)
    assert table.loc["one network", "seconds for both"] == pytest.approx(joint.seconds.iloc[0])
    assert runner.run_study(study, profile).shape == recorded.shape  # resumes: nothing to train
    assert "0 to run" in capsys.readouterr().out


# The runner's bookkeeping without a network to train: runs another study recorded, runs another worker holds.
# Each takes 0.1-2.6 s (two wait for the progress bar, which shows after 2 s), so that `make mutation` judges most
# of run_study's mutants before the tests that train.

def _record_earlier(profile, variant, settings, accuracy, *, task="gender", seed=0, source="", diverged=False,
                    study="earlier", worker="elsewhere:1"):
    """A row as another study (or another worker) recorded it, with the columns a trained run has."""
    row = {"study": study, "variant": variant, "task": task, "fold": 0, "seed": seed,
           **dataclasses.asdict(settings), "accuracy": None if diverged else accuracy,
           "accuracy_10crop": None if diverged else accuracy, "epochs_trained": 3, "diverged": diverged,
           "seconds": 12.0, "reused_from": source, "finished": "2026-12-01 10:00:00", "worker": worker}
    store.append(profile, study, row)
    return row


def _no_training(monkeypatch):
    for module in (one_run, two_heads):
        monkeypatch.setattr(module, "train_and_score", lambda *args, **kwargs: pytest.fail("trained a run"))
    monkeypatch.setattr(pretraining, "pretrained_model", lambda *args, **kwargs: pytest.fail("pre-trained a network"))


def _printed_lines(text: str) -> list[str]:
    """What a study printed, without its progress bar's redraws."""
    return [line for line in text.replace("\r", "\n").splitlines() if line.strip() and "|" not in line]


def test_a_study_copied_whole_says_its_plan_and_each_run_on_one_line(profile, monkeypatch, capsys):
    paper = baseline(profile)
    _record_earlier(profile, "p", paper, 0.61)
    _record_earlier(profile, "p", paper, 0.57, seed=1)
    _record_earlier(profile, "n", dataclasses.replace(paper, hidden_units=16), 0.5, diverged=True, source="old/16")
    _record_earlier(profile, "n", dataclasses.replace(paper, hidden_units=16), 0.52, seed=1)
    _no_training(monkeypatch)
    study = catalogue.Study("later", {"paper": {}, "16": {"hidden_units": 16}}, tasks=("gender",))
    recorded = runner.run_study(study, profile, folds=(0,), seeds=(0, 1))
    assert _printed_lines(capsys.readouterr().out) == [
        f"later: 4 runs planned, 0 already in {store.results_path(profile, 'later')}, 4 to run in 0 trainings (the "
        "rest copied from other studies, or a two-headed network's second task)",
        "  gender fold 0 seed 0 paper                accuracy 0.610, 3 epochs, the same run as earlier/p",
        "  gender fold 0 seed 1 paper                accuracy 0.570, 3 epochs, the same run as earlier/p",
        "  gender fold 0 seed 0 16                   DIVERGED, 3 epochs, the same run as old/16",
        "  gender fold 0 seed 1 16                   accuracy 0.520, 3 epochs, the same run as earlier/n",
    ]  # and no guess of the time: nothing to train
    by_run = recorded.set_index(["variant", "seed"]).sort_index()
    assert list(by_run.index) == [("16", 0), ("16", 1), ("paper", 0), ("paper", 1)]
    assert by_run.diverged.tolist() == [True, False, False, False] and (recorded.study == "later").all()
    assert not list((store.results_dir(profile) / "claims").rglob("*.claim"))  # every claim let go


def test_transfer_runs_another_study_recorded_are_copied_without_a_pretraining(profile, monkeypatch):
    frozen = dataclasses.replace(baseline(profile), transfer="frozen")
    _record_earlier(profile, "frozen", frozen, 0.7)
    _no_training(monkeypatch)
    recorded = runner.run_study(catalogue.Study("later", {"frozen": {"transfer": "frozen"}}, tasks=("gender",)),
                                profile, verbose=False)
    assert list(recorded.reused_from) == ["earlier/frozen"] and list(recorded.transfer) == ["frozen"]


def test_a_quiet_study_prints_nothing(profile, monkeypatch, capsys):
    _record_earlier(profile, "p", baseline(profile), 0.61)
    _no_training(monkeypatch)
    recorded = runner.run_study(catalogue.Study("later", {"paper": {}}, tasks=("gender",)), profile, verbose=False)
    assert capsys.readouterr() == ("", "") and list(recorded.reused_from) == ["earlier/p"]


def test_a_run_another_worker_holds_and_records_is_read_not_trained(profile, monkeypatch, capsys):
    monkeypatch.setenv("AGE_GENDER_KIT_POLL", "0.1")
    _no_training(monkeypatch)
    study = catalogue.Study("shared", {"paper": {}}, tasks=("gender",))
    claim_file = store.results_dir(profile) / "claims" / "shared" / "paper_gender_fold0_seed0.claim"
    held = claims.claim(claim_file)  # the other worker's claim on the one run, for 2.5 s: the bar shows after 2 s

    def other_worker_finishes():
        _record_earlier(profile, "paper", baseline(profile), 0.66, study="shared", worker="other:7")
        held.release()

    finisher = threading.Timer(2.5, other_worker_finishes)
    finisher.start()
    recorded = runner.run_study(study, profile)
    finisher.join()
    assert list(recorded.worker) == ["other:7"] and list(recorded.accuracy) == [0.66]
    said = capsys.readouterr().out
    lines = _printed_lines(said)
    assert lines[1].startswith("time: ")  # a guess: the run was to be trained here when it was planned
    assert lines[2:] == ["  1 run(s) held by other workers: waiting for them"]  # the other's run has no line here
    assert lines[0].startswith("shared: 1 runs planned, 0 already in") and "1 to run in 1 trainings" in lines[0]
    assert re.search(r"^shared: 100%\|.*\| 1/1 ", said.replace("\r", "\n"), re.MULTILINE)  # counted as done


def test_a_run_recorded_between_the_look_and_the_claim_is_left_to_its_worker(profile, monkeypatch, capsys):
    """Another worker records the run after this one saw it missing and before it claimed it."""
    _no_training(monkeypatch)
    study = catalogue.Study("race", {"one network": {"multitask": True}})
    claimed, real_claim = [], claims.claim

    def claim_after_the_other_recorded(path):
        claimed.append(path)
        time.sleep(2.1)  # the other worker's training: long enough for the study's bar to show
        for task in ("gender", "age"):
            _record_earlier(profile, "one network", study.settings_for("one network", profile), 0.5, task=task,
                            study="race", worker="other:7")
        return real_claim(path)

    monkeypatch.setattr(claims, "claim", claim_after_the_other_recorded)
    recorded = runner.run_study(study, profile)
    bars = capsys.readouterr().out.replace("\r", "\n")
    assert re.search(r"^race: 100%\|.*\| 2/2 ", bars, re.MULTILINE)  # both rows counted as done, none trained here
    # one claim, named for both tasks of the two-headed network; taken back at once, the other's rows kept
    assert claimed == [store.results_dir(profile) / "claims" / "race" / "one-network_both_fold0_seed0.claim"]
    assert not claimed[0].exists() and claims.holder(claimed[0]) is None
    assert sorted(recorded.task) == ["age", "gender"] and set(recorded.worker) == {"other:7"}


def test_a_run_that_fails_lets_its_claim_go_and_records_nothing(profile, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # the user stops the study during the run

    _no_training(monkeypatch)  # and a run from scratch needs no pre-training
    monkeypatch.setattr(one_run, "train_and_score", interrupted)
    study = catalogue.Study("stopped", {"paper": {}}, tasks=("gender",))
    with pytest.raises(KeyboardInterrupt):
        runner.run_study(study, profile)
    lines = _printed_lines(capsys.readouterr().out)
    assert "1 to run in 1 trainings" in lines[0] and lines[1].startswith("time: ")  # a guess before training
    claim_file = runner.claim_path(profile, "stopped", ("paper", "gender", 0, 0))
    assert claim_file == store.results_dir(profile) / "claims" / "stopped" / "paper_gender_fold0_seed0.claim"
    assert not claim_file.exists() and len(store.read_results(profile, "stopped")) == 0
