"""Next week as runs: ``runs_per_week`` runs with km and kind that add up to a value inside
``weekly_run_km`` and are none longer than ``longest_run_km_max`` (the contract's invariants,
whatever numbers the recommendation produced).

Arithmetic is in whole tenths of a km so rounding can never break a sum or a cap. The week's
total is 0.1 km under ``weekly_run_km.max`` (see ``week_totals_km``). The long run takes
``long_run_share`` of the week, at least an even share and at most the single-run cap (and the
duration cap at the runner's easy pace); the rest is split evenly. One run becomes ``hills`` and
one ``tempo`` (or ``strides``) when the intensity caps allow it; very short runs after a break are
``run_walk``.
"""

from __future__ import annotations

import math

from pipeline.plan.rules import PlanRules

KINDS = ("easy", "long", "hills", "tempo", "strides", "run_walk")


def _tenths(km) -> int:
    return math.floor(float(km) * 10 + 1e-6) if km else 0


def week_totals_km(weekly_run_km: dict) -> list[float]:
    """The km the runs may add up to, best first: 0.1 km under the range's maximum when the
    range allows it, then every 0.1 km down to its minimum. A sum of decimals can land a hair
    above its exact value (0.1 + 0.2 = 0.30000000000000004), so ``week_runs`` takes the first
    whose sum, as floats, reads inside the range."""
    hi = _tenths(weekly_run_km.get("max") or 0.0)
    lo = math.ceil(float(weekly_run_km.get("min") or 0.0) * 10 - 1e-6)
    first = hi - 1 if hi - lo >= 2 else hi
    return [t / 10 for t in [first, hi] + list(range(first - 1, lo - 1, -1)) if t > 0]


def run_km_split(total_km: float, n: int, longest_km: float, *, long_km: float | None = None
                 ) -> list[float]:
    """``n`` distances (km, 0.1 steps) adding up to ``total_km`` (rounded down to 0.1), the first
    the longest and none above ``longest_km``; ``long_km`` is the wanted long run (clipped to
    what the sum and the cap allow). Empty when ``n`` or the total is 0."""
    total, cap = _tenths(total_km), _tenths(longest_km)
    if n <= 0 or total <= 0:
        return []
    total = min(total, n * cap)  # the recommendation guarantees it; a foreign one may not
    even = math.ceil(total / n)
    first = even if long_km is None else max(even, min(_tenths(long_km), cap))
    first = min(first, cap, total)
    rest = total - first
    others = [rest // (n - 1) + (1 if i < rest % (n - 1) else 0) for i in range(n - 1)] \
        if n > 1 else []
    return [t / 10 for t in [first] + others]


def week_runs(rec: dict, caps: dict, *, easy_min_per_km: float | None, restart_km: float,
              rules: PlanRules = PlanRules()) -> list[dict]:
    """``plan.runs``: each ``{"km", "kind", "min"}`` (``min``: the minutes at the easy pace,
    None without one), plus ``uphill_min``/``fast_min`` for a hills or tempo/strides run."""
    n = int(rec.get("runs_per_week") or 0)
    weekly = rec.get("weekly_run_km") or {}
    totals = week_totals_km(weekly)
    cap = float(rec.get("longest_run_km_max") or 0.0)
    if n <= 0 or not totals or cap <= 0:
        return []
    low, high = float(weekly.get("min") or 0.0), float(weekly.get("max") or 0.0)
    for top in totals:  # the first whose float sum, in the order shown, reads inside the range
        runs = _runs_of(top, n, cap, rec, caps, easy_min_per_km=easy_min_per_km,
                        restart_km=restart_km, rules=rules)
        if low <= sum(r["km"] for r in runs) <= high:
            return runs
    return _runs_of(totals[0], n, cap, rec, caps, easy_min_per_km=easy_min_per_km,
                    restart_km=restart_km, rules=rules)


def _runs_of(top: float, n: int, cap: float, rec: dict, caps: dict, *,
             easy_min_per_km: float | None, restart_km: float, rules: PlanRules) -> list[dict]:
    long_km = top * rules.long_run_share
    long_min = caps.get("long_run_min_max")
    if long_min and easy_min_per_km:
        long_km = min(long_km, long_min / easy_min_per_km)
    kms = run_km_split(top, n, cap, long_km=long_km)
    runs = [{"km": km, "kind": "easy"} for km in kms]
    if n >= 2 and kms[0] > kms[-1] * 1.15:
        runs[0]["kind"] = "long"
    if all(km <= restart_km for km in kms) and rec.get("status") in ("reduce", "seek_care"):
        for r in runs:
            r["kind"] = "run_walk"  # short runs after a flare: walk breaks keep them calm
    else:
        easy = [i for i, r in enumerate(runs) if r["kind"] == "easy"]
        uphill = float(caps.get("uphill_min_max") or 0)
        fast = float(caps.get("fast_min_max") or 0)
        if easy and uphill >= rules.hills_session_min and n >= 3:
            i = easy.pop(0)
            runs[i].update(kind="hills", uphill_min=int(uphill))
        if easy and fast >= rules.hills_session_min and n >= 3:
            runs[easy.pop(-1)].update(kind="tempo", fast_min=int(fast))
        elif easy and fast >= rules.strides_min:
            runs[easy.pop(-1)].update(kind="strides", fast_min=int(fast))
    for r in runs:
        r["min"] = round(r["km"] * easy_min_per_km) if easy_min_per_km else None
    order = {"easy": 0, "hills": 1, "strides": 1, "tempo": 1, "run_walk": 0, "long": 2}
    # a week a runner can follow: easy first, the harder ones in the middle, the long run last
    return sorted(runs, key=lambda r: order[r["kind"]])
