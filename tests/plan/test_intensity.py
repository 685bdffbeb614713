"""Intensity caps on planted runners (many seeds): pain that follows hills brings the uphill cap
below the recent hill minutes; pain that follows km does not ban hills."""

import pytest

from pipeline.plan.days import by_day
from pipeline.plan.intensity import intensity_caps
from pipeline.plan.rules import PlanRules
from tests.plan.runners import AS_OF, planted_runner, rec_for, recent_weekly

SEEDS = range(30)


def caps(frame, **rec):
    return intensity_caps(by_day(frame, as_of=AS_OF), rec_for(frame, **rec), as_of=AS_OF,
                          rules=PlanRules())


def test_pain_that_follows_hill_minutes_brings_the_uphill_cap_below_recent_hills():
    below = 0
    for seed in SEEDS:
        frame = planted_runner("hills", seed=seed)
        out = caps(frame)
        recent = recent_weekly(frame, "uphill_min")
        if out["intensity_response"]["uphill_min"]["provokes"]:
            assert out["uphill_min_max"] < recent
            reason = next(r for r in out["reasons"] if r.startswith("Weeks with more uphill"))
            assert f"cap is {out['uphill_min_max']} min" in reason  # the sentence says the number
            below += 1
        assert not out["intensity_response"]["fast_min"]["provokes"] or seed < 0
    assert below >= 0.9 * len(SEEDS)


def test_pain_that_follows_km_gets_no_needless_hill_ban():
    fine = 0
    for seed in SEEDS:
        frame = planted_runner("km", seed=seed)
        out = caps(frame)
        recent = recent_weekly(frame, "uphill_min")
        if not out["intensity_response"]["uphill_min"]["provokes"]:
            assert out["uphill_min_max"] >= 0.9 * recent > 0  # hold: the usual hill minutes
            fine += 1
    assert fine >= 0.9 * len(SEEDS)


def test_calm_runner_on_progress_may_add_a_little_of_each_kind():
    frame = planted_runner("none", seed=3)
    out = caps(frame, status="progress")
    assert out["uphill_min_max"] >= recent_weekly(frame, "uphill_min")
    assert out["fast_min_max"] >= recent_weekly(frame, "fast_min")


def test_graded_return_brings_hills_back_first_and_speed_after():
    frame = planted_runner("none", seed=1)
    frame.loc[frame.index[-14:], ["uphill_min", "fast_min"]] = 0.0  # flat and easy for 2 weeks
    out = caps(frame, status="progress")
    rules = PlanRules()
    assert out["uphill_min_max"] == rules.hill_restart_min and out["fast_min_max"] == 0
    assert any("hills come back first" in r for r in out["reasons"])
    frame.loc[frame.index[-10:], "uphill_min"] = 2.0  # hills are back, no fast running yet
    out = caps(frame, status="progress")
    assert out["fast_min_max"] == rules.fast_restart_min


@pytest.mark.parametrize("status", ["reduce", "seek_care"])
def test_reduce_scales_intensity_with_the_km_and_long_runs_count_by_duration(status):
    frame = planted_runner("none", seed=2)
    out = caps(frame, status=status)
    assert 0 < out["uphill_min_max"] <= recent_weekly(frame, "uphill_min")
    longest = frame["longest_run_min"].tail(30).max()
    assert out["long_run_min_max"] == int(1.1 * longest)


def test_a_runner_who_logs_only_daily_pain_is_read_from_it():
    found = 0
    for seed in range(10):
        frame = planted_runner("hills", seed=seed).rename(
            columns={"pain_next_morning_0_10": "pain_daily_0_10"})
        found += caps(frame)["intensity_response"]["uphill_min"]["provokes"]
    assert found >= 9
