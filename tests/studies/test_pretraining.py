"""Pre-training (``helpers.studies.pretraining``): where each task's pre-trained network is kept, who trains it
(this process, a Ray cluster, or another worker that holds its claim), what it prints and writes, and what
happens when the kept network cannot be loaded. The flow is checked with a stand-in for the training (a small
real network saved where the kit keeps it); the training itself, on the shrunk profile, in the last two tests."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from helpers import atomic
from helpers.data import task_data
from helpers.profiles import results_dir
from helpers.studies import claims, cluster, pretraining


def small_network():
    import keras

    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))


def keep(directory, network_bytes=None):
    """What a finished pre-training leaves: the network, then its scores."""
    directory.mkdir(parents=True, exist_ok=True)
    if network_bytes is None:
        small_network().save(directory / "best.keras")
    else:
        (directory / "best.keras").write_bytes(network_bytes)
    (directory / "scores.json").write_text(json.dumps({"accuracy": 0.7}))


@pytest.fixture()
def trainings(monkeypatch):
    """Stands in for ``_pretrain`` (15 epochs on CelebA): keeps a small real network; each call is listed."""
    calls = []

    def pretrain(profile, task, seed, directory, verbose):
        calls.append((task, seed, directory, verbose))
        keep(directory)

    monkeypatch.setattr(pretraining, "_pretrain", pretrain)
    return calls


def test_each_pretraining_is_kept_in_a_folder_named_after_its_source_task_and_seed(profile):
    kept = results_dir(profile) / "pretrained"
    assert pretraining.pretraining_directory(profile, "gender", 0) == kept / "celeba_gender_seed0"
    assert pretraining.pretraining_directory(profile, "age", 3) == kept / "imdb_wiki_age_seed3"  # not wiki_crop


def test_the_first_call_trains_here_under_a_claim_and_says_so_unless_asked_to_be_quiet(profile, monkeypatch,
                                                                                       trainings):
    directory = pretraining.pretraining_directory(profile, "age", 3)
    claim_file = directory.with_name("imdb_wiki_age_seed3.claim")
    held_while_training = []

    def pretrain(profile, task, seed, directory, verbose):
        held_while_training.append(claims.holder(claim_file))
        trainings.append((task, seed, directory, verbose))
        keep(directory)

    monkeypatch.setattr(pretraining, "_pretrain", pretrain)
    network = pretraining.pretrained_model(profile, "age", 3)
    assert network.count_params() == small_network().count_params()
    assert trainings == [("age", 3, directory, True)] and held_while_training == [claims.worker()]
    assert not claim_file.exists()  # released
    pretraining.pretrained_model(profile, "age", 3)
    assert len(trainings) == 1  # kept: loaded, not trained again
    pretraining.pretrained_model(profile, "age", 4, verbose=False)
    assert trainings[1][1:] == (4, pretraining.pretraining_directory(profile, "age", 4), False)


def test_on_a_ray_cluster_the_pretraining_is_sent_to_it(profile, monkeypatch, trainings):
    sent = []

    def pretrain_elsewhere(profile, task, seed, verbose):
        sent.append((profile, task, seed, verbose))
        keep(pretraining.pretraining_directory(profile, task, seed))  # the files the worker sends back

    monkeypatch.setattr(cluster, "connected", lambda: True)
    monkeypatch.setattr(pretraining, "_pretrain_elsewhere", pretrain_elsewhere)
    pretraining.pretrained_model(profile, "gender", 2)
    pretraining.pretrained_model(profile, "age", 1, verbose=False)
    assert sent == [(profile, "gender", 2, True), (profile, "age", 1, False)] and trainings == []


@pytest.mark.parametrize("on_a_cluster", [False, True])
def test_a_pretraining_another_worker_finished_just_before_the_claim_was_taken_is_loaded_not_trained_again(
        profile, monkeypatch, trainings, on_a_cluster):
    directory = pretraining.pretraining_directory(profile, "age", 0)
    real_claim = claims.claim

    def claim(path):  # the other worker wrote its scores between our look and our claim
        keep(directory)
        return real_claim(path)

    monkeypatch.setattr(claims, "claim", claim)
    monkeypatch.setattr(cluster, "connected", lambda: on_a_cluster)
    monkeypatch.setattr(pretraining, "_pretrain_elsewhere", lambda *args: trainings.append(args))
    assert pretraining.pretrained_model(profile, "age", 0).count_params() == small_network().count_params()
    assert trainings == []


def test_a_pretraining_another_worker_holds_is_waited_for_at_the_poll_interval(profile, monkeypatch, trainings):
    directory = pretraining.pretraining_directory(profile, "gender", 0)
    other_worker = claims.claim(directory.with_name("celeba_gender_seed0.claim"))
    assert other_worker is not None
    monkeypatch.setenv("AGE_GENDER_KIT_POLL", "0.25")
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        if len(waits) == 3:  # the other worker finishes during the third wait
            keep(directory)
            other_worker.release()

    monkeypatch.setattr(pretraining.time, "sleep", sleep)
    assert pretraining.pretrained_model(profile, "gender", 0).count_params() == small_network().count_params()
    assert waits == [0.25, 0.25, 0.25] and trainings == []


def load_error(path) -> str:
    """What Keras says of the bytes at ``path``, as the kit's messages quote it."""
    import keras

    with pytest.raises(atomic.UNREADABLE) as caught:
        keras.saving.load_model(path)
    return f"{type(caught.value).__name__}: {caught.value}"


def test_a_network_that_cannot_be_loaded_even_when_trained_again_stops_with_the_file_and_what_to_do(
        profile, monkeypatch, capsys):
    directory = pretraining.pretraining_directory(profile, "age", 0)
    trained = []

    def pretrain(profile, task, seed, directory, verbose):  # a disk that spoils every network written to it
        trained.append(task)
        keep(directory, b"PK\x03\x04 cut short")

    monkeypatch.setattr(pretraining, "_pretrain", pretrain)
    kept = directory / "best.keras"
    with pytest.raises(RuntimeError) as caught:
        pretraining.pretrained_model(profile, "age", 0)
    error = load_error(kept)
    assert str(caught.value) == (f"{kept}: the network pre-trained just now cannot be loaded either "
                                 f"({error.split(': ', 1)[1]}). Check the disk (space, permissions) and run the "
                                 "notebook again.")
    assert trained == ["age", "age"]
    assert capsys.readouterr().err == (f"WARNING {kept}: not a network Keras can load ({error}). Set aside as "
                                       "best.keras.damaged; pre-training age again.\n")


def test_a_network_set_aside_while_its_scores_are_already_gone_is_trained_again(profile, monkeypatch, trainings):
    """Two workers found the kept network damaged: the other one deleted its scores first."""
    directory = pretraining.pretraining_directory(profile, "gender", 0)
    keep(directory, b"PK\x03\x04 cut short")
    real_set_aside = atomic.set_aside

    def set_aside(path, what, then):
        (directory / "scores.json").unlink()
        return real_set_aside(path, what, then)

    monkeypatch.setattr(atomic, "set_aside", set_aside)
    assert pretraining.pretrained_model(profile, "gender", 0, verbose=False).count_params() == (
        small_network().count_params())
    assert len(trainings) == 1


def test_a_pretraining_trains_for_the_profiles_pretraining_epochs_and_keeps_its_scores(profile, capsys):
    """The real training, on the shrunk profile: the pre-training's own number of epochs (not the runs'), each
    epoch's line when the profile logs them, the source's test split scored with 10 crops too, the scores kept
    as the row returned."""
    profile = dataclasses.replace(profile, max_epochs=2, pretraining_epochs=1, log_epochs=True)
    directory = pretraining.pretraining_directory(profile, "age", 2)
    row = pretraining._pretrain(profile, "age", 2, directory, verbose=True)
    data = task_data.source_data(profile, "age")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"pre-training age on imdb_wiki ({data.counts()}), seed 2 ..."
    assert len(lines) == 3 and lines[1].startswith("    epoch 1/1  ")
    assert lines[2] == (f"  age on imdb_wiki: test accuracy {row['accuracy']:.3f} (majority "
                        f"{data.majority('test'):.3f}), {row['seconds']:.0f} s")
    assert (row["source"], row["task"], row["seed"], row["n_train"]) == ("imdb_wiki", "age", 2, data.counts()["train"])
    assert row["majority"] == data.majority("test") and row["epochs_trained"] == 1
    assert list(row) == [  # the columns of pretraining_results, in order
        "source", "task", "seed", "accuracy", "one_off_accuracy", "test_loss", "n_test", "majority",
        "classes_answered", "learned", "accuracy_10crop", "one_off_accuracy_10crop", "mae_years", "mae_years_10crop",
        "n_exact", "epochs_trained", "best_epoch", "best_validation_accuracy", "diverged", "seconds",
        "seconds_per_batch", "seconds_per_epoch", "iterations", "n_train"]
    assert 0 <= row["accuracy_10crop"] <= 1  # oversampled
    assert len((directory / "log.csv").read_text().splitlines()) == 2  # a header and one epoch
    assert (directory / "scores.json").read_text() == json.dumps(row, indent=1)


def test_a_pretraining_that_diverges_stops_with_where_its_log_is_and_what_to_do(profile):
    profile = dataclasses.replace(profile, learning_rate=1e9)
    directory = pretraining.pretraining_directory(profile, "gender", 0)
    message = (f"pre-training gender on celeba diverged (NaN loss, log in {directory / 'log.csv'}): lower the "
               "profile's learning rate and run again")
    with pytest.raises(RuntimeError, match=f"^{re.escape(message)}$"):
        pretraining._pretrain(profile, "gender", 0, directory, verbose=False)
    assert not (directory / "scores.json").exists()
