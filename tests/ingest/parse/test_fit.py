"""FIT reader: generated files with known answers, then the real-file corpus."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from pipeline.demo.fit_file import (
    fit_activity_bytes,
    fit_multisport_bytes,
    fit_non_activity_bytes,
    fit_summary_only_bytes,
)
from pipeline.errors import NotAnActivity, UnreadableInput
from pipeline.ingest.parse.fit import activities_from_messages, activity_sport, read_fit
from pipeline.ingest.parse.fit_recover import Decoded
from pipeline.schemas import Samples
from tests.factories import RUNNING_DYNAMICS, steady_samples


def samples(
    n: int = 120,
    *,
    start: str = "2026-06-01 01:30:00",
    spm: float = 171.5,
    hr: float = 150.0,
    speed: float = 3.0,
) -> pd.DataFrame:
    """``n`` one-second samples at a steady ``speed`` (m/s), heart rate and cadence."""
    return steady_samples(start, n=n, speed_mps=speed,
                          altitude_m=lambda t: 1600.0 + np.sin(t / 10.0), heart_rate_bpm=hr,
                          cadence_spm=spm, **RUNNING_DYNAMICS)


def only(data: bytes):
    activities = read_fit(data, source="test.fit")
    assert len(activities) == 1
    return activities[0]


# --- generated files -----------------------------------------------------------------------


def test_evening_run_keeps_its_utc_offset_and_units():
    # 19:30 in Denver (UTC-7) is 02:30 UTC on the next day
    a = only(
        fit_activity_bytes(
            samples(start="2026-06-01 02:30:00"), sport="running", utc_offset_min=-420
        )
    )
    assert a.format == "fit" and a.sport == "running"
    assert a.utc_offset_min == -420
    assert a.start_time_utc == pd.Timestamp("2026-06-01 02:30:00", tz="UTC")
    assert (
        a.start_time_utc + pd.Timedelta(minutes=a.utc_offset_min)
    ).date().isoformat() == "2026-05-31"
    Samples.validate(a.samples)
    s = a.samples
    assert len(s) == 120 and s["elapsed_s"].iloc[-1] == 119
    assert s["latitude_deg"].iloc[10] == pytest.approx(39.7001, abs=1e-6)
    assert s["step_length_m"].iloc[0] == pytest.approx(1.05)
    assert s["vertical_oscillation_mm"].iloc[0] == pytest.approx(85.0)
    assert s["stance_time_ms"].iloc[0] == pytest.approx(240.0)
    assert a.session["distance_m"] == pytest.approx(357.0)
    assert a.session["elapsed_time_s"] == pytest.approx(119.0)
    assert a.device == "garmin fr965"  # named from Garmin's profile: fitparse 1.2.0 predates it


def test_running_cadence_is_doubled_with_its_fraction():
    a = only(fit_activity_bytes(samples(spm=171.5), sport="running"))
    assert a.samples["cadence_spm"].to_numpy() == pytest.approx(171.5, abs=2 / 128)
    assert a.samples["cadence_rpm"].isna().all()
    assert a.session["avg_cadence_spm"] == pytest.approx(171.5, abs=2 / 128)


def test_cycling_cadence_is_crank_rpm_not_doubled():
    ride = samples(speed=8.0).drop(columns=["cadence_spm"]).assign(cadence_rpm=88.0)
    a = only(fit_activity_bytes(ride, sport="cycling", device="edge_530"))
    assert a.sport == "cycling"
    assert a.samples["cadence_rpm"].to_numpy() == pytest.approx(88.0)
    assert a.samples["cadence_spm"].isna().all()
    assert a.session["avg_cadence_rpm"] == pytest.approx(88.0)
    assert "avg_cadence_spm" not in a.session


def test_developer_power_becomes_a_dev_column():
    a = only(fit_activity_bytes(samples(), sport="running", developer_power=True))
    assert a.samples["dev_power"].to_numpy() == pytest.approx(250.0)
    assert a.samples["power_w"].isna().all()


@pytest.mark.parametrize(
    "sport, sub_sport, expected",
    [
        ("running", None, "running"),
        ("trail_running", None, "trail_running"),
        ("treadmill_running", None, "treadmill_running"),
        ("indoor_cycling", None, "cycling"),
        ("hiking", None, "walking"),
        ("open_water", None, "swimming"),
        ("strength", None, "other"),
    ],
)
def test_sport_from_the_session(sport, sub_sport, expected):
    assert only(fit_activity_bytes(samples(30), sport=sport, sub_sport=sub_sport)).sport == expected


def test_sport_mapping_of_fit_names():
    assert activity_sport("running", "treadmill") == "treadmill_running"
    assert activity_sport("running", "indoor_running") == "treadmill_running"
    assert activity_sport("fitness_equipment", "indoor_cycling") == "cycling"
    assert activity_sport("rowing", None) == "other"
    assert activity_sport(None, None) == "other"


def test_multisport_gives_one_activity_per_session_split_by_start_time():
    legs = [
        ("open_water", samples(60, start="2026-06-01 12:00:00", speed=1.0)),
        ("transition", samples(20, start="2026-06-01 12:01:00", speed=1.0)),
        ("cycling", samples(90, start="2026-06-01 12:01:20", speed=9.0).assign(cadence_rpm=90.0)),
        ("running", samples(70, start="2026-06-01 12:02:50")),
    ]
    activities = read_fit(fit_multisport_bytes(legs, utc_offset_min=120), source="tri.fit")
    assert [a.sport for a in activities] == ["swimming", "other", "cycling", "running"]
    assert [a.session_index for a in activities] == [0, 1, 2, 3]
    assert [len(a.samples) for a in activities] == [60, 20, 90, 70]
    assert activities[1].sub_sport == "transition"
    assert activities[2].start_time_utc == pd.Timestamp("2026-06-01 12:01:20", tz="UTC")
    assert activities[2].samples["cadence_rpm"].iloc[0] == 90.0
    assert activities[3].samples["cadence_spm"].iloc[0] == pytest.approx(171.5, abs=0.02)
    assert all(a.utc_offset_min == 120 for a in activities)


def test_summary_only_activity_has_totals_and_an_empty_sample_frame():
    data = fit_summary_only_bytes(
        sport="running",
        start_time_utc=pd.Timestamp("2026-01-02 07:00", tz="UTC"),
        elapsed_time_s=1800,
        distance_m=5000,
    )
    a = only(data)
    assert a.summary_only and a.samples.empty
    assert list(a.samples.columns) == list(Samples.to_schema().columns)
    Samples.validate(a.samples)
    assert a.session["distance_m"] == 5000 and a.session["elapsed_time_s"] == 1800
    assert "avg_hr_bpm" not in a.session  # not in the file: absent, never 0
    assert a.start_time_utc == pd.Timestamp("2026-01-02 07:00", tz="UTC")


@pytest.mark.parametrize("kind", ["settings", "workout", "course"])
def test_files_without_an_activity_are_reported_as_such(kind):
    with pytest.raises(NotAnActivity, match=kind.replace("settings", "device settings")):
        read_fit(fit_non_activity_bytes(kind), source=f"{kind}.fit")


def test_truncated_file_is_partial_with_fewer_records():
    data = fit_activity_bytes(samples(300), sport="running")
    a = only(data[: len(data) // 2])
    assert 0 < len(a.samples) < 300
    assert "ends early" in a.partial_reason
    assert a.session == {}  # the session message was in the lost half
    assert a.sport == "other"  # nothing left says which sport it was
    Samples.validate(a.samples)


def test_a_file_cut_before_any_record_is_unreadable():
    data = fit_activity_bytes(samples(60), sport="running")
    with pytest.raises(UnreadableInput):
        read_fit(data[:60], source="cut.fit")


def test_crc_mismatch_keeps_the_data_and_says_so():
    data = bytearray(fit_activity_bytes(samples(60), sport="running"))
    data[-1] ^= 0xFF
    a = only(bytes(data))
    assert len(a.samples) == 60
    assert a.partial_reason.startswith("CRC mismatch")


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (np.random.default_rng(7).bytes(4096), "not a FIT file"),
        (b"<html><body>sign in</body></html>", "not a FIT file"),
    ],
)
def test_unreadable_bytes_are_refused_with_a_reason(data, reason):
    with pytest.raises(UnreadableInput, match=reason):
        read_fit(data, source="x.fit")


def test_a_fit_header_followed_by_garbage_is_unreadable_not_a_crash():
    data = fit_activity_bytes(samples(10), sport="running")
    garbage = data[:14] + np.random.default_rng(3).bytes(2000)
    with pytest.raises((UnreadableInput, NotAnActivity)):
        read_fit(garbage, source="x.fit")


def test_absurd_values_are_cleaned_with_a_warning():
    s = samples(60)
    s.loc[5, "heart_rate_bpm"] = 0
    s.loc[6, "heart_rate_bpm"] = 252
    s.loc[7, "speed_mps"] = 35.0
    a = only(fit_activity_bytes(s, sport="running"))
    assert a.samples["heart_rate_bpm"].iloc[5:7].isna().all()
    assert a.samples["heart_rate_bpm"].notna().sum() == 58
    assert np.isnan(a.samples["speed_mps"].iloc[7])
    assert any("heart-rate" in w for w in a.warnings) and any(
        "speeds above" in w for w in a.warnings
    )


def _device_relative_messages(local_timestamp: float | None) -> Decoded:
    """A Forerunner-70-like file: every time counts from the device's power-on (< 0x10000000)."""
    start, n = 17_217_864.0, 30
    activity = {"timestamp": start + n + 5}
    if local_timestamp is not None:
        activity["local_timestamp"] = local_timestamp
    records = [{"timestamp": start + i, "heart_rate": 150, "distance": 3.0 * i} for i in range(n)]
    session = {
        "start_time": start,
        "timestamp": start + n,
        "sport": "running",
        "total_elapsed_time": float(n),
        "total_distance": 87.0,
    }
    messages = {
        "file_id": [{"type": "activity"}],
        "record": records,
        "session": [session],
        "activity": [activity],
        "lap": [],
        "event": [],
        "sport": [],
        "device_info": [],
        "hr": [],
    }
    return Decoded(messages, "fitparse")


def test_device_relative_times_are_dated_from_the_local_timestamp():
    local_end = (pd.Timestamp("2012-02-13 12:21:03") - pd.Timestamp("1989-12-31")).total_seconds()
    a = activities_from_messages(_device_relative_messages(local_end), source="fr70.fit")[0]
    # local start = local_timestamp - (activity.timestamp - start_time) = 12:21:03 - 35 s
    assert a.start_time_utc == pd.Timestamp("2012-02-13 12:20:28", tz="UTC")
    assert a.utc_offset_min is None
    assert any(w.startswith("device-relative times") for w in a.warnings)
    assert a.samples["timestamp_utc"].iloc[0] == a.start_time_utc


def test_device_relative_times_without_a_local_timestamp_cannot_be_dated():
    with pytest.raises(UnreadableInput, match="date cannot be known"):
        activities_from_messages(_device_relative_messages(None), source="fr70.fit")


# --- the real-file corpus ------------------------------------------------------------------


def _weighted_mean(
    values: np.ndarray, seconds: np.ndarray, mask: np.ndarray | None = None
) -> float:
    """Mean of ``values`` weighted by each sample's time to the next (gaps capped at 10 s)."""
    weight = np.append(np.clip(np.diff(seconds), 0, 10), 0.0)
    ok = np.isfinite(values) & (weight > 0) & (True if mask is None else mask)
    return float((values[ok] * weight[ok]).sum() / weight[ok].sum()) if ok.any() else np.nan


@pytest.fixture(scope="module")
def fit_corpus(corpus):  # about 20 s of decoding: the tests using it are marked slow
    """Every file of ``fit/`` read once: {file name: [ParsedActivity]}."""
    return {
        p.name: read_fit(p.read_bytes(), source=str(p))
        for p in sorted((corpus / "fit").glob("*.fit"))
    }


@pytest.mark.slow
def test_every_corpus_activity_agrees_with_its_own_session(fit_corpus):
    checked = {"distance": 0, "time": 0, "hr": 0, "cadence": 0}
    for name, activities in fit_corpus.items():
        assert activities, name
        for a in activities:
            Samples.validate(a.samples)
            s, totals = a.samples, a.session
            if s.empty:
                continue
            seconds = (
                (s["timestamp_utc"] - s["timestamp_utc"].iloc[0]).dt.total_seconds().to_numpy()
            )
            where = f"{name} session {a.session_index}"
            distance = s["distance_m"].dropna()
            if totals.get("distance_m") and len(distance):
                # the device's counter restarts per session or runs on through a multisport file
                last, first = distance.iloc[-1], distance.iloc[0]
                off = min(
                    abs(last - totals["distance_m"]), abs(last - first - totals["distance_m"])
                )
                # a session edge falls between two samples: allow one sample's step beyond 1 %
                step = float(np.diff(distance.to_numpy()).max(initial=0.0))
                assert off <= 0.01 * totals["distance_m"] + step, where
                checked["distance"] += 1
            span = seconds[-1]
            targets = [totals.get("elapsed_time_s"), totals.get("timer_time_s")]
            targets = [t for t in targets if t]
            if targets and span > 0:
                assert (
                    min(abs(span - t) / t for t in targets) <= 0.02 or abs(span - targets[0]) <= 2
                ), where
                checked["time"] += 1
            hr = s["heart_rate_bpm"].to_numpy()
            if (
                totals.get("avg_hr_bpm")
                and np.isfinite(hr).sum() >= 100
                and a.sub_sport != "lap_swimming"
            ):
                assert abs(_weighted_mean(hr, seconds) - totals["avg_hr_bpm"]) <= 2, where
                checked["hr"] += 1
            cadence = s["cadence_spm"].to_numpy()
            if totals.get("avg_cadence_spm") and np.isfinite(cadence).sum() >= 100:
                moving = (s["speed_mps"] > 0.5).to_numpy()
                assert (
                    abs(_weighted_mean(cadence, seconds, moving) - totals["avg_cadence_spm"]) <= 2
                ), where
                checked["cadence"] += 1
    # the checks above must have had something to check
    assert checked["distance"] >= 20 and checked["time"] >= 25
    assert checked["hr"] >= 12 and checked["cadence"] >= 5


@pytest.mark.slow
def test_corpus_multisport_files_give_one_activity_per_session(corpus, fit_corpus):
    with open(corpus / "MANIFEST.csv", newline="") as f:
        manifest = {row["file"]: row for row in csv.DictReader(f)}
    for name in ("activity-large-fenxi2-multisport.fit", "sample_mulitple_header.fit"):
        sports = manifest[f"fit/{name}"]["sport"].split(";")
        activities = fit_corpus[name]
        assert len(activities) == len(sports)
        assert [a.session_index for a in activities] == list(range(len(sports)))
        transitions = [a for a, sp in zip(activities, sports) if sp == "transition"]
        assert transitions and all(
            a.sport == "other" and a.sub_sport == "transition" for a in transitions
        )
        runs = [a for a, sp in zip(activities, sports) if sp == "running"]
        assert all(a.sport == "running" for a in runs)


@pytest.mark.slow
def test_corpus_device_relative_run_is_not_dated_1989(fit_corpus):
    for name in ("compressed-speed-distance.fit", "antfs-dump.63.fit"):
        a = fit_corpus[name][0]
        assert a.start_time_utc.year == 2012
        assert a.samples["timestamp_utc"].min().year >= 2000
        assert any("device-relative" in w for w in a.warnings)
    assert "distance_m" not in fit_corpus["antfs-dump.63.fit"][0].session


@pytest.mark.slow
def test_corpus_developer_fields_are_kept(fit_corpus):
    s = fit_corpus["developer-types-sample.fit"][0].samples
    assert {"dev_form_power", "dev_leg_spring_stiffness"} <= set(s.columns)
    assert s["dev_form_power"].max() > 50


@pytest.mark.slow
def test_corpus_damaged_files_are_recovered_or_refused(corpus):
    recovered = {}
    for path in sorted((corpus / "fit-damaged").glob("*.fit")):
        try:
            activities = read_fit(path.read_bytes(), source=str(path))
        except UnreadableInput as exc:
            assert exc.reason
            continue
        assert all(a.partial_reason for a in activities), path.name
        recovered[path.name] = (
            sum(len(a.samples) for a in activities),
            activities[0].partial_reason,
        )
    assert recovered["coros-pace-2-cycling-misaligned-fields.fit"][0] > 11_000
    # a truncated ride: 14,391 records read (one of them an exact repeat, kept once)
    assert recovered["nick.fit"][0] >= 14_000
    assert (
        recovered["nick.fit"][1] == "file ends early after 14,391 records: kept what was readable"
    )
    assert len(recovered) >= 6


def test_corpus_not_activity_files_are_reported(corpus):
    paths = sorted((corpus / "not-activity").glob("*.fit"))
    assert paths
    for path in paths:
        with pytest.raises(NotAnActivity):
            read_fit(path.read_bytes(), source=str(path))


def test_corpus_broken_files_are_unreadable(corpus):
    for name in ("empty.fit", "random-bytes.fit"):
        with pytest.raises(UnreadableInput):
            read_fit((corpus / "broken" / name).read_bytes(), source=name)


def test_repeated_rows_are_those_dataframe_duplicated_finds():
    """A chained FIT file's repeated records are found in NumPy (a worker never imports pandas):
    the same rows as ``DataFrame.duplicated``, NaN equal to NaN and -0.0 to 0.0, across seeds."""
    from pipeline.ingest.parse.fit_records import repeated_rows

    for seed in range(20):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(1, 60))
        cols = {
            "timestamp": np.datetime64("2026-01-01T07:00:00", "ms")
            + rng.integers(0, 5, n).astype("timedelta64[s]"),
            "speed_mps": rng.choice([np.nan, 0.0, -0.0, 2.5, 3.0], n),
            "heart_rate_bpm": rng.choice([np.nan, 140.0, 141.0], n),
        }
        expected = pd.DataFrame(cols).duplicated().to_numpy()
        assert (repeated_rows(cols) == expected).all(), seed
        assert expected.any() or n < 10  # the seeds do plant repeats
