"""The evidence and assumptions every report states (see ../shared/SCIENCE.md).

Each rule is a format string over ``t`` (the ``Thresholds`` in use), so the report prints the
numbers the analysis actually applied.
"""

from __future__ import annotations

EVIDENCE = (
    (
        "Pain guides the load (pain-monitoring model): pain during running of"
        " 0–{t.pain_safe_max:g}/10 is safe, {t.pain_safe_max:g}–{t.pain_acceptable_max:g}"
        " acceptable, above {t.pain_acceptable_max:g} too much; pain after running may reach"
        " 5/10 but must settle by the next morning; pain and stiffness must not rise from week to"
        " week. Next-morning pain weighs more than pain during the run.",
        "Silbernagel et al. 2007, Am J Sports Med (with Thomeé's pain zones)",
    ),
    (
        "Single-run cap: no run longer than {t.single_run_cap:.0%} of the longest run of the"
        " previous {t.spike_window_days} days. Runs longer than that raised injury risk (10–30%"
        " longer HRR 1.64, 30–100% 1.52, more than double 2.28); week-to-week ratios did not.",
        "Frandsen et al. 2025, Br J Sports Med (Garmin-RUNSAFE, 5,205 runners)",
    ),
    (
        "Weekly progression: an increase above {t.two_week_increase_flag:.0%} over two weeks is"
        " flagged (associated with distance-related injuries, HR 1.59, CI 0.96–2.66). The \"10%"
        " rule\" did not prevent injuries in a randomised trial and is not used as a limit.",
        "Nielsen et al. 2014, JOSPT; Buist et al. 2008, Am J Sports Med",
    ),
    (
        "Session load and monotony: session-RPE (RPE × minutes) where logged, Banister TRIMP where"
        " heart rate exists, minutes otherwise; monotony (7-day mean / SD) above"
        " {t.monotony_flag:g} is flagged.",
        "Foster 1998, 2001; Banister 1991",
    ),
    (
        "Acute:chronic ratio ({t.acute_days} and {t.chronic_days} days, EWMA with λ = 2/(N+1)) is"
        " shown as context only, never as a risk score: {t.acwr_sweet_low:g}–"
        "{t.acwr_sweet_high:g} is the proposed \"sweet spot\" and ≥ {t.acwr_danger:g} the"
        " proposed \"danger zone\", but the ratio is strongly criticised (mathematical coupling,"
        " no added predictive value, a negative dose-response in 5,205 runners).",
        "Gabbett 2016; Williams et al. 2017; criticism: Lolli et al. 2019, Impellizzeri et al."
        " 2020, Frandsen et al. 2025",
    ),
    (
        "High (proximal) hamstring tendinopathy: settle pain, limit tendon compression in hip"
        " flexion (sitting, deep lunges, stretching into pain), then progressive loading and a"
        " graded return to running guided by the symptom response. Hills and fast running raise"
        " hamstring demand, so uphill and fast minutes are tracked; complete rest is not advised.",
        "Goom, Malliaras, Reiman & Purdam 2016, JOSPT",
    ),
    (
        "Cadence: +5–10% step rate at the same speed reduces hip and knee loading but raises"
        " hamstring activity in late swing; a change is offered only as an experiment relative to"
        " the runner's own rate at the reference speed (never a fixed 180), monitored with the"
        " pain log.",
        "Heiderscheit et al. 2011, Med Sci Sports Exerc; Chumanov et al. 2012, Med Sci Sports"
        " Exerc",
    ),
    (
        "The tolerated weekly km is estimated from this athlete's own history (load on day d"
        " against next-morning pain on day d+1; weekly load against the weekly pain trend), with"
        " time-ordered validation. When the history cannot support an estimate it is left empty,"
        " confidence is low, and the rule-based model decides alone.",
        "runload's own method (a rule of thumb, not a published one)",
    ),
    (
        "Red flags (recommend professional assessment): pain worsening for two weeks or more"
        " despite reduced load, reported hip or hamstring weakness, pain above"
        " {t.pain_red_flag:g}/10, pain that no longer settles overnight.",
        "Clinical convention for tendinopathy care (Goom 2016; Silbernagel 2007)",
    ),
)

RED_FLAG_ADVICE = (
    "Contact an athletic trainer (or a sports physiotherapist or physician) for an assessment"
    " before building running load again."
)

DISCLAIMER = (
    "This report supports decisions by the runner, the coach and the athletic trainer. It does not"
    " diagnose any condition and does not replace a clinical assessment. Its advice follows the"
    " published rules listed above and the runner's own pain log; when the data are thin it says"
    " so (confidence) rather than guess."
)
