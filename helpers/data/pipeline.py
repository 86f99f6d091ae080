"""The tf.data input pipeline: cached images in, batches of crops out.

For training, as in the paper: read the image (already decoded and resized, see ``image_cache``),
subtract the mean, take a random ``crop_size`` crop and mirror it at random, then shuffle, batch and
prefetch, with the reading and cropping spread over all cores. For evaluation: the centre crop, or the
paper's "over-sampling" of 10 crops (4 corners and the centre, each also mirrored) whose predictions are
averaged (see ``evaluation``).

Randomness is seeded: the file order comes from ``shuffle(seed=...)`` and each image's crop and flip from
a seeded stream of per-image seeds, so the same seed gives the same batches, epoch after epoch.

The mean is subtracted before cropping, exactly as Caffe does: the mean *image* (256 x 256 x 3, averaged
over the training split) is cropped together with the picture. ``mean_kind="channel"`` subtracts one
value per colour channel instead.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from helpers import atomic, progress
from helpers.data import image_cache


def mean_image(files, size: int, kind: str = "image", show_progress: bool = True) -> np.ndarray:
    """Mean over ``files`` (cached images): ``size`` x ``size`` x 3 for ``kind="image"``, 3 values for
    ``"channel"``. Computed once per list of files and kept beside the cache."""
    import tensorflow as tf

    if kind not in ("image", "channel"):
        raise ValueError(f"mean kind {kind!r}: use 'image' (the paper's mean image) or 'channel'")
    if len(files) == 0:
        raise ValueError("no files to average: the training split is empty")
    key = hashlib.sha1("\n".join(map(str, files)).encode()).hexdigest()
    memo = Path(str(files[0])).parent.parent / "means" / f"{key}.npy"
    if memo.exists():
        image = np.load(memo)
    else:
        total = np.zeros((size, size, 3), np.float64)
        dataset = tf.data.Dataset.from_tensor_slices(np.asarray(files, dtype=str))
        dataset = dataset.map(lambda f: image_cache.read_cached(f, size), num_parallel_calls=tf.data.AUTOTUNE)
        with progress.bar(len(files), "mean image of the training split", enabled=show_progress) as bar:
            for batch in dataset.batch(256).prefetch(2):
                total += tf.reduce_sum(tf.cast(batch, tf.float64), axis=0).numpy()
                bar.update(int(batch.shape[0]))
        image = (total / len(files)).astype(np.float32)
        atomic.write(memo, lambda handle: np.save(handle, image))
    return image if kind == "image" else image.mean(axis=(0, 1))


def _read(files_and_labels_dataset, size: int, mean: np.ndarray):
    import tensorflow as tf

    mean = tf.constant(mean, tf.float32)

    def read(file, label):
        return tf.cast(image_cache.read_cached(file, size), tf.float32) - mean, label

    return files_and_labels_dataset.map(read, num_parallel_calls=tf.data.AUTOTUNE)


def centre_crop(image, crop_size: int):
    import tensorflow as tf

    offset = (tf.shape(image)[0] - crop_size) // 2  # integer division, as Caffe's test-time crop
    return image[offset:offset + crop_size, offset:offset + crop_size, :]


def ten_crops(image, crop_size: int):
    """4 corners and the centre, then the same 5 mirrored: a (10, crop, crop, 3) tensor."""
    import tensorflow as tf

    far = tf.shape(image)[0] - crop_size
    corners = [image[y:y + crop_size, x:x + crop_size, :] for y, x in ((0, 0), (0, far), (far, 0), (far, far))]
    crops = tf.stack(corners + [centre_crop(image, crop_size)])
    return tf.concat([crops, tf.reverse(crops, axis=[2])], axis=0)


def _label_array(labels):
    """Class numbers as int32; ages in years (a regression's targets) as float32; a dict of such arrays (one per
    head of a multi-task network, notebook 13) array by array."""
    if isinstance(labels, dict):
        return {name: _label_array(values) for name, values in labels.items()}
    labels = np.asarray(labels)
    return labels.astype(np.float32) if np.issubdtype(labels.dtype, np.floating) else labels.astype(np.int32)


def training_dataset(files, labels, *, size: int, crop_size: int, batch_size: int, mean: np.ndarray, seed: int,
                     random_crop: bool = True, flip: bool = True):
    """Shuffled, augmented batches of (crops, labels) for ``model.fit``; reshuffled every epoch."""
    import tensorflow as tf

    for name, values in (labels.items() if isinstance(labels, dict) else [("labels", labels)]):
        if len(files) != len(values):
            raise ValueError(f"{len(files)} files but {len(values)} {name}")
    dataset = tf.data.Dataset.from_tensor_slices((np.asarray(files, dtype=str), _label_array(labels)))
    dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)  # names only: cheap
    dataset = _read(dataset, size, mean)
    per_image_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

    def augment(image_and_label, pair_seed):
        image, label = image_and_label
        crop_seed, flip_seed = tf.unstack(tf.random.experimental.stateless_split(pair_seed, 2))
        if random_crop:
            image = tf.image.stateless_random_crop(image, [crop_size, crop_size, 3], seed=crop_seed)
        else:
            image = centre_crop(image, crop_size)
        if flip:
            image = tf.image.stateless_random_flip_left_right(image, seed=flip_seed)
        return image, label

    dataset = tf.data.Dataset.zip(dataset, per_image_seeds).map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def evaluation_dataset(files, labels, *, size: int, crop_size: int, batch_size: int, mean: np.ndarray,
                       ten_crop: bool = False):
    """Batches of centre crops, or of (10, crop, crop, 3) over-samples with ``ten_crop=True``, in file order."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((np.asarray(files, dtype=str), _label_array(labels)))
    crop = ten_crops if ten_crop else centre_crop
    dataset = _read(dataset, size, mean).map(lambda image, label: (crop(image, crop_size), label),
                                             num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(max(1, batch_size // 10) if ten_crop else batch_size).prefetch(tf.data.AUTOTUNE)
