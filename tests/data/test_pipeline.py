"""The image cache and the tf.data pipeline: decoding, caching, mean, crops, flips, seeds, 10-crop."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers.data import image_cache, labels, pipeline

SIZE, CROP = 16, 12


def write_images(folder, count=6, side=20, seed=0):
    """Random RGB JPEG-free (PNG, lossless) images, so decoded pixels can be compared exactly."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(folder / f"{number}.png")
        paths.append(f"{number}.png")
    return paths


def resized(path, size=SIZE):
    """The reference: what the cache must hold for one image."""
    import tensorflow as tf

    return image_cache.decode_and_resize(tf.io.read_file(str(path)), size).numpy()


def read_all(files, size=SIZE):
    return np.stack([image_cache.read_cached(f, size).numpy() for f in files])


def test_cache_decodes_once_and_reuses(tmp_path):
    root = tmp_path / "adience"
    paths = write_images(root)
    files = image_cache.cached_files(root, paths, SIZE, directory=tmp_path / "cache", show_progress=False)
    assert all(str(f).startswith(str(tmp_path / "cache" / f"adience-{SIZE}px")) for f in files)
    np.testing.assert_array_equal(read_all(files)[2], resized(root / paths[2]))
    stamps = [os.stat(f).st_mtime_ns for f in files]
    again = image_cache.cached_files(root, paths + paths[:1], SIZE, directory=tmp_path / "cache", show_progress=False)
    assert list(again[:-1]) == list(files) and again[-1] == files[0]
    assert [os.stat(f).st_mtime_ns for f in files] == stamps  # nothing rewritten


def test_shrinking_averages_the_pixels_each_cached_pixel_covers():
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, ::4] = 255  # one white column in four: a quarter of the light
    shrunk = image_cache.resize(stripes, 16).numpy()  # 4 to 1: area-weighted, so grey; sampling would give black
    assert shrunk.shape == (16, 16, 3) and shrunk.dtype == np.uint8
    assert np.abs(shrunk[:, 1:-1].astype(int) - 64).max() <= 1  # 255 / 4, away from the borders


@pytest.mark.parametrize("step", ["equalize", "otsu"])
def test_a_preprocessing_step_is_applied_once_to_each_cached_image_in_its_own_folder(tmp_path, step):
    from helpers.data import preprocessing

    root = tmp_path / "adience"
    paths = write_images(root, count=3)
    files = image_cache.cached_files(root, paths, SIZE, directory=tmp_path / "cache", show_progress=False, step=step)
    assert all(str(f).startswith(str(tmp_path / "cache" / f"adience-{SIZE}px-{step}")) for f in files)
    for file, path in zip(read_all(files), paths):
        np.testing.assert_array_equal(file, preprocessing.apply(step, resized(root / path)))
    assert not np.array_equal(read_all(files), read_all(image_cache.cached_files(
        root, paths, SIZE, directory=tmp_path / "cache", show_progress=False)))  # the step changed the pixels


def test_an_indexed_image_that_does_not_exist_is_named_with_the_fix(tmp_path):
    root = tmp_path / "adience"
    paths = write_images(root, count=2)
    with pytest.raises(FileNotFoundError) as raised:
        image_cache.cached_files(root, [*paths, "absent.png"], SIZE, directory=tmp_path / "cache", show_progress=False)
    assert str(raised.value) == (f"1 indexed image(s) do not exist, e.g. {root / 'absent.png'}: load the index with "
                                 "require_files=True (the default) so that missing files become rejects")
    assert not (tmp_path / "cache").exists()  # nothing decoded


def test_the_cache_is_under_AGE_GENDER_KIT_CACHE_or_the_repositorys_cache_folder(tmp_path, monkeypatch):
    from helpers import profiles

    root = tmp_path / "adience"
    paths = write_images(root)
    monkeypatch.setenv("AGE_GENDER_KIT_CACHE", str(tmp_path / "elsewhere"))
    files = image_cache.cached_files(root, paths[:1], SIZE, show_progress=False)
    assert Path(files[0]).is_relative_to(tmp_path / "elsewhere" / f"adience-{SIZE}px")
    monkeypatch.delenv("AGE_GENDER_KIT_CACHE")
    assert image_cache.cache_dir() == profiles.REPO_ROOT / "cache"


def test_cache_rewrites_a_truncated_entry_and_follows_a_changed_image(tmp_path):
    root = tmp_path / "adience"
    paths = write_images(root)
    cache = tmp_path / "cache"
    files = image_cache.cached_files(root, paths, SIZE, directory=cache, show_progress=False)
    with open(files[0], "r+b") as handle:  # what a run killed mid-write leaves behind
        handle.truncate(10)
    repaired = image_cache.cached_files(root, paths, SIZE, directory=cache, show_progress=False)
    np.testing.assert_array_equal(read_all(repaired[:1])[0], resized(root / paths[0]))

    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(root / paths[1])
    os.utime(root / paths[1], ns=(1, 1))  # a different modification time
    changed = image_cache.cached_files(root, paths, SIZE, directory=cache, show_progress=False)
    assert changed[1] != files[1]
    assert read_all(changed[1:2]).max() == 0


def test_grayscale_cmyk_rgba_png_and_an_animated_gifs_first_frame_become_rgb(tmp_path):
    root = tmp_path / "mixed"
    root.mkdir()
    Image.new("L", (30, 20), 200).save(root / "gray.jpg")
    Image.new("CMYK", (20, 20), (0, 0, 0, 0)).save(root / "cmyk.jpg")
    Image.new("RGBA", (20, 30), (10, 20, 30, 128)).save(root / "rgba.png")
    Image.new("P", (20, 20), 3).save(root / "palette.png")
    red, blue = Image.new("RGB", (20, 20), (255, 0, 0)), Image.new("RGB", (20, 20), (0, 0, 255))
    red.save(root / "animated.gif", save_all=True, append_images=[blue])  # two frames: the first is kept
    files = image_cache.cached_files(root, ["gray.jpg", "cmyk.jpg", "rgba.png", "palette.png", "animated.gif"], SIZE,
                                     directory=tmp_path / "cache", show_progress=False)
    images = read_all(files)
    assert images.shape == (5, SIZE, SIZE, 3)
    assert abs(int(images[0].mean()) - 200) <= 2 and images[0].std() < 2
    np.testing.assert_array_equal(images[2][0, 0], [10, 20, 30])
    assert (images[4] == [255, 0, 0]).all()


def test_an_image_only_tensorflow_cannot_decode_is_reported_with_tensorflows_reason(tmp_path):
    root = tmp_path / "adience"
    root.mkdir()
    Image.new("RGB", (20, 20), (1, 2, 3)).save(root / "face.tif")  # a sound TIFF: the checks pass it, TF cannot
    with pytest.raises(ValueError) as raised:
        image_cache.cached_files(root, ["face.tif"], SIZE, directory=tmp_path / "cache", show_progress=False)
    said = str(raised.value)
    assert said.startswith("could not decode some image(s) while caching: ")  # none of them can be named
    assert "Unknown image file format" in said and "apply_image_checks(result, root)" in said


def test_an_undecodable_image_is_named_with_the_fix(tmp_path):
    root = tmp_path / "adience"
    paths = write_images(root, count=3)
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(ValueError, match=r"broken\.jpg.*apply_image_checks"):
        image_cache.cached_files(root, paths + ["broken.jpg"], SIZE, directory=tmp_path / "cache", show_progress=False)
    with pytest.raises(FileNotFoundError, match="missing.jpg"):
        image_cache.cached_files(root, ["missing.jpg"], SIZE, directory=tmp_path / "cache", show_progress=False)


def test_the_decoding_error_counts_the_broken_images_and_names_five_with_their_reason(tmp_path):
    root = tmp_path / "adience"
    good = write_images(root, count=2, side=20)  # small, but images: the message must not name them
    Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(root / "dot.png")
    broken = [f"broken{number}.jpg" for number in range(7)]
    for name in broken:
        (root / name).write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(ValueError) as raised:
        image_cache.cached_files(root, good + ["dot.png"] + broken, SIZE, directory=tmp_path / "cache",
                                 show_progress=False)
    message = str(raised.value)
    assert message.startswith("could not decode 7 image(s) while caching: ")
    named = message.removeprefix("could not decode 7 image(s) while caching: ").split(". Drop them")[0].split("; ")
    assert [entry.split(": ")[0] for entry in named] == [str(root / name) for name in broken[:5]]
    assert all(entry.split(": ", 1)[1] and "rejected" not in entry for entry in named)  # the reason, once


@pytest.fixture()
def cached(tmp_path):
    root = tmp_path / "adience"
    paths = write_images(root, count=8)
    files = image_cache.cached_files(root, paths, SIZE, directory=tmp_path / "cache", show_progress=False)
    return files, read_all(files).astype(np.float32)


def test_mean_image_and_channel_mean(cached):
    files, images = cached
    np.testing.assert_allclose(pipeline.mean_image(files, SIZE), images.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(pipeline.mean_image(files, SIZE, "channel"), images.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(pipeline.mean_image(files, SIZE), images.mean(axis=0), rtol=1e-6)  # from the memo


def test_the_mean_is_summed_over_every_batch_of_files_and_kept_once_per_list_beside_the_cache(tmp_path):
    root = tmp_path / "adience"
    paths = write_images(root, count=300, side=SIZE)  # more files than one batch of the mean's reader (256)
    files = image_cache.cached_files(root, paths, SIZE, directory=tmp_path / "cache", show_progress=False)
    images = read_all(files).astype(np.float64)
    mean = pipeline.mean_image(files, SIZE, show_progress=False)
    assert mean.dtype == np.float32  # the type the network reads; float64 would double the memo
    np.testing.assert_allclose(mean, images.mean(axis=0), rtol=1e-6)
    # another list of files in the same cache has its own mean: the first file alone, given as a Path
    np.testing.assert_allclose(pipeline.mean_image([Path(files[0])], SIZE, show_progress=False), images[0])
    memos = sorted((tmp_path / "cache").rglob("*.npy"))
    assert len(memos) == 2 and all(memo.parent == memos[0].parent for memo in memos)  # beside the cache, once each
    with pytest.raises(ValueError, match="^no files to average: the training split is empty$"):
        pipeline.mean_image([], SIZE)
    with pytest.raises(ValueError, match=r"^mean kind 'median': use 'image' \(the paper's mean image\) or 'channel'$"):
        pipeline.mean_image(files, SIZE, "median")


def test_evaluation_gives_centre_crops_of_mean_subtracted_images_in_order(cached):
    files, images = cached
    mean = images.mean(axis=0)
    labels = np.arange(len(files))
    batches = list(pipeline.evaluation_dataset(files, labels, size=SIZE, crop_size=CROP, batch_size=3, mean=mean))
    crops = np.concatenate([x.numpy() for x, _ in batches])
    offset = (SIZE - CROP) // 2
    np.testing.assert_allclose(crops, (images - mean)[:, offset:offset + CROP, offset:offset + CROP], atol=1e-4)
    assert np.concatenate([y.numpy() for _, y in batches]).tolist() == labels.tolist()
    as_paths = pipeline.evaluation_dataset([Path(f) for f in files], labels, size=SIZE, crop_size=CROP, batch_size=3,
                                           mean=mean)  # the files as Path objects, as image_cache lists them
    np.testing.assert_allclose(np.concatenate([x.numpy() for x, _ in as_paths]), crops)


def test_ten_crops_are_the_corners_centre_and_their_mirrors(cached):
    files, images = cached
    mean = np.zeros(3, np.float32)
    crops, _ = next(iter(pipeline.evaluation_dataset(files, np.zeros(len(files)), size=SIZE, crop_size=CROP,
                                                     batch_size=20, mean=mean, ten_crop=True)))
    assert crops.shape == (2, 10, CROP, CROP, 3)
    image, far, mid = images[1], SIZE - CROP, (SIZE - CROP) // 2
    expected = [image[y:y + CROP, x:x + CROP] for y, x in ((0, 0), (0, far), (far, 0), (far, far), (mid, mid))]
    expected += [crop[:, ::-1] for crop in expected]
    np.testing.assert_allclose(crops[1].numpy(), np.stack(expected))
    centre, _ = next(iter(pipeline.evaluation_dataset(files, np.zeros(len(files)), size=SIZE, crop_size=CROP,
                                                      batch_size=2, mean=mean)))
    np.testing.assert_array_equal(crops[:, 4].numpy(), centre.numpy())  # the centre crop is crop 4


def windows(image):
    """Every crop the training pipeline may produce from one image, mirrored or not."""
    found = []
    for y in range(SIZE - CROP + 1):
        for x in range(SIZE - CROP + 1):
            crop = image[y:y + CROP, x:x + CROP]
            found += [crop, crop[:, ::-1]]
    return found


def epoch(dataset):
    images, labels = zip(*[(x.numpy(), y.numpy()) for x, y in dataset])
    return np.concatenate(images), np.concatenate(labels)


def test_training_batches_are_random_crops_and_flips_seeded_and_reshuffled(cached):
    files, images = cached
    mean = images.mean(axis=0)
    labels = np.arange(len(files))
    make = lambda seed, **options: pipeline.training_dataset(  # noqa: E731
        files, labels, size=SIZE, crop_size=CROP, batch_size=4, mean=mean, seed=seed, **options)
    dataset = make(0)
    first, second = epoch(dataset), epoch(dataset)
    assert sorted(first[1]) == list(labels)  # every image once per epoch
    assert first[1].tolist() != second[1].tolist()  # reshuffled each epoch
    for crop, label in zip(*first):
        assert any(np.allclose(crop, window, atol=1e-4) for window in windows(images[label] - mean))
    flipped_or_moved = sum(not np.allclose(crop, (images[label] - mean)[2:14, 2:14], atol=1e-4)
                           for crop, label in zip(*first))
    assert flipped_or_moved >= 5
    again = epoch(make(0, random_crop=True, flip=True))  # the paper's augmentation is the default
    np.testing.assert_array_equal(again[1], first[1])  # the same seed gives the same epoch
    np.testing.assert_allclose(again[0], first[0])
    assert epoch(make(1))[1].tolist() != first[1].tolist()

    with pytest.raises(ValueError, match="^5 files but 4 labels$"):
        pipeline.training_dataset(files[:5], labels[:4], size=SIZE, crop_size=CROP, batch_size=4, mean=mean, seed=0)
    with pytest.raises(ValueError, match="^5 files but 4 age$"):  # a two-headed network's labels, head by head
        pipeline.training_dataset(files[:5], {"gender": labels[:5], "age": labels[:4]}, size=SIZE, crop_size=CROP,
                                  batch_size=4, mean=mean, seed=0)
    plain = epoch(make(0, random_crop=False, flip=False))
    for crop, label in zip(*plain):
        np.testing.assert_allclose(crop, (images[label] - mean)[2:14, 2:14], atol=1e-4)


def test_training_mirrors_about_half_the_crops_and_exactly_those_the_seed_chooses(cached):
    files, images = cached
    mean = images.mean(axis=0)
    labels = np.arange(len(files))
    offset = (SIZE - CROP) // 2

    def mirrored(seed, flip=True, epochs=10):
        """For every crop of ``epochs`` epochs: True if it is the centre crop mirrored, False if as it is."""
        dataset = pipeline.training_dataset(files, labels, size=SIZE, crop_size=CROP, batch_size=4, mean=mean,
                                            seed=seed, random_crop=False, flip=flip)
        found = []
        for _ in range(epochs):
            for crop, label in zip(*epoch(dataset)):
                centre = (images[label] - mean)[offset:offset + CROP, offset:offset + CROP]
                found.append(bool(np.allclose(crop, centre[:, ::-1], atol=1e-4)))
                assert found[-1] or np.allclose(crop, centre, atol=1e-4)
        return np.array(found)

    views = mirrored(seed=0)  # 60 crops, each mirrored with probability 1/2
    assert 0.3 <= views.mean() <= 0.7, f"{views.sum()} of {len(views)} crops mirrored"
    np.testing.assert_array_equal(mirrored(seed=0), views)  # the seed decides which
    assert not np.array_equal(mirrored(seed=1), views)
    assert not mirrored(seed=0, flip=False).any()


def test_ages_in_years_travel_as_floats_and_classes_as_integers(cached):
    files, images = cached
    years = np.linspace(0.1, 0.6, len(files)).astype(np.float32)  # a regression's targets
    for targets, dtype in ((years, np.float32), (np.arange(len(files)), np.int32)):
        dataset = pipeline.training_dataset(files, targets, size=SIZE, crop_size=CROP, batch_size=len(files),
                                            mean=images.mean(axis=0), seed=0)
        _, batch = next(iter(dataset))
        assert batch.numpy().dtype == dtype and sorted(batch.numpy().tolist()) == pytest.approx(sorted(targets))


def test_a_two_headed_network_gets_each_heads_labels_beside_its_crop_from_path_files(cached):
    files, images = cached
    mean = images.mean(axis=0)
    classes = np.arange(len(files))
    years = classes * 0.5 + 0.25  # a regression head's targets, tied to the class so that pairs can be checked
    dataset = pipeline.training_dataset([Path(f) for f in files], {"gender": classes, "age": years}, size=SIZE,
                                        crop_size=CROP, batch_size=4, mean=mean, seed=0, random_crop=False, flip=False)
    seen = []
    offset = (SIZE - CROP) // 2
    for crops, targets in dataset:
        assert set(targets) == {"gender", "age"}
        assert targets["gender"].dtype == "int32" and targets["age"].dtype == "float32"
        for crop, label, age in zip(crops.numpy(), targets["gender"].numpy(), targets["age"].numpy()):
            assert age == pytest.approx(label * 0.5 + 0.25)  # the two heads' labels stay together
            centre = (images[label] - mean)[offset:offset + CROP, offset:offset + CROP]
            np.testing.assert_allclose(crop, centre, atol=1e-4)  # and belong to the image beside them
            seen.append(int(label))
    assert sorted(seen) == classes.tolist()


def test_labels_for_each_task(synthetic_tiny):
    from helpers.data import adience

    index = adience.load_adience(synthetic_tiny / "adience").index
    rows, targets = labels.labelled(index, "gender")
    assert set(targets) == {0, 1} and len(rows) == index.gender.isin(["m", "f"]).sum()
    assert (targets == 1).sum() == (rows.gender == "f").sum()
    rows, targets = labels.labelled(index, "age")
    assert targets.min() >= 0 and targets.max() == 7 and len(rows) == index.age_group.notna().sum()
    with pytest.raises(ValueError, match="unknown task"):
        labels.labelled(index, "emotion")


@pytest.mark.parametrize("damage", ["bytes changed", "cut short"])
def test_a_damaged_cache_entry_is_decoded_again_from_its_source(synthetic_tiny, tmp_path, damage, capsys):
    root = synthetic_tiny / "adience"
    paths = sorted(str(path.relative_to(root)) for path in (root / "aligned").rglob("*.jpg"))[:6]
    entries = image_cache.cached_files(root, paths, 32, directory=tmp_path, show_progress=False)
    before = {entry: Path(entry).read_bytes() for entry in entries}
    broken = Path(entries[2])
    content = bytearray(before[entries[2]])
    if damage == "bytes changed":  # the right length, but not a tensor of 32 x 32 x 3 any more
        content[:8] = b"\xff" * 8
        reason = "its type and shape are not those of the pixels it holds"
    else:
        reason = f"{len(content) // 2:,} bytes instead of {len(content):,}"
        content = content[: len(content) // 2]
    broken.write_bytes(bytes(content))
    capsys.readouterr()

    again = image_cache.cached_files(root, paths, 32, directory=tmp_path, show_progress=False)

    assert list(again) == list(entries)
    warning = capsys.readouterr().err.strip()
    assert warning == f"WARNING cache entry {broken} ({reason}) is decoded again from {root / paths[2]}"
    assert len(warning.splitlines()) == 1
    assert {entry: Path(entry).read_bytes() for entry in entries} == before  # the same pixels again, the rest kept
    image_cache.cached_files(root, paths, 32, directory=tmp_path, show_progress=False)
    assert capsys.readouterr().err == ""  # intact now: nothing to say


def test_each_damaged_cache_entry_is_named_on_a_line_of_its_own(synthetic_tiny, tmp_path, capsys):
    root = synthetic_tiny / "adience"
    paths = sorted(str(path.relative_to(root)) for path in (root / "aligned").rglob("*.jpg"))[:6]
    entries = image_cache.cached_files(root, paths, 32, directory=tmp_path, show_progress=False)
    whole = {number: len(Path(entries[number]).read_bytes()) for number in (1, 4)}
    for number in whole:
        Path(entries[number]).write_bytes(Path(entries[number]).read_bytes()[:100])
    capsys.readouterr()
    image_cache.cached_files(root, paths, 32, directory=tmp_path, show_progress=False)
    assert capsys.readouterr().err.splitlines() == [
        f"WARNING cache entry {entries[number]} (100 bytes instead of {whole[number]:,}) is decoded again from "
        f"{root / paths[number]}" for number in (1, 4)]
