"""A task's data on one fold: the Adience protocol, the age task's years, the pre-training sources, and what is
said when a fold or a dataset is missing."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers.data import adience, labels, pipeline, splits, task_data
from helpers.data.age_groups import AGE_GROUPS, GROUP_MIDPOINTS


def test_task_data_follows_the_adience_protocol(profile):
    data = task_data.task_data(profile, "gender", fold=1)
    index = adience.load_adience(profile.data_dir / "adience").index
    counts = data.counts()
    assert counts["test"] == index[(index.fold == 1) & index.gender.isin(["m", "f"])].shape[0]
    assert counts["train"] > 5 * counts["validation"] > 0
    assert data.mean.shape == (48, 48, 3)
    images, labels = next(iter(data.training(batch_size=8, seed=0)))
    assert images.shape == (8, 40, 40, 3) and set(labels.numpy()) <= {0, 1}
    again = task_data.task_data(profile, "gender", fold=1)
    for split in counts:  # the same people in the same splits every time: runs are comparable
        assert list(again.files[split]) == list(data.files[split])
    same = task_data.task_data(profile, "gender", fold=1, validation_seed=0)  # the seed every run uses
    other = task_data.task_data(profile, "gender", fold=1, validation_seed=1)
    assert list(same.files["validation"]) == list(data.files["validation"])
    assert set(other.files["validation"]) != set(data.files["validation"])
    assert list(other.files["test"]) == list(data.files["test"])  # another draw of validation people only


def test_a_tasks_training_batches_are_the_pipelines_augmented_as_asked_and_as_the_paper_unless_told(profile):
    data = task_data.task_data(profile, "gender", fold=1)

    def first_batch(batches):
        return next(iter(batches))[0].numpy()

    def from_the_pipeline(random_crop, flip):
        return first_batch(pipeline.training_dataset(
            data.files["train"], data.labels["train"], size=data.size, crop_size=data.crop_size, batch_size=8,
            mean=data.mean, seed=3, random_crop=random_crop, flip=flip))

    assert np.array_equal(first_batch(data.training(8, 3)), from_the_pipeline(True, True))  # random crops, flips
    for random_crop, flip in ((True, False), (False, True), (False, False)):
        assert np.array_equal(first_batch(data.training(8, 3, random_crop, flip)), from_the_pipeline(random_crop, flip))
    assert not np.array_equal(from_the_pipeline(True, False), from_the_pipeline(False, False))  # so it shows


def test_a_tasks_evaluation_batches_are_the_pipelines_in_hundreds_with_its_labels_unless_given_targets(profile):
    data = task_data.task_data(profile, "gender", fold=1)
    assert data.counts()["train"] > 100  # so that a batch of 100 shows

    def batches(**given):
        return [(images.numpy(), answers.numpy()) for images, answers in data.evaluation("train", **given)]

    for ten_crop in (False, True):
        expected = pipeline.evaluation_dataset(data.files["train"], data.labels["train"], size=data.size,
                                               crop_size=data.crop_size, batch_size=100, mean=data.mean,
                                               ten_crop=ten_crop)
        got = batches(ten_crop=ten_crop)
        assert len(got[0][1]) == (10 if ten_crop else 100)  # 100 images: 100 centre crops, or 10 faces x 10
        for (images, answers), (want_images, want_answers) in zip(got, expected, strict=True):
            assert np.array_equal(images, want_images.numpy()) and np.array_equal(answers, want_answers.numpy())
    years = np.arange(data.counts()["train"], dtype=np.float32)
    assert np.array_equal(np.concatenate([answers for _, answers in batches(targets=years)]), years)


@pytest.mark.parametrize("task, source, classes", [("gender", "celeba", {0, 1}), ("age", "imdb_wiki", set(range(8)))])
def test_pretraining_data_comes_from_the_other_datasets_split_by_person(profile, task, source, classes):
    from helpers.data import celeba, imdb_wiki

    data = task_data.source_data(profile, task)
    assert task_data.SOURCES[task][0] == source and data.fold == -1
    assert min(data.counts().values()) > 0 and set(np.concatenate(list(data.labels.values()))) <= classes
    if source == "celeba":  # the official partition, every face labelled m or f
        index = celeba.load_celeba(profile.data_dir / "celeba").index
        assert data.counts() == index.split.value_counts().to_dict()
    else:
        index = imdb_wiki.load_imdb_wiki(profile.data_dir / "wiki_crop").index
        assert sum(data.counts().values()) == index.age_group.notna().sum()


def test_the_age_task_keeps_each_faces_years_its_source_and_the_floor_of_its_largest_group(profile):
    data = task_data.task_data(profile, "age", fold=0)
    assert data.task == "age" and data.fold == 0 and data.classes == AGE_GROUPS
    assert (data.size, data.crop_size) == (profile.image_size, profile.crop_size)
    index = adience.load_adience(profile.data_dir / "adience").index
    test_rows = index[(index.fold == 0) & index.age_group.notna()]
    assert sorted(data.sources["test"]) == sorted(str(profile.data_dir / "adience" / path) for path in test_rows.path)
    for split in ("train", "validation", "test"):
        count = len(data.labels[split])
        assert len(data.files[split]) == len(data.sources[split]) == len(data.years[split]) == count
        assert data.years[split].dtype == np.float32 and data.exact[split].dtype == bool
        guessed = ~data.exact[split]  # a group, not a number: its midpoint
        np.testing.assert_array_equal(data.years[split][guessed], GROUP_MIDPOINTS[data.labels[split][guessed]])
    counts = np.bincount(data.labels["test"])
    assert data.majority() == counts.max() / counts.sum()
    assert data.majority("train") == np.bincount(data.labels["train"]).max() / len(data.labels["train"])
    gender = task_data.task_data(profile, "gender", fold=0)
    assert gender.years is None and gender.exact is None and gender.classes == labels.CLASSES["gender"]


def test_a_split_without_a_label_of_the_task_says_so_with_what_the_loader_kept(profile, tmp_path):
    source, copy = profile.data_dir / "adience", tmp_path / "faces" / "adience"
    copy.mkdir(parents=True)
    (copy / "aligned").symlink_to(source / "aligned")
    for fold in range(5):  # every face's gender unknown ("u"), its age kept
        header, *rows = (source / f"fold_{fold}_data.txt").read_text().splitlines(keepends=True)
        assert header.split("\t")[4] == "gender"
        (copy / f"fold_{fold}_data.txt").write_text(header + "".join(
            "\t".join(cells[:4] + ["u"] + cells[5:]) for cells in (row.split("\t") for row in rows)))
    loaded = adience.load_adience(copy)
    training_rows = len(splits.adience_split(loaded.index, 1, seed=0)["train"])  # the split every run trains on
    with pytest.raises(ValueError) as refused:
        task_data.task_data(dataclasses.replace(profile, data_dir=tmp_path / "faces"), "gender", fold=1)
    assert str(refused.value) == (f"the train split of the gender task (fold 1) is empty: {training_rows} of its rows "
                                  f"have no gender label. What the loader kept and dropped in {copy}:\n"
                                  f"{loaded.summary()}")


def test_a_missing_fold_a_missing_dataset_and_an_unknown_task_say_what_to_do(profile, tmp_path):
    with pytest.raises(ValueError, match=r"^no usable row of fold 7 in .*adience: the loader kept \d+ rows\. "):
        task_data.task_data(profile, "gender", fold=7)
    with pytest.raises(ValueError,
                       match=f"Check the folder with: python -m helpers.data.preflight {profile.data_dir}$"):
        task_data.task_data(profile, "gender", fold=7)
    elsewhere = dataclasses.replace(profile, data_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match=f"^no celeba under {tmp_path} \\(looked for {tmp_path / 'celeba'}\\): "
                                                "run `make data` for the synthetic mirror, or put the real celeba "
                                                "there \\(README.md, 'Datasets'\\)$"):
        task_data.source_data(elsewhere, "gender")
    with pytest.raises(FileNotFoundError,
                       match=f"no imdb_wiki under {tmp_path} \\(looked for {tmp_path / 'wiki_crop'}"):
        task_data.source_data(elsewhere, "age")
    with pytest.raises(ValueError, match="unknown task 'emotion'"):
        task_data.source_data(profile, "emotion")
