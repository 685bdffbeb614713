"""Cross-training by type on planted runners: a sport followed by more pain goes to ``avoid``
and a calm one is suggested."""

import pandas as pd

from pipeline.plan.cross import cross_training_plan, type_evidence
from pipeline.plan.days import by_day
from pipeline.plan.rules import PlanRules
from tests.plan.runners import AS_OF, empty_pain_log, planted_runner

RULES = PlanRules()


def plan_for(frame, pain_log, total=90):
    evidence = type_evidence(by_day(frame, as_of=AS_OF), pain_log, as_of=AS_OF, rules=RULES)
    return evidence, *cross_training_plan(total, evidence, rules=RULES)


def test_pain_after_cycling_puts_cycling_in_avoid_and_suggests_a_calm_type():
    for seed in range(20):
        evidence, suggested, avoid = plan_for(planted_runner("cycling", seed=seed),
                                              empty_pain_log())
        assert [a["what"] for a in avoid] == ["cycling"]
        assert "try a different activity" in avoid[0]["why"]
        assert f"{evidence['cycling']['morning_after_0_10']:.1f}" in avoid[0]["why"]
        assert suggested[0]["sport"] == "swimming"  # the calm one they already do
        assert sum(s["min"] for s in suggested) == 90
        assert "cycling" not in {s["sport"] for s in suggested}


def test_calm_runner_keeps_both_sports():
    misses = 0
    for seed in range(20):
        _, suggested, avoid = plan_for(planted_runner("none", seed=seed), empty_pain_log())
        misses += bool(avoid)
        assert sum(s["min"] for s in suggested) == 90
    assert misses <= 2


def test_pain_logged_during_a_sport_counts_even_without_its_watch_file():
    frame = planted_runner("none", seed=0)
    days = pd.date_range(end=pd.Timestamp(AS_OF), periods=3, freq="3D")
    log = pd.DataFrame({"date": days, "context": "during_cross_training",
                        "pain_0_10": [6.0, 7.0, 6.0], "activity": "elliptical"})
    evidence, suggested, avoid = plan_for(frame, log, total=30)
    assert evidence["elliptical"]["sessions_above_5"] == 3
    assert [a["what"] for a in avoid] == ["elliptical"]
    assert suggested == [{"sport": "cycling", "min": 30}]  # most used calm type, one session


def test_no_cross_training_minutes_means_no_suggestions():
    _, suggested, _ = plan_for(planted_runner("none", seed=0), empty_pain_log(), total=0)
    assert suggested == []
