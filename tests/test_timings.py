"""Timings across machines (notebook 11): the workloads, one CSV for every machine, refused foreign files."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from helpers import profiles, timings


@pytest.fixture(scope="module")
def measured():
    """The four workloads at a tiny size, once for the module (a few seconds)."""
    tiny = dataclasses.replace(profiles.get_profile("smoke"), batch_size=4)
    return timings.measure(tiny, 40, repeats=1, epoch_images=8, inference_batch=4)


def test_the_four_workloads_are_timed_with_their_counts(measured):
    assert list(measured.workload) == ["train batch", "epoch", "inference, batch 1", "inference, batch 4"]
    assert list(measured.images) == [4, 8, 1, 4] and (measured.image_size == 40).all()
    assert (measured.median_seconds > 0).all() and (measured.iqr_seconds >= 0).all()
    assert measured.images_per_second.tolist() == pytest.approx((measured.images / measured.median_seconds).tolist())
    assert list(measured.repeats) == [1, 2, 4, 1]  # 2 epochs at least; batch 1 four times as often


def test_rows_carry_the_machine_and_a_second_run_appends(measured, tmp_path):
    path = tmp_path / "timings.csv"
    first = timings.record(measured, path, session="a")
    assert list(pd.read_csv(path).columns) == timings.COLUMNS
    assert set(first.cores) == {timings.machine()["cores"]} and (first.keras != "").all()
    before = path.read_bytes()
    timings.record(measured, path, session="b")
    after = path.read_bytes()
    assert after.startswith(before)  # appended, the first machine's rows untouched
    table = timings.read(path)
    assert len(table) == 8 and list(table.session.unique()) == ["a", "b"]


@pytest.mark.parametrize("content, message", [
    ("user_id\toriginal_image\n1\t2\n", r"timings.csv:1: not a timings file of this kit"),
    (",".join(timings.COLUMNS) + "\n" + "1,2,3\n" + ",".join(["x"] * (len(timings.COLUMNS) + 4)) + "\n",
     r"timings.csv: a timings file that cannot be read"),
])
def test_a_foreign_or_corrupt_file_is_refused_and_left_as_it_is(measured, tmp_path, content, message):
    path = tmp_path / "timings.csv"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        timings.record(measured, path)
    assert path.read_text() == content


def test_merge_adds_other_machines_rows_once_and_compare_marks_this_run(measured, tmp_path):
    here, there = tmp_path / "here.csv", tmp_path / "there.csv"
    mine = timings.record(measured, here, session="mine")
    theirs = mine.assign(machine="gpu-server", gpu="NVIDIA H200", session="theirs",
                         images_per_second=mine.images_per_second * 10)
    theirs.to_csv(there, index=False)
    assert timings.merge([there], here) == 4 and timings.merge([there], here) == 0
    comparison = timings.compare(timings.read(here), session="mine")
    ours = [column for column in comparison.columns if "(this run)" in column and "ratio" in column]
    assert len(ours) == 1 and comparison[ours[0]].round(1).eq(0.1).all()
    server = [column for column in comparison.columns if column.startswith("gpu-server") and "ratio" in column]
    assert comparison[server[0]].eq(1.0).all()


def test_the_merge_command_names_a_foreign_file_and_exits_non_zero(tmp_path):
    foreign = tmp_path / "other.csv"
    foreign.write_text("a,b\n1,2\n")
    done = subprocess.run([sys.executable, "-m", "helpers.timings", "merge", str(foreign), "--into",
                           str(tmp_path / "timings.csv")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "other.csv:1: not a timings file" in done.stderr
    assert not (tmp_path / "timings.csv").exists()


def test_the_timing_summary_reads_this_sessions_rates_and_counts_the_other_machines():
    rows = [("train batch", 100.0, 0.32, 0.01), ("epoch", 80.0, 1.6, 0.5), ("inference, batch 1", 250.0, 0.004, 0.0),
            ("inference, batch 128", 1000.0, 0.128, 0.001)]
    measured = pd.DataFrame([{"workload": workload, "image_size": size, "precision": "float32",
                              "images_per_second": rate * (1 if size == 227 else 4), "median_seconds": median,
                              "iqr_seconds": iqr} for size in (68, 227) for workload, rate, median, iqr in rows])
    every = pd.DataFrame({"session": ["s1", "s0", "s9"], "machine": ["here", "here", "there"]})
    lines = timings.summary(measured, every, "s1", {"gpu": "", "cpu": "AMD EPYC"}, 32, 128, 128).splitlines()
    assert lines[0] == "On this machine (AMD EPYC), at 227 px in float32:"
    assert lines[1] == "  training: 100.0 images/s in one batch of 32, 80.0 images/s over an epoch of 128 (the " \
                       "epoch at 0.80 of the batch's speed)"
    assert lines[2].startswith("  inference: 4.0 ms for one face (250 faces/s), 1000 faces/s in batches of 128 (4.00")
    assert lines[3] == "  2 of 8 measurements had a spread above a tenth of their median: epoch @68, epoch @227"
    assert lines[4] == "The file holds 2 machine(s) and 1 earlier session(s) of this one; the table above compares " \
                       "this machine with 1 other machine(s)."
    alone = timings.summary(measured, every.iloc[:1], "s1", {"gpu": "H200", "cpu": "x"}, 32, 128, 128).splitlines()
    assert alone[0].startswith("On this machine (H200)")
    assert alone[4].endswith("merge another machine's file to compare.")


def test_the_merge_command_in_process_says_how_many_rows_it_added_and_where(measured, tmp_path, monkeypatch, capsys):
    there, here = tmp_path / "there.csv", tmp_path / "here.csv"
    timings.record(measured, there, session="theirs")
    timings.main(["merge", str(there), "--into", str(here)])
    assert capsys.readouterr().out == f"4 rows added to {here}\n"
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path / "results"))
    (tmp_path / "results").mkdir()
    assert timings.timings_path() == tmp_path / "results" / "timings.csv"
    timings.main(["merge", str(there)])  # into the results folder's file by default
    assert capsys.readouterr().out == f"4 rows added to {tmp_path / 'results' / 'timings.csv'}\n"
    foreign = tmp_path / "other.csv"
    foreign.write_text("a,b\n1,2\n")
    with pytest.raises(SystemExit, match="other.csv:1: not a timings file"):
        timings.main(["merge", str(foreign), "--into", str(here)])
    monkeypatch.delenv("AGE_GENDER_KIT_RESULTS")
    assert timings.timings_path() == profiles.REPO_ROOT / "results" / "timings.csv"


def test_mixed_precision_is_chosen_by_what_the_cpu_can_run_fast():
    from pathlib import Path

    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    fast_bfloat16 = "amx_bf16" in flags or "avx512_bf16" in flags
    assert timings.mixed_precision() == ("mixed_bfloat16" if fast_bfloat16 else None)  # no GPU in the tests
    assert timings.machine()["gpu_memory_gb"] == ""
    if shutil.which("nvidia-smi") is None:
        assert timings._gpu_memory_gb() == ""  # no GPU's memory to report


def test_networks_side_by_side_counts_and_times_each_network_at_its_own_crop():
    tiny = dataclasses.replace(profiles.get_profile("smoke"), batch_size=4)
    table = timings.networks_side_by_side(tiny, {"paper's": "levi_hassner"}, 40, repeats=1)
    assert list(table.index) == ["paper's"] and table.index.name == "network"
    assert list(table.columns) == ["crop (px)", "parameters (millions)", "multiply-adds (millions)",
                                   "training images/s", "ms per face, batch 1"]
    from helpers.network import cost, levi_hassner
    from helpers.training import settings

    network = levi_hassner.levi_hassner(8, input_size=40, hidden_units=settings.baseline(tiny).hidden_units)
    assert table.loc["paper's", "crop (px)"] == 40
    assert table.loc["paper's", "parameters (millions)"] == pytest.approx(network.count_params() / 1e6)
    assert table.loc["paper's", "multiply-adds (millions)"] == pytest.approx(cost.multiply_adds(network) / 1e6)
    assert table.loc["paper's", "training images/s"] > 0 and table.loc["paper's", "ms per face, batch 1"] > 0


def test_networks_side_by_side_turns_the_measured_seconds_into_rates_and_milliseconds(monkeypatch):
    from helpers import timer
    from helpers.network import cost, levi_hassner
    from helpers.training import settings

    monkeypatch.setattr(timer, "median_and_spread", lambda call, times: (0.004, 0.001))  # every workload: 4 ms
    tiny = dataclasses.replace(profiles.get_profile("smoke"), batch_size=4)
    row = timings.networks_side_by_side(tiny, {"paper's": "levi_hassner"}, 40, repeats=1).loc["paper's"]
    network = levi_hassner.levi_hassner(8, input_size=40, hidden_units=settings.baseline(tiny).hidden_units)
    assert row["parameters (millions)"] == network.count_params() / 1e6
    assert row["multiply-adds (millions)"] == cost.multiply_adds(network) / 1e6
    assert row["training images/s"] == 4 / 0.004 and row["ms per face, batch 1"] == 1000 * 0.004


def test_the_summary_shows_a_single_faces_milliseconds_and_counts_a_spread_against_a_tenth_of_the_median():
    rows = [("train batch", 0.32, 0.0), ("epoch", 1.6, 0.0), ("inference, batch 1", 0.1, 0.0),
            ("inference, batch 128", 0.5, 0.1)]  # a spread of 0.1 on 0.5: above a tenth, below a tenth of 1 / 0.5
    measured = pd.DataFrame([{"workload": workload, "image_size": 227, "precision": "float32", "images": 32,
                              "images_per_second": 100.0, "median_seconds": median, "iqr_seconds": iqr}
                             for workload, median, iqr in rows])
    every = pd.DataFrame({"session": ["s1"], "machine": ["here"]})
    lines = timings.summary(measured, every, "s1", {"gpu": "", "cpu": "x"}, 32, 128, 128).splitlines()
    assert lines[2].startswith("  inference: 100.0 ms for one face (100 faces/s)")
    assert lines[3] == "  1 of 4 measurements had a spread above a tenth of their median: inference, batch 128 @227"


def test_merging_two_files_at_once_adds_each_new_row_once_and_counts_them_all(measured, tmp_path):
    here, first, second = tmp_path / "here.csv", tmp_path / "first.csv", tmp_path / "second.csv"
    timings.record(measured, first, session="a")
    both = timings.record(measured, second, session="a")  # the same session's rows again...
    timings.record(measured.iloc[:1], second, session="b")  # ...and one row of another session
    assert len(both) == 4 and timings.merge([first, second], here) == 5  # a's four rows once, and b's one
    assert sorted(timings.read(here).session) == ["a"] * 4 + ["b"]


def test_the_comparison_reads_each_machines_latest_session_and_names_a_machine_without_gpu_by_its_cpu(measured):
    stamp = {"gpu": "", "gpu_memory_gb": "", "cpu": "A CPU with a rather long model name indeed", "cores": 2,
             "os": "Linux", "python": "3.11", "tensorflow": "2.21", "keras": "3.15", "backend": "tensorflow"}
    old = measured.assign(recorded="2026-01-01 00:00:00", session="old", machine="lab", **stamp)
    new = old.assign(recorded="2026-02-01 00:00:00", session="new", images_per_second=old.images_per_second * 2)
    gpu = old.assign(session="gpu", machine="server", gpu="NVIDIA H200", images_per_second=old.images_per_second * 8)
    table = pd.concat([new, old, gpu], ignore_index=True)[timings.COLUMNS]  # the newer session first in the file
    comparison = timings.compare(table, session="new")
    lab = "lab / A CPU with a rather long (this run)"  # the CPU's name cut to 24 characters
    assert list(comparison.columns[:2]) == [lab, "server / NVIDIA H200"]
    latest = dict(zip(old.workload, (old.images_per_second * 2).round(1)))  # the new session's, not the old one's
    assert {workload: value for (workload, _, _), value in comparison[lab].items()} == pytest.approx(latest)
    assert comparison[f"{lab}: ratio to fastest"].round(2).eq(0.25).all()


def test_the_timing_summary_counts_noisy_measurements_strictly_above_a_tenth_and_earlier_sessions_of_this_machine():
    rows = [("train batch", 0.32, 0.032), ("epoch", 1.6, 0.161), ("inference, batch 1", 0.004, 0.0),
            ("inference, batch 128", 0.128, 0.001)]
    measured = pd.DataFrame([{"workload": workload, "image_size": 227, "precision": "float32", "images": 32,
                              "images_per_second": 100.0, "median_seconds": median, "iqr_seconds": iqr}
                             for workload, median, iqr in rows])
    every = pd.DataFrame({"session": ["s1", "s0", "s2", "s9"], "machine": ["here", "here", "here", "there"]})
    lines = timings.summary(measured, every, "s1", {"gpu": "", "cpu": "x"}, 32, 128, 128).splitlines()
    assert lines[2].startswith("  inference: 4.0 ms for one face (100 faces/s)")
    assert lines[3] == "  1 of 4 measurements had a spread above a tenth of their median: epoch @227"  # 0.032 is not
    assert lines[4].startswith("The file holds 2 machine(s) and 2 earlier session(s) of this one;")
    quiet = timings.summary(measured.assign(iqr_seconds=0.0), every, "s1", {"gpu": "", "cpu": "x"}, 32, 128, 128)
    assert quiet.splitlines()[3] == "  0 of 4 measurements had a spread above a tenth of their median"


def _fake_nvidia_smi(folder, output: str, exit_code: int = 0):
    """An ``nvidia-smi`` on PATH that prints ``output``, exits with ``exit_code`` and keeps its arguments."""
    folder.mkdir(exist_ok=True)
    script = folder / "nvidia-smi"
    script.write_text(f'#!/bin/sh\necho "$@" > "{folder}/arguments"\nprintf "{output}"\nexit {exit_code}\n')
    script.chmod(0o755)
    return folder / "arguments"


@pytest.mark.parametrize("output, exit_code, shown", [
    ("1536\\n", 0, "2"),  # MiB to GiB: 1.5, rounded to 2 (1536 / 1025 would round to 1)
    ("81559\\n40960\\n", 0, "80"),  # two GPUs: the first one's
    ("1536\\n", 1, ""),  # nvidia-smi failed
    ("", 0, ""),  # answered nothing
    ("[N/A]\\n", 0, ""),  # a number it could not read
])
def test_the_gpus_memory_is_read_from_nvidia_smi_in_whole_gib(tmp_path, monkeypatch, output, exit_code, shown):
    import os

    arguments = _fake_nvidia_smi(tmp_path / "bin", output, exit_code)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    assert timings._gpu_memory_gb() == shown
    assert arguments.read_text() == "--query-gpu=memory.total --format=csv,noheader,nounits\n"
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert timings._gpu_memory_gb() == ""  # no nvidia-smi at all


def test_the_machines_columns_name_a_gpu_only_where_there_is_one(tmp_path, monkeypatch):
    import os
    import platform

    import keras
    import tensorflow as tf

    from helpers import environment

    _fake_nvidia_smi(tmp_path / "bin", "81559\\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    here = timings.machine()  # the tests' machine has no GPU TensorFlow sees, so nvidia-smi is not asked
    assert here["gpu"] == "" and here["gpu_memory_gb"] == ""
    assert here["tensorflow"] == tf.__version__ and here["keras"] == keras.__version__
    assert here["backend"] == "tensorflow" and here["python"] == platform.python_version()
    assert here["cores"] == environment.usable_cores() and here["cpu"] == environment.cpu_name()
    monkeypatch.setattr(environment, "describe_device", lambda: "GPU: NVIDIA H200 (+1 more)")
    assert timings.machine()["gpu"] == "NVIDIA H200 (+1 more)" and timings.machine()["gpu_memory_gb"] == "80"
    assert timings.mixed_precision() == "mixed_float16"


@pytest.mark.parametrize("flags, policy", [
    ("flags\t\t: fpu sse avx2 amx_bf16 amx_tile\n", "mixed_bfloat16"),
    ("flags\t\t: fpu sse avx2 avx512f avx512_bf16\n", "mixed_bfloat16"),
    ("flags\t\t: fpu sse avx2 avx512f\n", None),  # bfloat16 would be emulated: slower than float32
    (None, None),  # no /proc/cpuinfo (not Linux)
])
def test_mixed_precision_on_a_cpu_follows_its_bfloat16_instructions(tmp_path, monkeypatch, flags, policy):
    from helpers import environment

    monkeypatch.setattr(environment, "describe_device", lambda: "CPU: Some CPU, 2 cores")
    cpuinfo = tmp_path / "cpuinfo"
    if flags is not None:
        cpuinfo.write_text(flags)
    monkeypatch.setattr(timings, "CPUINFO", cpuinfo)
    assert timings.mixed_precision() == policy


def test_a_records_session_and_time_stamp_have_their_documented_forms_in_a_new_folder(measured, tmp_path):
    import os
    import re
    import socket

    path = tmp_path / "new" / "folder" / "timings.csv"
    written = timings.record(measured, path)
    session = f"{re.escape(socket.gethostname())}-{os.getpid()}-" + r"\d{8}-\d{6}"
    assert written.session.str.fullmatch(session).all()
    assert written.recorded.str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert timings.read(path).gpu_memory_gb.tolist() == [""] * 4
    assert len(path.read_text().splitlines()) == 5  # the header once, then the four rows


def test_read_keeps_the_gpus_memory_as_written_and_names_a_damaged_header(tmp_path):
    path = tmp_path / "timings.csv"
    row = {column: "x" for column in timings.COLUMNS} | {"gpu": "4090", "gpu_memory_gb": "24", "cores": 2}
    pd.DataFrame([row])[timings.COLUMNS].to_csv(path, index=False)
    read = timings.read(path)
    assert read.gpu.tolist() == ["4090"] and read.gpu_memory_gb.tolist() == ["24"]  # text, not numbers
    path.write_bytes(b"\xff\xfe" + path.read_bytes())  # a byte-order mark of another encoding before the header
    header = ["\ufffd\ufffdrecorded", *timings.COLUMNS[1:6]]
    with pytest.raises(ValueError) as raised:
        timings.read(path)
    assert str(raised.value) == (f"{path}:1: not a timings file of this kit: its columns are {header}..., not "
                                 f"{timings.COLUMNS[:6]}... Move it aside (the kit starts a new one) or merge its "
                                 "rows by hand.")
    header_line = ",".join(timings.COLUMNS).encode() + b"\n"
    for damaged in (b"1,2,3\n" + b",".join([b"x"] * (len(timings.COLUMNS) + 4)), b"\xff" * len(timings.COLUMNS)):
        path.write_bytes(header_line + damaged + b"\n")  # a line too long, then bytes that are not UTF-8
        with pytest.raises(ValueError, match=r"timings file that cannot be read \(.+\); it was left as it is\. "
                                             r"Move it aside, or fix the line named\.$"):
            timings.read(path)


def test_merging_a_file_that_repeats_rows_this_file_has_adds_nothing_twice(measured, tmp_path):
    here, first, second = tmp_path / "here.csv", tmp_path / "first.csv", tmp_path / "second.csv"
    timings.record(measured, here, session="mine")
    timings.record(measured, first, session="theirs")
    timings.record(measured, second, session="mine")  # rows this file holds already
    assert timings.merge([first, second], here) == 4
    assert sorted(timings.read(here).session) == ["mine"] * 4 + ["theirs"] * 4


def test_the_ratio_to_the_fastest_keeps_two_decimals(measured):
    stamp = {"gpu": "", "gpu_memory_gb": "", "cpu": "cpu", "cores": 2, "os": "Linux", "python": "3.11",
             "tensorflow": "2.21", "keras": "3.15", "backend": "tensorflow", "recorded": "2026-01-01 00:00:00"}
    slow = measured.assign(session="slow", machine="slow", images_per_second=1.0, **stamp)
    fast = slow.assign(session="fast", machine="fast", images_per_second=3.0)
    comparison = timings.compare(pd.concat([slow, fast], ignore_index=True)[timings.COLUMNS])
    assert comparison["slow / cpu: ratio to fastest"].tolist() == [0.33] * 4


def test_the_merge_commands_help_says_what_it_merges_and_where(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as raised:
        timings.main(["--help"])
    shown = capsys.readouterr().out
    assert raised.value.code == 0 and "Merge other machines' timings files into results/timings.csv." in shown
    assert "{merge}" in shown and "--into INTO" in shown and "default: results/timings.csv" in shown
    with pytest.raises(SystemExit) as raised:
        timings.main(["split", "a.csv"])
    assert raised.value.code == 2 and "invalid choice: 'split'" in capsys.readouterr().err


def test_each_workload_runs_the_network_the_way_its_name_says(monkeypatch):
    """The timed calls themselves, seen through a clock that calls each once: a training step on one batch of
    integer labels 0-7, one quiet epoch in order, one face and a full batch predicted."""
    import keras
    import numpy as np

    from helpers import timer

    seen = {}
    real = {name: getattr(keras.Model, name) for name in ("train_on_batch", "fit", "predict_on_batch")}

    def spy(name):
        def call(model, *args, **kwargs):
            seen.setdefault(name, []).append((args, kwargs))
            return real[name](model, *args, **kwargs)
        return call

    for name in real:
        monkeypatch.setattr(keras.Model, name, spy(name))
    answers = []
    monkeypatch.setattr(timer, "median_and_spread", lambda call, times: (answers.append(call()), (2.0, 0.5))[1])
    tiny = dataclasses.replace(profiles.get_profile("smoke"), batch_size=4)
    rows = timings.measure(tiny, 40, repeats=7, epoch_images=8, inference_batch=6)
    assert rows.to_dict("records") == [
        {"network": "levi_hassner", "precision": "float32", "workload": workload, "image_size": 40,
         "batch_size": batch, "images": images, "median_seconds": 2.0, "iqr_seconds": 0.5, "repeats": repeats,
         "images_per_second": images / 2.0}
        for workload, batch, images, repeats in [("train batch", 4, 4, 7), ("epoch", 4, 8, 3),
                                                 ("inference, batch 1", 1, 1, 28), ("inference, batch 6", 6, 6, 7)]]
    (images, labels), _ = seen["train_on_batch"][0]
    assert images.shape == (4, 40, 40, 3) and images.dtype == np.float32 and labels.dtype == np.int32
    assert set(seen["fit"][0][1]) == {"epochs", "verbose", "shuffle"}
    assert seen["fit"][0][1] == {"epochs": 1, "verbose": 0, "shuffle": False}
    epoch_data = seen["fit"][0][0][0]
    assert [spec.dtype.name for spec in epoch_data.element_spec] == ["float32", "int32"]
    epoch_labels = np.concatenate([batch_labels.numpy() for _, batch_labels in epoch_data])
    assert len(epoch_labels) == 8 and epoch_labels.min() >= 0 and epoch_labels.max() <= 7
    assert len(answers[1].history["loss"]) == 1
    assert [args[0].shape for args, _ in seen["predict_on_batch"]] == [(1, 40, 40, 3), (6, 40, 40, 3)]
    assert answers[2].shape == (1, 8) and answers[3].shape == (6, 8)
    defaults = timings.measure(tiny, 40, workloads=("train batch", "epoch", "inference, batch 256"))
    assert defaults[["workload", "images", "repeats"]].to_dict("records") == [
        {"workload": "train batch", "images": 4, "repeats": 5}, {"workload": "epoch", "images": 256, "repeats": 2},
        {"workload": "inference, batch 256", "images": 256, "repeats": 5}]  # 5 repeats, 256 images, unless told

    def one_face(**seed):
        faces = []
        monkeypatch.setattr(timer, "median_and_spread", lambda call, times: (faces.append(call()), (2.0, 0.5))[1])
        timings.measure(tiny, 40, repeats=1, workloads=("inference, batch 1",), **seed)
        return faces[0]

    np.testing.assert_array_equal(one_face(), one_face(seed=0))  # seed 0 unless told: the same network and face
    assert not np.array_equal(one_face(), one_face(seed=1))
