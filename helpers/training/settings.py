"""The settings of one training run: everything a study may vary, with the paper's values as defaults.

One dataclass serves the whole path from a study's variant to Keras: :func:`baseline` sizes the paper's
recipe by the profile, a study changes one field (``dataclasses.replace``), ``fit.train`` reads the
optimizer fields, and the results file records every field beside the run's scores, which is how a run
that another study already made is recognised and reused.

Every field is checked once, when the settings are made (``dataclasses.replace`` makes them again), against
:data:`CHOICES` and :data:`LEAST`, so that a misspelled value in a study fails when the study is defined, not
minutes into it. The code that reads a field relies on that check.
"""

from __future__ import annotations

import dataclasses
import numbers

from helpers.data import preprocessing
from helpers.network import backbones
from helpers.profiles import Profile
from helpers.training import age_output

#: The allowed values of each text field; the first is the paper's.
CHOICES = {
    "preprocessing": preprocessing.STEPS,
    "age_output": age_output.OUTPUTS,
    "transfer": ("none", "frozen", "fine-tune"),
    "optimizer": ("sgd", "adam"),
    "schedule": ("step", "constant"),
    "precision": ("float32", "mixed_float16", "mixed_bfloat16"),
    "network": ("levi_hassner", *backbones.BACKBONES),
    "weights": ("none", "imagenet"),
}
#: The least value of each number field.
LEAST = {"batch_size": 1, "hidden_units": 1, "hidden_layers": 1, "age_loss_weight": 0.0, "step_every": 1,
         "momentum": 0.0, "epochs": 1, "patience": 0}


@dataclasses.dataclass(frozen=True)
class Settings:
    # the data the network sees
    batch_size: int = 50
    random_crop: bool = True
    flip: bool = True
    preprocessing: str = "none"  # a classical step before the network (helpers.data.preprocessing): notebook 14
    # the network
    network: str = "levi_hassner"  # or a keras.applications backbone under the kit's head (notebook 16)
    weights: str = "none"  # a backbone's start: "none" (from scratch) or "imagenet" (helpers.network.backbones)
    hidden_units: int = 512  # the Levi-Hassner network's hidden layers (a backbone has none)
    hidden_layers: int = 2
    age_output: str = "classes"  # or "regression" (years) or "dex" (expected value over 1-year bins): notebook 12
    multitask: bool = False  # one trunk, a gender head and an age head, trained on both tasks at once: notebook 13
    age_loss_weight: float = 1.0  # multitask: the age head's loss weight (the gender head's is 1)
    transfer: str = "none"  # "none": from scratch; "frozen" or "fine-tune": from a pre-trained network
    # the optimizer
    optimizer: str = "sgd"  # the paper's; "adam" adapts each weight's step (fit.compile_model says why)
    learning_rate: float = 1e-3
    schedule: str = "step"  # or "constant"
    step_every: int = 10_000  # iterations between the step schedule's tenfold drops
    momentum: float = 0.9
    caffe_multipliers: bool = True  # biases 2x, output layer 10x/20x, as the released Caffe model
    # how long, and how
    epochs: int = 60
    patience: int = 10  # epochs without a better validation accuracy before stopping
    precision: str = "float32"  # or "mixed_float16" / "mixed_bfloat16" (GPUs; slower on this kit's CPUs)
    jit_compile: bool = False  # XLA; never faster on the CPUs measured

    def __post_init__(self):
        problems = []
        for field in dataclasses.fields(self):
            value, kind = getattr(self, field.name), field.type
            if field.name in CHOICES and value not in CHOICES[field.name]:
                problems.append(f"{field.name}={value!r}: use one of {', '.join(map(repr, CHOICES[field.name]))}")
            elif kind == "bool" and value not in (True, False):
                problems.append(f"{field.name}={value!r}: use True or False")
            elif kind in ("int", "float") and (isinstance(value, bool) or not isinstance(value, numbers.Real)
                                               or kind == "int" and value != int(value)):
                problems.append(f"{field.name}={value!r}: use a{'n integer' if kind == 'int' else ' number'}")
            elif field.name in LEAST and value < LEAST[field.name]:
                problems.append(f"{field.name}={value!r}: use {LEAST[field.name]} or more")
        if isinstance(self.learning_rate, numbers.Real) and not self.learning_rate > 0:  # NaN too
            problems.append(f"learning_rate={self.learning_rate!r}: use a number above 0")
        if isinstance(self.momentum, numbers.Real) and self.momentum >= 1:
            problems.append(f"momentum={self.momentum!r}: use a number below 1")
        if self.multitask and (self.transfer, self.age_output, self.preprocessing) != ("none", "classes", "none"):
            problems.append("multitask=True trains one network from scratch on 8 age classes without preprocessing; "
                            f"got transfer={self.transfer!r}, age_output={self.age_output!r}, "
                            f"preprocessing={self.preprocessing!r}")
        if self.network == "levi_hassner" and self.weights != "none":
            problems.append(f"weights={self.weights!r} loads a backbone's ImageNet weights; the Levi-Hassner network "
                            "starts from scratch (or from a pre-trained network: transfer)")
        if self.network != "levi_hassner" and (self.transfer, self.multitask, self.age_output == "regression") != (
                "none", False, False):
            problems.append(f"network={self.network!r} trains one task from scratch or from ImageNet, with 8 classes "
                            f"or DEX's bins; got transfer={self.transfer!r}, multitask={self.multitask!r}, "
                            f"age_output={self.age_output!r}")
        if self.transfer != "none" and self.age_output != "classes":
            problems.append(f"transfer={self.transfer!r} keeps the pre-trained network's 8 age classes; "
                            f"age_output={self.age_output!r} trains from scratch")
        if problems:
            raise ValueError("Settings: " + "; ".join(problems))


def baseline(profile: Profile) -> Settings:
    """The paper's settings, sized by the profile: its batch size, epochs, rate, optimizer, and a step interval
    that drops the rate at the same fractions of training as the paper's 10,000 of 50,000 iterations."""
    return Settings(batch_size=profile.batch_size, epochs=profile.max_epochs, learning_rate=profile.learning_rate,
                    step_every=profile.step_every, patience=profile.patience, optimizer=profile.optimizer)
