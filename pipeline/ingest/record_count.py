"""How many records an activity file holds, counted before it is decoded, up to a limit.

Every decoder holds all of a file's records in memory at once (and a FIT file can pack a record
in two bytes: a 20 MB file of ten million records took 4.4 GB), so a file with more than
``Thresholds.max_records`` is refused before decoding. Counting stops at the limit: a huge file
costs a bounded time and no memory beyond its bytes.
"""

from __future__ import annotations

import re

from pipeline.config import Thresholds

# an opening tag, with or without a namespace prefix (a self-closing one too)
_POINT_TAGS = {
    "gpx": re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?trkpt[\s/>]"),
    "tcx": re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Trackpoint[\s/>]"),
}

_SHORTEST_POINT = {"gpx": len(b"<trkpt/>"), "tcx": len(b"<Trackpoint/>")}


def fit_messages_over(data: bytes, limit: int) -> int | None:
    """The number of data messages in a FIT file when it is above ``limit`` (counting stops
    there), else None. Messages are walked by their headers and definitions only; where the walk
    loses its way (a damaged file) it stops: the decoders read no further either."""
    if len(data) < 12 or data[8:12] != b".FIT" or data[0] < 12:
        return None
    if len(data) <= limit:  # every message takes a byte at least: the usual file needs no walk
        return None
    sizes: dict[int, int] = {}  # local message type -> data message size
    pos, n = data[0], 0
    # the data size the header gives when it agrees with the file (then the 2-byte CRC); when it
    # does not (a damaged header, chained files) everything: a recovering decoder may read on
    end = pos + int.from_bytes(data[4:8], "little")
    if end != len(data) - 2:
        end = len(data)
    while pos < end:
        header = data[pos]
        pos += 1
        if header & 0x80:  # compressed-timestamp data message
            size = sizes.get((header >> 5) & 0x3)
        elif header & 0x40:  # definition message
            if pos + 5 > end:
                break
            fields = data[pos + 4]
            at = pos + 5
            size = sum(data[at + 3 * i + 1] for i in range(fields) if at + 3 * i + 1 < end)
            at += 3 * fields
            if header & 0x20 and at < end:  # developer fields
                dev = data[at]
                size += sum(data[at + 1 + 3 * i + 1] for i in range(dev)
                            if at + 1 + 3 * i + 1 < end)
                at += 1 + 3 * dev
            sizes[header & 0xF] = size
            pos = at
            continue
        else:
            size = sizes.get(header & 0xF)
        if size is None:
            break
        pos += size
        n += 1
        if n > limit:
            return n
    return None


def points_over(data: bytes, kind: str, limit: int) -> int | None:
    """The number of track points of a GPX/TCX file when above ``limit`` (counting stops)."""
    if len(data) < limit * _SHORTEST_POINT[kind]:  # cannot hold more: no scan needed
        return None
    n = 0
    for _ in _POINT_TAGS[kind].finditer(data):
        n += 1
        if n > limit:
            return n
    return None


def too_many_records(data: bytes, kind: str, thresholds: Thresholds) -> str | None:
    """The reason to refuse an activity file with more records than the limit, or None."""
    limit = thresholds.max_records
    over = fit_messages_over(data, limit) if kind == "fit" else points_over(data, kind, limit)
    if over is None:
        return None
    what = "messages" if kind == "fit" else "track points"
    return (f"more than {limit:,} {what}: larger than the {limit:,}-record limit for one "
            "activity file, which bounds the memory decoding it needs (max_records; set "
            "RUNLOAD_MAX_RECORDS to change it)")
