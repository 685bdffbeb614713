"""The plan's tunable numbers, each with where it comes from (rules of thumb are labelled so).

Kept beside the plan rather than in ``config.Thresholds`` so the plan's rules read in one place;
``Thresholds`` still holds everything the recommendation itself uses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanRules:
    # --- intensity (SCIENCE.md "How hard, not only how much"; Goom 2016, Chumanov 2012) -------
    intensity_weeks: int = 12  # seven-day windows searched for the runner's own response
    min_intensity_weeks: int = 6  # fewer rated windows: no response estimate (rule-based caps)
    # a slope counts when its t value passes this and the modelled rise over the runner's own
    # range (10th to 90th percentile week) is at least ``min_rise_0_10``
    min_t_value: float = 2.5  # above t(0.975, 8 dof) = 2.31: 12 weeks, 4 coefficients
    min_rise_0_10: float = 0.5  # the same half point as "pain increasing" (pain_trend_rise)
    provoking_cap_share: float = 0.8  # a provoking kind comes down at least 20 % below recent
    hill_restart_min: float = 10.0  # graded return: hills come back first, ~10 min (rule of thumb)
    fast_restart_min: float = 5.0  # then strides: ~5 min of faster running (rule of thumb)
    intensity_progress: float = 0.10  # a calm kind may grow like the km (+10 %, a convention)
    long_run_min_share: float = 1.10  # long run <= 110 % of the 30-day longest by duration too
    # --- the week as runs ----------------------------------------------------------------------
    long_run_share: float = 0.35  # the long run's share of the week when runs allow (convention)
    hills_session_min: float = 10.0  # a hills or tempo run needs at least this cap
    strides_min: float = 2.0  # below this, no strides either
    # --- cross-training by type (SCIENCE.md "Cross-training and rest") -------------------------
    cross_weeks: int = 12  # window for judging each type
    cross_min_days: int = 3  # cross-training-only days needed to judge a type by the mornings
    cross_rise_0_10: float = 1.0  # mornings after a type this much above other non-run days
    cross_during_max: float = 5.0  # pain during/after above Thomee's acceptable zone (> 5)
    cross_min_entries: int = 2  # ... on at least this many sessions
    # --- rehab (Goom 2016 stages; "progress when calm for about two weeks") --------------------
    rehab_calm_days: int = 14
    rehab_calm_pain: float = 3.0  # isometrics to pain <= 3/10 (SCIENCE.md), mornings the same
    rehab_min_sessions_14d: int = 4  # enough sessions to judge a stage
    rehab_sessions_isometric: int = 5  # isometrics settle pain: most days (rule of thumb)
    rehab_sessions_strength: int = 3  # strengthening: about every other day (rule of thumb)
    # --- athletic trainer (SCIENCE.md "When to see an athletic trainer") -----------------------
    settle_weeks: int = 6  # "pain not settled after about six weeks"
    pain_present: float = 2.0  # weekly mean next-morning pain above Thomee's safe zone (0-2)
    settle_margin: float = 0.5  # a fall smaller than this is "not settling"
    exceeded_weeks: int = 2  # exceeded in 2 of the last 4 weeks ...
    reduce_weeks: int = 2  # ... or "reduce" advised in 2 of the last 4 weeks
    little_rehab_28d: int = 4  # fewer sessions in 28 days than weeks: "little or no rehab"
    # --- sitting -------------------------------------------------------------------------------
    sitting_high: float = 3.0  # mean sitting pain (0-10) over 7 days that calls for advice
    sitting_rise: float = 0.5  # or a rise of this much on the 7 days before
