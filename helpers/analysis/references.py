"""The published figures the kit compares itself with: Levi & Hassner (2015), the course report, and the modern
networks notebook 16 measures against (Lapuschkin et al. 2017, MiVOLO 2023).

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

#: Networks after 2015 on Adience (notebook 16): exact accuracy, the lowest and highest of the configurations each
#: paper reports. Lapuschkin et al. (2017) used the same five folds and 10-crop; MiVOLO (Kuprashevich & Tolstykh,
#: 2023) is a vision transformer given the face and the body, scored with its own protocol.
MODERN_ACCURACY = {
    "Levi-Hassner-style network (Lapuschkin et al. 2017)": {"age": (0.514, 0.536), "gender": (0.881, 0.890)},
    "VGG16 from ImageNet (Lapuschkin et al. 2017)": {"age": (0.538, 0.565), "gender": (0.920, 0.927)},
    "VGG16 from ImageNet + IMDB-WIKI (Lapuschkin et al. 2017)": {"age": (0.602, 0.630), "gender": (0.906, 0.923)},
    "MiVOLO (Kuprashevich & Tolstykh 2023)": {"age": (0.687, 0.687), "gender": (0.965, 0.965)},
}


def modern_table():
    """The paper's and the modern networks' accuracies on Adience, one row each, "0.538-0.565" where a paper gives
    a range."""
    import pandas as pd

    def shown(low: float, high: float) -> str:
        return f"{low:.3f}" if low == high else f"{low:.3f}-{high:.3f}"

    rows = [{"network": "Levi & Hassner (2015), 10-crop",
             **{task: f"{PAPER_ACCURACY[task, 'accuracy_10crop']:.3f}" for task in ("gender", "age")}}]
    rows += [{"network": name, "gender": shown(*tasks["gender"]), "age": shown(*tasks["age"])}
             for name, tasks in MODERN_ACCURACY.items()]
    return pd.DataFrame(rows).set_index("network")


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
