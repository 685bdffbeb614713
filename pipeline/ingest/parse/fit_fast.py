"""Fast FIT decode: one pass over the message stream, then whole columns at once with NumPy.

The pass only parses definition messages and notes, per definition, the byte offset of each of
its data messages; each definition's records then become one NumPy array (fancy indexing of the
row offsets) and every field one column, scaled with fitparse's profile. The few other messages
(file_id, session, lap, activity, event, sport, device_info) are read one by one with exactly
fitparse's rules (``fit_profile.message_values``).

fitparse stays the reference: whatever this decoder cannot read with certainty — a CRC mismatch,
truncation, an unknown base type, a field size that is not a multiple of its type, a data message
without a definition, an undescribed developer field, a header that lies, trailing bytes, ``hr``
messages — makes it refuse (return None), and the caller decodes the file with fitparse.
Accumulated components (compressed speed/distance) follow fitparse message by message
(``fit_profile.record_components``); compressed-timestamp headers, big-endian definitions and
chained files (several headers) are read as fitparse reads them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from fitparse.profile import MESSAGE_TYPES
from fitparse.records import BASE_TYPES

from pipeline.ingest.parse.fit_profile import (
    KNOWN_BASE_TYPES, NUMERIC, Refused, all_invalid, dev_description, fit_crc, message_values,
    raw_column, raw_values, record_components, renders_names, scaled_column,
)
from pipeline.ingest.parse.fit_recover import dev_column

RECORD, FIELD_DESCRIPTION, DEVELOPER_DATA_ID, TIMESTAMP = 20, 206, 207, 253
# the messages fit.py reads besides records; ``hr`` messages (HRM-Swim/Tri heart rates kept apart
# from the records) make the decoder refuse: merging them is the SDK path's job
MESSAGES = ("file_id", "device_info", "lap", "session", "activity", "event", "sport",
            "timestamp_correlation")
HR = 132
_MESSAGE_NUMS = {num: t.name for num, t in MESSAGE_TYPES.items() if t.name in MESSAGES}
RUN = 512  # messages looked ahead at once in a run of one definition


@dataclass
class FastFit:
    """A decoded FIT file.

    ``records``: one array per record field, named as fitparse names it, scaled as fitparse
    scales it (positions in semicircles, ``timestamp`` in seconds since the FIT epoch), NaN where
    the file has no value; developer fields as ``dev_<snake_case name>``. ``messages``: the other
    messages as ``{name: [{field: value}]}``, in file order, shaped like ``fit_recover``'s output.
    """

    records: dict[str, np.ndarray]
    messages: dict[str, list[dict]]

    @property
    def n_records(self) -> int:
        return len(self.records.get("timestamp", ()))


class _Def:
    """One definition message and the offsets of its data messages."""

    __slots__ = ("pos", "num", "endian", "fields", "dev", "size", "rows", "special")

    def __init__(self, pos: int, num: int, endian: str, fields: list, dev: list):
        self.pos, self.num, self.endian, self.fields, self.dev = pos, num, endian, fields, dev
        self.size = 1 + sum(f[1] for f in fields) + sum(f[1] for f in dev)
        self.rows: list[int] = []
        self.special = num in (FIELD_DESCRIPTION, DEVELOPER_DATA_ID)


def decode_fit_fast(data: bytes) -> FastFit | None:
    """The file's records as columns and its other messages, or None when fitparse must decide."""
    try:
        return _decode(bytes(data))
    except Exception:  # noqa: BLE001 - Refused, or bytes to leave to fitparse, which says why
        return None


def _definition(data: bytes, pos: int, end: int, header: int, dev_types: dict) -> tuple[_Def, int]:
    """The definition message at ``pos`` and the offset after it."""
    if pos + 6 > end:
        raise Refused("definition past the data")
    endian = ">" if data[pos + 2] else "<"
    num, count = struct.unpack_from(endian + "HB", data, pos + 3)
    p = pos + 6 + 3 * count
    if p > end:
        raise Refused("definition past the data")
    fields = []
    for q in range(pos + 6, p, 3):
        fnum, size, code = data[q], data[q + 1], data[q + 2]
        if code not in KNOWN_BASE_TYPES or size == 0 or size % BASE_TYPES[code].size:
            raise Refused(f"field {fnum}: base type {code:#x}, size {size}")
        fields.append((fnum, size, code))
    dev = []
    if header & 0x20:
        if p >= end or p + 1 + 3 * data[p] > end:
            raise Refused("developer definition past the data")
        first, p = p + 1, p + 1 + 3 * data[p]
        for q in range(first, p, 3):
            fnum, size, index = data[q], data[q + 1], data[q + 2]
            desc = dev_types.get(index, {}).get(fnum)
            if desc is None or size == 0 or size % BASE_TYPES[desc[0]].size:
                raise Refused(f"developer field {index}/{fnum} undescribed or of a wrong size")
            dev.append((fnum, size, desc[0], desc[1]))
    return _Def(pos, num, endian, fields, dev), p


def _developer(data: bytes, pos: int, d: _Def, dev_types: dict) -> None:
    """Registers a developer_data_id or field_description message, as fitparse does."""
    raws = raw_values(data, pos, d.endian, d.fields, d.dev)
    if d.num == DEVELOPER_DATA_ID:
        index = next((r for (num, _, _), r in zip(d.fields, raws) if num == 3), None)
        if not isinstance(index, int):
            raise Refused("developer_data_id without an index")
        dev_types[index] = {}
        return
    desc = dev_description(d.fields, raws)
    if desc is None or desc[0] not in dev_types:
        raise Refused("field_description without a known developer")
    dev_types[desc[0]][desc[1]] = (desc[2], desc[3])


def _walk(data: bytes) -> tuple[list[_Def], list[int], bool]:
    """(definitions with their rows, offset of each chained file's first message, whether any
    message has a compressed-timestamp header)."""
    n, pos = len(data), 0
    defs: list[_Def] = []
    segments: list[int] = []
    dev_types: dict = {}
    compressed = False
    view = memoryview(data)
    if n == 0:
        raise Refused("empty file")
    while pos < n:
        if n - pos < 12 or data[pos + 8:pos + 12] != b".FIT":
            raise Refused("not a FIT header")
        hsize = data[pos]
        dsize = int.from_bytes(data[pos + 4:pos + 8], "little")
        if hsize < 12 or hsize == 13 or pos + hsize > n:
            raise Refused("irregular header size")
        if hsize >= 14:
            stored = data[pos + 12] | data[pos + 13] << 8
            if stored and stored != fit_crc(view[pos:pos + 12]):
                raise Refused("header CRC mismatch")
        start, pos, end = pos, pos + hsize, pos + hsize + dsize
        if end + 2 > n:
            raise Refused("file shorter than its header says")
        if fit_crc(view[start:end]) != data[end] | data[end + 1] << 8:
            raise Refused("CRC mismatch")
        local: list[_Def | None] = [None] * 16
        segments.append(pos)
        while pos < end:
            header = data[pos]
            if header & 0x80:
                d = local[(header >> 5) & 3]
                compressed = True
            elif header & 0x40:
                d, pos = _definition(data, pos, end, header, dev_types)
                local[header & 0x0F] = d
                defs.append(d)
                continue
            else:
                d = local[header & 0x0F]
            if d is None:
                raise Refused("data message without a definition")
            if d.special:
                _developer(data, pos, d, dev_types)
            elif not header & 0x80:
                # a run of messages with the same header byte: the strided header bytes say how
                # long it is, without a Python step per message
                size = d.size
                window = data[pos + size:min(end, pos + RUN * size):size]
                same = len(window) - len(window.lstrip(data[pos:pos + 1]))
                if same:
                    d.rows.extend(range(pos, pos + (same + 1) * size, size))
                    pos += (same + 1) * size
                    continue
            d.rows.append(pos)
            pos += d.size
        if pos != end:
            raise Refused("a message runs past the data size")
        pos = end + 2
    return defs, segments, compressed


def _field_offset(d: _Def, wanted: int) -> tuple[int, int, int] | None:
    offset = 1
    for num, size, code in d.fields:
        if num == wanted:
            return offset, size, code
        offset += size
    return None


def _block(buf: np.ndarray, d: _Def) -> np.ndarray:
    """All data messages of ``d`` as an (n, size) byte array (a view when they are contiguous)."""
    first, last, n = d.rows[0], d.rows[-1], len(d.rows)
    if last - first == (n - 1) * d.size:
        return buf[first:last + d.size].reshape(n, d.size)
    rows = np.asarray(d.rows, dtype=np.int64)
    return buf[rows[:, None] + np.arange(d.size)]


def _compressed_times(buf: np.ndarray, defs: list[_Def], segments: list[int]) -> dict:
    """Offset of each compressed-timestamp message -> its timestamp (FIT-epoch seconds).

    fitparse's accumulator follows every valid ``timestamp`` field in file order and restarts at
    each chained file's header.
    """
    events = [(pos, -1, 0) for pos in segments]
    for d in defs:
        if not d.rows:
            continue
        rows = np.asarray(d.rows, dtype=np.int64)
        headers = buf[rows]
        packed = headers & 0x80 != 0
        ts = _field_offset(d, TIMESTAMP)
        if packed.any():
            if ts is not None:
                raise Refused("compressed header on a message with a timestamp field")
            offsets = zip(rows[packed].tolist(), headers[packed].tolist())
            events += [(p, 1, h & 0x1F) for p, h in offsets]
        elif ts is not None:
            if ts[1:] != (4, 0x86):
                raise Refused("timestamp field that is not a uint32")
            raw, valid = raw_column(_block(buf, d), ts[0], ts[2], d.endian)
            events += [(p, 0, v) for p, v in zip(rows[valid].tolist(), raw[valid].tolist())]
    times, acc = {}, 0
    for pos, kind, value in sorted(events):
        if kind < 0:
            acc = 0
        elif kind == 0:
            acc = value
        else:
            acc = value + (acc & ~0x1F) + (0x20 if value < (acc & 0x1F) else 0)
            times[pos] = acc
    return times


def _record_part(buf: np.ndarray, d: _Def, times: dict,
                 special: dict) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(row offsets, columns) of one record definition's messages."""
    mesg = MESSAGE_TYPES[RECORD]
    block = _block(buf, d)
    sources: list[tuple[str, np.ndarray]] = []  # in fitparse's field order: the first value wins
    offset = 1
    for num, size, code in d.fields:
        field = mesg.fields.get(num)
        scalar = code in NUMERIC and size == NUMERIC[code][1]
        if field is None and scalar:  # fitparse names it unknown_<number>
            raw, valid = raw_column(block, offset, code, d.endian)
            sources.append((f"unknown_{num}", scaled_column(field, raw, valid)))
        elif field is not None:
            raw, valid = raw_column(block, offset, code, d.endian) if scalar else (None, None)
            for comp in field.components or ():
                values = special.get((id(d), num, comp.def_num))
                if values is not None:
                    sources.append((mesg.fields[comp.def_num].name, values))
                    continue
                if raw is None or comp.accumulate:
                    if all_invalid(block, offset, size, code, d.endian):
                        continue  # fitparse expands nothing from a missing value
                    raise Refused(f"record component {comp.name} of {field.name}")
                target = mesg.fields[comp.def_num]
                bits = (raw.astype(np.int64) >> comp.bit_offset) & ((1 << comp.bits) - 1)
                if target.subfields or renders_names(target, bits, valid):
                    raise Refused(f"record component {comp.name}")
                sources.append((target.name, scaled_column(comp, bits, valid)))
            if field.subfields and raw is not None:
                raise Refused(f"record field {field.name} has sub-fields")
            if raw is not None and not renders_names(field, raw, valid):
                sources.append((field.name, scaled_column(field, raw, valid)))
        offset += size
    cols: dict[str, np.ndarray] = {}
    for name, values in sources:
        first = cols.get(name)
        cols[name] = values if first is None else np.where(np.isnan(first), values, first)
    for _, size, code, name in d.dev:  # fitparse's dict keeps a developer field's last value
        if code in NUMERIC and size == NUMERIC[code][1]:
            raw, valid = raw_column(block, offset, code, d.endian)
            values = raw.astype(np.float64)
            values[~valid] = np.nan
        else:
            values = np.full(len(block), np.nan)
        cols[dev_column(name)] = values
        offset += size
    rows = np.asarray(d.rows, dtype=np.int64)
    packed = block[:, 0] & 0x80 != 0
    if packed.any():
        ts = cols.setdefault("timestamp", np.full(len(rows), np.nan))
        ts[packed] = [times[p] for p in rows[packed].tolist()]
    return rows, cols


def _records(parts: list) -> dict[str, np.ndarray]:
    """One column per record field over all record definitions, in file order."""
    if not parts:
        return {"timestamp": np.array([], dtype=np.float64)}
    rows = np.concatenate([r for r, _ in parts])
    order = np.argsort(rows, kind="stable")
    names = list(dict.fromkeys(name for _, cols in parts for name in cols))
    names = names if "timestamp" in names else ["timestamp", *names]
    out = {}
    for name in names:
        pieces = [cols.get(name, np.full(len(r), np.nan)) for r, cols in parts]
        out[name] = np.concatenate(pieces)[order]
    return out


def _decode(data: bytes) -> FastFit:
    defs, segments, compressed = _walk(data)
    buf = np.frombuffer(data, dtype=np.uint8)
    times = _compressed_times(buf, defs, segments) if compressed else {}
    records = [d for d in defs if d.num == RECORD and d.rows]
    special = record_components(data, records)
    parts = []
    found: dict[str, list] = {name: [] for name in MESSAGES}
    for d in defs:
        if not d.rows:
            continue
        if d.num == HR:
            raise Refused("hr messages: heart rates to merge into the records")
        if d.num == RECORD:
            parts.append(_record_part(buf, d, times, special))
        elif d.num in _MESSAGE_NUMS:
            for pos in d.rows:
                values = message_values(d.num, d.fields, d.dev,
                                        raw_values(data, pos, d.endian, d.fields, d.dev))
                if pos in times and values.get("timestamp") is None:
                    values["timestamp"] = float(times[pos])
                found[_MESSAGE_NUMS[d.num]].append((pos, values))
    messages = {name: [v for _, v in sorted(items, key=lambda item: item[0])]
                for name, items in found.items()}
    return FastFit(_records(parts), messages)
