"""Paths and tunable thresholds, each default beside its source. No I/O at import."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ATHLETE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Thresholds:
    """Numbers the analysis uses; see ../shared/SCIENCE.md for the evidence behind each."""

    # --- ingest -----------------------------------------------------------------------------
    twin_start_tolerance_s: float = 120.0  # same activity from two sources: starts within 2 min
    twin_relative_tolerance: float = 0.05  # ... and duration and distance within 5 %
    moving_speed_min_mps: float = 0.5  # below this a sample counts as stopped (moving time)
    altitude_smoothing_s: int = 30  # rolling window for altitude before ascent and grade
    # Rises under 1 m from the last low are residual noise, not climbing (the usual elevation-gain
    # hysteresis; barometric data is quantised at 0.2 m, GPS altitude is noisier still).
    ascent_hysteresis_m: float = 1.0
    # Smooth only as much as the altitude's own noise needs: the window shrinks from
    # altitude_smoothing_s (noise >= the hysteresis, e.g. raw GPS altitude) down to this for
    # barometric data, whose 30 s smoothing flattened short hills (ascent 10-20 % under the
    # devices' own totals on the corpus; within ~10 % with this).
    altitude_smoothing_min_s: int = 10
    uphill_grade: float = 0.04  # "time fraction uphill (grade > 4%)" (Goom 2016 features)
    fast_margin: float = 0.15  # "faster than the athlete's own easy pace by > 15%"
    # Rule of thumb: 1 Hz or "smart" recording spaces samples <= ~10 s; a longer gap is a pause
    # (auto-pause, stop button) and counts only as one typical sample spacing, not as active time.
    max_sample_gap_s: float = 10.0
    # No recording pauses a whole day between two samples: samples a day or more from the rest
    # (GPX/TCX) or outside a FIT session are wrongly dated and dropped (rule of thumb).
    far_sample_gap_s: float = 86_400.0
    # A GPX/TCX recording spanning 12 h or more, mostly pauses, is an app left running: warned.
    idle_recording_span_s: float = 43_200.0
    # Tracks or segments of one GPX file that start more than 3 h after the previous one ended are
    # separate outings (a night, a working day between them), each its own activity; breaks within
    # one outing (a cafe, a puncture, a long lunch) are shorter (rule of thumb).
    outing_gap_s: float = 10_800.0
    # GPS spikes (distance from positions): a step faster than max(factor x the activity's own
    # median moving speed, the sport's ceiling) is not movement. Ceilings: the fastest human sprint
    # is ~12.4 m/s (Bolt 2009); road-bike descents reach ~25 m/s (90 km/h).
    gps_spike_speed_factor: float = 3.0
    foot_speed_ceiling_mps: float = 12.0
    cycling_speed_ceiling_mps: float = 25.0
    # A position may wander this far between two fixes without moving (consumer GPS error ~5 m).
    gps_position_slack_m: float = 5.0
    # Across a pause, a straight-line jump faster than this x the median moving speed is a
    # transfer (a car after the run), not part of the activity (rule of thumb).
    gap_speed_factor: float = 2.0
    # Sport of a GPX/TCX that does not state one, from its median moving speed. Running above
    # 6.5 m/s (2:34 min/km) for half the moving time is faster than the marathon record pace
    # (5.7 m/s), so it is a ride; above 20 m/s (72 km/h) it is no human-powered sport.
    running_speed_ceiling_mps: float = 6.5
    cycling_speed_median_ceiling_mps: float = 20.0
    # Below ~1.6 m/s (5.8 km/h) people walk: comfortable walking is 1.3-1.5 m/s (Bohannon 1997)
    # and the walk-run transition is near 2.0 m/s (Hreljac 1993).
    walking_speed_ceiling_mps: float = 1.6
    # Samples spanning less than this share of the session's timer time were cut short (a damaged
    # file): the activity's times then come from the session too (rule of thumb).
    min_sample_coverage: float = 0.9
    # Grade over this much distance (not per sample, which is GPS/barometer noise): 50 m resolves
    # hills while smoothing altitude noise of ~0.3 m to a grade error under ~1 %.
    grade_window_m: float = 50.0
    max_input_bytes: int = 512 * 1024 * 1024  # one input file or archive
    max_archive_uncompressed_bytes: int = 8 * 1024**3  # zip-bomb guard: total expanded size
    max_compression_ratio: float = 200.0  # zip-bomb guard: per member
    max_archive_depth: int = 3  # nested zips (Garmin exports nest one level)
    # records (FIT messages, GPX/TCX track points) in one activity file: decoding holds all of
    # them (~0.7 KB each with the fast FIT decoder, ~2 KB with fitparse or gpxpy), so this bounds
    # one file's memory (~1 GB at worst). 500,000 is 5.8 days of 1 s recording; a 24 h ultra at
    # 1 s with beat-to-beat HRV logging has ~220,000
    max_records: int = 500_000

    # --- load (Foster 1998/2001; Banister; Williams 2017) ---------------------------------------
    acute_days: int = 7
    chronic_days: int = 28
    # EWMA constant lambda = 2 / (N + 1) (Williams 2017); stated in every report.
    ctl_days: int = 42
    atl_days: int = 7
    acwr_sweet_low: float = 0.8  # Gabbett 2016: context only, never a risk score
    acwr_sweet_high: float = 1.3
    acwr_danger: float = 1.5
    monotony_flag: float = 2.0  # Foster 1998
    monotony_cap: float = 10.0  # when the 7-day SD is 0
    spike_window_days: int = 30  # Frandsen 2025: longest run of the previous 30 days
    single_run_cap: float = 1.10  # practical cap: a run <= 110 % of that longest run
    two_week_increase_flag: float = 0.30  # Nielsen 2014: > 30 % over two weeks
    # Banister TRIMP weighting k·e^(c·HRr) (Banister 1991; Morton, Fitz-Clarke & Banister 1990)
    trimp_male_k: float = 0.64
    trimp_male_c: float = 1.92
    trimp_female_k: float = 0.86
    trimp_female_c: float = 1.67
    # Stated default when the profile has no resting HR (rule of thumb: typical trained adult);
    # the report says it was assumed. hr_max without a profile value = highest HR ever recorded.
    hr_rest_default_bpm: float = 60.0

    # --- stride at a reference speed (Heiderscheit 2011: compare at the same speed) ----------
    stride_window_days: int = 42  # rolling window of runs for the speed -> cadence fit
    stride_min_runs: int = 6  # rule of thumb: fewer runs in the window -> no estimate
    stride_min_speed_sd_mps: float = 0.05  # speeds this similar cannot give a slope
    stride_ref_tolerance: float = 0.05  # ... then the window median is used if within 5 % of ref

    # --- pain monitoring (Silbernagel 2007, Thomee's zones) --------------------------------------
    pain_safe_max: float = 2.0
    pain_acceptable_max: float = 5.0
    pain_red_flag: float = 7.0  # pain above 7/10 -> see an athletic trainer
    # Next-morning pain vs the athlete's calm baseline (Silbernagel: "settled by the next
    # morning"). Rule of thumb: one point is within the noise of a 0-10 rating; more is a rise.
    morning_settled_margin: float = 1.0
    morning_red_margin: float = 2.0  # a rise above baseline + 2 is a red next morning
    calm_week_quantile: float = 0.4  # calm weeks: weekly morning pain at or below this quantile
    pain_trend_rise: float = 0.5  # weekly mean rise (points) that counts as "pain increasing"
    red_flag_window_days: int = 14  # red flags look at the last two weeks
    weakness_window_days: int = 28  # reported weakness stays a red flag for four weeks
    rest_stretch_days: int = 7  # complete rest this long is flagged (not advised; SCIENCE.md)

    # --- symptom relation and recommendation (rules of thumb, labelled as such) ---------------
    min_pain_weeks: int = 6  # fewer weeks with pain ratings -> no tolerated-km estimate
    min_pain_days: int = 20  # fewer rated mornings -> no estimate
    min_pain_rise: float = 0.5  # points: a smaller modelled rise is "no rise within your range"
    bootstrap_resamples: int = 200  # block bootstrap by week
    # An estimate needs the real alignment of pain and load to beat whole-week shifts of the
    # pain log at this level (a conventional 10 % one-sided test; with shifts of 2 .. n-2 weeks
    # it needs about 1/alpha + 2 weeks of history, which is what "about M needed" says).
    shift_test_alpha: float = 0.10
    # An estimate needs pain to rise in more than this share of the bootstrap resamples (each
    # choosing afresh between a rise and "no relation"): the bagged decision, a majority vote of
    # the resamples (Breiman 1996), agrees with a rise. Chance is the shift test's job, at its
    # nominal level; a stricter vote only costs power (issue 16: 1-point rises went unestimated).
    min_share_rising: float = 0.5
    min_side_rows: int = 4  # rated mornings needed on each side of a breakpoint (rule of thumb)
    # Another pairing of ratings with load (the calendar week before) replaces "the 7 days before"
    # only when it cuts the squared error by this share: with short histories a chance
    # alignment can win by a little (rule of thumb).
    pairing_margin: float = 0.10
    # load_effects: a feature enters only when present on this share of rated mornings (rule of
    # thumb), and no effect is called clear unless out-of-sample skill is above this ("beats no
    # relation": SCIENCE.md, Honest statistics).
    effects_min_present_share: float = 0.7
    effects_min_skill: float = 0.0
    progress_step: float = 0.10  # modest weekly increase (a convention; Buist 2008: not protective)
    range_width: float = 0.15  # weekly_run_km.min = (1 - width) x max
    long_run_share: float = 1 / 3  # a single run <= 1/3 of the week's max (with >= 3 runs)
    return_run_km: float = 2.0  # first runs after > 30 days without running
    max_runs_per_week: int = 6  # at least one day a week without running (rule of thumb)
    # reduce / seek_care: at least two short sessions of cycling or swimming a week, never a
    # plan of complete rest (SCIENCE.md: complete rest is not advised; minutes: rule of thumb)
    cross_training_floor_min: int = 30
    # confidence "high": at least this many rated weeks and both ends of the 80 % interval
    # within +-this share of the estimate, besides out-of-sample skill above no relation (rules
    # of thumb)
    confidence_high_min_weeks: int = 12
    confidence_high_max_halfwidth: float = 0.15
    # CONTRACT.md: "hold" keeps next week's maximum within 85-105 % of the last 7 days' km, and
    # data whose last entry is more than 14 days before as_of is stale (a restart plan)
    hold_band: tuple[float, float] = (0.85, 1.05)
    stale_after_days: int = 14
    default_min_per_km: float = 6.0  # pace when the history has none (cross-training minutes)


@dataclass(frozen=True)
class Settings:
    """Where data lives and which thresholds apply; every command builds one from its options."""

    data_dir: Path = Path("data")
    reports_dir: Path = Path("reports")
    thresholds: Thresholds = field(default_factory=Thresholds)


MAX_ATHLETE_ID = 64  # it names folders: far below any file system's 255-byte name limit


def valid_athlete_id(athlete: str) -> bool:
    """True when the id is letters, digits, '-' and '_' only (the contract's rule), at most
    ``MAX_ATHLETE_ID`` of them."""
    return len(athlete) <= MAX_ATHLETE_ID and bool(ATHLETE_ID.fullmatch(athlete))
