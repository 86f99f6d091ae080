"""Decode and resize every image once, and keep the result on disk.

Decoding a JPEG costs far more than reading the same pixels back raw, and a study trains the same images
many times (every epoch, every value of the factor, every seed). So the first run writes each image,
decoded to RGB and resized to ``size`` x ``size``, as one small uncompressed file (a serialized uint8 tensor):

    cache/<dataset>-<size>px/<2 hex>/<sha1>.tensor
    cache/<dataset>-<size>px-<step>/...      after a classical preprocessing step (notebook 14)

and every later epoch and run reads those instead. The name is the SHA-1 of the source's absolute path,
byte size and modification time, so a changed or regenerated image gets a new cache entry by itself. An entry
of the wrong length, or whose first bytes do not give the type and shape of its pixels, is decoded again from
its source, with a warning naming both files.

Why one file per image and not ``tf.data.Dataset.cache``: that cache is one sequential file per
*pipeline*, so it could neither be shared between the train, validation and test splits of different
folds nor be shuffled without holding a large buffer of images in memory. With one file per image the
pipeline shuffles file names (cheap) and reads any image directly, and memory stays flat whatever the size
of the dataset. The report's loader, by contrast, held every image in a Python list.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
from pathlib import Path

import numpy as np

from helpers import profiles, progress

#: Where cached images go unless ``cache_dir`` is given; ``AGE_GENDER_KIT_CACHE`` overrides it.
DEFAULT_CACHE_DIR = profiles.REPO_ROOT / "cache"


def cache_dir() -> Path:
    return Path(os.environ.get("AGE_GENDER_KIT_CACHE", DEFAULT_CACHE_DIR))


def _entry_name(source: Path) -> str:
    stat = source.stat()
    key = hashlib.sha1(f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
    return f"{key[:2]}/{key}.tensor"


def decode_and_resize(contents, size: int):
    """Encoded JPEG/PNG/BMP/GIF bytes -> ``size`` x ``size`` x 3 uint8 (grayscale, CMYK, RGBA become RGB)."""
    import tensorflow as tf

    return resize(tf.io.decode_image(contents, channels=3, expand_animations=False), size)


def resize(image, size: int):
    """H x W x 3 pixels -> ``size`` x ``size`` x 3 uint8, as every cached image (and every face of a photo,
    ``helpers.data.photo``) is resized: area-weighted when shrinking, squashed to a square (Adience's aligned
    faces are square already)."""
    import tensorflow as tf

    image = tf.image.resize(image, [size, size], antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)


def read_cached(path, size: int):
    """One cached file -> ``size`` x ``size`` x 3 uint8 tensor (graph ops: usable in ``Dataset.map``)."""
    import tensorflow as tf

    return tf.ensure_shape(tf.io.parse_tensor(tf.io.read_file(path), tf.uint8), [size, size, 3])


def _entry_header(size: int) -> tuple[bytes, int]:
    """What every intact cache file of ``size`` px starts with (the serialized tensor's type and shape, before its
    pixels), and its exact length."""
    import tensorflow as tf

    whole = tf.io.serialize_tensor(tf.zeros([size, size, 3], tf.uint8)).numpy()
    return whole[: len(whole) - size * size * 3], len(whole)


def _damage(path: str, header: bytes, length: int) -> str:
    """Why an existing cache file cannot be the image it names ('' when it can): read its first bytes only, so
    that checking every entry of a study costs about as much as listing them (23 ms for 1,074 entries)."""
    found = os.path.getsize(path)
    if found != length:
        return f"{found:,} bytes instead of {length:,}"
    with open(path, "rb") as entry:
        start = entry.read(len(header))
    return "" if start == header else "its type and shape are not those of the pixels it holds"


def _explain_decode_failure(root: Path, relative_paths: list[str], error: Exception) -> Exception:
    """Find the files TensorFlow could not decode (it does not say which) and name them."""
    from helpers.data import image_checks

    checked = image_checks.check_images(root, relative_paths, min_side=1, show_progress=False)
    bad = checked[checked.status.str.startswith("rejected")]
    named = "; ".join(f"{root / row.path}: {row.status.removeprefix('rejected: ')}" for row in bad.head(5).itertuples())
    return ValueError(f"could not decode {len(bad) or 'some'} image(s) while caching: {named or error}. "
                      "Drop them from the index first: helpers.data.image_checks.apply_image_checks(result, root) "
                      "moves unusable images to the rejects.")


def _write_missing(root: Path, relative_paths: list[str], targets: list[str], size: int, show_progress: bool,
                   step: str = "none") -> None:
    import tensorflow as tf

    from helpers.data import preprocessing

    # Each entry is written under a name of this process's own and renamed into place, so that another worker
    # filling the same cache never reads half an entry.
    part = f".{socket.gethostname()}.{os.getpid()}.part"

    def decode_resize_write(source, target):
        pixels = decode_and_resize(tf.io.read_file(source), size)
        if step != "none":  # a classical step (notebook 14), once per image, in OpenCV
            pixels = tf.ensure_shape(tf.numpy_function(lambda image: preprocessing.apply(step, image), [pixels],
                                                       tf.uint8), [size, size, 3])
        tf.io.write_file(tf.strings.join([target, part]), tf.io.serialize_tensor(pixels))
        return target

    for directory in {os.path.dirname(t) for t in targets}:
        os.makedirs(directory, exist_ok=True)
    sources = [str(root / p) for p in relative_paths]
    dataset = tf.data.Dataset.from_tensor_slices((sources, targets))
    dataset = dataset.map(decode_resize_write, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False).batch(64)
    doing = f"decoding {root.name} at {size} px" + (f", then {step}" if step != "none" else "")
    with progress.bar(len(sources), doing, enabled=show_progress) as bar:
        try:
            for written in dataset:
                for target in written.numpy():
                    os.replace(target.decode() + part, target.decode())
                bar.update(int(written.shape[0]))
        except tf.errors.OpError as error:
            raise _explain_decode_failure(root, relative_paths, error) from None


def cached_files(root, relative_paths, size: int, directory=None, show_progress: bool = True,
                 step: str = "none") -> np.ndarray:
    """The cache file of every ``root/<path>``, in the same order; decodes and writes the missing ones.

    ``root`` is a dataset folder (``DATA_DIR/adience``); its name, ``size`` and a preprocessing ``step``
    other than "none" (``helpers.data.preprocessing``) name the cache folder. Returns an array of absolute
    file names for :func:`read_cached`.
    """
    from helpers.data import preprocessing

    preprocessing.check(step)
    root = Path(root)
    folder = Path(directory or cache_dir()) / (f"{root.name}-{size}px" + (f"-{step}" if step != "none" else ""))
    relative_paths = [str(p) for p in relative_paths]
    sources = [root / p for p in relative_paths]
    missing = [s for s in sources if not s.is_file()]
    if missing:
        raise FileNotFoundError(f"{len(missing)} indexed image(s) do not exist, e.g. {missing[0]}: load the index "
                                "with require_files=True (the default) so that missing files become rejects")
    targets = [str(folder / _entry_name(s)) for s in sources]
    header, length = _entry_header(size)
    todo, damaged = {}, []
    for path, target in zip(relative_paths, targets):
        if not os.path.exists(target):
            todo[target] = path
        elif damage := _damage(target, header, length):  # a full disk, a copy gone wrong: decoded again
            todo[target] = path
            damaged.append(f"WARNING cache entry {target} ({damage}) is decoded again from {root / path}")
    if damaged:
        print(*damaged, sep="\n", file=sys.stderr, flush=True)
    if todo:
        _write_missing(root, list(todo.values()), list(todo), size, show_progress, step)
    return np.array(targets)
