"""Transfer learning: start from a network trained on another dataset.

Two sources. The report's: a Levi-Hassner network pre-trained on another face dataset (:func:`from_pretrained`).
Today's: a ``keras.applications`` backbone pre-trained on ImageNet (:func:`from_imagenet`, notebook 16).

The report's recipe, :func:`from_pretrained` with ``freeze_trunk=True``: take the model pre-trained on CelebA
(gender) or IMDB-WIKI (age), drop its output layer and softmax, freeze everything else (the "trunk"), and
train only a new output layer on Adience. The alternative, ``freeze_trunk=False``, fine-tunes every layer,
usually at a lower learning rate so that the pre-trained features are adjusted rather than overwritten.

Pre-trained models are ``best.keras`` files written by ``helpers.training.fit.train``; load them with
``keras.saving.load_model(path)`` (safe mode stays on: the kit's models hold no Lambda layers).
"""

from __future__ import annotations

from helpers import environment

environment.start_tensorflow()  # quietly, before Keras imports it

import keras  # noqa: E402

from helpers.network import backbones, levi_hassner  # noqa: E402


def from_pretrained(pretrained: keras.Model, num_classes: int, *, freeze_trunk: bool = True,
                    seed: int | None = None, name: str | None = None) -> keras.Model:
    """A copy of ``pretrained`` up to its last hidden layer, with a fresh ``num_classes`` output layer (the one
    classifier head of the kit, ``levi_hassner.classifier_head``)."""
    names = [layer.name for layer in pretrained.layers]
    if "output" not in names:
        raise ValueError(f"{pretrained.name} has no layer named 'output' (its layers: {', '.join(names)}); "
                         "from_pretrained expects a model built by helpers.network.levi_hassner.levi_hassner")
    copy = keras.models.clone_model(pretrained)  # the pre-trained model itself stays untouched
    copy.set_weights(pretrained.get_weights())
    trunk = keras.Model(copy.inputs, copy.layers[names.index("output") - 1].output, name="trunk")
    trunk.trainable = not freeze_trunk
    inputs = keras.Input(pretrained.input_shape[1:], name="image")
    # Frozen or not, the trunk's dropout acts while the network trains, as Caffe's dropout layers do under a
    # learning rate of 0: fit's training=True reaches every layer of a Keras 3 model, whatever a nested model was
    # called with when it was built (keras.src.models.functional.operation_fn), so training=False here would
    # change nothing. Freezing keeps the trunk's weights; it has no batch normalization to keep in inference mode.
    features = trunk(inputs)
    outputs = levi_hassner.classifier_head(features, num_classes, seed=seed)
    return keras.Model(inputs, outputs, name=name or f"{pretrained.name}_transfer")


def from_imagenet(name: str, num_classes: int, *, input_size: int, weights: str = "none", dropout: float = 0.5,
                  seed: int | None = None) -> keras.Model:
    """The backbone ``backbones.BACKBONES[name]`` at ``input_size`` px (its convolutions and global average pooling;
    ImageNet's weights with ``weights="imagenet"``, ``backbones.weights_file``), then dropout and a fresh softmax
    over ``num_classes`` (``levi_hassner.classifier_head``). It takes pixels 0-255 and scales them itself. From
    scratch, its batch normalization averages at most 0.9 of the past (the comment below says why)."""
    if name not in backbones.BACKBONES:
        raise ValueError(f"backbone {name!r}: use one of {', '.join(backbones.BACKBONES)}")
    spec = backbones.BACKBONES[name]
    shape = (int(input_size), int(input_size), 3)
    inputs = keras.Input(shape, name="image")
    pixels = keras.layers.Rescaling(1 / 127.5, offset=-1, name="to_unit_range")(inputs) if spec.rescale else inputs
    trunk = getattr(keras.applications, spec.application)(
        include_top=False, weights=backbones.weights_file(name, weights), input_shape=shape, pooling="avg")
    if weights == "none":
        # A batch normalization layer predicts with moving averages of its batches' statistics. MobileNetV3 keeps
        # 0.999 of the old average at each step, so after the few hundred steps a run from scratch affords here,
        # 0.999^300 = 74 % of the random start is left and the network predicts with statistics it never saw.
        # EfficientNetV2 keeps 0.9; every layer keeps at most that here.
        for layer in trunk.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.momentum = min(layer.momentum, 0.9)
    features = keras.layers.Dropout(dropout, name="dropout")(trunk(pixels))
    outputs = levi_hassner.classifier_head(features, int(num_classes), seed=seed)
    return keras.Model(inputs, outputs, name=name)
