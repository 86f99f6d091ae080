"""One network for age and gender: the Levi-Hassner trunk shared by two heads (notebook 13).

The paper trains one network per task on the same faces. ``Settings.multitask`` trains one trunk (the three
convolutions and the hidden layers) feeding a gender head (2 classes) and an age head (8 groups), both at
once:

- **The faces**: every face of the fold with a gender, an age group or both. A face with one label still
  trains the head it has: the other head's label is ``MISSING`` (-1), which its loss ignores
  (``SparseCategoricalCrossentropy(ignore_class=-1)`` averages over the faces that have the label), so no
  face is dropped. The mean image is that of all these training faces.
- **The loss**: gender's + ``Settings.age_loss_weight`` x age's. At chance the age loss is ln 8 = 2.08 and
  the gender loss ln 2 = 0.69, so equal weights let age pull the shared trunk three times as hard; a weight
  of 1/3 evens them at the start.
- **The best epoch**: the lowest validation loss, the weighted sum that training lowers (``fit.train``).
- **The scores**: each head on its own task's test faces, the very faces and order of the single-task runs,
  so that the paired tests compare them face by face. The two rows a run records carry the one training's
  seconds.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from helpers.data import labels, pipeline, task_data
from helpers.network import levi_hassner
from helpers.profiles import Profile
from helpers.training import fit, one_run
from helpers.training.settings import Settings

TASKS = ("gender", "age")
MISSING = labels.MISSING  # the label of a face that has none for a head: its loss there is masked


@dataclasses.dataclass
class JointData:
    """One fold's faces with either label, for a network with both heads."""

    fold: int
    size: int
    crop_size: int
    files: dict  # split -> cached file names
    labels: dict  # split -> {task: int32 class numbers, MISSING where the face has no such label}
    mean: np.ndarray  # over the training faces of both tasks
    tasks: dict  # task -> its own TaskData (its faces only) with this mean: what each head is scored on

    def training(self, batch_size: int, seed: int, random_crop: bool = True, flip: bool = True):
        return pipeline.training_dataset(self.files["train"], self.labels["train"], size=self.size,
                                         crop_size=self.crop_size, batch_size=batch_size, mean=self.mean, seed=seed,
                                         random_crop=random_crop, flip=flip)

    def evaluation(self, split: str, batch_size: int = 100):
        return pipeline.evaluation_dataset(self.files[split], self.labels[split], size=self.size,
                                           crop_size=self.crop_size, batch_size=batch_size, mean=self.mean)


def joint(single: dict) -> JointData:
    """Merge the two tasks' data of one fold ({task: TaskData}) into one set of faces with both labels."""
    gender, age = single["gender"], single["age"]
    files, split_labels = {}, {}
    for split in gender.files:
        union = list(dict.fromkeys([*gender.files[split], *age.files[split]]))  # each face once, in order
        position = {name: number for number, name in enumerate(union)}
        split_labels[split] = {}
        for task, data in single.items():
            values = np.full(len(union), MISSING, np.int32)
            values[[position[name] for name in data.files[split]]] = data.labels[split]
            split_labels[split][task] = values
        files[split] = np.asarray(union)
    mean = pipeline.mean_image(files["train"], gender.size)
    return JointData(gender.fold, gender.size, gender.crop_size, files, split_labels, mean,
                     {task: dataclasses.replace(data, mean=mean) for task, data in single.items()})


def joint_data(profile: Profile, fold: int) -> JointData:
    """Both tasks' faces of Adience with ``fold`` as the test fold (the splits of ``task_data.task_data``)."""
    return joint({task: task_data.task_data(profile, task, fold) for task in TASKS})


def label_counts(data: JointData) -> pd.DataFrame:
    """Faces per split with both labels, with the gender only, and with the age group only."""
    rows = {}
    for split, by_task in data.labels.items():
        has_gender, has_age = by_task["gender"] != MISSING, by_task["age"] != MISSING
        rows[split] = {"both labels": int((has_gender & has_age).sum()),
                       "gender only": int((has_gender & ~has_age).sum()),
                       "age group only": int((~has_gender & has_age).sum()), "faces": len(has_gender)}
    return pd.DataFrame(rows).T


def network(settings: Settings, input_size: int, seed: int | None = None):
    """The paper's network with one head per task (``<task>_output`` and its softmax ``<task>``)."""
    return levi_hassner.levi_hassner(2, input_size=input_size, hidden_units=settings.hidden_units,
                                     hidden_layers=settings.hidden_layers, seed=seed,
                                     heads={task: len(labels.CLASSES[task]) for task in TASKS})


def single_head(model, task: str):
    """The part of a two-headed ``model`` that answers ``task``: the shared trunk and that head (shared weights)."""
    import keras

    return keras.Model(model.inputs, model.get_layer(task).output, name=f"{model.name}_{task}")


def train_and_score(data: JointData, settings: Settings, seed: int, run_dir=None, oversample: bool = False,
        log_epochs: bool = False, save_model: bool = True) -> dict[str, one_run.Outcome]:
    """Train one two-headed network on ``data`` and score each head on its task's test faces: {task: Outcome}."""
    import keras

    if not settings.multitask:
        raise ValueError("two_heads.train_and_score needs Settings(multitask=True); one_run.train_and_score trains "
                         "a network with one head")
    keras.utils.set_random_seed(seed)
    trained = fit.train(lambda: network(settings, data.crop_size, seed),
                        data.training(settings.batch_size, seed, settings.random_crop, settings.flip),
                        data.evaluation("validation"), settings, run_dir=run_dir, save_model=save_model,
                        log_epochs=log_epochs)
    return {task: one_run.scored(trained, single_head(trained.model, task), data.tasks[task], "classes", oversample)
            for task in TASKS}


def parameters(profile: Profile, settings: Settings) -> pd.Series:
    """Weights to learn: each task's own network, the two together, and one network with both heads."""
    def count(**options) -> int:
        return levi_hassner.levi_hassner(input_size=profile.crop_size, hidden_units=settings.hidden_units,
                                         hidden_layers=settings.hidden_layers, **options).count_params()

    gender, age = count(num_classes=2), count(num_classes=8)
    return pd.Series({"gender network": gender, "age network": age, "two networks": gender + age,
                      "one network, two heads": network(settings, profile.crop_size).count_params()}, name="weights")
