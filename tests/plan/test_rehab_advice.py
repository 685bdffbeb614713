"""plan.rehab on a regular rehab log, and trainer advice for persistent pain without rehab."""

from datetime import timedelta

import pandas as pd

from pipeline.plan.days import by_day
from pipeline.plan.rehab_advice import rehab_plan, rehab_weeks
from pipeline.plan.rules import PlanRules
from pipeline.plan.trainer import trainer_advice
from pipeline.rehab.merge import rehab_log_frame
from pipeline.rehab.parse import Entry
from tests.plan.runners import AS_OF, empty_rehab_log, planted_runner

RULES = PlanRules()


def regular_log(*, iso_days=range(40, 21, -1), iso_tonic_days=range(21, -1, -1), every=2,
                pain=1.0) -> pd.DataFrame:
    """Isometric holds every ``every`` days from 40 to 22 days before AS_OF, then bridges and
    clamshells (isotonic) every ``every`` days up to AS_OF."""
    entries = []
    for back in iso_days:
        if back % every == 0:
            entries.append(Entry(AS_OF - timedelta(days=back), "isometric bridge hold", 5, None,
                                 None, 45.0, pain, None, "t"))
    for back in iso_tonic_days:
        if back % every == 0:
            day = AS_OF - timedelta(days=back)
            entries += [Entry(day, "bridge", 3, 12, None, None, pain, None, "t"),
                        Entry(day, "clamshells", 3, 15, None, None, pain, None, "t")]
    return rehab_log_frame(entries)


def test_regular_log_gives_the_session_count_stage_and_readiness():
    frame = planted_runner("none", seed=0, baseline=0.5, noise_sd=0.2)
    log = regular_log()
    d = by_day(frame, as_of=AS_OF)
    out = rehab_plan(log, d, as_of=AS_OF, rules=RULES)
    expected_28 = len({t for t in log["date"] if t > pd.Timestamp(AS_OF) - pd.Timedelta(days=28)})
    assert out["sessions_last_28_days"] == expected_28 == 14
    assert out["stage"] == "isotonic" and out["next_stage"] == "heavy_slow"
    assert out["stage_since"] == (AS_OF - timedelta(days=20)).isoformat()
    assert out["ready_to_progress"] is True, out["progress_when"]
    assert "Ready to move to heavy, slow strengthening" in out["progress_when"]
    weeks = rehab_weeks(log, d, as_of=AS_OF)
    assert sum(w["rehab_days"] for w in weeks[-4:]) == 14


def test_painful_exercise_holds_the_stage_and_says_why():
    frame = planted_runner("none", seed=0, baseline=0.5, noise_sd=0.2)
    out = rehab_plan(regular_log(pain=5.0), by_day(frame, as_of=AS_OF), as_of=AS_OF,
                     rules=RULES)
    assert out["stage"] == "isotonic" and not out["ready_to_progress"]
    assert "exercise pain at most 3/10 (was 5.0)" in out["progress_when"]


def test_nothing_logged_starts_at_isometrics():
    frame = planted_runner("none", seed=0)
    out = rehab_plan(empty_rehab_log(), by_day(frame, as_of=AS_OF), as_of=AS_OF, rules=RULES)
    assert (out["stage"], out["stage_logged"], out["sessions_last_28_days"]) == (
        "isometric", False, 0)


def test_persistent_pain_without_rehab_gets_rehab_protocol_and_with_rehab_does_not():
    frame = planted_runner("none", seed=4, baseline=3.5)  # mornings ~3.5/10 for weeks
    d = by_day(frame, as_of=AS_OF)
    rec = {"status": "hold", "red_flags": []}
    none = rehab_plan(empty_rehab_log(), d, as_of=AS_OF, rules=RULES)
    advice = trainer_advice(rec, d, as_of=AS_OF, rehab=none, history=[], rules=RULES)
    codes = [a["code"] for a in advice]
    assert "rehab_protocol" in codes and "help_modifying" in codes  # not settling for 6 weeks
    protocol = next(a for a in advice if a["code"] == "rehab_protocol")
    assert "0 rehab sessions" in protocol["message"] and not protocol["red_flag"]
    regular = rehab_plan(regular_log(), d, as_of=AS_OF, rules=RULES)
    advice = trainer_advice(rec, d, as_of=AS_OF, rehab=regular, history=[], rules=RULES)
    assert "rehab_protocol" not in [a["code"] for a in advice]


def test_calm_runner_gets_no_trainer_advice_and_red_flags_stay_alarms():
    frame = planted_runner("none", seed=4, baseline=0.5, noise_sd=0.2)
    d = by_day(frame, as_of=AS_OF)
    rehab = rehab_plan(regular_log(), d, as_of=AS_OF, rules=RULES)
    assert trainer_advice({"red_flags": []}, d, as_of=AS_OF, rehab=rehab, history=[],
                          rules=RULES) == []
    flag = {"code": "weakness_reported", "message": "Weakness reported."}
    advice = trainer_advice({"red_flags": [flag]}, d, as_of=AS_OF, rehab=rehab, history=[],
                            rules=RULES)
    assert advice == [{**flag, "red_flag": True}]


def test_advice_exceeded_two_of_four_weeks_with_pain_rising_asks_for_help_modifying():
    frame = planted_runner("none", seed=5, baseline=1.0, noise_sd=0.1)
    frame.loc[frame.index[-14:], "pain_next_morning_0_10"] = 3.0  # rising over the last weeks
    d = by_day(frame, as_of=AS_OF)
    rehab = rehab_plan(regular_log(), d, as_of=AS_OF, rules=RULES)
    history = [{"followed": True, "status": "hold"}, {"followed": False, "status": "hold"},
               {"followed": True, "status": "hold"}, {"followed": False, "status": "hold"}]
    advice = trainer_advice({"red_flags": []}, d, as_of=AS_OF, rehab=rehab, history=history,
                            rules=RULES)
    assert [a["code"] for a in advice] == ["help_modifying"]
    assert "exceeded in 2 of the last 4 weeks" in advice[0]["message"]


def test_nothing_after_as_of_changes_the_plan():
    """``analyze --as-of`` must not look ahead: rehab sessions, cross-training pain and days
    after ``as_of`` leave the plan unchanged."""
    from pipeline.plan import next_week_plan

    frame = planted_runner("cycling", seed=2)
    early = AS_OF - timedelta(days=10)
    rec = {"status": "hold", "weekly_run_km": {"min": 20.0, "max": 25.0},
           "longest_run_km_max": 9.0, "runs_per_week": 4, "cross_training_min": 60,
           "red_flags": []}
    later_rides = pd.DataFrame({"date": pd.date_range(early + timedelta(days=1), AS_OF),
                                "context": "after_cross_training", "pain_0_10": 8.0,
                                "activity": "swimming"})
    log = regular_log()
    cut = frame[frame["date"] <= pd.Timestamp(early)]
    before = next_week_plan(rec, cut, pain_log=later_rides.iloc[:0], as_of=early,
                            rehab_log=log[log["date"] <= pd.Timestamp(early)])
    after = next_week_plan(rec, frame, pain_log=later_rides, rehab_log=log, as_of=early)
    assert before == after


def test_repeated_reduce_weeks_ask_for_help_and_only_then_is_older_advice_needed():
    from pipeline.plan.trainer import needs_older_advice

    frame = planted_runner("none", seed=6, baseline=0.5, noise_sd=0.2)
    d = by_day(frame, as_of=AS_OF)
    rehab = rehab_plan(regular_log(), d, as_of=AS_OF, rules=RULES)
    history = [{"followed": True, "status": s} for s in ("hold", "reduce", "hold", "reduce")]
    advice = trainer_advice({"red_flags": []}, d, as_of=AS_OF, rehab=rehab, history=history,
                            rules=RULES)
    assert [a["code"] for a in advice] == ["help_modifying"]
    assert "reduced in 2 of the last 4 weeks" in advice[0]["message"]
    calm = {"status": "hold"}
    assert not needs_older_advice(calm, calm, d, as_of=AS_OF, rules=RULES)
    assert needs_older_advice(calm, {"status": "reduce"}, d, as_of=AS_OF, rules=RULES)
    rising = frame.copy()
    rising.loc[rising.index[-10:], "pain_next_morning_0_10"] = 3.0
    assert needs_older_advice(calm, calm, by_day(rising, as_of=AS_OF), as_of=AS_OF, rules=RULES)
