"""The profile: every change recorded in the raw log, profile.json its sum."""

from __future__ import annotations

import pytest

from pipeline import store as st
from pipeline.errors import DamagedStoreError, UsageError
from pipeline.profile import profile_from_log, read_profile, update_profile


@pytest.fixture
def store(tmp_path) -> st.Store:
    return st.Store(tmp_path / "data", "me")


def test_changes_add_up_in_the_log_and_the_file(store):
    update_profile(store, timezone="Europe/Berlin", sex="female")
    update_profile(store, timezone="America/Denver", hr_max_bpm=188.0)
    expected = {"timezone": "America/Denver", "sex": "female", "hr_max_bpm": 188.0}
    assert read_profile(store) == expected == profile_from_log(store)
    assert len(store.profile_log_path.read_text().splitlines()) == 2
    first = store.profile_log_path.stat().st_size // 2 + 1  # inside the second record
    assert profile_from_log(store, until=first) == {"timezone": "Europe/Berlin", "sex": "female"}


def test_without_profile_json_the_log_is_the_profile(store):
    update_profile(store, timezone="Europe/Berlin")
    store.profile_path.unlink()  # e.g. data/processed/ deleted: imports still date by it
    assert read_profile(store) == {"timezone": "Europe/Berlin"}


def test_a_damaged_profile_json_is_named_and_a_change_repairs_it(store):
    update_profile(store, timezone="Europe/Berlin", hr_rest_bpm=50.0)
    store.profile_path.write_text("[1, 2")
    with pytest.raises(DamagedStoreError, match="profile.json is damaged"):
        read_profile(store)
    with pytest.raises(DamagedStoreError):
        update_profile(store)  # nothing to change: only the error
    notes: list[str] = []
    assert update_profile(store, notes=notes, sex="male") == {
        "timezone": "Europe/Berlin", "hr_rest_bpm": 50.0, "sex": "male"}
    assert "was damaged" in notes[0]


def test_a_profile_from_before_the_log_is_kept_as_its_first_record(store):
    st.write_profile(store, {"timezone": "Asia/Tokyo", "hr_max_bpm": 190})  # no log yet
    update_profile(store, sex="female")
    assert profile_from_log(store) == {"timezone": "Asia/Tokyo", "hr_max_bpm": 190,
                                       "sex": "female"}


def test_invalid_values_are_usage_errors_and_nothing_is_written(store):
    with pytest.raises(UsageError, match="unknown time zone"):
        update_profile(store, timezone="Mars/Olympus")
    with pytest.raises(UsageError, match="between 20 and 250"):
        update_profile(store, hr_max_bpm=400.0)
    assert not store.profile_log_path.exists() and not store.profile_path.exists()
