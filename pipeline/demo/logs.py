"""The demo athlete's log entries (pain and rehab, in the contract's CSV terms) and the two
stories issue 18 added to her: pain after rides and swims, and a rehab log through the stages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np


def score(x: float) -> float:
    """A 0-10 rating as people give them: whole numbers."""
    return float(np.clip(np.round(x), 0, 10))


@dataclass(frozen=True)
class PainEntry:
    """One pain-log row in the contract's CSV terms (local date, 0-10 pain)."""

    date: date
    context: str  # during_run, after_run, next_morning, sitting, after_cross_training
    pain: float
    time: str  # HH:MM local
    rehab: bool
    compression: bool
    note: str = ""
    activity: str = ""  # the sport of an after_cross_training entry


@dataclass(frozen=True)
class RehabEntry:
    """One rehab-log row in the contract's CSV terms (``runload rehab import``)."""

    date: date
    exercise: str
    sets: int
    reps: int | None
    load_kg: float | None
    hold_s: float | None
    pain: float  # during the exercise, 0-10


def cross_training_pain(plan, *, start: date, rng: np.random.Generator,
                         flags: dict) -> list[PainEntry]:
    """From the reduced weeks on she notes pain after each ride and swim: the saddle presses on
    the sore sit bone (cycling loads the hip in flexion), so rides hurt above 5/10 afterwards;
    swims stay calm. The plan should move her off the bike ("try a different activity")."""
    out = []
    for a in plan:
        day = a.start_local.date()
        if day < start or a.sport not in ("cycling", "swimming"):
            continue
        after = a.start_local + timedelta(seconds=a.duration_s + 1800)
        level = 6.0 if a.sport == "cycling" else 1.0
        pain = score(level + rng.normal(0, 0.4))
        note = "sit bone sore from the saddle" if a.sport == "cycling" else ""
        rehab, compression = flags.get(day, (False, True))  # the day's flags, as logged
        out.append(PainEntry(day, "after_cross_training", pain, f"{after:%H:%M}", rehab=rehab,
                             compression=compression, note=note, activity=a.sport))
    return out


# The physio's progression (Goom 2016): isometric holds for two weeks, then isotonic glute and
# hamstring work, then heavier and slower from week six; a foam roll for hamstring release.
REHAB_STAGES = (
    (0, (("isometric bridge hold", 5, None, None, 45.0),
         ("prone hamstring hold", 4, None, None, 40.0))),
    (14, (("bridge", 3, 15, None, None), ("clamshells", 3, 15, None, None),
          ("swiss ball hamstring curl", 3, 10, None, None))),
    (42, (("single-leg RDL", 3, 8, 12.0, None), ("single-leg bridge", 3, 10, 10.0, None))),
)


def rehab_entries(pain: list[PainEntry], *, spike_date: date, rng) -> list[RehabEntry]:
    """The exercises of each pain-log rehab day after the flare (before it: a foam roll)."""
    days = sorted({e.date for e in pain if e.rehab and e.context == "next_morning"})
    out = []
    for day in days:
        since = (day - spike_date).days
        if since < 2:
            out.append(RehabEntry(day, "foam roll hamstring", 1, None, None, None, 1.0))
            continue
        stage = [exercises for start, exercises in REHAB_STAGES if since - 2 >= start][-1]
        for name, sets, reps, load, hold in stage:
            effort = score(max(0.0, 2.5 - since / 30 + rng.normal(0, 0.4)))
            out.append(RehabEntry(day, name, sets, reps, load, hold, min(effort, 3.0)))
    return out
