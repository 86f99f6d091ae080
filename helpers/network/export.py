"""A trained network outside Keras: a TensorFlow SavedModel for servers, a TensorFlow Lite file for phones, an
ONNX file for everything else.

- ``model.export(..., format="tf_saved_model")`` (Keras 3) writes the inference graph with a ``serve``
  function; TensorFlow Serving and any TensorFlow program load it without the kit's code, since the kit's
  layers (LRN, ceil-mode pooling) are plain ``keras.ops`` and are traced into the graph.
- ``tf.lite.TFLiteConverter`` turns that SavedModel into one flat file of float32 weights and operations that
  the TensorFlow Lite interpreter runs on a phone or a Raspberry Pi, with no Python behind it.
- ``model.export(..., format="onnx")`` (Keras 3, through tf2onnx) writes the same graph as ONNX, which
  ONNX Runtime runs from Python, C++, C#, Java or JavaScript, on CPUs and GPUs of any vendor.

All three are checked the same way (notebook 15): the same faces through the Keras model and through the exported
file give the same probabilities within float32 rounding; then their size on disk and time per face.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import timer


def export(model, directory) -> dict[str, Path]:
    """Write ``model`` as ``saved_model/``, ``model.tflite`` and ``model.onnx`` under ``directory``; return the
    three paths."""
    import tensorflow as tf

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    saved = directory / "saved_model"
    model.export(str(saved), format="tf_saved_model", verbose=False)
    lite = directory / "model.tflite"
    lite.write_bytes(tf.lite.TFLiteConverter.from_saved_model(str(saved)).convert())
    onnx = directory / "model.onnx"
    with warnings.catch_warnings():
        # Keras' tf2onnx patch probes np.object, which NumPy 2 announces will change meaning; nothing to act on
        warnings.filterwarnings("ignore", message=".*np.object", category=FutureWarning)
        model.export(str(onnx), format="onnx", verbose=False)
    return {"saved_model": saved, "tflite": lite, "onnx": onnx}


@contextlib.contextmanager
def _quiet_stderr():
    """Send what C++ code writes to the process's stderr (file descriptor 2) to /dev/null for a moment."""
    sys.stderr.flush()
    kept = os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(kept, 2)
            os.close(kept)


def size_on_disk(path) -> int:
    """Bytes of a file, or of every file under a folder."""
    path = Path(path)
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def saved_model_function(path):
    """The ``serve`` function of an exported SavedModel: a batch of inputs in, probabilities out."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))
    return lambda inputs: np.asarray(loaded.serve(tf.constant(inputs, tf.float32)))


def tflite_function(path):
    """A TensorFlow Lite file as a function of one batch of inputs (the interpreter resized to each new shape)."""
    import tensorflow as tf

    with warnings.catch_warnings(), _quiet_stderr():
        # TF 2.21 still ships tf.lite.Interpreter (its successor is the separate ai-edge-litert package) and warns
        # that it will go; the interpreter also announces its XNNPACK CPU delegate on the process's stderr
        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated", category=UserWarning)
        interpreter = tf.lite.Interpreter(model_path=str(path))
        interpreter.allocate_tensors()
    given, wanted = interpreter.get_input_details()[0]["index"], interpreter.get_output_details()[0]["index"]
    allocated = [None]  # the input shape the interpreter's tensors are allocated for

    def predict(inputs):
        inputs = np.asarray(inputs, np.float32)
        if allocated[0] != inputs.shape:
            interpreter.resize_tensor_input(given, inputs.shape)
            interpreter.allocate_tensors()
            allocated[0] = inputs.shape
        interpreter.set_tensor(given, inputs)
        interpreter.invoke()
        return interpreter.get_tensor(wanted).copy()

    return predict


def onnx_function(path):
    """An ONNX file as a function of one batch of inputs, run by ONNX Runtime on the CPU."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda inputs: session.run(None, {name: np.asarray(inputs, np.float32)})[0]


def compare(model, files: dict, inputs, repeats: int = 10) -> pd.DataFrame:
    """Each exported file of :func:`export` against ``model`` on the same ``inputs``: its size, the largest
    difference of a probability, the share of equal answers, and the median time for one face."""
    inputs = np.asarray(inputs, np.float32)
    expected = model.predict(inputs, verbose=0)
    rows = []
    for name, path, function in (("SavedModel", files["saved_model"], saved_model_function),
                                 ("TensorFlow Lite", files["tflite"], tflite_function),
                                 ("ONNX", files["onnx"], onnx_function)):
        predict = function(path)
        answer = predict(inputs)
        one_face, _ = timer.median_and_spread(lambda predict=predict: predict(inputs[:1]), repeats)
        rows.append({"format": name, "MB on disk": size_on_disk(path) / 1e6,
                     "largest difference": float(np.abs(answer - expected).max()),
                     "same answers": float((answer.argmax(1) == expected.argmax(1)).mean()),
                     "ms per face": 1000 * one_face, "faces": len(inputs)})
    return pd.DataFrame(rows).set_index("format")
