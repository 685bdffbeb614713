"""The slow recovery test's designs (``test_tolerance.py::test_recovery_holds_across_response_
shapes_noise_and_missing_days``) on other runners than the test's nine per design: how often the
estimate lands within +-20 % and how many are more than 35 % off. Not a test module; docs/method.md
quotes what it printed. Run it by hand::

    PYTHONPATH=. python -m tests.relation.recovery_sets 700 8
    PYTHONPATH=. python -m tests.relation.recovery_sets 700 8 without-jump-alone

The second leaves out the jump-alone shapes (``pain_model.VARIANTS`` before issue 16's
follow-up), everything else unchanged, to show what they bring.
"""

from __future__ import annotations

import sys

import numpy as np

from pipeline.config import Thresholds
from pipeline.relation import pain_model
from pipeline.relation.tolerance import tolerated_weekly_km
from tests.simulate import simulate_daily

# (noise_sd, missing, persistence, weeks, rise): the recovery test's parametrisation
SETS = ((0.5, 0.1, 0.0, 24, 6.0), (1.2, 0.4, 0.0, 16, 6.0), (1.0, 0.3, 0.6, 20, 6.0),
        (0.8, 0.6, 0.3, 24, 6.0), (1.0, 0.2, 0.0, 20, 3.0))


def relative_errors(response: str, setting: tuple, seeds: range) -> np.ndarray:
    """Signed relative errors (inf without an estimate) for tolerated 15, 25 and 40 km."""
    noise_sd, missing, persistence, weeks, rise = setting
    out = []
    for tolerated in (15.0, 25.0, 40.0):
        for seed in seeds:
            daily, _ = simulate_daily(tolerated_km=tolerated, seed=seed + int(tolerated),
                                      weeks=weeks, response=response, noise_sd=noise_sd,
                                      missing=missing, persistence=persistence,
                                      rise_per_tolerated=rise, round_ratings=seed % 2 == 0)
            est = tolerated_weekly_km(daily, thresholds=Thresholds(bootstrap_resamples=60))
            out.append(np.inf if est.value is None else est.value / tolerated - 1)
    return np.array(out)


if __name__ == "__main__":
    first, n = (int(a) for a in sys.argv[1:3])
    if sys.argv[3:] == ["without-jump-alone"]:
        pain_model.VARIANTS = tuple(v for v in pain_model.VARIANTS if 2 in v)
    print("response, noise_sd, missing, persistence, weeks, rise: estimates, within +-20 % "
          "of all, more than 35 % off, median error")
    for response in ("hinge", "step", "smooth"):
        for setting in SETS:
            e = relative_errors(response, setting, range(first, first + n))
            f = e[np.isfinite(e)]
            print(f"{response}, {', '.join(f'{v:g}' for v in setting)}: {len(f)} of {len(e)}, "
                  f"{np.mean(np.abs(e) <= 0.2):.0%}, {int(np.sum(np.abs(f) > 0.35))}, "
                  + (f"{np.median(f):+.1%}" if len(f) else "-"), flush=True)
