"""Hostile archives and folders: zip slip, zip bombs, deep nesting, symbolic links."""

from __future__ import annotations

import gzip
import os

from tests.factories import zip_bytes
from tests.robustness.conftest import fit_run, reasons


def test_zip_slip_members_are_refused_and_never_written(sandbox, good_fit):
    evil_names = ["../../escape.fit", "/tmp/absolute.fit", "..\\..\\windows.fit",
                  "activities/../../../up.fit", "C:/drive.fit"]
    archive = sandbox.write("evil.zip", zip_bytes(
        {**{n: fit_run(f"2026-03-0{3 + i}T07:00:00Z") for i, n in enumerate(evil_names)},
         "activities/ok.fit": fit_run("2026-03-10T07:00:00Z")}))
    code, summary, _ = sandbox.ingest(archive, good_fit)
    assert code == 1
    refused = reasons(summary, "refused")
    assert set(refused) == {f"{archive}!{n}" for n in evil_names}
    assert all("zip slip" in r for r in refused.values())
    assert summary["new"] == 2  # ok.fit inside the archive and good.fit beside it
    assert len(sandbox.activities()) == 2
    # nothing of the refused members is kept anywhere, not even in quarantine
    assert not any(p.name.endswith("escape.fit") for p in sandbox.data.rglob("*"))
    assert not os.path.exists("/tmp/absolute.fit")


def test_zip_bomb_by_ratio_is_refused(sandbox, good_fit):
    archive = sandbox.write("bomb.zip", zip_bytes({
        "bomb.fit": b"\0" * (50 * 2**20),  # 50 MiB of zeros deflate ~1000:1
        "ok.fit": fit_run("2026-03-04T07:00:00Z"),
    }))
    assert archive.stat().st_size < 2**20
    code, summary, _ = sandbox.ingest(archive, good_fit)
    assert code == 1
    [(source, reason)] = reasons(summary, "refused").items()
    assert source == f"{archive}!bomb.fit" and "compression ratio above 200:1" in reason
    assert summary["new"] == 2


def test_gzip_bomb_is_refused(sandbox, good_fit):
    bomb = sandbox.write("bomb.fit.gz", gzip.compress(b"\0" * (20 * 2**20)))
    code, summary, _ = sandbox.ingest(bomb, good_fit)
    assert code == 1
    assert "compression ratio" in reasons(summary, "refused")[str(bomb)]
    assert summary["new"] == 1


def test_total_expanded_size_limit_refuses_the_members_beyond_it(sandbox, monkeypatch):
    runs = {f"{i}.fit": fit_run(f"2026-04-{i + 1:02d}T07:00:00Z", minutes=5) for i in range(5)}
    size = len(next(iter(runs.values())))
    archive = sandbox.write("export.zip", zip_bytes(runs))
    # room for two and a half members
    monkeypatch.setenv("RUNLOAD_MAX_ARCHIVE_MB", str(2.5 * size / 2**20))
    code, summary, _ = sandbox.ingest(archive)
    assert code == 1
    refused = reasons(summary, "refused")
    assert set(refused) == {f"{archive}!{i}.fit" for i in (2, 3, 4)}
    assert all("expands beyond" in r and "RUNLOAD_MAX_ARCHIVE_MB" in r for r in refused.values())
    assert summary["new"] == 2 and len(sandbox.activities()) == 2


def test_archives_nested_too_deep_are_refused(sandbox, good_fit):
    data = zip_bytes({"deep.fit": fit_run("2026-03-05T07:00:00Z")})
    for level in range(4):  # 5 levels of zip in all; 3 are allowed (Garmin exports nest 1)
        data = zip_bytes({f"level{level}.zip": data})
    nested_ok = zip_bytes({"inner.zip": zip_bytes({"fine.fit": fit_run("2026-03-06T07:00:00Z")})})
    deep = sandbox.write("deep.zip", data)
    shallow = sandbox.write("shallow.zip", nested_ok)
    code, summary, _ = sandbox.ingest(deep, shallow, good_fit)
    assert code == 1
    [(source, reason)] = reasons(summary, "refused").items()
    assert source.startswith(f"{deep}!level3.zip!level2.zip!") and "nested deeper than 3" in reason
    assert summary["new"] == 2  # fine.fit two levels down, and good.fit


def test_symbolic_links_leaving_an_input_folder_are_not_followed(sandbox, tmp_path, good_fit):
    outside = tmp_path / "private"
    outside.mkdir()
    secret = outside / "secret.fit"
    secret.write_bytes(fit_run("2026-03-07T07:00:00Z"))
    (outside / "other.fit").write_bytes(fit_run("2026-03-08T07:00:00Z"))
    folder = sandbox.inputs / "watch"
    folder.mkdir()
    (folder / "run.fit").write_bytes(fit_run("2026-03-09T07:00:00Z"))
    os.symlink(secret, folder / "link.fit")
    os.symlink(outside, folder / "linked_folder")
    os.symlink("/etc/passwd", folder / "passwd.gpx")
    code, summary, _ = sandbox.ingest(folder, good_fit)
    assert code == 1
    refused = reasons(summary, "refused")
    assert "outside the folder" in refused[str(folder / "link.fit")]
    assert "outside the folder" in refused[str(folder / "passwd.gpx")]
    assert "not followed" in reasons(summary, "quarantined")[str(folder / "linked_folder")]
    assert summary["new"] == 2  # run.fit and good.fit; neither secret.fit nor other.fit
    days = set(sandbox.activities()["start_time_utc"].dt.day)
    assert days == {2, 9}
    assert not list(sandbox.store.quarantine_dir.glob("*secret*"))


def test_a_symbolic_link_member_inside_a_zip_is_refused(sandbox, good_fit):
    archive = sandbox.write("links.zip", zip_bytes(
        {"ok.fit": fit_run("2026-03-11T07:00:00Z")},
        symlinks={"passwd.gpx": "/etc/passwd", "up.fit": "../../../secret.fit"}))
    code, summary, _ = sandbox.ingest(archive, good_fit)
    assert code == 1
    refused = reasons(summary, "refused")
    assert set(refused) == {f"{archive}!passwd.gpx", f"{archive}!up.fit"}
    assert all("symbolic link inside the archive" in r for r in refused.values())
    assert summary["new"] == 2


def test_a_corrupt_zip_is_quarantined_and_the_rest_goes_on(sandbox, good_fit):
    whole = zip_bytes({"a.fit": fit_run("2026-03-12T07:00:00Z")})
    broken = sandbox.write("broken.zip", whole[:-40])
    code, summary, _ = sandbox.ingest(broken, good_fit)
    assert code == 1
    assert "not a valid zip archive" in reasons(summary, "quarantined")[str(broken)]
    assert summary["new"] == 1
    [reason_file] = sandbox.store.quarantine_dir.glob("*.reason.txt")
    assert str(broken) in reason_file.read_text()
