"""The athlete's settings: time zone (for local dates), sex and heart rates (for TRIMP)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline import store as st
from pipeline.errors import UsageError


def update_profile(store: st.Store, **changes) -> dict:
    """The profile after applying the non-None ``changes`` (written only when something changed)."""
    profile = st.read_profile(store)
    updates = {k: v for k, v in changes.items() if v is not None}
    if "timezone" in updates:
        try:
            ZoneInfo(updates["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"unknown time zone {updates['timezone']!r} (e.g. Europe/Berlin)")
    for key in ("hr_rest_bpm", "hr_max_bpm"):
        if key in updates and not 20 <= updates[key] <= 250:
            raise UsageError(f"{key.replace('_', ' ')} must be between 20 and 250")
    if updates:
        profile = {**profile, **updates}
        st.write_profile(store, profile)
    return profile


def athlete_timezone(profile: dict) -> tuple[str, bool]:
    """The configured time zone name and whether it was configured (else UTC is assumed)."""
    tz = profile.get("timezone")
    return (tz, True) if tz else ("UTC", False)
