"""The published figures the kit compares itself with: Levi & Hassner (2015) and the course report.

Every notebook and table takes them from here (they are summarised in the kit's design notes), so a
corrected figure changes everywhere at once. The report's choices are written as the kit's variant labels.
"""

from __future__ import annotations

#: Levi & Hassner (2015), means over the five Adience folds: single (centre) crop and 10-crop over-sampling.
PAPER_ACCURACY = {
    ("gender", "accuracy"): 0.859, ("gender", "accuracy_10crop"): 0.868,
    ("age", "accuracy"): 0.495, ("age", "accuracy_10crop"): 0.507, ("age", "one_off_accuracy_10crop"): 0.847,
}

#: The course report's choice per study and task (its conclusions table, its flip and transfer results),
#: with the test accuracy the report measured where it gave one.
REPORT_CHOICE = {
    ("batch_size", "gender"): ("16", None), ("batch_size", "age"): ("4", None),
    ("hidden_units", "gender"): ("512", None), ("hidden_units", "age"): ("512", None),
    ("hidden_layers", "gender"): ("1", None), ("hidden_layers", "age"): ("1", None),
    ("learning_rate", "gender"): ("constant 0.001", None), ("learning_rate", "age"): ("constant 0.005", None),
    ("augmentation", "gender"): ("flip", 0.857), ("augmentation", "age"): ("flip", 0.421),
    ("transfer", "gender"): ("frozen trunk, new softmax (report)", 0.863), ("transfer", "age"): ("from scratch", None),
}

#: The report's age accuracy with IMDB-WIKI pre-training, worse than from scratch (it kept scratch for age).
REPORT_AGE_WITH_PRETRAINING = 0.324


def paper_oversampling_gain(task: str) -> float:
    """How much the paper's 10-crop over-sampling added to its single-crop accuracy for ``task``."""
    return PAPER_ACCURACY[task, "accuracy_10crop"] - PAPER_ACCURACY[task, "accuracy"]


def report_choice(study: str, task: str) -> str:
    """The report's choice in words, e.g. "the course report chose flip (0.857)", or "" when it made none."""
    choice, accuracy = REPORT_CHOICE.get((study, task), (None, None))
    if choice is None:
        return ""
    return f"the course report chose {choice}" + (f" ({accuracy:.3f})" if accuracy is not None else "")


def paper_summary() -> str:
    """The paper's accuracies in one sentence."""
    accuracy = PAPER_ACCURACY
    return (
        f"The paper reports {accuracy['gender', 'accuracy']:.3f} gender and {accuracy['age', 'accuracy']:.3f} exact / "
        f"{accuracy['age', 'one_off_accuracy_10crop']:.3f} 1-off (10-crop) age over five folds of the real Adience."
    )
