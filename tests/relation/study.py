"""The validation study of the tolerated-load estimate on simulated runners (not a test module:
``test_validation_study.py`` runs it and asserts on its figures; ``docs/method.md`` quotes them).

Each design draws its runners' settings at random (tolerated km, noise, missing ratings, runs a
week, rise size, how widely the weekly km wander) rather than fixing them, so the figures are
not tied to one simulated runner. Run it by hand to print the table::

    PYTHONPATH=. python -m tests.relation.study 40 50
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import numpy as np

from pipeline.config import Thresholds
from pipeline.recommend import confidence
from pipeline.relation.tolerance import tolerated_weekly_km
from tests.simulate import simulate_daily

# design -> settings fixed by the design (the rest drawn per runner in ``runner_settings``)
DESIGNS = {
    "linear": dict(response="hinge"),
    "step": dict(response="step"),
    "smooth": dict(response="smooth"),
    "carry_over": dict(response="hinge", persistence=(0.3, 0.7)),
    "missing_ratings": dict(response="hinge", missing=(0.5, 0.7)),
    "short_history": dict(response="hinge", weeks=(8, 11)),
    "long_history": dict(response="hinge", weeks=(30, 40)),
    "above_everything_run": dict(response="hinge", low=0.4, high=0.85),
    "no_relation": dict(response="hinge", rise_per_tolerated=0.0, spike_effect=0.0),
    # Student t noise with 3 degrees of freedom: the occasional rating far from the runner's
    # usual (no estimator setting was chosen with these runners)
    "heavy_tailed_noise": dict(response="hinge", noise_df=3.0),
}
RELATED = ("linear", "step", "smooth", "carry_over", "missing_ratings", "short_history",
           "long_history", "heavy_tailed_noise")


@dataclass
class Runner:
    design: str
    truth_km: float
    value: float | None
    interval: tuple[float, float] | None
    at_least_km: float | None
    confidence: str
    weeks: int
    reason: str | None


def runner_settings(design: str, rng: np.random.Generator) -> dict:
    """One simulated runner's settings: the design's, the rest drawn at random."""
    fixed = DESIGNS[design]

    def pick(name, default):
        v = fixed.get(name, default)
        if isinstance(v, tuple):
            lo, hi = v
            return int(rng.integers(lo, hi + 1)) if isinstance(lo, int) else rng.uniform(lo, hi)
        return v

    return dict(
        tolerated_km=float(rng.uniform(12, 60)),
        weeks=pick("weeks", (16, 24)),
        response=fixed["response"],
        noise_sd=float(rng.uniform(0.4, 1.2)),
        missing=pick("missing", (0.05, 0.35)),
        persistence=pick("persistence", 0.0),
        rise_per_tolerated=pick("rise_per_tolerated", (3.0, 8.0)),
        spike_effect=pick("spike_effect", (0.0, 2.0)),
        low=pick("low", (0.5, 0.7)),
        high=pick("high", (1.3, 1.6)),
        runs_per_week=int(rng.integers(3, 7)),
        round_ratings=bool(rng.random() < 0.7),
        seed=int(rng.integers(0, 2**31)),
        noise_df=fixed.get("noise_df"),
    )


def run_study(n_per_design: int, *, resamples: int, seed: int = 2026,
              designs=tuple(DESIGNS)) -> list[Runner]:
    """Estimate every simulated runner's tolerated load (``resamples`` bootstrap resamples)."""
    rng = np.random.default_rng(seed)
    th = Thresholds(bootstrap_resamples=resamples)
    out = []
    for design in designs:
        for _ in range(n_per_design):
            kw = runner_settings(design, rng)
            daily, truth = simulate_daily(**kw)
            est = tolerated_weekly_km(daily, thresholds=th)
            out.append(Runner(design, truth.tolerated_km, est.value, est.interval,
                              est.at_least_km, confidence(est), kw["weeks"], est.reason))
    return out


def summary(runners: list[Runner]) -> dict:
    """The study's figures (see docs/method.md for what each means)."""
    related = [r for r in runners if r.design in RELATED]
    made = [r for r in related if r.value is not None]
    errors = np.array([r.value / r.truth_km - 1 for r in made])
    covered = [r.interval[0] <= r.truth_km <= r.interval[1] for r in made]
    none = [r for r in runners if r.design == "no_relation"]
    above = [r for r in runners if r.design == "above_everything_run"]
    by_conf, coverage_by_conf = {}, {}
    for level in ("low", "medium", "high"):
        err = np.array([abs(r.value / r.truth_km - 1) for r in made if r.confidence == level])
        by_conf[level] = (len(err), float(np.mean(err <= 0.1)) if len(err) else None,
                          float(np.mean(err <= 0.2)) if len(err) else None)
        held = [c for c, r in zip(covered, made) if r.confidence == level]
        coverage_by_conf[level] = float(np.mean(held)) if held else None
    # the harmful miss: rated high, more than 20 % above the truth, the interval missing it
    high_over = sum(r.confidence == "high" and r.value > 1.2 * r.truth_km
                    and not r.interval[0] <= r.truth_km for r in made)
    per_design = {}
    for design in DESIGNS:
        rs = [r for r in runners if r.design == design]
        est = [r for r in rs if r.value is not None]
        err = [r.value / r.truth_km - 1 for r in est]
        per_design[design] = dict(
            n=len(rs), estimates=len(est),
            median_error=float(np.median(err)) if err else None,
            within_20=float(np.mean(np.abs(err) <= 0.2)) if err else None,
            at_least=sum(r.at_least_km is not None for r in rs))
    return dict(
        n_runners=len(runners),
        n_related=len(related),
        estimate_rate=len(made) / max(1, len(related)),
        median_error=float(np.median(errors)) if len(errors) else None,
        within_20_of_estimates=float(np.mean(np.abs(errors) <= 0.2)) if len(errors) else None,
        within_20_of_all=float(np.sum(np.abs(errors) <= 0.2) / max(1, len(related))),
        coverage_80=float(np.mean(covered)) if covered else None,
        false_estimate_rate=float(np.mean([r.value is not None for r in none])) if none else None,
        above_everything_estimates=sum(r.value is not None for r in above),
        above_everything_at_least=sum(r.at_least_km is not None for r in above),
        # "at least X" is wrong when the planted tolerance is below X (no_relation has none)
        n_at_least=sum(r.at_least_km is not None for r in runners if r.design != "no_relation"),
        at_least_above_truth=sum(r.at_least_km is not None and r.at_least_km > r.truth_km
                                 for r in runners if r.design != "no_relation"),
        at_least_ratio_max=max([r.at_least_km / r.truth_km for r in runners
                                if r.at_least_km is not None and r.design != "no_relation"],
                               default=None),
        calibration=by_conf,
        coverage_by_confidence=coverage_by_conf,
        high_overestimates=high_over,
        per_design=per_design,
    )


def printed(s: dict, *, resamples: int, seconds: float) -> str:
    """The figures as the plain-text table that docs/method.md quotes."""
    lines = [f"validation study: {s['n_runners']} simulated runners, {resamples} bootstrap "
             f"resamples each, {seconds:.0f} s",
             f"runners with a relation in range: {s['n_related']}; estimate given for "
             f"{s['estimate_rate']:.0%}",
             f"median relative error of the estimates: {s['median_error']:+.1%}",
             f"within +-20 %: {s['within_20_of_estimates']:.0%} of estimates, "
             f"{s['within_20_of_all']:.0%} of all related runners",
             f"80 % interval holds the truth: {s['coverage_80']:.0%}",
             f"false estimates without a relation: {s['false_estimate_rate']:.1%}",
             f"tolerance above everything run: {s['above_everything_estimates']} estimates, "
             f"{s['above_everything_at_least']} 'at least' answers",
             f"'at least X' answers with X above the truth: {s['at_least_above_truth']} of "
             f"{s['n_at_least']} outside no_relation"
             + (f" (X at most {s['at_least_ratio_max']:.2f} x the truth)"
                if s["at_least_ratio_max"] else "")]
    for level, (n, w10, w20) in s["calibration"].items():
        cov = s["coverage_by_confidence"][level]
        lines.append(f"confidence {level}: {n} estimates"
                     + (f", {w10:.0%} within +-10 %, {w20:.0%} within +-20 %, interval holds "
                        f"the truth {cov:.0%}" if n else ""))
    lines.append(f"high and more than 20 % above the truth with the interval missing it: "
                 f"{s['high_overestimates']}")
    lines.append("design: runners, estimates, median error, within +-20 %, 'at least' answers")
    for design, d in s["per_design"].items():
        err = f"{d['median_error']:+.1%}" if d["median_error"] is not None else "-"
        w20 = f"{d['within_20']:.0%}" if d["within_20"] is not None else "-"
        lines.append(f"  {design}: {d['n']}, {d['estimates']}, {err}, {w20}, {d['at_least']}")
    return "\n".join(lines)


if __name__ == "__main__":
    n, b = (int(a) for a in sys.argv[1:3])
    t = time.time()
    runners = run_study(n, resamples=b)
    print(printed(summary(runners), resamples=b, seconds=time.time() - t))
