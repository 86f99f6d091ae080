"""Modern backbones: the ``keras.applications`` networks a run may choose instead of Levi & Hassner's, and where
their ImageNet weights are.

Ten years after Levi & Hassner, a user would start from a network pre-trained on ImageNet: yu4u's
age-gender-estimation builds any ``keras.applications`` backbone by name, and Lapuschkin et al. (2017) measured
VGG16 from ImageNet against a Levi-Hassner-style network on the same Adience folds. ``Settings.network`` names
one of :data:`BACKBONES`; ``helpers.network.transfer.from_imagenet`` builds it under the kit's head.

- **Input.** A backbone takes the crop's pixels as they are (0-255) and scales them its own way: MobileNetV3 and
  EfficientNetV2 carry their scaling inside, ResNet50V2 wants [-1, 1] (``rescale``: a ``Rescaling`` layer in
  front). So its runs do not subtract the mean image, and their crops are at most :data:`IMAGENET_SIZE` on a
  side (``helpers.training.one_run.network_input``).
- **Weights.** ``weights="none"`` starts from Keras' random initialization. ``"imagenet"`` loads Keras' ImageNet
  weights (without their 1000-class top): from the folder named by ``AGE_GENDER_KIT_WEIGHTS`` when it is set
  (the file Keras would download, under its own name: :func:`weights_file`), else through Keras, which fetches
  the file once into ``~/.keras/models/``. The kit never downloads in its tests.

This module imports neither TensorFlow nor Keras, so that a run's settings can list the backbones.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

#: The environment variable naming a folder of Keras' ImageNet weight files.
WEIGHTS_FOLDER = "AGE_GENDER_KIT_WEIGHTS"

#: The side of the crops ImageNet's networks were trained on: a backbone sees crops of this size where the
#: profile's are larger (the paper profile's 227), and the profile's own where they are smaller (the smoke 68).
IMAGENET_SIZE = 224


@dataclasses.dataclass(frozen=True)
class Backbone:
    application: str  # the keras.applications function
    weights_file: str  # Keras' ImageNet weights without the top, as Keras names the file it downloads
    url: str  # where Keras downloads that file from
    rescale: bool  # the pixels go to [-1, 1] before the network (it has no scaling of its own)


BACKBONES = {
    "mobilenet_v3_small": Backbone(
        "MobileNetV3Small", "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5",
        "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/", rescale=False),
    "efficientnet_v2_b0": Backbone(
        "EfficientNetV2B0", "efficientnetv2-b0_notop.h5",
        "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/", rescale=False),
    "resnet50_v2": Backbone(
        "ResNet50V2", "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "https://storage.googleapis.com/tensorflow/keras-applications/resnet/", rescale=True),
}


def weights_file(name: str, weights: str) -> str | None:
    """What to pass to ``keras.applications`` as ``weights``: None (from scratch), the path of the ImageNet file in
    the folder ``AGE_GENDER_KIT_WEIGHTS`` names, or ``"imagenet"`` (Keras fetches it) when no folder is named."""
    if weights == "none":
        return None
    folder = os.environ.get(WEIGHTS_FOLDER)
    if not folder:
        return "imagenet"
    spec = BACKBONES[name]
    path = Path(folder).expanduser() / spec.weights_file
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: {WEIGHTS_FOLDER}={folder} has no {spec.weights_file}, Keras' ImageNet weights of "
            f"{spec.application} without its top. Download {spec.url}{spec.weights_file} into {folder}, or unset "
            f"{WEIGHTS_FOLDER} to let Keras fetch it, or train from scratch (weights='none').")
    return str(path)
