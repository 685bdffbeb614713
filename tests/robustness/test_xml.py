"""Hostile XML in GPX and TCX: entity bombs, external entities and DTDs are refused unexpanded."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from pipeline.config import Thresholds
from pipeline.errors import UnsafeInput
from pipeline.ingest.parse.gpx import read_gpx
from pipeline.ingest.run import parse_leaf
from pipeline.ingest.sources import Leaf, bytes_sha256
from pipeline.ingest.parse.xml_safety import MAX_XML_DEPTH, refuse_deep_nesting
from tests.robustness.conftest import reasons

ROOTS = {"gpx": (b'<gpx version="1.1" creator="x">', b"</gpx>", b"gpx"),
         "tcx": (b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
                 b'TrainingCenterDatabase/v2">', b"</TrainingCenterDatabase>",
                 b"TrainingCenterDatabase")}
# a name the entities land in; GPX and TCX both have one
NAME = {"gpx": (b"<trk><name>", b"</name></trk>"),
        "tcx": (b'<Activities><Activity Sport="Running"><Notes>',
                b"</Notes></Activity></Activities>")}


def document(kind: str, dtd: bytes, body: bytes) -> bytes:
    open_, close, root = ROOTS[kind]
    start, end = NAME[kind]
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE ' + root + b" " + dtd + b">\n"
            + open_ + start + body + end + close)


def billion_laughs(kind: str) -> bytes:
    levels = [b'<!ENTITY lol0 "lol">']
    levels += [b"<!ENTITY lol%d \"%s\">" % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)]
    return document(kind, b"[" + b"\n".join(levels) + b"]", b"&lol9;")  # 10^9 x "lol"


def quadratic_blowup(kind: str) -> bytes:
    return document(kind, b'[<!ENTITY a "' + b"A" * 50_000 + b'">]', b"&a;" * 50_000)  # 2.5 GB


def external_entity(kind: str, secret: Path) -> bytes:
    url = b"file://" + str(secret).encode()
    return document(kind, b'[<!ENTITY xxe SYSTEM "' + url + b'">]', b"&xxe;")


def external_dtd(kind: str) -> bytes:
    return document(kind, b'SYSTEM "http://127.0.0.1:9/evil.dtd"', b"x")


def parameter_entity(kind: str, secret: Path) -> bytes:
    url = b"file://" + str(secret).encode()
    return document(kind, b'[<!ENTITY % p SYSTEM "' + url + b'"> %p;]', b"x")


def _attacks(kind: str, secret: Path) -> dict[str, bytes]:
    return {"laughs": billion_laughs(kind), "quadratic": quadratic_blowup(kind),
            "xxe": external_entity(kind, secret), "dtd": external_dtd(kind),
            "param": parameter_entity(kind, secret)}


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_entity_attacks_are_refused_and_the_rest_ingested(sandbox, good_fit, kind, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    paths = {name: sandbox.write(f"{name}.{kind}", data)
             for name, data in _attacks(kind, secret).items()}
    started = time.perf_counter()
    code, summary, _ = sandbox.ingest(*paths.values(), good_fit)
    assert time.perf_counter() - started < 20  # nothing was expanded
    assert code == 1
    refused = reasons(summary, "refused")
    assert set(refused) == {str(p) for p in paths.values()}
    assert all(r.startswith("refused for safety") for r in refused.values())
    assert summary["new"] == 1 and len(sandbox.activities()) == 1
    # each is kept unchanged in quarantine beside its reason; the secret was never read
    for path in paths.values():
        [kept] = [p for p in sandbox.store.quarantine_dir.glob(f"*-{path.name}")]
        assert kept.read_bytes() == path.read_bytes()
        assert "refused for safety" in kept.with_name(kept.name + ".reason.txt").read_text()
    for p in sandbox.data.rglob("*"):
        if p.is_file():
            assert b"TOP-SECRET-MARKER" not in p.read_bytes()


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
@pytest.mark.parametrize("attack", ["laughs", "quadratic"])
def test_entity_bombs_are_refused_in_bounded_time_and_memory(kind, attack, tmp_path):
    data = _attacks(kind, tmp_path / "none")[attack]
    leaf = Leaf(source=f"bomb.{kind}", kind=kind, data=data, sha256=bytes_sha256(data))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome = parse_leaf(leaf, profile_timezone=None, thresholds=Thresholds())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2.0
    assert peak < 20 * 2**20  # the expansion would need gigabytes
    assert outcome.status == "refused" and "document type" in outcome.reason


def _outcome_in_subprocess(kind: str, data: bytes, tmp_path: Path) -> subprocess.CompletedProcess:
    """parse_leaf in a fresh interpreter: a crash of the C stack must not take pytest with it."""
    path = tmp_path / f"input.{kind}"
    path.write_bytes(data)
    code = (
        "import json, sys\n"
        "from pipeline.config import Thresholds\n"
        "from pipeline.ingest.run import parse_leaf\n"
        "from pipeline.ingest.sources import Leaf, bytes_sha256\n"
        f"data = open({str(path)!r}, 'rb').read()\n"
        f"leaf = Leaf(source='deep.{kind}', kind={kind!r}, data=data, sha256=bytes_sha256(data))\n"
        "o = parse_leaf(leaf, profile_timezone=None, thresholds=Thresholds())\n"
        "print(json.dumps({'status': o.status, 'reason': o.reason}))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def deeply_nested(kind: str, depth: int = 200_000) -> bytes:
    """A recording whose first point's extensions nest ``depth`` elements (about 1.4 MB)."""
    nest = b"<a>" * depth + b"</a>" * depth
    if kind == "gpx":
        return (b'<?xml version="1.0"?>\n<gpx version="1.1" creator="x"><trk><trkseg>'
                b'<trkpt lat="1" lon="1"><time>2026-01-01T00:00:00Z</time><extensions>' + nest
                + b'</extensions></trkpt><trkpt lat="1.001" lon="1"><time>2026-01-01T00:00:05Z'
                b"</time></trkpt></trkseg></trk></gpx>")
    return (b'<?xml version="1.0"?>\n' + ROOTS["tcx"][0] + b'<Activities><Activity Sport="Running">'
            b"<Id>2026-01-01T00:00:00Z</Id><Lap StartTime=\"2026-01-01T00:00:00Z\"><Track>"
            b"<Trackpoint><Time>2026-01-01T00:00:00Z</Time><Extensions>" + nest
            + b"</Extensions></Trackpoint><Trackpoint><Time>2026-01-01T00:00:05Z</Time>"
            b"</Trackpoint></Track></Lap></Activity></Activities></TrainingCenterDatabase>")


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_deeply_nested_elements_never_crash_the_process(kind, tmp_path):
    # gpxpy deep-copies <extensions> recursively in C: 200,000 levels overflowed the C stack and
    # killed the process (SIGSEGV) before xml_safety refused nesting deeper than 100 levels
    result = _outcome_in_subprocess(kind, deeply_nested(kind), tmp_path)
    assert result.returncode == 0, f"process died: {result.returncode} {result.stderr[-300:]}"
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "refused"
    assert "nested more than 100 levels" in outcome["reason"]


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_nesting_just_over_the_limit_is_refused_and_at_the_limit_read(kind):
    # the root and the path to <extensions> take 5 (GPX) or 7 (TCX) levels
    base = 5 if kind == "gpx" else 7
    deep = deeply_nested(kind, depth=MAX_XML_DEPTH - base + 1)
    at_limit = deeply_nested(kind, depth=MAX_XML_DEPTH - base)
    outcomes = {}
    for label, data in (("deep", deep), ("at_limit", at_limit)):
        leaf = Leaf(source=f"{label}.{kind}", kind=kind, data=data, sha256=bytes_sha256(data))
        outcomes[label] = parse_leaf(leaf, profile_timezone=None, thresholds=Thresholds())
    assert outcomes["deep"].status == "refused"
    assert "nested more than 100 levels" in outcomes["deep"].reason
    assert outcomes["at_limit"].status == "ok", outcomes["at_limit"].reason


def test_a_declared_encoding_expat_cannot_read_does_not_skip_the_depth_check():
    # expat cannot read Shift-JIS bytes, but gpxpy is handed decoded text: the check reads the
    # same text, so the declaration cannot be used to slip deep nesting past it
    data = deeply_nested("gpx").replace(b'<?xml version="1.0"?>',
                                        b'<?xml version="1.0" encoding="shift_jis"?>')
    with pytest.raises(UnsafeInput, match="nested more than 100 levels"):
        read_gpx(data, source="sjis.gpx")


def test_a_gpx_in_a_multi_byte_encoding_is_read():
    # the checks read the decoded text: a Shift-JIS GPX (Japanese loggers) is not lost to expat
    gpx = ('<?xml version="1.0" encoding="shift_jis"?>\n<gpx version="1.1" creator="x"><trk>'
           "<name>朝ラン</name><type>running</type><trkseg>"
           '<trkpt lat="35.0" lon="139.0"><time>2026-01-01T00:00:00Z</time></trkpt>'
           '<trkpt lat="35.001" lon="139.0"><time>2026-01-01T00:00:40Z</time></trkpt>'
           "</trkseg></trk></gpx>").encode("shift_jis")
    [activity] = read_gpx(gpx, source="sjis.gpx")
    assert activity.name == "朝ラン" and len(activity.samples) == 2


def test_the_depth_check_costs_a_few_milliseconds_on_real_recordings(corpus):
    files = [p.read_bytes() for p in sorted((corpus / "history").glob("*.gpx"))]
    if not files:
        pytest.skip("no GPX in the corpus history")
    started = time.perf_counter()
    for data in files:
        refuse_deep_nesting(data, source="real.gpx")  # real files pass
    per_file_s = (time.perf_counter() - started) / len(files)
    assert per_file_s < 0.03  # ~4 ms measured on these (300 KB one-hour runs)


def test_xinclude_is_not_processed(sandbox, good_fit):
    # XInclude is only an element to a GPX reader: the file it names is never read
    gpx = (b'<?xml version="1.0"?>\n<gpx version="1.1" creator="x" '
           b'xmlns:xi="http://www.w3.org/2001/XInclude"><trk><name><xi:include '
           b'href="/etc/passwd" parse="text"/></name><trkseg>'
           b'<trkpt lat="1" lon="1"><time>2026-03-20T07:00:00Z</time></trkpt>'
           b'<trkpt lat="1.001" lon="1"><time>2026-03-20T07:00:30Z</time></trkpt>'
           b"</trkseg></trk></gpx>")
    code, summary, _ = sandbox.ingest(sandbox.write("xinclude.gpx", gpx), good_fit)
    assert code == 0 and summary["new"] == 2
    assert "root:" not in " ".join(str(v) for v in sandbox.activities()["name"])
