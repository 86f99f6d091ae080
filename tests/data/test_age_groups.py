"""One age-group rule: the same age lands in the same group on every dataset and in the generator."""

import datetime

import numpy as np
import pytest

from helpers.data import adience, imdb_wiki
from helpers.data.age_groups import AGE_GROUPS, age_group
from helpers.synthetic import adience as adience_mirror
from helpers.synthetic import imdb_wiki as wiki_mirror

# Every age of the gaps between Adience's groups, with the group the rule gives it: the one with the nearest
# bound, a tie going to the older group.
GAPS = {3: 1, 7: 2, 13: 2, 14: 3, 21: 3, 22: 3, 23: 4, 24: 4, 33: 4, 34: 4, 35: 5, 36: 5, 37: 5,
        44: 5, 45: 5, 46: 6, 47: 6, 54: 6, 55: 6, 56: 6, 57: 7, 58: 7, 59: 7}


def test_ages_inside_a_group_get_that_group_and_gaps_the_nearest_bound():
    for number, name in enumerate(AGE_GROUPS):
        low, high = (int(bound) for bound in name.strip("()").split(", "))
        assert {age_group(years) for years in range(low, min(high, 99) + 1)} == {number}, name
    assert {years: age_group(years) for years in GAPS} == GAPS
    assert age_group(120) == 7 and age_group(2.9) == 0 and age_group(34.99) == 4  # whole years count
    assert age_group(np.array([[35, 3], [0, 100]])).tolist() == [[5, 1], [0, 7]]
    assert type(age_group(35)) is int  # one age, one plain number
    # ages as a pandas column of Python numbers (object dtype) count the same
    assert age_group(np.array([35, 2.9, 101], dtype=object)).tolist() == [5, 0, 7]
    with pytest.raises(ValueError, match=r"years >= 0; got \[-1\]"):
        age_group(-1)
    with pytest.raises(ValueError, match="years >= 0"):  # a missing age is not put in any group
        age_group([30, float("nan")])


def _wiki_with_ages(root, ages):
    """A wiki.mat whose entries are aged ``ages`` on the photo's 1 July (born on 1 January)."""
    count = len(ages)
    columns = {"dob": [wiki_mirror.matlab_datenum(datetime.date(2010 - age, 1, 1)) for age in ages],
               "photo_taken": [2010] * count, "full_path": [f"17/{i}_x_2010.jpg" for i in range(count)],
               "gender": [1.0] * count, "name": ["a"] * count, "face_location": [np.zeros((1, 4))] * count,
               "face_score": [4.0] * count, "second_face_score": [np.nan] * count}
    wiki_mirror.write_index(root, columns)
    return imdb_wiki.load_imdb_wiki(root / "wiki_crop", require_files=False).index


def _adience_with_ages(root, ages):
    header = "\t".join(adience.HEADER)
    rows = ["\t".join([f"{i}@N01", f"{i}_o.jpg", str(i), str(age), "f", "0", "0", "1", "1", "0", "0", "1"])
            for i, age in enumerate(ages)]
    root.mkdir()
    (root / "fold_0_data.txt").write_text(header + "\n" + "\n".join(rows) + "\n")
    for fold in range(1, 5):
        (root / f"fold_{fold}_data.txt").write_text(header + "\n")
    return adience.load_adience(root, require_files=False).index


def test_ages_33_to_37_and_every_other_gap_agree_on_every_dataset(tmp_path):
    ages = sorted(GAPS) + [2, 30, 40, 65]
    expected = [age_group(age) for age in ages]
    wiki = _wiki_with_ages(tmp_path, ages)
    assert wiki.age.astype(int).tolist() == ages and wiki.age_group.tolist() == expected
    faces = _adience_with_ages(tmp_path / "adience", ages)
    assert faces.age.astype(int).tolist() == ages and faces.age_group.tolist() == expected
    assert [expected[ages.index(age)] for age in range(33, 38)] == [4, 4, 5, 5, 5]


def test_the_generator_draws_label_noise_from_a_group_next_to_the_rules(tmp_path):
    rng = np.random.default_rng(0)
    for years in [3.5, 13.2, 23.9, 35.0, 36.7, 57.1, 1.0, 80.0]:
        for _ in range(20):
            other = adience_mirror.neighbouring_age(years, rng)
            assert abs(age_group(other) - age_group(years)) == 1, (years, other)
