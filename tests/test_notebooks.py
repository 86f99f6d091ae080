"""Every numbered notebook that reads another's results runs end to end in the smoke profile, in `make run`'s
order on one results folder, and records its headline; the studies they ran leave complete results files that
show learning. The notebooks that read no other's results (:data:`ALONE`) run in tests/test_notebooks_alone.py,
which `make test` gives to its other pytest process."""

import io
import re

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest

from helpers import headline, profiles, timings
from helpers.analysis import conclusions, paired, summaries
from helpers.data import task_data
from helpers.data.age_groups import AGE_GROUPS
from helpers.studies import catalogue, runner, store
from tests.conftest import REPO

#: In the order `make run` executes them: by number, but 09 (conclusions) last, since it reads every study.
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"), key=lambda p: (p.name.startswith("09_"), p.name))
#: Notebooks that read no other notebook's results (00 and 01 show the data, 11 times the network on random
#: faces): tests/test_notebooks_alone.py executes them, each with a results folder of its own.
ALONE = ("00_start_here.ipynb", "01_data_and_preprocessing.ipynb", "11_timing.ipynb")
#: The kernel the notebooks name and `make test` registers (the kit's .venv).
KERNEL = "age-gender-kit"
#: Outputs that do not depend on training, timing or the machine, and must not change.
STABLE_OUTPUTS = {
    "00_start_here.ipynb": ["3 of 3 datasets present", "adience (synthetic)"],
    "02_levi_hassner_model.ipynb": ["11,415,048"],  # the paper's age network at 227 px (test_model derives it)
    "08_transfer_learning.ipynb": ["frozen trunk: 4,104 of"],  # only the new 512 x 8 + 8 output layer learns
    "10_fft_convolution.ipynb": ["The FFT reproduced conv1-conv3"],
    "11_timing.ipynb": ["rows appended to", "(this run)"],
    "13_multitask.ipynb": ["one network, two heads", "age group only"],
    "14_classical_preprocessing.ipynb": ["Otsu threshold", "CLAHE"],
    # the awkward files each get their sentence; the exported files give the Keras model's answers
    "15_predict_and_inspect.ipynb": ["not an image: No prediction:", "no face: No face found in",
                                     "converted from L to RGB", "answers equal to Keras' on 100% of"],
    # the backbones' size is counted, not measured; the published range is the references'
    "16_modern_backbones.ipynb": ["The backbones started from scratch, on crops of 68 px",
                                  "MobileNetV3Small: 0.94 M parameters",
                                  "0.538-0.565"],
}


@pytest.mark.slow
@pytest.mark.parametrize("path", [path for path in NOTEBOOKS if path.name not in ALONE], ids=lambda p: p.name)
def test_notebook_executes_in_the_smoke_profile(path, synthetic_tiny, tmp_path, results_root, monkeypatch):
    execute_and_check(path, synthetic_tiny, tmp_path, results_root, monkeypatch)


def execute_and_check(path, synthetic_tiny, tmp_path, results_root, monkeypatch) -> None:
    """Execute ``path`` in the smoke profile on ``results_root`` with the kit's kernel; check its headline, an
    empty stderr, its :data:`STABLE_OUTPUTS` and that its sentences agree with its numbers."""
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(results_root))  # the kernel inherits it
    output = tmp_path / path.name
    papermill.execute_notebook(str(path), str(output), parameters={"profile": "smoke", "data_dir": str(synthetic_tiny)},
                               kernel_name=KERNEL, cwd=str(path.parent), progress_bar=False)
    executed = nbformat.read(output, as_version=4)
    assert headline.read(executed), f"{path.name} records no headline (helpers.headline.record)"
    stderr = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", [])
                     if o.get("output_type") == "stream" and o.get("name") == "stderr")
    assert stderr == "", f"{path.name} wrote to stderr: {stderr[:2000]}"
    shown = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for c in executed.cells
                    for o in c.get("outputs", []))
    for expected in STABLE_OUTPUTS.get(path.name, []):
        assert expected in shown, f"{path.name} no longer shows {expected!r}"
    sentences_agree_with_numbers(path.name, shown, profiles.get_profile("smoke", data_dir=synthetic_tiny))


#: The study each notebook runs.
STUDY_OF = {f"{study.notebook}.ipynb": name for name, study in catalogue.STUDIES.items() if study.notebook}


def sentences_agree_with_numbers(name: str, shown: str, profile) -> None:
    """What an executed notebook says about its own results holds for the recorded numbers: every value whose
    networks did not learn is named as such and never called best or worst; the baseline is marked with the
    paper's own value where the profile's differs; 11 counts the machines its file holds."""
    study_name = STUDY_OF.get(name)
    if study_name is not None and len(catalogue.STUDIES[study_name].variants) > 1:
        study = catalogue.STUDIES[study_name]
        recorded = store.read_results(profile, study_name)
        recorded = recorded[recorded.seed.astype(int).isin(profile.seeds)]  # the runs this notebook showed
        for task in study.tasks:
            for variant in summaries.not_learned(recorded, task):
                said = (rf"{task}: {re.escape(variant)} did not learn" if study_name == "transfer" else
                        rf"{task}: did not learn, so not ranked: [^\n]*{re.escape(variant)} \(")
                assert re.search(said, shown), f"{name}: {task} {variant} did not learn and is not said so"
                ranking = [line for line in shown.splitlines() if line.startswith(f"{task}: best ")]
                assert not any(f"best {variant} (" in line or f"worst {variant} (" in line for line in ranking), ranking
        if study.paper_variant(profile) is not None:
            assert summaries.baseline_note(study, profile) in shown, f"{name}: the plan marks no baseline"
    if name == "03_batch_size.ipynb":
        assert "yes (paper: batch_size 50)" in shown  # the smoke baseline's batch is 32, not the paper's
    if name == "06_learning_rate.ipynb":
        assert re.search(r"0 drop\(s\) in this smoke profile, so here it trains at a constant rate", shown)
    if name == "11_timing.ipynb":
        machines = timings.read().machine.nunique()
        assert f"The file holds {machines} machine(s)" in shown and (machines > 1 or "other machine(s)" not in shown)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(catalogue.STUDIES))
def test_study_results_are_complete_in_range_and_show_learning(name, synthetic_tiny, results_root, monkeypatch):
    """Runs the study if the notebook did not (then it takes minutes); otherwise reads its file."""
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(results_root))
    profile = profiles.get_profile("smoke", data_dir=synthetic_tiny)
    study = catalogue.STUDIES[name]
    recorded = runner.run_study(study, profile, verbose=False)
    recorded = recorded[recorded.seed.astype(int).isin(profile.seeds)]  # a results folder may hold other seeds too
    expected = {
        (v, t, str(f), str(s))
        for v in study.variants_for(profile)
        for t in study.tasks
        for f in profile.folds
        for s in profile.seeds
    }
    found = set(map(tuple, recorded[store.KEY].astype(str).to_numpy()))  # a CSV reads "8" back as 8
    assert found == expected and len(recorded) == len(expected)
    scored = recorded[~recorded.diverged.astype(bool)]
    assert (
        scored.accuracy.between(0, 1).all() and scored.accuracy_10crop.between(0, 1).all() and (scored.n_test > 0).all()
    )
    assert (scored.epochs_trained >= scored.best_epoch).all() and (scored.best_epoch >= 1).all()
    for task in study.tasks:
        data = task_data.task_data(profile, task, profile.folds[0])
        parts = [set(map(str, data.files[split])) for split in ("train", "validation", "test")]
        assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2]), "a face in two splits"
        labels = data.labels["test"]
        majority = np.bincount(labels).max() / len(labels)
        best = scored[scored.task == task].accuracy.max()
        assert best >= majority + 0.04, f"{name}, {task}: best {best:.3f} against a majority of {majority:.3f}"
        if task == "age":
            assert (
                scored[scored.task == "age"].one_off_accuracy.max() > scored[scored.task == "age"].accuracy.max() + 0.2
            )


@pytest.mark.slow
def test_the_predictor_answers_a_folder_with_the_baselines_networks(synthetic_tiny, results_root, tmp_path,
                                                                     monkeypatch):
    """After notebook 02: `python -m helpers.predict FOLDER` finds the smoke baseline's networks, says they learned
    from synthetic faces, and answers the portrait's one face; `--model` takes a run's best.keras."""
    import os
    import subprocess
    import sys

    from matplotlib import cbook
    from PIL import Image

    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(results_root))
    profile = profiles.get_profile("smoke", data_dir=synthetic_tiny)
    runner.run_study(catalogue.STUDIES["baseline"], profile, verbose=False)  # trains it if 02 did not run
    (tmp_path / "photos").mkdir()
    Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).save(tmp_path / "photos" / "hopper.jpg")
    (tmp_path / "photos" / "notes.jpg").write_text("not a photo")
    command = [sys.executable, "-m", "helpers.predict", str(tmp_path / "photos"), "--out", str(tmp_path / "a.csv")]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=os.environ, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "networks: smoke profile, baseline / paper, gender, fold 0" in done.stderr
    assert "learned from the synthetic mirror's faces" in done.stderr
    answers = pd.read_csv(tmp_path / "a.csv")
    face = answers[answers.file.str.endswith("hopper.jpg")]
    assert len(face) == 1 and face.gender.iloc[0] in ("m", "f") and face.age_group.iloc[0] in AGE_GROUPS
    assert answers[answers.file.str.endswith("notes.jpg")].reason.iloc[0].startswith("not an image")
    model = store.run_directory(profile, "baseline", "paper", "age", 0, profile.seeds[0]) / "best.keras"
    done = subprocess.run([sys.executable, "-m", "helpers.predict", str(tmp_path / "photos" / "hopper.jpg"), "--model",
                           str(model)], cwd=REPO, capture_output=True, text=True, env=os.environ, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    alone = pd.read_csv(io.StringIO(done.stdout))  # the CSV on standard output, nothing else
    assert alone.age_group.tolist() == face.age_group.tolist() and alone.gender.isna().all()


@pytest.mark.slow
def test_the_conclusions_table_is_built_from_the_results_files(synthetic_tiny, results_root, monkeypatch):
    """After notebook 09: one row per study with several values and task, each naming the value with the best
    mean in that study's file, compared with another value face by face on the runs' kept predictions; on those
    same runs the paired interval is never wider than the unpaired one."""
    monkeypatch.setenv("AGE_GENDER_KIT_RESULTS", str(results_root))
    profile = profiles.get_profile("smoke", data_dir=synthetic_tiny)
    table = conclusions.best_settings(profile)
    expected = {
        (name, task) for name, study in catalogue.STUDIES.items() if len(study.variants) > 1 for task in study.tasks
    }
    assert set(zip(table.study, table.task)) == expected
    for _, row in table.iterrows():
        runs = summaries.ranked(store.read_results(profile, row.study))  # only networks that learned are ranked
        means = runs[runs.task == row.task].groupby("variant").accuracy.mean()
        if row["compared with"] == "":  # nothing to pair it with: every other value did not learn
            assert "did not learn" in row.learned and (len(means) <= 1), row.to_dict()
            continue
        assert row["mean"] == pytest.approx(means.max()) and means[row.best] == means.max()
        assert row.test.startswith(("McNemar", "paired t-test")), row.test  # every run kept its predictions
        assert row.low <= row.difference <= row.high and row["beyond noise"] == (row.p < 0.05)
        other = row["compared with"].split(" ", 1)[1]
        mine = runs[(runs.variant == row.best) & (runs.task == row.task) & ~runs.diverged.astype(bool)]
        for fold, seed in zip(mine.fold, mine.seed):
            kept = [store.predictions(profile, row.study, variant, row.task, int(fold), int(seed))
                    for variant in (row.best, other)]
            correct = [(faces.label == faces.predicted).to_numpy() for faces in kept]
            low, high = paired.bootstrap_interval(*correct, paired=True)
            unpaired_low, unpaired_high = paired.bootstrap_interval(*correct, paired=False)
            assert high - low <= unpaired_high - unpaired_low, (row.study, row.task, fold, seed)
    paper = conclusions.against_paper(profile)
    assert (paper.n[paper.metric.isin(["accuracy", "accuracy_10crop"])] == 1).all()
