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
