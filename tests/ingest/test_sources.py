import gzip
import os

from pipeline.config import Thresholds
from pipeline.ingest.sources import Leaf, Refusal, activity_kind, leaves, top_inputs
from tests.factories import zip_bytes

T = Thresholds()


def _expand(paths, thresholds=T):
    out = []
    for item in top_inputs([str(p) for p in paths]):
        out += [item] if isinstance(item, Refusal) else list(leaves(item, thresholds=thresholds))
    return out


def test_activity_kind_from_names():
    assert activity_kind("a.FIT") == ("fit", False)
    assert activity_kind("x/y.gpx.gz") == ("gpx", True)
    assert activity_kind("notes.txt") == (None, False)


def test_gz_file_is_decompressed_and_named_as_given(tmp_path):
    p = tmp_path / "run.tcx.gz"
    p.write_bytes(gzip.compress(b"<xml/>"))
    [leaf] = _expand([p])
    assert isinstance(leaf, Leaf)
    assert (leaf.kind, leaf.data, leaf.source) == ("tcx", b"<xml/>", str(p))


def test_text_named_gz_is_refused_with_reason(tmp_path):
    p = tmp_path / "x.fit.gz"
    p.write_bytes(b"plain text")
    [r] = _expand([p])
    assert isinstance(r, Refusal) and "gzip" in r.reason and r.data == b"plain text"


def test_folder_walk_skips_other_files_and_outside_symlinks(tmp_path):
    inside = tmp_path / "in"
    (inside / "sub").mkdir(parents=True)
    (inside / "sub" / "a.fit").write_bytes(b"A")
    (inside / "notes.txt").write_text("x")
    secret = tmp_path / "secret.fit"
    secret.write_bytes(b"S")
    os.symlink(secret, inside / "link.fit")
    items = _expand([inside])
    got = {i.source: i for i in items}
    assert isinstance(got[str(inside / "sub" / "a.fit")], Leaf)
    assert got[str(inside / "notes.txt")].skipped
    link = got[str(inside / "link.fit")]
    assert isinstance(link, Refusal) and link.unsafe and "outside" in link.reason
    assert not any(isinstance(i, Leaf) and i.data == b"S" for i in items)


def test_strava_export_gives_metadata_and_member_names(tmp_path):
    csv = ("Activity ID,Activity Date,Activity Name,Activity Type,Activity Gear,Filename,"
           "Perceived Exertion\n1,x,Morning Run,Run,Pegasus 40,activities/1.gpx.gz,6\n"
           "2,x,Commute,Ride,,activities/2.fit.gz,\n")
    archive = tmp_path / "export_1.zip"
    archive.write_bytes(zip_bytes({
        "activities.csv": csv.encode(),
        "activities/1.gpx.gz": gzip.compress(b"<gpx/>"),
        "activities/2.fit.gz": gzip.compress(b"FIT"),
        "profile.csv": b"x",
    }))
    items = _expand([archive])
    leaves_ = {i.source: i for i in items if isinstance(i, Leaf)}
    run = leaves_[f"{archive}!activities/1.gpx.gz"]
    assert run.data == b"<gpx/>"
    assert run.metadata == {"name": "Morning Run", "gear": "Pegasus 40", "sport": "running",
                            "rpe_0_10": 6.0}
    assert leaves_[f"{archive}!activities/2.fit.gz"].metadata["sport"] == "cycling"
    assert sum(1 for i in items if isinstance(i, Refusal) and i.skipped) == 2  # the two csv files


def test_garmin_export_nested_zips(tmp_path):
    inner = zip_bytes({"123_ACTIVITY.fit": b"FITDATA"})
    archive = tmp_path / "garmin.zip"
    archive.write_bytes(zip_bytes({
        "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip": inner,
    }))
    [leaf] = [i for i in _expand([archive]) if isinstance(i, Leaf)]
    assert leaf.data == b"FITDATA"
    assert leaf.source == (f"{archive}!DI_CONNECT/DI-Connect-Uploaded-Files/"
                           "UploadedFiles_0-_Part1.zip!123_ACTIVITY.fit")


def test_zip_slip_member_is_refused_and_the_rest_goes_on(tmp_path):
    archive = tmp_path / "evil.zip"
    archive.write_bytes(zip_bytes({"../../outside.fit": b"X", "ok.fit": b"OK", "/abs.gpx": b"Y"}))
    items = _expand([archive])
    refused = [i for i in items if isinstance(i, Refusal)]
    assert {r.source.split("!")[1] for r in refused} == {"../../outside.fit", "/abs.gpx"}
    assert all(r.unsafe and "zip slip" in r.reason for r in refused)
    assert [i.data for i in items if isinstance(i, Leaf)] == [b"OK"]


def test_zip_bomb_member_is_refused(tmp_path):
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(zip_bytes({"big.fit": b"\0" * (20 * 2**20), "ok.gpx": b"<gpx/>"}))
    items = _expand([archive])
    [r] = [i for i in items if isinstance(i, Refusal)]
    assert r.unsafe and "ratio" in r.reason
    assert [i.kind for i in items if isinstance(i, Leaf)] == ["gpx"]


def test_archive_total_size_limit(tmp_path):
    archive = tmp_path / "a.zip"
    archive.write_bytes(zip_bytes({"a.fit": os.urandom(3000), "b.fit": os.urandom(3000)}))
    small = Thresholds(max_archive_uncompressed_bytes=4000)
    items = _expand([archive], small)
    assert sum(isinstance(i, Leaf) for i in items) == 1
    assert any(isinstance(i, Refusal) and "limit" in i.reason for i in items)


def test_nesting_depth_limit(tmp_path):
    data = zip_bytes({"x.fit": b"X"})
    for _ in range(4):
        data = zip_bytes({"n.zip": data})
    archive = tmp_path / "deep.zip"
    archive.write_bytes(data)
    items = _expand([archive])
    assert not any(isinstance(i, Leaf) for i in items)
    assert any(isinstance(i, Refusal) and "nested" in i.reason for i in items)


def test_missing_path_and_unsupported_type(tmp_path):
    (tmp_path / "a.csv").write_text("x")
    items = _expand([tmp_path / "nope.fit", tmp_path / "a.csv"])
    assert [i.reason.split(" (")[0] for i in items] == ["no such file or folder",
                                                        "unsupported file type"]


def test_input_size_limit(tmp_path):
    p = tmp_path / "big.fit"
    p.write_bytes(b"x" * 5000)
    [r] = _expand([p], Thresholds(max_input_bytes=1000))
    assert isinstance(r, Refusal) and r.unsafe and "limit" in r.reason
