"""The demo athlete: a plan of ~20 weeks of training and a pain log that answers to the load.

The story (week numbers for the default 20 weeks and the default tolerated load of 30 km per 7
days; the plan's km scale with that load): a steady build-up from ~22 to ~35 km a week (weeks 1-8),
one too-abrupt week with a long-run spike (week 9: ~+35 % volume and a long run ~1.6x the longest
of the previous 30 days, on hills), a flare of the (proximal hamstring) tendon, three reduced weeks
with more cycling and swimming, daily rehab and compression shorts, then a graded return with +5 %
cadence (weeks 13-20) that steps once past the tolerated load (~34 km) and eases back. Pain follows
a dose-response model: next-morning pain rises with each km of the 7 days before over the
tolerated weekly km (``overload_km``), and on top of that an "irritation" that single-run spikes
and acute-over-chronic weekly excess raise settles by a fixed fraction a day (faster with rehab).
Everything is drawn from one seeded generator: same seed, same athlete.

Per-second samples (``activity_samples``) are synthesised with NumPy: pace over a park loop with
hills, heart rate lagging effort, cadence = a + b * speed, step length = speed / cadence, ground
contact time and vertical oscillation from speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from pipeline.demo.logs import (  # noqa: F401  (PainEntry, RehabEntry: the athlete's types)
    PainEntry,
    RehabEntry,
    cross_training_pain,
    rehab_entries,
    score,
)
from pipeline.schemas import SAMPLE_CHANNELS

HOME_TIMEZONE = "America/Denver"  # crosses the end of daylight saving time (MDT -> MST)
# A park loop on the Colorado Front Range, fictional in its shape; reports do not show maps.
PARK = {"lat": 39.9612, "lon": -105.1415, "altitude_m": 1620.0}
RIDE_START = {"lat": 39.9690, "lon": -105.1650, "altitude_m": 1650.0}
LOOP_M = {"park": 3100.0, "hills": 4600.0, "ride": 14200.0}


@dataclass(frozen=True)
class PlannedActivity:
    """One session of the plan. Speeds in m/s, durations in s, hills as amplitude in metres."""

    key: str  # stable name: local start and kind, e.g. "2026-07-08T06-31-run-easy"
    sport: str  # schemas.SPORTS value
    kind: str  # easy, long, hills, tempo, ride, swim
    start_local: datetime  # naive local wall-clock time
    utc_offset_min: int  # local minus UTC, minutes (DST included)
    duration_s: int
    speed_mps: float  # moving speed on the flat
    hill_m: float  # amplitude of the route's hills
    cadence_shift_spm: float  # gait retraining: + steps/min at the same speed
    seed: int  # for this session's sample noise
    twins: tuple[str, ...] = ()  # "gpx"/"tcx": a Strava export of the same run

    @property
    def start_utc(self) -> pd.Timestamp:
        """Start instant, tz-aware UTC."""
        local = pd.Timestamp(self.start_local)
        return (local - pd.Timedelta(minutes=self.utc_offset_min)).tz_localize("UTC")

    @property
    def planned_km(self) -> float:
        """Distance on the flat at the planned speed, km (the hills change it by a few %)."""
        return self.duration_s * self.speed_mps / 1000.0

    @property
    def is_run(self) -> bool:
        return self.sport in ("running", "trail_running")


@dataclass(frozen=True)
class DemoAthlete:
    """The plan of sessions and the pain log, with the planted events tests can check."""

    seed: int
    start: date
    end: date
    timezone: str
    sex: str
    hr_rest_bpm: float
    hr_max_bpm: float
    activities: tuple[PlannedActivity, ...]
    pain_log: tuple[PainEntry, ...]
    spike_date: date  # the too-long hilly run that starts the flare
    reduction_start: date  # first day of the reduced weeks
    return_start: date  # first day of the graded return (and the cadence change)
    tolerated_weekly_km: float = 30.0  # km per 7 days above which next-morning pain rises
    rehab_log: tuple[RehabEntry, ...] = ()  # the exercises behind the pain log's rehab days


# --- the plan --------------------------------------------------------------------------------


def _phases(weeks: int) -> tuple[int, int, int]:
    """Week indexes (0-based) of the spike week, the first return week, and the number of weeks."""
    if weeks < 10:
        raise ValueError("the demo athlete needs at least 10 weeks")
    spike = int(round(weeks * 0.4))
    return spike, spike + 4, weeks


# The graded return as fractions of the tolerated weekly km: up ~12 % a week, then one step
# too big past the tolerated load (a niggle), then eased back under it; the last entry repeats.
RETURN_SHARES = (0.55, 0.63, 0.72, 0.82, 0.93, 1.13, 0.9, 0.95)


def _weekly_km(week: int, spike: int, back: int, weeks: int, *, tolerated_km: float) -> float:
    """Planned running km for a week index: a build-up from ~0.73x to ~1.17x the tolerated
    weekly km, a spike week ~+35 % over the last build week, reduced weeks, a graded return."""
    unit = tolerated_km / 30.0
    if week < spike:
        return unit * (22.0 + 13.0 * week / max(spike - 1, 1))  # ~+6 % a week
    if week == spike:
        return unit * 47.0
    if week < back:
        return unit * (14.0, 12.0, 15.0)[min(week - spike - 1, 2)]
    r = week - back
    # with more than the default 8 return weeks the first share stretches over the extra ones
    r = max(0, r - max(0, weeks - back - len(RETURN_SHARES)))
    return tolerated_km * RETURN_SHARES[min(r, len(RETURN_SHARES) - 1)]


def _offset_min(local: datetime, tz: ZoneInfo) -> int:
    return int(local.replace(tzinfo=tz).utcoffset().total_seconds() // 60)


def _start(day: date, rng: np.random.Generator, tz: ZoneInfo, *, weekend: bool) -> datetime:
    base = 8 * 60 if weekend else 6 * 60 + 20
    minutes = int(base + rng.integers(-20, 35))
    return datetime.combine(day, time(minutes // 60, minutes % 60, int(rng.integers(0, 60))))


def demo_athlete(seed: int = 7, *, weeks: int = 20, end: date | None = None,
                 tolerated_km: float = 30.0) -> DemoAthlete:
    """The demo athlete's plan over ``weeks`` weeks ending on ``end`` (default: today), with a
    tolerated load of ``tolerated_km`` running km per 7 days planted in her pain."""
    end = end or date.today()
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(HOME_TIMEZONE)
    spike_week, back_week, weeks = _phases(weeks)
    # weeks run Monday..Sunday; the last one ends on ``end`` (possibly mid-week: fine)
    first_monday = end - timedelta(days=end.weekday()) - timedelta(weeks=weeks - 1)
    plan: list[PlannedActivity] = []
    n_runs = 0

    def add(day: date, sport: str, kind: str, km: float | None, minutes: float | None,
            speed: float, hill_m: float, shift: float, weekend: bool = False) -> None:
        nonlocal n_runs
        if day > end:
            return
        start = _start(day, rng, tz, weekend=weekend)
        duration = int(round(km * 1000 / speed)) if km is not None else int(minutes * 60)
        twins: tuple[str, ...] = ()
        if sport in ("running", "trail_running"):
            n_runs += 1
            twins = (("gpx",) if n_runs % 8 == 2 else ()) + (("tcx",) if n_runs % 11 == 3 else ())
        plan.append(PlannedActivity(
            key=f"{start:%Y-%m-%dT%H-%M}-{kind}", sport=sport, kind=kind, start_local=start,
            utc_offset_min=_offset_min(start, tz), duration_s=duration, speed_mps=speed,
            hill_m=hill_m, cadence_shift_spm=shift, seed=int(rng.integers(0, 2**31)), twins=twins,
        ))

    for w in range(weeks):
        monday = first_monday + timedelta(weeks=w)
        day = lambda i: monday + timedelta(days=i)  # noqa: E731
        km = _weekly_km(w, spike_week, back_week, weeks,
                        tolerated_km=tolerated_km) * rng.uniform(0.97, 1.03)
        fitness = 1.0 + 0.03 * w / weeks  # a little faster over the months
        easy = 2.85 * fitness * rng.uniform(0.98, 1.02)
        shift = 8.0 if w >= back_week else 0.0  # +~5 % steps/min at the same speed
        if w < spike_week or w >= back_week + 1:
            long_km = km * 0.36
            quality = "hills" if w % 2 == 0 else "tempo"
            if w == back_week + 1:
                quality = "easy"  # no quality session in the first weeks back
            rest = km - long_km
            add(day(1), "running", "easy", rest * 0.32, None, easy, 6.0, shift)
            if quality == "hills":
                add(day(3), "trail_running", "hills", rest * 0.33, None, easy * 0.93, 28.0, shift)
            else:
                add(day(3), "running", quality, rest * 0.33, None,
                    easy * (1.12 if quality == "tempo" else 1.0), 6.0, shift)
            add(day(5), "running", "easy", rest * 0.35, None, easy, 6.0, shift, weekend=True)
            add(day(6), "running", "long", long_km, None, easy * 0.97, 10.0, shift, weekend=True)
            add(day(2), "cycling", "ride", None, rng.uniform(50, 70), 7.4, 18.0, 0.0)
            if w % 3 == 1:
                add(day(4), "swimming", "swim", None, rng.uniform(30, 40), 0.95, 0.0, 0.0)
        elif w == spike_week:
            # too much at once: volume up a third, and a hilly long run with friends
            unit = tolerated_km / 30.0
            add(day(1), "running", "easy", 8.5 * unit, None, easy, 6.0, shift)
            add(day(2), "running", "easy", 7.5 * unit, None, easy, 6.0, shift)
            add(day(3), "trail_running", "hills", 10.0 * unit, None, easy * 0.93, 30.0, shift)
            add(day(6), "trail_running", "long", 20.5 * unit, None, easy * 0.92, 24.0, shift,
                weekend=True)
        else:
            # reduced: short flat runs, more cycling and swimming
            first = w == spike_week + 1
            for i, share in ((1, 0.3), (3, 0.3), (5, 0.4)):
                if first and i == 1:
                    add(day(1), "running", "easy", 6.0, None, easy * 0.97, 6.0, shift)
                    continue  # ran once more on the sore tendon before cutting back
                add(day(i), "running", "easy", km * share, None, easy * 0.97, 4.0, shift,
                    weekend=i == 5)
            add(day(2), "cycling", "ride", None, rng.uniform(60, 80), 7.2, 12.0, 0.0)
            add(day(4), "swimming", "swim", None, rng.uniform(35, 45), 0.95, 0.0, 0.0)
            add(day(6), "cycling", "ride", None, rng.uniform(75, 95), 7.3, 12.0, 0.0,
                weekend=True)

    plan.sort(key=lambda a: a.start_local)
    start = first_monday
    spike_date = first_monday + timedelta(weeks=spike_week, days=6)
    reduction_start = first_monday + timedelta(weeks=spike_week + 1, days=2)
    return_start = first_monday + timedelta(weeks=back_week)
    pain = _pain_log(plan, start=start, end=end, rng=rng, reduction_start=reduction_start,
                     spike_date=spike_date, tolerated_km=tolerated_km)
    # a generator of its own, so the sessions and pain above stay what they always were
    extra = np.random.default_rng(seed + 1_000_003)
    pain += cross_training_pain(plan, start=reduction_start, rng=extra,
                                 flags={e.date: (e.rehab, e.compression) for e in pain})
    rehab = rehab_entries(pain, spike_date=spike_date, rng=extra)
    return DemoAthlete(
        seed=seed, start=start, end=end, timezone=HOME_TIMEZONE, sex="female",
        hr_rest_bpm=52.0, hr_max_bpm=188.0, activities=tuple(plan), pain_log=tuple(pain),
        spike_date=spike_date, reduction_start=reduction_start, return_start=return_start,
        tolerated_weekly_km=tolerated_km, rehab_log=tuple(rehab),
    )


# --- the pain log: a dose-response model -------------------------------------------------------


def daily_run_km(plan: list[PlannedActivity] | tuple[PlannedActivity, ...], *, start: date,
                 end: date) -> pd.Series:
    """Planned running km per local date (rest days 0), indexed by date."""
    days = pd.date_range(start, end, freq="D")
    km = pd.Series(0.0, index=days)
    for a in plan:
        if a.is_run:
            km[pd.Timestamp(a.start_local.date())] += a.planned_km
    return km


def irritation(km: pd.Series, *, rehab: pd.Series) -> pd.Series:
    """Tendon irritation after each day's load (0 = settled; ~1 point of pain per unit).

    Raised by a run longer than 110 % of the longest run of the previous 30 days (Frandsen 2025)
    and by a 7-day volume above 1.3x the 28-day weekly average; settles by 10 % a day, 14 % with
    rehab (Goom 2016: progressive loading, not rest).
    """
    index = km.index
    # the athlete ran ~21 km a week before the demo starts: six such weeks of history first
    prior = np.tile(PRIOR_WEEK, 6)
    km = pd.concat([pd.Series(prior), pd.Series(km.to_numpy())], ignore_index=True)
    rehab = np.concatenate([np.zeros(len(prior), bool), np.asarray(rehab, bool)])
    longest_30 = km.shift(1).rolling(30, min_periods=1).max().fillna(prior.max()).clip(lower=5.0)
    spike = (km / longest_30 - 1.1).clip(lower=0)
    week = km.rolling(7, min_periods=1).sum()
    chronic_week = km.rolling(28, min_periods=1).mean() * 7
    excess = (week / chronic_week.clip(lower=10.0) - 1.3).clip(lower=0)
    dose = (6.0 * spike + 5.0 * excess).to_numpy()
    decay = np.where(rehab, 0.86, 0.90)
    out = np.zeros(len(km))
    level = 0.0
    for i in range(len(km)):  # a recursion over ~180 days: a loop is clearest
        level = level * decay[i] + dose[i]
        out[i] = level
    return pd.Series(out[len(prior):], index=index)


PRIOR_WEEK = (0.0, 5.0, 0.0, 5.0, 0.0, 4.0, 7.5)  # ~21 km a week before the demo starts
OVERLOAD_PAIN_PER_KM = 0.25  # next-morning pain points per km over the tolerated weekly km


def overload_km(km: pd.Series, *, tolerated_km: float) -> pd.Series:
    """Running km of the seven days before each date (d-7 .. d-1, the week a next-morning
    rating answers) above ``tolerated_km``, km (0 at or under it)."""
    prior = pd.Series(np.array(PRIOR_WEEK))
    full = pd.concat([prior, pd.Series(km.to_numpy())], ignore_index=True)
    before = full.rolling(7, min_periods=1).sum().shift(1).to_numpy()[len(prior):]
    return pd.Series(np.clip(before - tolerated_km, 0, None), index=km.index)


def _pain_log(plan, *, start: date, end: date, rng: np.random.Generator, reduction_start: date,
              spike_date: date, tolerated_km: float) -> list[PainEntry]:
    km = daily_run_km(plan, start=start, end=end)
    days = km.index
    # the tendon's capacity: each km over the tolerated week adds next-morning pain
    over = OVERLOAD_PAIN_PER_KM * overload_km(km, tolerated_km=tolerated_km)
    after_flare = days >= pd.Timestamp(spike_date + timedelta(days=2))
    rehab = pd.Series(np.where(after_flare, rng.random(len(days)) < 0.85,
                               rng.random(len(days)) < 0.15), index=days)
    level = irritation(km, rehab=rehab)
    compression = pd.Series(days >= pd.Timestamp(reduction_start), index=days)
    run_times = {a.start_local.date(): a.start_local for a in plan if a.is_run}
    hilly = {a.start_local.date() for a in plan if a.is_run and a.hill_m >= 20}
    notes = {
        spike_date: "long hilly run with friends, felt great",
        spike_date + timedelta(days=1): "sit bone sore, hard to sit through the drive",
        reduction_start: "physio: cut running back, rehab every day",
    }
    entries: list[PainEntry] = []
    base = 1.0  # a mild, known tendinopathy
    for i, ts in enumerate(days):
        d = ts.date()
        before = level.iloc[i - 1] if i else 0.0  # next morning answers to yesterday's load
        noise = rng.normal(0, 0.45, 3)
        common = dict(rehab=bool(rehab.iloc[i]), compression=bool(compression.iloc[i]))
        if rng.random() < 0.88 or d in notes:
            pain = score(base + 1.0 * before + over.iloc[i] + noise[0])
            entries.append(PainEntry(d, "next_morning", pain, "07:00", **common,
                                     note=notes.get(d, "") if d != spike_date else ""))
        if d in run_times:
            pain = score(0.6 * base + 0.8 * before + 0.5 * over.iloc[i]
                          + (0.7 if d in hilly else 0) + noise[1])
            entries.append(PainEntry(d, "during_run", pain, f"{run_times[d]:%H:%M}", **common,
                                     note=notes.get(d, "") if d == spike_date else ""))
        if i % 2 == 0 or level.iloc[i] > 2:
            pain = score(base + 0.4 + 0.9 * level.iloc[i] + noise[2])
            entries.append(PainEntry(d, "sitting", pain, "20:30", **common))
    return entries


# --- per-second samples ----------------------------------------------------------------------


def _smooth_noise(rng: np.random.Generator, n: int, *, sd: float, phi: float) -> np.ndarray:
    """AR(1) noise with stationary standard deviation ``sd`` (correlation ``phi`` per second)."""
    e = rng.normal(0, sd * np.sqrt(1 - phi**2), n)
    return lfilter([1.0], [1.0, -phi], e)


def _loop(length_m: float, *, seed: int, wiggle: float = 0.18):
    """A closed route parametrised by arc length: (arc_m, north_m, east_m) on a dense grid."""
    theta = np.linspace(0, 2 * np.pi, 4001)
    phase = (seed % 7) / 7 * np.pi
    r = 1 + wiggle * np.sin(3 * theta + phase) + 0.5 * wiggle * np.sin(5 * theta)
    x, y = r * np.cos(theta) * 1.3, r * np.sin(theta)
    arc = np.concatenate([[0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    scale = length_m / arc[-1]
    return arc * scale, (y - y[0]) * scale, (x - x[0]) * scale


def _hills(d: np.ndarray, *, loop_m: float, hill_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Altitude above the start (m) and grade (rise/run) at distances ``d`` along the loop."""
    k = 2 * np.pi / loop_m
    alt = hill_m * (0.7 * np.sin(k * d) + 0.3 * np.sin(3 * k * d + 1.0))
    grade = hill_m * k * (0.7 * np.cos(k * d) + 0.9 * np.cos(3 * k * d + 1.0))
    return alt, grade


def _positions(d: np.ndarray, *, loop_m: float, origin: dict, seed: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    arc, north, east = _loop(loop_m, seed=seed)
    s = np.mod(d, loop_m)
    n = np.interp(s, arc, north) + _smooth_noise(rng, len(d), sd=1.5, phi=0.98)
    e = np.interp(s, arc, east) + _smooth_noise(rng, len(d), sd=1.5, phi=0.98)
    lat = origin["lat"] + n / 111_320.0
    lon = origin["lon"] + e / (111_320.0 * np.cos(np.radians(origin["lat"])))
    return lat, lon


def _heart_rate(effort: np.ndarray, *, rest: float, hr_max: float, rng, drift_per_h: float):
    """Heart rate (bpm) lagging the effort (fraction of heart-rate reserve) by ~25 s."""
    n = len(effort)
    target = rest + (hr_max - rest) * np.clip(effort, 0.3, 0.97)
    target = target + drift_per_h * np.arange(n) / 3600.0  # cardiac drift
    a = np.exp(-1 / 25.0)
    start = rest + 25.0  # warm-up: from near rest
    hr = lfilter([1 - a], [1, -a], target, zi=[a * start])[0]
    return np.round(hr + rng.normal(0, 1.0, n)).clip(rest, hr_max)


def activity_samples(athlete: DemoAthlete, a: PlannedActivity) -> pd.DataFrame:
    """One session's 1 Hz samples with every ``schemas.Samples`` column (SI units, UTC times;
    NaN where the sport's sensors give nothing)."""
    channels = _channels(athlete, a)
    return pd.DataFrame(channels).reindex(columns=["timestamp_utc", *SAMPLE_CHANNELS])


def _channels(athlete: DemoAthlete, a: PlannedActivity) -> dict:
    rng = np.random.default_rng(a.seed)
    n = a.duration_s
    t = np.arange(n, dtype=float)
    times = a.start_utc + pd.to_timedelta(t, unit="s")
    out = {"timestamp_utc": times, "elapsed_s": t}
    if a.sport == "swimming":
        # a pool: 25 m lengths at ~steady pace, a short rest every 400 m; no GPS, no altitude
        speed = a.speed_mps * (1 + _smooth_noise(rng, n, sd=0.05, phi=0.95))
        speed[(np.cumsum(speed) % 400) < 12] = 0.0
        out["speed_mps"] = speed.clip(0)
        out["distance_m"] = np.cumsum(out["speed_mps"]) - out["speed_mps"][0]
        effort = 0.55 + 0.1 * (speed > 0)
        out["heart_rate_bpm"] = _heart_rate(effort, rest=athlete.hr_rest_bpm,
                                            hr_max=athlete.hr_max_bpm, rng=rng, drift_per_h=4)
        return out

    ride = a.sport == "cycling"
    loop_m = LOOP_M["ride" if ride else ("hills" if a.hill_m >= 20 else "park")]
    flat = a.speed_mps * (1 + _smooth_noise(rng, n, sd=0.04 if not ride else 0.08, phi=0.97))
    if a.kind == "tempo":  # 3 x 6 min at ~threshold after a 15 min warm-up, 2 min jogs
        block = (t - 900) % 480
        on = (t >= 900) & (t < 900 + 3 * 480) & (block < 360)
        flat = flat * np.where(on, 1.12, np.where((t >= 900) & (t < 900 + 3 * 480), 0.85, 1.0))
    _, grade0 = _hills(np.cumsum(flat), loop_m=loop_m, hill_m=a.hill_m)
    sensitivity = 6.0 if ride else 3.0
    speed = flat * np.clip(1 - sensitivity * grade0, 0.55, 1.15)
    distance = np.concatenate([[0.0], np.cumsum(speed[:-1])])
    alt, grade = _hills(distance, loop_m=loop_m, hill_m=a.hill_m)
    origin = RIDE_START if ride else PARK
    lat, lon = _positions(distance, loop_m=loop_m, origin=origin, seed=a.seed, rng=rng)
    out |= {
        "distance_m": distance,
        "speed_mps": speed,
        "altitude_m": origin["altitude_m"] + alt + _smooth_noise(rng, n, sd=0.5, phi=0.998),
        "latitude_deg": lat,
        "longitude_deg": lon,
    }
    if ride:
        effort = 0.35 + 0.035 * speed + 2.5 * grade
        out["heart_rate_bpm"] = _heart_rate(effort, rest=athlete.hr_rest_bpm,
                                            hr_max=athlete.hr_max_bpm, rng=rng, drift_per_h=3)
        out["cadence_rpm"] = np.round(86 + 3 * grade * 10 + rng.normal(0, 3, n)).clip(0)
        return out

    # running: effort rises with speed and with grade (Minetti-like cost of climbing)
    effort = 0.2 + 0.58 * (speed * (1 + 8 * grade)) / 3.6
    out["heart_rate_bpm"] = _heart_rate(effort, rest=athlete.hr_rest_bpm,
                                        hr_max=athlete.hr_max_bpm, rng=rng, drift_per_h=5)
    cadence = 150.0 + a.cadence_shift_spm + 6.5 * speed + rng.normal(0, 1.2, n)
    out["cadence_spm"] = np.round(cadence * 2) / 2  # FIT keeps half steps
    out["step_length_m"] = speed / (out["cadence_spm"] / 60.0)
    out["stance_time_ms"] = 335 - 28 * speed - 0.3 * a.cadence_shift_spm + rng.normal(0, 4, n)
    out["vertical_oscillation_mm"] = (64 + 6 * speed - 0.5 * a.cadence_shift_spm
                                      + rng.normal(0, 2, n))
    return out
