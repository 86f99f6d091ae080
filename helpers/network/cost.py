"""What a network costs, counted rather than timed: its parameters and the multiply-adds of one forward pass.

A convolution with a k x k kernel from C to F channels computes ``k * k * C * F`` multiply-adds at each of the
H' x W' places of its output (C / groups for a grouped one); a depthwise convolution ``k * k * C * multiplier``;
a dense layer ``inputs * outputs`` (at each place, when it is applied to a map). Those layers hold nearly all of
a classifier's arithmetic: normalization, activations and pooling, left out here, add a few percent. Notebook 16
sets the counts beside the times measured on the machine (``helpers.timings``), since a count says what a network
asks of any machine and a time what one machine gave.
"""

from __future__ import annotations

import math

import pandas as pd

from helpers import environment

environment.start_tensorflow()  # quietly, before Keras imports it

import keras  # noqa: E402


def _layers(model):
    """Every layer of ``model``, the layers of a network nested in it included (a backbone under a head)."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _layers(layer)
        else:
            yield layer


def multiply_adds(model: keras.Model) -> int:
    """The multiply-adds of one image's forward pass through the convolution and dense layers of ``model``."""
    total = 0
    for layer in _layers(model):
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            height, width = layer.output.shape[1:3]
            kernel_height, kernel_width, channels, multiplier = layer.kernel.shape
            total += height * width * kernel_height * kernel_width * channels * multiplier
        elif isinstance(layer, keras.layers.Conv2D):
            height, width = layer.output.shape[1:3]
            total += height * width * math.prod(layer.kernel.shape)  # k * k * (C / groups) * F at each place
        elif isinstance(layer, keras.layers.Dense):
            places = math.prod(layer.output.shape[1:-1])
            total += places * math.prod(layer.kernel.shape)
    return int(total)


def size(networks: dict) -> pd.DataFrame:
    """One row per network (``{name: model}``): parameters (all, and trainable) and millions of multiply-adds."""
    return pd.DataFrame([{"network": name, "parameters": model.count_params(),
                          "trainable": sum(math.prod(weight.shape) for weight in model.trainable_weights),
                          "multiply_adds_millions": multiply_adds(model) / 1e6} for name, model in networks.items()])
