"""The athlete's settings: time zone (for local dates), sex and heart rates (for TRIMP).

Every change is appended to ``data/raw/<athlete>/log/profile.jsonl`` (the record a rebuild
replays) and the folded result written to ``data/processed/<athlete>/profile.json``. Plain
Python: ``runload profile`` imports neither pandas nor Arrow.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.errors import DamagedStoreError, UsageError
from pipeline.files import append_json_line, atomic_write_json, damaged, json_lines, read_json
from pipeline.paths import Store


def read_profile(store: Store) -> dict:
    """The athlete's settings (``timezone``, ``sex``, ``hr_rest_bpm``, ``hr_max_bpm``, ...); ``{}``
    when none were set. Without ``profile.json`` (a processed folder deleted), what the raw log
    adds up to. A ``profile.json`` that is not a JSON object raises ``DamagedStoreError``."""
    if not store.profile_path.exists():
        return profile_from_log(store)
    profile = read_json(store, store.profile_path)
    if not isinstance(profile, dict):
        raise damaged(store, store.profile_path, "not a JSON object")
    return profile


def write_profile(store: Store, profile: dict) -> None:
    """Write ``profile.json`` only (``update_profile`` also records the change for rebuilds)."""
    atomic_write_json(profile, store.profile_path)


def profile_from_log(store: Store, until: int | None = None) -> dict:
    """The settings the raw profile log adds up to (later changes win), or only its first
    ``until`` bytes (the profile an import saw); ``{}`` without a log."""
    profile: dict = {}
    for record in json_lines(store.profile_log_path, until=until):
        if isinstance(record.get("set"), dict):
            profile.update(record["set"])
    return profile


def seed_profile_log(store: Store, profile: dict) -> None:
    """Record ``profile`` as the first entry of the raw log when there is no log yet (a store from
    before the log existed: its settings would otherwise be lost by a rebuild)."""
    if profile and not store.profile_log_path.exists():
        append_json_line(store.profile_log_path, {"at": _now(), "set": profile, "seed": True})


def update_profile(store: Store, *, notes: list[str] | None = None, **changes) -> dict:
    """The profile after applying the non-None ``changes`` (written only when something changed).

    A damaged ``profile.json`` does not stop a change: the profile is recreated from the raw log
    plus the change, and a line saying so is added to ``notes``.
    """
    updates = {k: v for k, v in changes.items() if v is not None}
    if "timezone" in updates:
        try:
            ZoneInfo(updates["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"unknown time zone {updates['timezone']!r} (e.g. Europe/Berlin)")
    for key in ("hr_rest_bpm", "hr_max_bpm"):
        if key in updates and not 20 <= updates[key] <= 250:
            raise UsageError(f"{key.replace('_', ' ')} must be between 20 and 250")
    try:
        profile = read_profile(store)
    except DamagedStoreError as e:
        if not updates:
            raise
        profile = None
        if notes is not None:
            notes.append(f"{e.path} was damaged ({e.detail}); recreated from "
                         f"{store.profile_log_path} and this change")
    if not updates:
        return profile
    if profile is not None:
        seed_profile_log(store, profile)
    append_json_line(store.profile_log_path, {"at": _now(), "set": updates})
    profile = profile_from_log(store)
    write_profile(store, profile)
    return profile


def athlete_timezone(profile: dict) -> tuple[str, bool]:
    """The configured time zone name and whether it was configured (else UTC is assumed)."""
    tz = profile.get("timezone")
    return (tz, True) if tz else ("UTC", False)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
