"""A network exported as a SavedModel, a TensorFlow Lite file and an ONNX file: the same answers as Keras, their
size on disk (a file's bytes, or every file's under a folder) and their time per face."""

from __future__ import annotations

import numpy as np

from helpers.network import export
from tests.inspection.test_photo import _network


def test_the_size_on_disk_is_a_files_bytes_or_the_sum_of_a_folders_files(tmp_path):
    (tmp_path / "model" / "variables").mkdir(parents=True)
    (tmp_path / "model" / "saved_model.pb").write_bytes(b"x" * 1000)
    (tmp_path / "model" / "variables" / "variables.data").write_bytes(b"x" * 2345)
    (tmp_path / "model" / "assets").mkdir()  # an empty folder adds nothing
    assert export.size_on_disk(tmp_path / "model" / "saved_model.pb") == 1000
    assert export.size_on_disk(tmp_path / "model") == 3345
    assert export.size_on_disk(str(tmp_path / "model" / "variables")) == 2345


def test_the_exported_files_answer_as_the_keras_model(tmp_path):
    model = _network(8)
    inputs = np.random.default_rng(1).normal(0, 30, (6, 40, 40, 3)).astype(np.float32)
    expected = model.predict(inputs, verbose=0)
    assert expected.std(axis=0).max() > 0.01  # different answers for different inputs: a real comparison
    files = export.export(model, tmp_path)
    for predict in (export.saved_model_function(files["saved_model"]), export.tflite_function(files["tflite"]),
                    export.onnx_function(files["onnx"])):
        np.testing.assert_allclose(predict(inputs), expected, atol=1e-5)
        np.testing.assert_allclose(predict(inputs[:1]), expected[:1], atol=1e-5)  # another batch size
    lite = export.tflite_function(files["tflite"])
    for batch in (inputs[:1], inputs, inputs[:1]):  # its tensors sized again for each new batch
        np.testing.assert_allclose(lite(batch), expected[:len(batch)], atol=1e-5)
    compared = export.compare(model, files, inputs, repeats=2)
    assert list(compared.index) == ["SavedModel", "TensorFlow Lite", "ONNX"]
    assert (compared["same answers"] == 1).all() and (compared["largest difference"] < 1e-5).all()
    assert list(compared.columns) == ["MB on disk", "largest difference", "same answers", "ms per face", "faces"]
    assert compared["MB on disk"].tolist() == [export.size_on_disk(files[name]) / 1e6
                                               for name in ("saved_model", "tflite", "onnx")]
    assert (compared.faces == 6).all() and (compared["ms per face"] > 0).all()
    assert export.size_on_disk(files["onnx"]) > 4 * model.count_params() * 0.9
    assert export.size_on_disk(files["tflite"]) > 4 * model.count_params() * 0.9  # float32 weights, all of them
    assert export.size_on_disk(files["saved_model"]) > export.size_on_disk(files["tflite"]) * 0.9


def test_each_format_is_timed_on_one_face(tmp_path, monkeypatch):
    from helpers import timer

    model = _network(2)
    files = export.export(model, tmp_path)
    inputs = np.random.default_rng(2).normal(0, 30, (3, 40, 40, 3)).astype(np.float32)
    shapes = []
    monkeypatch.setattr(timer, "median_and_spread",
                        lambda call, times: (shapes.append((np.shape(call()), times)), (0.005, 0.0))[1])
    compared = export.compare(model, files, inputs, repeats=7)
    assert shapes == [((1, 2), 7)] * 3 and compared["ms per face"].tolist() == [5.0] * 3
    assert compared.faces.tolist() == [3] * 3 and compared.index.name == "format"


def test_the_three_files_are_written_quietly_into_a_new_folder_and_read_any_float_inputs(tmp_path, capsys):
    import warnings

    model = _network(2)
    folder = tmp_path / "new" / "folder"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        files = export.export(model, folder)
        functions = [export.saved_model_function(files["saved_model"]), export.tflite_function(files["tflite"]),
                     export.onnx_function(files["onnx"])]
    assert files == {"saved_model": folder / "saved_model", "tflite": folder / "model.tflite",
                     "onnx": folder / "model.onnx"}
    shown = {(type(warning.message).__name__, str(warning.message)[:60]) for warning in caught}
    assert not [text for kind, text in shown if "np.object" in text or "Interpreter is deprecated" in text], shown
    inputs = np.random.default_rng(3).normal(0, 30, (2, 40, 40, 3))  # float64, as NumPy makes them
    expected = model.predict(inputs.astype(np.float32), verbose=0)
    for predict in functions:
        np.testing.assert_allclose(predict(inputs), expected, atol=1e-5)
    compared = export.compare(model, files, inputs, repeats=1)
    assert (compared["largest difference"] < 1e-5).all()
    assert capsys.readouterr().out == ""  # no Keras progress line, no "Saved artifact at ..."
