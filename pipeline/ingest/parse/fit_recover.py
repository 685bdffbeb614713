"""FIT bytes -> decoded messages, with recovery from damaged files.

fitparse is the reference decoder. When it rejects a file, what it read before the error is kept
(re-read without the CRC check when only the CRC is wrong), and Garmin's own FIT SDK reads the same
bytes; whichever yields more records wins. Both decoders' output is normalised to one shape:
``{message name: [ {field name: value} ]}`` where every date-time is a float of seconds since the
FIT epoch (1989-12-31T00:00Z; below 0x10000000 it is device-relative), positions stay semicircles
and developer fields appear in records as ``dev_<snake_case name>``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

from pipeline.errors import UnreadableInput

FIT_EPOCH = dt.datetime(1989, 12, 31)
# only these messages are used; skipping the rest keeps the normalisation cheap
# (timestamp_correlation pairs the device's own clock with UTC and local time: the only absolute
# time some files hold)
WANTED = ("file_id", "device_info", "record", "lap", "session", "activity", "event", "sport", "hr",
          "timestamp_correlation")
DATETIME_FIELDS = ("timestamp", "start_time", "local_timestamp", "time_created",
                   "system_timestamp")


@dataclass
class Decoded:
    """Messages read from one FIT file and, when the file is damaged, why it is incomplete."""

    messages: dict[str, list[dict]]
    decoder: str  # "fitparse" or "garmin-fit-sdk"
    problem: str | None = None  # plain sentence for ParsedActivity.partial_reason

    @property
    def n_records(self) -> int:
        return len(self.messages.get("record", []))


def dev_column(name: str) -> str:
    """``dev_<name>`` in snake case: "Form Power" -> ``dev_form_power``."""
    snake = re.sub(r"[^0-9a-zA-Z]+", "_", str(name)).strip("_").lower()
    return f"dev_{snake or 'field'}"


def _seconds(value) -> float | None:
    """A fitparse date-time (datetime, or int when device-relative) as FIT-epoch seconds."""
    if isinstance(value, dt.datetime):
        return (value.replace(tzinfo=None) - FIT_EPOCH).total_seconds()
    if isinstance(value, (int, float)):
        return float(value)
    return None


def header_problem(data: bytes) -> str | None:
    """Why ``data`` cannot be a FIT file at all, or None when its header looks like one."""
    if len(data) == 0:
        return "empty file"
    if len(data) < 12:
        return f"not a FIT file: only {len(data)} bytes, shorter than a FIT header"
    if data[8:12] != b".FIT":
        return "not a FIT file: header does not start with .FIT"
    return None


# --- fitparse --------------------------------------------------------------------------------


class _RawValues:
    """A fitparse data processor that leaves values as decoded (dates as FIT-epoch seconds).

    fitparse's default processor turns every date into a datetime and runs three method lookups
    per field; skipping them makes decoding about a fifth faster, and ``_seconds`` reads both.
    """

    def run_type_processor(self, field_data):
        pass

    def run_field_processor(self, field_data):
        pass

    def run_unit_processor(self, field_data):
        pass

    def run_message_processor(self, data_message):
        pass


def _fitparse_messages(
    data: bytes, *, check_crc: bool
) -> tuple[dict[str, list[dict]], Exception | None]:
    """Messages fitparse reads, up to its first error (returned, not raised)."""
    import fitparse
    from fitparse.records import DevField

    out: dict[str, list[dict]] = {name: [] for name in WANTED}
    try:
        fit = fitparse.FitFile(io.BytesIO(data), check_crc=check_crc, data_processor=_RawValues())
        for message in fit.get_messages():
            bucket = out.get(message.name)
            if bucket is None:
                continue
            values = {}
            for field in message.fields:
                if isinstance(field.field, DevField):
                    values[dev_column(field.name)] = field.value
                elif field.name in DATETIME_FIELDS:
                    values[field.name] = _seconds(field.value)
                elif field.name not in values or values[field.name] is None:
                    values[field.name] = field.value
            bucket.append(values)
    except Exception as exc:  # noqa: BLE001 - any decoder failure: keep what was read
        return out, exc
    return out, None


# --- Garmin FIT SDK --------------------------------------------------------------------------


def _sdk_messages(
    data: bytes, *, merge_hr: bool = False
) -> tuple[dict[str, list[dict]], str | None]:
    """Messages Garmin's SDK reads and its first error message (None when it read everything).

    With ``merge_hr`` the heart rates of ``hr`` messages (HRM-Swim/Tri store them apart from the
    records) are merged into the records' ``heart_rate``.
    """
    from garmin_fit_sdk import Decoder, Stream

    try:
        decoder = Decoder(Stream.from_byte_array(bytearray(data)))
        raw, errors = decoder.read(convert_datetimes_to_dates=False, merge_heart_rates=merge_hr)
    except Exception as exc:  # noqa: BLE001 - the second decoder failing is only a lost chance
        return {}, str(exc) or type(exc).__name__
    descriptions = raw.get("field_description_mesgs", [])
    dev_names = {}
    for i, d in enumerate(descriptions):
        dev_names[d.get("key", i)] = dev_column(d.get("field_name") or f"field_{i}")
    out: dict[str, list[dict]] = {name: [] for name in WANTED}
    for name in WANTED:
        for message in raw.get(f"{name}_mesgs", []):
            values = {
                k: v for k, v in message.items() if isinstance(k, str) and k != "developer_fields"
            }
            for key in DATETIME_FIELDS:
                if key in values:
                    values[key] = _seconds(values[key])
            for key, value in (message.get("developer_fields") or {}).items():
                values[dev_names.get(key, f"dev_field_{key}")] = value
            out[name].append(values)
    return out, (str(errors[0]) if errors else None)


def _merge_heart_rates(data: bytes, messages: dict[str, list[dict]]) -> None:
    """Fill records without a heart rate from the file's ``hr`` messages.

    fitparse cannot expand the ``hr`` message's packed event times; Garmin's SDK merges them the
    way Garmin Connect does. Records that already carry a heart rate keep it.
    """
    sdk, _ = _sdk_messages(data, merge_hr=True)
    by_time = {
        r.get("timestamp"): r.get("heart_rate")
        for r in sdk.get("record", [])
        if r.get("heart_rate") is not None
    }
    for record in messages["record"]:
        if record.get("heart_rate") is None:
            hr = by_time.get(record.get("timestamp"))
            if hr is not None:
                record["heart_rate"] = hr


# --- choosing --------------------------------------------------------------------------------


def _plain(exc: Exception) -> str:
    return str(exc).strip().rstrip(".") or type(exc).__name__


def _reason(kind: str, exc: Exception, n: int, sdk_complete: bool) -> str:
    """A plain sentence on what was kept from a damaged file."""
    if kind == "crc":
        return "CRC mismatch: data kept, integrity not verified"
    if sdk_complete:
        return (
            f"fitparse could not decode it ({_plain(exc)}); Garmin's FIT SDK read it completely "
            f"({n:,} records)"
        )
    if kind == "eof":
        return f"file ends early after {n:,} records: kept what was readable"
    if kind == "header":
        return f"damaged header after {n:,} records: kept what was readable"
    return f"damaged data after {n:,} records ({_plain(exc)}): kept what was readable"


def decoded_fit(data: bytes, *, source: str = "") -> Decoded:
    """The messages of a FIT file, recovered as far as any decoder can read it.

    Raises ``UnreadableInput`` when the bytes are not a FIT file or nothing usable can be read.
    """
    from fitparse.utils import FitCRCError, FitEOFError, FitHeaderError

    problem = header_problem(data)
    if problem:
        raise UnreadableInput(problem, source=source)
    messages, exc = _fitparse_messages(data, check_crc=True)
    if exc is None:
        if messages["hr"]:
            _merge_heart_rates(data, messages)
        return Decoded(messages, "fitparse")
    kind = (
        "crc"
        if isinstance(exc, FitCRCError)
        else "eof"
        if isinstance(exc, FitEOFError)
        else "header"
        if isinstance(exc, FitHeaderError)
        else "other"
    )
    if kind == "crc":
        messages, later = _fitparse_messages(data, check_crc=False)
        if later is not None:  # damaged beyond the CRC too
            exc = later
            kind = (
                "eof"
                if isinstance(later, FitEOFError)
                else "header"
                if isinstance(later, FitHeaderError)
                else "other"
            )
    best = Decoded(messages, "fitparse")
    sdk, sdk_error = _sdk_messages(data)
    candidate = Decoded(sdk, "garmin-fit-sdk")
    sdk_wins = (candidate.n_records, len(sdk.get("session", []))) > (
        best.n_records,
        len(messages.get("session", [])),
    )
    if sdk_wins:
        best = candidate
    best.problem = _reason(kind, exc, best.n_records, sdk_wins and sdk_error is None)
    if not any(best.messages.get(k) for k in ("record", "session", "file_id")):
        raise UnreadableInput(f"damaged FIT file, nothing readable ({_plain(exc)})", source=source)
    return best
