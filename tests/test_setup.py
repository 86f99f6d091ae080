"""helpers.setup: seeds, quiet start-up, and a record of versions and device."""

import os
import subprocess
import sys

import numpy as np
import pytest

import helpers
from helpers import profiles


def test_setup_prints_versions_device_and_profile(capsys):
    course = helpers.setup(profile="smoke", seed=0)
    printed = capsys.readouterr().out
    assert "TensorFlow 2." in printed and "Keras 3." in printed and "NumPy" in printed
    assert "Device: CPU:" in printed or "Device: GPU:" in printed
    assert isinstance(course, profiles.Profile) and course.name == "smoke"


def test_same_seed_gives_same_numbers_and_another_seed_does_not():
    import tensorflow as tf

    def draw(seed):
        helpers.setup(seed=seed, verbose=False)
        return np.random.rand(3), tf.random.uniform((3,)).numpy()

    first, again, other = draw(7), draw(7), draw(8)
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0]) and not np.array_equal(first[1], other[1])


def test_tensorflow_start_up_notices_are_silenced():
    command = "import helpers; helpers.setup(verbose=False); import tensorflow as tf; tf.constant(1)"
    done = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    noisy = [line for line in done.stderr.splitlines() if "oneDNN" in line or "cuda" in line.lower()]
    assert not noisy, f"TensorFlow notices reached stderr: {noisy}"


def test_every_helper_imports_in_one_cell_with_nothing_on_stderr(tmp_path):
    """A notebook imports all it needs before calling setup: TensorFlow still starts quietly, and setup still
    gets to choose its thread pools."""
    command = ("import helpers, helpers.studies.runner, helpers.network.levi_hassner, helpers.plots; "
               "helpers.setup(verbose=False); import tensorflow as tf; tf.constant(1); "
               "print(tf.config.threading.get_inter_op_parallelism_threads())")
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # as a plain shell has it
    environment["AGE_GENDER_KIT_RESULTS"] = str(tmp_path)  # a checkout's own results/ may warn (test below)
    done = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, timeout=120, env=environment)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.strip() == "1"


def test_importing_helpers_and_its_data_stage_does_not_start_tensorflow():
    command = ("import sys, helpers, helpers.data.task_data, helpers.plots, helpers.synthetic.gallery; "
               "print('tensorflow' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


def test_the_notebook_seed_starts_the_profiles_seeds():
    assert helpers.setup(seed=3, verbose=False).seeds == (3,)
    assert profiles.get_profile("paper", data_dir="/data", seed=2).seeds == (2,)
    assert profiles.get_profile("class", seed=2).seeds == (2, 3)


def test_the_class_profile_is_the_smoke_profile_on_every_fold_with_two_seeds():
    smoke, lab = profiles.get_profile("smoke"), profiles.get_profile("class")
    assert lab.folds == (0, 1, 2, 3, 4) and len(lab.seeds) == 2 and lab.max_epochs > smoke.max_epochs
    assert (lab.data_dir, lab.image_size, lab.crop_size, lab.optimizer) == (
        smoke.data_dir, smoke.image_size, smoke.crop_size, smoke.optimizer)
    assert profiles.results_dir(lab) != profiles.results_dir(smoke)  # its runs never mix with smoke's


def test_paper_profile_without_data_dir_says_what_to_do():
    with pytest.raises(ValueError, match="make paper DATA_DIR="):
        profiles.get_profile("paper")


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="unknown profile"):
        profiles.get_profile("fast")


def test_smoke_profile_keeps_a_few_cells_after_the_last_pooling():
    crop = profiles.get_profile("smoke").crop_size
    size = (crop - 7) // 4 + 1  # conv1 7x7 stride 4
    for _ in range(3):  # three 3x3 stride-2 poolings in Caffe's ceil mode
        size = -(-(size - 3) // 2) + 1
    assert size >= 2, f"crop {crop} leaves a {size}x{size} map: the dense layers would see no layout at all"


def test_setup_warns_of_runs_trained_before_the_mirror_was_written_again(synthetic_tiny, tmp_path, monkeypatch,
                                                                        capsys):
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(tmp_path))
    course = helpers.setup("smoke", data_dir=synthetic_tiny, verbose=False)
    assert capsys.readouterr().err == ""  # no results yet
    written = (synthetic_tiny / "MANIFEST.json").stat().st_mtime
    records = tmp_path / "smoke" / "records" / "batch_size"
    records.mkdir(parents=True)
    for name, moment in (("16_gender_0_0.csv", written - 60), ("16_age_0_0.csv", written + 60)):
        (records / name).write_text("variant,task,fold,seed\n16,gender,0,0\n")
        os.utime(records / name, (moment, moment))
    helpers.setup("smoke", data_dir=synthetic_tiny, verbose=False)
    warning = capsys.readouterr().err
    assert warning.startswith(f"WARNING 1 run(s) in {tmp_path / 'smoke'} were trained before the synthetic mirror")
    assert str(records / "16_gender_0_0.csv") in warning and "make clean" in warning
    os.utime(records / "16_gender_0_0.csv", (written + 1, written + 1))  # trained on this mirror: nothing to say
    helpers.setup("smoke", data_dir=synthetic_tiny, verbose=False)
    assert capsys.readouterr().err == "" and course.synthetic
