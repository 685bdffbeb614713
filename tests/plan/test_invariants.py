"""The plan's invariants as properties, for any numbers a recommendation may produce: runs add up
inside ``weekly_run_km``, none above ``longest_run_km_max``; cross-training adds up to
``cross_training_min`` and names no avoided sport; caps are respected by the runs."""

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from pipeline.plan import next_week_plan
from pipeline.plan.cross import cross_training_plan
from pipeline.plan.rules import PlanRules
from pipeline.plan.runs import KINDS, week_runs
from pipeline.schemas import CROSS_SPORTS
from tests.plan.runners import AS_OF, empty_pain_log, empty_rehab_log, planted_runner


@hs.composite
def recommendations(draw):
    """Contract keys the way recommend.py builds them: max rounded down to 0.1, min 85 % of it,
    runs x longest >= max (the recommendation lowers max to it)."""
    runs = draw(hs.integers(1, 6))
    longest = draw(hs.integers(10, 400)) / 10
    top = min(draw(hs.integers(1, 900)) / 10, math.floor(runs * longest * 10) / 10)
    low = math.floor(0.85 * top * 10) / 10
    return {"status": draw(hs.sampled_from(["progress", "hold", "reduce", "seek_care"])),
            "weekly_run_km": {"min": low, "max": top}, "longest_run_km_max": longest,
            "runs_per_week": runs, "cross_training_min": 5 * draw(hs.integers(0, 60)),
            "red_flags": []}


CAPS = hs.fixed_dictionaries({"uphill_min_max": hs.integers(0, 90),
                              "fast_min_max": hs.integers(0, 60),
                              "long_run_min_max": hs.none() | hs.integers(10, 240)})


@settings(max_examples=300, deadline=None)
@given(rec=recommendations(), caps=CAPS, pace=hs.none() | hs.floats(3.5, 9.0))
def test_runs_add_up_inside_the_range_and_respect_the_caps(rec, caps, pace):
    runs = week_runs(rec, caps, easy_min_per_km=pace, restart_km=2.0)
    assert len(runs) == rec["runs_per_week"]
    total = sum(r["km"] for r in runs)
    assert rec["weekly_run_km"]["min"] <= total <= rec["weekly_run_km"]["max"]
    assert all(r["km"] <= rec["longest_run_km_max"] for r in runs)
    assert all(r["kind"] in KINDS for r in runs)
    assert sum(r.get("uphill_min", 0) for r in runs) <= caps["uphill_min_max"]
    assert sum(r.get("fast_min", 0) for r in runs) <= caps["fast_min_max"]
    assert sum(r["kind"] in ("hills", "tempo", "strides") for r in runs) <= 2


EVIDENCE = hs.dictionaries(
    hs.sampled_from(CROSS_SPORTS),
    hs.fixed_dictionaries({"days": hs.integers(0, 30), "provokes": hs.booleans(),
                           "rise_0_10": hs.none() | hs.floats(-3, 3),
                           "morning_after_0_10": hs.floats(0, 10),
                           "morning_other_0_10": hs.floats(0, 10),
                           "rated_mornings": hs.integers(0, 30),
                           "sessions_above_5": hs.integers(0, 5)}))


@settings(max_examples=300, deadline=None)
@given(total=hs.integers(0, 120).map(lambda m: 5 * m), evidence=EVIDENCE)
def test_cross_training_adds_up_and_never_suggests_an_avoided_sport(total, evidence):
    suggested, avoid = cross_training_plan(total, evidence, rules=PlanRules())
    avoided = {a["what"] for a in avoid}
    assert avoided == {s for s, e in evidence.items() if e["provokes"]}
    assert not avoided & {s["sport"] for s in suggested}
    if total and len(avoided) < 5:  # some sport is always left to suggest
        assert sum(s["min"] for s in suggested) == total
        assert all(s["min"] > 0 and s["min"] % 5 == 0 for s in suggested)
    else:
        assert total or suggested == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rec=recommendations(), seed=hs.integers(0, 3),
       driver=hs.sampled_from(["hills", "km", "cycling", "none"]))
def test_the_whole_plan_keeps_its_invariants_on_planted_runners(rec, seed, driver):
    frame = planted_runner(driver, seed=seed)
    out = next_week_plan(rec, frame, pain_log=empty_pain_log(), rehab_log=empty_rehab_log(),
                         as_of=AS_OF)
    json.dumps(out, allow_nan=False)  # recommendation.json: plain JSON, no NaN, no numpy
    plan = out["plan"]
    total = sum(r["km"] for r in plan["runs"])
    assert len(plan["runs"]) == rec["runs_per_week"]
    assert rec["weekly_run_km"]["min"] <= total <= rec["weekly_run_km"]["max"]
    assert all(r["km"] <= rec["longest_run_km_max"] for r in plan["runs"])
    assert sum(s["min"] for s in plan["cross_training"]) == rec["cross_training_min"]
    assert not {a["what"] for a in plan["avoid"]} & {s["sport"] for s in plan["cross_training"]}
    for r in plan["runs"]:
        assert r.get("uphill_min", 0) <= plan["uphill_min_max"]
        assert r.get("fast_min", 0) <= plan["fast_min_max"]


def test_thin_data_and_missing_columns_give_a_plan_not_an_error():
    import numpy as np
    import pandas as pd

    days = pd.DataFrame({"date": pd.date_range(end=pd.Timestamp(AS_OF), periods=3),
                         "run_km": 0.0, "pain_next_morning_0_10": [2.0, np.nan, 3.0]})
    rec = {"status": "seek_care", "weekly_run_km": {"min": 0.0, "max": 0.0},
           "longest_run_km_max": 0.0, "runs_per_week": 0, "cross_training_min": 60,
           "red_flags": [{"code": "weakness_reported", "message": "Weakness reported."}]}
    for daily in (days, days.iloc[:0]):
        out = next_week_plan(rec, daily, pain_log=empty_pain_log(),
                             rehab_log=empty_rehab_log(), as_of=AS_OF)
        json.dumps(out, allow_nan=False)
        assert out["plan"]["runs"] == [] and out["last_week"] is None
        assert sum(c["min"] for c in out["plan"]["cross_training"]) == 60  # never complete rest
        assert out["trainer_advice"][0]["red_flag"] is True
