"""The settings of one training run: everything a study may vary, with the paper's values as defaults.

One dataclass serves the whole path from a study's variant to Keras: :func:`baseline` sizes the paper's
recipe by the profile, a study changes one field (``dataclasses.replace``), ``training.train`` reads the
optimizer fields, and the results file records every field beside the run's scores, which is how a run
that another study already made is recognised and reused.
"""

from __future__ import annotations

import dataclasses

from helpers.profiles import Profile


@dataclasses.dataclass(frozen=True)
class Settings:
    # the data the network sees
    batch_size: int = 50
    random_crop: bool = True
    flip: bool = True
    preprocessing: str = "none"  # a classical step before the network (helpers.data.preprocessing): notebook 14
    # the network
    hidden_units: int = 512
    hidden_layers: int = 2
    age_output: str = "classes"  # or "regression" (years) or "dex" (expected value over 1-year bins): notebook 12
    multitask: bool = False  # one trunk, a gender head and an age head, trained on both tasks at once: notebook 13
    age_loss_weight: float = 1.0  # multitask: the age head's loss weight (the gender head's is 1)
    transfer: str = "none"  # "none": from scratch; "frozen" or "fine-tune": from a pre-trained network
    # the optimizer
    optimizer: str = "sgd"  # the paper's; "adam" adapts each weight's step (training.compile_model says why)
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


def baseline(profile: Profile) -> Settings:
    """The paper's settings, sized by the profile: its batch size, epochs, rate, optimizer, and a step interval
    that drops the rate at the same fractions of training as the paper's 10,000 of 50,000 iterations."""
    return Settings(batch_size=profile.batch_size, epochs=profile.max_epochs, learning_rate=profile.learning_rate,
                    step_every=profile.step_every, patience=profile.patience, optimizer=profile.optimizer)
