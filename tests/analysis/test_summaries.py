"""What the study notebooks print beside their tables: the baseline's mark and the step schedule's drops."""

from __future__ import annotations

import pandas as pd

from helpers import profiles
from helpers.analysis import summaries
from helpers.studies import catalogue


def test_the_plan_marks_the_baseline_with_the_papers_own_value_where_the_profile_differs(tmp_path):
    smoke = profiles.get_profile("smoke", data_dir=tmp_path)
    assert smoke.batch_size == 32  # the paper's is 50
    plan = summaries.plan_table(catalogue.STUDIES["batch_size"], smoke)
    assert plan.loc["32", "baseline"] == "yes (paper: batch_size 50)" and plan.loc["16", "baseline"] == ""
    assert summaries.baseline_note(catalogue.STUDIES["hidden_units"], smoke) == "yes"  # 512, as the paper
    paper = profiles.get_profile("paper", data_dir=tmp_path)
    assert summaries.baseline_note(catalogue.STUDIES["batch_size"], paper) == "yes"


def test_the_step_schedules_drops_are_counted_from_the_runs_iterations(tmp_path):
    smoke = profiles.get_profile("smoke", data_dir=tmp_path)
    runs = pd.DataFrame({"schedule": ["step", "step", "constant"], "step_every": [10_000, 10_000, 10_000],
                         "iterations": [144, 150, 144]})
    assert summaries.schedule_drops(runs, smoke) == (
        "The step schedule's runs made 144-150 iterations each, and it drops the rate every 10,000 iterations: "
        "0 drop(s) in this smoke profile, so here it trains at a constant rate.")
    long = runs.assign(step_every=50, iterations=[144, 100, 10])
    assert summaries.schedule_drops(long, smoke).endswith("2 drop(s) in this smoke profile.")
    assert summaries.schedule_drops(runs.drop(columns="iterations"), smoke).startswith("No run of the step")
