"""The studies: each one factor of the paper's recipe, its values, and the settings of each value.

A study is a name and its *variants*: a label and the settings it changes, e.g. ``"16": {"batch_size":
16}``. Every variant starts from the paper's settings as the profile sizes them (``settings.baseline``), so
the paper's own value appears in every study, and a value can be given relative to the profile's
(``OfProfile(0.1)`` of a learning rate is a tenth of it). A profile with ``quick_studies`` (smoke, class) runs
only the ``quick`` variants of the studies that name some: for the report's one-factor studies (notebooks
03-07) the paper's value and the course report's choice (where the report kept the paper's value, the smallest
other one), so that each asks one paired question in minutes; the paper profile runs every value.
``helpers.studies.runner`` runs them.
"""

from __future__ import annotations

import dataclasses

from helpers.profiles import Profile, get_profile
from helpers.training.settings import Settings, baseline


@dataclasses.dataclass(frozen=True)
class OfProfile:
    """A setting relative to the profile's own value (``OfProfile(0.1)`` of a learning rate is a tenth of it)."""

    factor: float = 1.0

    def __repr__(self) -> str:
        return "the profile's" if self.factor == 1 else f"the profile's x {self.factor:g}"


@dataclasses.dataclass(frozen=True)
class ProfileChoice:
    """A setting the profile chooses, by the name of its field (``ProfileChoice("backbone_weights")``: ImageNet's
    weights in the paper profile, none in the quick ones)."""

    field: str

    def __repr__(self) -> str:
        return f"the profile's {self.field}"


@dataclasses.dataclass(frozen=True)
class Study:
    name: str
    variants: dict  # label -> {Settings field: value or OfProfile}
    tasks: tuple = ("gender", "age")
    quick: tuple = ()  # the variants a quick profile runs (all when empty)
    keep_models: bool = False  # save every run's best model beside its log (notebook 02 looks inside them)
    notebook: str = ""  # the notebook that runs it

    def __post_init__(self):
        """Check every variant now, against the paper's settings, so that a misspelled field or value fails when
        the study is defined, not minutes into it."""
        paper = Settings()
        for variant, changes in self.variants.items():
            if unknown := sorted(set(changes) - {field.name for field in dataclasses.fields(Settings)}):
                raise ValueError(f"study {self.name!r}, variant {variant!r}: {', '.join(unknown)} is not a field of "
                                 f"Settings (helpers/training/settings.py lists them)")
            try:
                self._made(variant, paper, None)
            except ValueError as problem:
                raise ValueError(f"study {self.name!r}, variant {variant!r}: {problem}") from None
        if missing := [variant for variant in self.quick if variant not in self.variants]:
            raise ValueError(f"study {self.name!r}: quick variants {missing} are not among its variants "
                             f"{list(self.variants)}")

    def variants_for(self, profile: Profile) -> list[str]:
        return list(self.quick) if profile.quick_studies and self.quick else list(self.variants)

    def settings_for(self, variant: str, profile: Profile) -> Settings:
        """The full settings of one variant under ``profile``."""
        return self._made(variant, baseline(profile), profile)

    def _made(self, variant: str, base: Settings, profile: Profile | None) -> Settings:
        """``base`` with the variant's changes: an ``OfProfile`` value taken relative to ``base``'s, a
        ``ProfileChoice`` read from ``profile`` (without one, checked under the paper and the smoke profiles, and
        made as in the smoke one)."""

        def value(field, change, under: Profile):
            if isinstance(change, OfProfile):
                return getattr(base, field) * change.factor
            return getattr(under, change.field) if isinstance(change, ProfileChoice) else change

        for under in [profile] if profile else [get_profile("paper", "."), get_profile("smoke", ".")]:
            made = dataclasses.replace(base, **{field: value(field, change, under)
                                                for field, change in self.variants[variant].items()})
        return made

    def paper_variant(self, profile: Profile) -> str | None:
        """The variant whose settings are the paper's (the baseline), if the study holds one."""
        paper = baseline(profile)
        return next((v for v in self.variants if self.settings_for(v, profile) == paper), None)


def plan(study: Study, profile: Profile, folds=None, seeds=None) -> list[tuple]:
    """Every (variant, task, fold, seed) the study runs under ``profile`` (its folds and seeds by default)."""
    folds = tuple(profile.folds if folds is None else folds)
    seeds = tuple(profile.seeds if seeds is None else seeds)
    return [(variant, task, fold, seed) for task in study.tasks for fold in folds
            for variant in study.variants_for(profile) for seed in seeds]


#: The paper's baseline (notebook 02), the report's one-factor studies (notebooks 03-08) and the improvements it
#: proposed that change what a run outputs or sees (notebooks 12-14), and the modern backbones (notebook 16).
STUDIES = {
    "baseline": Study("baseline", {"paper": {}}, keep_models=True, notebook="02_levi_hassner_model"),
    "batch_size": Study(
        "batch_size", {str(size): {"batch_size": size} for size in (4, 8, 16, 32, 64)}, quick=("16", "32"),
        notebook="03_batch_size",
    ),
    "hidden_units": Study(
        "hidden_units",
        {str(units): {"hidden_units": units} for units in (128, 256, 512, 1024, 2048)},
        quick=("128", "512"), notebook="04_hidden_neurons",
    ),
    "hidden_layers": Study("hidden_layers", {str(layers): {"hidden_layers": layers} for layers in (1, 2, 3)},
                           quick=("1", "2"), notebook="05_hidden_layers"),
    "learning_rate": Study(
        "learning_rate",
        {
            "step schedule (profile's rate)": {"schedule": "step", "learning_rate": OfProfile()},
            **{
                f"constant {rate:g}": {"schedule": "constant", "learning_rate": rate}
                for rate in (1e-4, 1e-3, 5e-3, 1e-2)
            },
        },
        quick=("step schedule (profile's rate)", "constant 0.001"), notebook="06_learning_rate",
    ),
    "augmentation": Study(
        "augmentation",
        {
            "none": {"random_crop": False, "flip": False},
            "flip": {"random_crop": False, "flip": True},
            "crop": {"random_crop": True, "flip": False},
            "crop + flip (paper)": {"random_crop": True, "flip": True},
        },
        quick=("flip", "crop + flip (paper)"), notebook="07_augmentation",
    ),
    "transfer": Study(
        "transfer",
        {
            "from scratch": {},
            "frozen trunk, new softmax (report)": {"transfer": "frozen"},
            "fine-tune all, rate / 10": {"transfer": "fine-tune", "learning_rate": OfProfile(0.1)},
        },
        notebook="08_transfer_learning",
    ),
    "age_output": Study(
        "age_output",
        {"8 groups (paper)": {}, "years (regression)": {"age_output": "regression"},
         "DEX (expected age)": {"age_output": "dex"}},
        tasks=("age",), notebook="12_age_regression",
    ),
    "preprocessing": Study(
        "preprocessing",
        {"none (paper)": {}, "Gaussian blur": {"preprocessing": "gaussian"},
         "histogram equalization": {"preprocessing": "equalize"}, "CLAHE": {"preprocessing": "clahe"},
         "Otsu threshold": {"preprocessing": "otsu"}},
        quick=("none (paper)", "CLAHE", "Otsu threshold"), notebook="14_classical_preprocessing",
    ),
    # Equal loss weights, and the age loss divided by 3 (ln 8 / ln 2): both heads' losses equal at chance.
    # What ten years of networks add: keras.applications backbones under the kit's head (notebook 16), from
    # ImageNet's weights in the paper profile and from scratch in the quick ones, which train only the smallest:
    # on 2 cores at 68 px EfficientNetV2B0 trained 93 images/s against the paper network's 549 (measured), so its
    # two runs alone took 273 s, a third of the whole smoke course.
    "backbones": Study(
        "backbones",
        {"Levi-Hassner (paper)": {},
         **{label: {"network": name, "weights": ProfileChoice("backbone_weights")}
            for label, name in (("MobileNetV3Small", "mobilenet_v3_small"), ("EfficientNetV2B0", "efficientnet_v2_b0"),
                                ("ResNet50V2", "resnet50_v2"))}},
        quick=("Levi-Hassner (paper)", "MobileNetV3Small"), notebook="16_modern_backbones",
    ),
    "multitask": Study(
        "multitask",
        {"two networks (paper)": {}, "one network, equal weights": {"multitask": True},
         "one network, age loss / 3": {"multitask": True, "age_loss_weight": 1 / 3}},
        notebook="13_multitask",
    ),
}
