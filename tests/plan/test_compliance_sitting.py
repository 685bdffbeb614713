"""Last week against its advice, and sitting advice."""

from datetime import timedelta

from pipeline.plan.compliance import week_against_advice
from pipeline.plan.days import by_day
from pipeline.plan.rules import PlanRules
from pipeline.plan.sitting import sitting_advice
from tests.plan.runners import AS_OF, planted_runner


def test_last_week_compares_the_advice_with_the_seven_days_after_it():
    frame = planted_runner("none", seed=0)
    d = by_day(frame, as_of=AS_OF)
    run_km = round(float(frame["run_km"].tail(7).sum()), 1)
    uphill = round(float(frame["uphill_min"].tail(7).sum()))
    past = {"as_of": (AS_OF - timedelta(days=7)).isoformat(), "status": "hold",
            "weekly_run_km": {"min": 20.0, "max": run_km},
            "plan": {"uphill_min_max": uphill, "fast_min_max": None}}
    out = week_against_advice(past, d)
    assert (out["run_km"], out["advised_max_km"], out["followed"]) == (run_km, run_km, True)
    over = week_against_advice({**past, "weekly_run_km": {"min": 1.0, "max": run_km - 0.1},
                                "plan": {"uphill_min_max": uphill - 1}}, d)
    assert over["followed"] is False and over["exceeded"] == ["km", "uphill_min"]


def test_sitting_advice_appears_when_sitting_pain_is_high_or_rising_only():
    rules = PlanRules()
    calm = planted_runner("none", seed=0, sitting=1.0)
    assert sitting_advice(by_day(calm, as_of=AS_OF), as_of=AS_OF, rules=rules) is None
    high = planted_runner("none", seed=0, sitting=4.0)
    out = sitting_advice(by_day(high, as_of=AS_OF), as_of=AS_OF, rules=rules)
    assert out["high"] and out["sitting_mean_0_10"] == 4.0
    assert any("instead of sitting" in a for a in out["advice"])
    rising = planted_runner("none", seed=0, sitting=1.0)
    rising.loc[rising.index[-7:], "pain_sitting_0_10"] = 2.0
    out = sitting_advice(by_day(rising, as_of=AS_OF), as_of=AS_OF, rules=rules)
    assert out["rising"] and not out["high"] and out["change_0_10"] == 1.0
    assert "+1.0 on the 7 days before" in out["why"]
