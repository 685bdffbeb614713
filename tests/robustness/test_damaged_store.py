"""A damaged processed file: one line naming it and `runload rebuild`, never "internal error";
the rebuild brings the store back; a flipped bit anywhere in a stored file is detected."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pandas as pd
import pytest

from pipeline import files
from pipeline import store as st
from pipeline.errors import DamagedStoreError
from tests.robustness.conftest import fit_run

AS_OF = "2026-03-08"


@pytest.fixture
def filled(sandbox, good_fit):
    """A store with every processed file: activities, ledger, pain log, profile, analysis."""
    assert sandbox.run("profile", "--timezone", "Europe/Berlin")[0] == 0
    assert sandbox.ingest(good_fit)[0] == 0
    csv = sandbox.write("pain.csv", b"date,pain,context\n2026-03-02,0,next_morning\n")
    assert sandbox.run("pain", "import", str(csv))[0] == 0
    assert sandbox.run("pain", "add", "--date", "2026-03-03", "--pain", "2")[0] == 0
    assert sandbox.run("analyze", "--as-of", AS_OF)[0] == 0
    return sandbox


def damage(path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "garbled":
        data[len(data) // 3: len(data) // 3 + 32] = bytes(range(200, 232))
    else:  # one flipped bit, the file's times kept: nothing but the content says so
        data[len(data) // 2] ^= 0x10
    info = path.stat()
    path.write_bytes(bytes(data))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


# which command reads which file first
READERS = {
    "activities.parquet": ["analyze", "--as-of", AS_OF],
    "sources.parquet": ["ingest", "{other}"],
    "pain_log.parquet": ["analyze", "--as-of", AS_OF],
    "daily.parquet": ["report", "--as-of", AS_OF, "--reports-dir", "{reports}"],
    "recommendation.json": ["report", "--as-of", AS_OF, "--reports-dir", "{reports}"],
}
QUICK = {("activities.parquet", "truncated"), ("sources.parquet", "garbled"),
         ("pain_log.parquet", "flipped"), ("daily.parquet", "truncated"),
         ("recommendation.json", "garbled")}
CASES = [pytest.param(name, how, marks=() if (name, how) in QUICK else pytest.mark.slow)
         for name in READERS for how in ("truncated", "garbled", "flipped")]


@pytest.mark.parametrize("name, how", CASES)
def test_a_damaged_file_is_named_with_the_rebuild_and_the_rebuild_restores_it(filled, name, how):
    other = filled.write("other.fit", fit_run("2026-03-03T07:00:00Z"))
    before = st.read_activities(filled.store), st.read_pain_log(filled.store)
    path = filled.store.processed_dir / name
    damage(path, how)
    files._VERIFIED.clear()  # as a new process sees it (this one wrote the file)
    args = [a.format(other=other, reports=filled.data / "reports") for a in READERS[name]]
    code, out, err = filled.run(*args)
    assert code == 1, (out, err)
    assert err.strip().count("\n") == 0, err  # one line
    assert f"{path} is damaged" in err and "run `runload rebuild --data-dir" in err, err
    assert "internal error" not in err and "run the command again" not in err

    code, out, _ = filled.run("rebuild", "--as-of", AS_OF)
    assert code == 0 and "rebuilt data/processed/" in out
    pd.testing.assert_frame_equal(st.read_activities(filled.store), before[0])
    pd.testing.assert_frame_equal(st.read_pain_log(filled.store), before[1])
    code, _, err = filled.run(*args)
    assert code == 0, err


def test_a_profile_json_that_is_not_json_is_named_and_profile_timezone_repairs_it(filled):
    path = filled.store.profile_path
    path.write_text("{not json")
    for args in (["analyze", "--as-of", AS_OF], ["profile"],
                 ["ingest", str(filled.write("b.fit", fit_run("2026-03-04T07:00:00Z")))]):
        code, _, err = filled.run(*args)
        assert code == 1 and f"{path} is damaged (" in err, (args, err)
        assert "runload rebuild" in err and "internal error" not in err
    # pain add does not need the profile to be readable (the raw log has the time zone)
    assert filled.run("pain", "add", "--date", "2026-03-04", "--pain", "1")[0] == 0
    code, out, err = filled.run("profile", "--timezone", "America/Denver")
    assert code == 0, err
    assert "was damaged" in err and "recreated from" in err
    assert "timezone: America/Denver" in out
    assert st.read_profile(filled.store) == {"timezone": "America/Denver"}
    assert filled.run("analyze", "--as-of", AS_OF)[0] == 0


def test_every_single_bit_flip_of_the_pain_log_is_detected(filled):
    path = filled.store.pain_log_path
    original = path.read_bytes()
    rng = random.Random(20)
    positions = [(rng.randrange(len(original)), rng.randrange(8)) for _ in range(300)]
    for at, bit in positions:
        flipped = bytearray(original)
        flipped[at] ^= 1 << bit
        path.write_bytes(bytes(flipped))
        files._VERIFIED.clear()
        with pytest.raises(DamagedStoreError, match="pain_log.parquet is damaged"):
            st.read_pain_log(filled.store)
    path.write_bytes(original)
    assert len(st.read_pain_log(filled.store)) == 2


def test_a_flipped_pain_0_is_refused_by_a_new_process(filled):
    """The issue's case: a stored pain 0 must not come back as a 2 (fresh process, no cache)."""
    path = filled.store.pain_log_path
    damage(path, "flipped")
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "analyze", "--as-of", AS_OF,
                           "--data-dir", str(filled.data)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 1
    assert f"{path} is damaged" in proc.stderr and "runload rebuild" in proc.stderr


def test_a_write_killed_between_checksum_and_rename_leaves_a_readable_file(filled, monkeypatch):
    """The new digest is recorded before the rename: a kill between the two must not make the
    old file look damaged."""
    path = filled.store.pain_log_path
    before = st.read_pain_log(filled.store)

    def killed(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        st.write_pain_log(filled.store, before.iloc[:1])
    monkeypatch.undo()
    files._VERIFIED.clear()
    pd.testing.assert_frame_equal(st.read_pain_log(filled.store), before)
    assert files.checksum_path(path).read_text().count("\n") == 2  # new and previous digests
