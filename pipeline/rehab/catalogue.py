"""A small built-in catalogue: common exercise names -> the loading stage (Goom 2016) and focus.

The four stages of SCIENCE.md ("Rehab"): ``isometric`` holds to settle pain, ``isotonic``
strengthening through range, ``heavy_slow`` heavier and slower work, ``energy_storage`` drills
before a full return to running. Hamstring release (foam rolling, gentle mobility) and stretching
have no stage: they count as rehab sessions with the focus ``hamstring release``. A name the
catalogue does not know is kept as written with stage ``None`` (unknown).
"""

from __future__ import annotations

import re

STAGES = ("isometric", "isotonic", "heavy_slow", "energy_storage")
STAGE_NAMES = {
    "isometric": "isometric holds (settle pain)",
    "isotonic": "isotonic strengthening through range",
    "heavy_slow": "heavy, slow strengthening",
    "energy_storage": "energy-storage and return-to-running drills",
}
GLUTE = "glute strengthening"
HAMSTRING = "hamstring strengthening"
RELEASE = "hamstring release"

# (pattern, stage, focus), most specific first: "isometric bridge hold" is a hold before a bridge
_CATALOGUE: tuple[tuple[str, str | None, str], ...] = (
    (r"isometric|\bholds?\b|\bplank", "isometric", HAMSTRING),
    (r"nordic|romanian|\brdl\b|deadlift|good ?morning|weighted|loaded|split squat|"
     r"hip thrust", "heavy_slow", HAMSTRING),
    (r"skip|bound|hop|plyo|jump|drill|stride|a-?skip|b-?skip", "energy_storage", HAMSTRING),
    (r"foam|\broll|release|massage|mobility|stretch|floss|yoga", None, RELEASE),
    (r"bridge|clam|abduct|monster|band walk|side.?lying|glute|kickback|step.?up|fire hydrant",
     "isotonic", GLUTE),
    (r"curl|hamstring|swiss ball|slider", "isotonic", HAMSTRING),
)
_SINGLE_LEG_LOADED = re.compile(r"single.?leg|one.?leg|\bsl\b")


def exercise_stage(name: str, *, load_kg: float | None = None) -> str | None:
    """The stage of an exercise from its name (None: unknown or no stage, e.g. a stretch).

    A single-leg bridge or curl done with a load counts as heavy, slow work (SCIENCE.md's
    example: "single-leg bridge with load")."""
    text = name.lower()
    for pattern, stage, _focus in _CATALOGUE:
        if re.search(pattern, text):
            if stage == "isotonic" and load_kg and _SINGLE_LEG_LOADED.search(text):
                return "heavy_slow"
            return stage
    return None


def exercise_focus(name: str) -> str | None:
    """``glute strengthening``, ``hamstring strengthening`` or ``hamstring release`` (None:
    unknown name)."""
    text = name.lower()
    if re.search(r"bridge|glute|clam|abduct|hip thrust|monster|kickback", text):
        return GLUTE  # bridges load the glutes first, whichever stage they belong to
    for pattern, _stage, focus in _CATALOGUE:
        if re.search(pattern, text):
            return focus
    return None


def is_known(name: str) -> bool:
    """True when the catalogue recognises the name."""
    return exercise_focus(name) is not None
