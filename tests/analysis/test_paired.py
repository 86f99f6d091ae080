"""Paired comparisons: McNemar's exact test, paired intervals, and the t-test over several runs."""

import numpy as np
import pytest
from scipy import stats

from helpers.analysis import paired


def test_mcnemar_counts_the_discordant_faces_and_gives_the_exact_binomial_p():
    # the textbook table: 59 faces right under both, 6 only under A, 16 only under B, 19 wrong under both
    correct_a = np.r_[np.ones(59), np.ones(6), np.zeros(16), np.zeros(19)].astype(bool)
    correct_b = np.r_[np.ones(59), np.zeros(6), np.ones(16), np.zeros(19)].astype(bool)
    only_a, only_b, p_value = paired.mcnemar(correct_a, correct_b)
    assert (only_a, only_b) == (6, 16)
    # exact two-sided: 2 * P(X <= 6) for X ~ Binomial(22, 1/2) = 0.0525
    assert p_value == pytest.approx(2 * stats.binom.cdf(6, 22, 0.5)) and p_value == pytest.approx(0.0525, abs=1e-4)
    assert paired.mcnemar(correct_a, correct_a)[2] == 1.0  # no disagreement, no evidence
    with pytest.raises(ValueError, match="different faces"):
        paired.mcnemar(correct_a, correct_b[:-1])


def test_the_paired_interval_is_narrower_than_the_unpaired_one_when_runs_agree_on_most_faces():
    rng = np.random.default_rng(1)
    hard = rng.random(400) < 0.35  # faces both runs find hard
    correct_a = ~hard & (rng.random(400) > 0.05)
    correct_b = ~hard & (rng.random(400) > 0.12)
    low, high = paired.bootstrap_interval(correct_a, correct_b, paired=True)
    unpaired_low, unpaired_high = paired.bootstrap_interval(correct_a, correct_b, paired=False)
    difference = correct_a.mean() - correct_b.mean()
    assert low < difference < high and unpaired_low < difference < unpaired_high
    assert high - low < 0.7 * (unpaired_high - unpaired_low)


def test_one_pair_uses_mcnemar_and_several_a_t_test_over_their_differences():
    correct_a = np.r_[np.ones(80), np.zeros(20)].astype(bool)
    correct_b = np.r_[np.ones(70), np.zeros(30)].astype(bool)
    one = paired.compare([(correct_a, correct_b)])
    assert one.test.startswith("McNemar") and one.difference == pytest.approx(0.10) and one.pairs == 1
    assert one.p_value == pytest.approx(stats.binomtest(10, 10, 0.5).pvalue) and one.beyond_noise
    shifted = [(correct_a, np.roll(correct_b, k)) for k in range(3)]  # the same accuracies, other faces
    several = paired.compare([(correct_a, correct_b), (correct_a[:90], correct_b[:90]), *shifted])
    differences = [0.10, correct_a[:90].mean() - correct_b[:90].mean(), 0.10, 0.10, 0.10]
    assert several.test.startswith("paired t-test") and several.pairs == 5
    assert several.difference == pytest.approx(np.mean(differences))
    assert several.p_value == pytest.approx(stats.ttest_1samp(differences, 0).pvalue)
    assert several.low < several.difference < several.high
    with pytest.raises(ValueError, match="no pair"):
        paired.compare([])


def test_unpaired_means_without_spread_are_equal_or_apart_for_certain():
    same, apart = paired.unpaired(0.70, 0.0, 0.70, 0.0), paired.unpaired(0.70, 0.0, 0.60, 0.0)
    assert (same.p_value, same.low, same.high, same.beyond_noise) == (1.0, 0.0, 0.0, False)
    assert apart.p_value == 0.0 and apart.beyond_noise and apart.low == apart.high == pytest.approx(0.10)
    assert (apart.pairs, apart.faces) == (0, 0) and apart.test.startswith("unpaired")  # no face was paired


def test_two_runs_use_their_spread_and_one_run_the_test_sets_sampling_error():
    import pandas as pd

    two = pd.Series([0.60, 0.70])
    assert paired.standard_error(two, n_test=200) == pytest.approx(np.std([0.60, 0.70], ddof=1) / np.sqrt(2))
    assert paired.standard_error(two[:1], n_test=200) == pytest.approx(np.sqrt(0.6 * 0.4 / 200))


def test_mcnemar_takes_zeros_and_ones_as_well_as_booleans():
    correct_a = np.r_[np.ones(59), np.ones(6), np.zeros(16), np.zeros(19)]  # a column of 0/1 read from a file
    correct_b = np.r_[np.ones(59), np.zeros(6), np.ones(16), np.zeros(19)]
    for kind in (int, float):  # 0/1 as integers, or as floats where the column held a NaN
        assert paired.mcnemar(correct_a.astype(kind), correct_b.astype(kind))[:2] == (6, 16), kind
    assert paired.compare([(correct_a.astype(int), correct_b.astype(int))]).faces == 100


def test_the_bootstrap_resamples_every_face_and_gives_a_95_percent_interval():
    # only face 0 differs: it must be drawn sometimes, by both the paired and the unpaired resampling
    only_first = np.r_[True, np.zeros(19, bool)]
    nothing = np.zeros(20, bool)
    assert paired.bootstrap_interval(only_first, nothing)[1] > 0
    assert paired.bootstrap_interval(nothing, only_first, paired=False)[0] < 0
    # the same interval on every call (seeded), and by default the paired one
    rng = np.random.default_rng(3)
    correct_a, correct_b = rng.random(2000) < 0.7, rng.random(2000) < 0.6
    interval = paired.bootstrap_interval(correct_a, correct_b)
    assert interval == paired.bootstrap_interval(correct_a, correct_b, paired=True, repeats=4000, seed=0)
    # with 2000 faces the bootstrap's 2.5 and 97.5 percentiles sit 1.96 standard errors either side
    per_face = correct_a.astype(float) - correct_b.astype(float)
    error = per_face.std() / np.sqrt(len(per_face))
    assert (per_face.mean() - interval[0]) / error == pytest.approx(1.96, rel=0.06)
    assert (interval[1] - per_face.mean()) / error == pytest.approx(1.96, rel=0.06)


def test_several_pairs_get_the_t_interval_and_identical_differences_are_certain():
    correct_a = np.r_[np.ones(80), np.zeros(20)].astype(bool)
    pairs = [(correct_a, np.r_[np.ones(70 + k), np.zeros(30 - k)].astype(bool)) for k in (0, 2, 5, 9)]
    several = paired.compare(pairs)
    differences = np.array([0.10, 0.08, 0.05, 0.01])
    half = stats.t.ppf(0.975, 3) * differences.std(ddof=1) / np.sqrt(4)
    assert (several.low, several.high) == pytest.approx((differences.mean() - half, differences.mean() + half))
    assert (several.pairs, several.faces) == (4, 100)
    same = paired.compare([(correct_a, correct_a), (correct_a, correct_a)])  # no difference at all
    assert (same.difference, same.p_value, same.low, same.high, same.beyond_noise) == (0.0, 1.0, 0.0, 0.0, False)
    apart = paired.compare([(correct_a, ~correct_a), (correct_a, ~correct_a)])  # 0.6 on both pairs
    assert apart.p_value == 0.0 and apart.low == apart.high == pytest.approx(0.6) and apart.beyond_noise
