"""One input file -> its activity rows and samples (``ParseOutcome``): what each of an import's
worker processes runs for a file (``parse_leaf``), never raising for bad input."""

from __future__ import annotations

from dataclasses import replace

from pipeline import parquet_files
from pipeline.config import Thresholds
from pipeline.errors import InputError, NotAnActivity, UnsafeInput
from pipeline.ingest.parse.localtime import local_start, on_utc_clock
from pipeline.ingest.parse.model import ParsedActivity, SampleColumns, utc_datetime
from pipeline.ingest.parse.values import activity_values
from pipeline.ingest.record_count import too_many_records
from pipeline.ingest.sources import Leaf
from pipeline.ingest.summary import ParseOutcome
from pipeline.paths import Store
from pipeline.table_rules import RulesViolated

CRASHED = ("the decoder crashed on this file (its process died); the rest of the import went on. "
           "The file is kept in quarantine; please report it")


def modules_needed(leaves: list[Leaf]) -> list[str]:
    """The modules parsing ``leaves`` imports beyond the FIT reader: the GPX and TCX readers work
    on frames, so they need pandas (imported once before an import's workers are forked, rather
    than in each of them; a FIT file needs none)."""
    kinds = {leaf.kind for leaf in leaves} - {"fit"}
    return ["pandas", *(f"pipeline.ingest.parse.{kind}" for kind in sorted(kinds))] if kinds else []


def _read(leaf: Leaf, thresholds: Thresholds) -> list[ParsedActivity]:
    if leaf.kind == "fit":
        from pipeline.ingest.parse.fit import read_fit

        return read_fit(leaf.data, source=leaf.source)
    if leaf.kind == "gpx":
        from pipeline.ingest.parse.gpx import read_gpx

        return read_gpx(leaf.data, source=leaf.source, thresholds=thresholds)
    from pipeline.ingest.parse.tcx import read_tcx

    return read_tcx(leaf.data, source=leaf.source, thresholds=thresholds)


def parse_leaf(leaf: Leaf, *, profile_timezone: str | None, thresholds: Thresholds,
               store: Store | None = None) -> ParseOutcome:
    """Parse one activity file into activity rows and samples; never raises for bad input.

    With ``store``, each activity's samples are written here (in the worker that holds them) under
    the row's own id, and the outcome of a file read carries ``None`` instead of the frame
    (``_Import.absorb``) and no file bytes (a worker need not send them back).
    """
    try:
        return _parse_leaf(leaf, profile_timezone=profile_timezone, thresholds=thresholds,
                           store=store)
    except (OSError, MemoryError):  # the machine (a full disk in a worker): the import stops
        raise
    except Exception as e:  # anything else costs only this file
        if store is not None:  # samples of its earlier sessions, written already: not kept
            for path in store.samples_dir.glob(f"{leaf.sha256[:16]}-*.parquet"):
                path.unlink(missing_ok=True)
        return ParseOutcome(leaf, "quarantined", stored_error(e, doing="read"))


def _parse_leaf(leaf: Leaf, *, profile_timezone: str | None, thresholds: Thresholds,
                store: Store | None) -> ParseOutcome:
    too_many = too_many_records(leaf.data, leaf.kind, thresholds)
    if too_many:  # refused before decoding: a decoder holds every record in memory
        return ParseOutcome(leaf, "refused", too_many)
    try:
        parsed = _read(leaf, thresholds)
    except NotAnActivity as e:
        return ParseOutcome(leaf, "not_activity", e.reason)
    except UnsafeInput as e:
        return ParseOutcome(leaf, "refused", e.reason)
    except InputError as e:
        reason = e.reason + (f" (at byte {e.offset})" if e.offset is not None else "")
        return ParseOutcome(leaf, "quarantined", reason)
    except Exception as e:  # a reader bug must not stop a bulk import: quarantine, say why
        return ParseOutcome(leaf, "quarantined", f"could not be read ({type(e).__name__}: {e})")
    parsed = [p for p in parsed if (p.sub_sport or "") != "transition"]
    if not parsed:
        return ParseOutcome(leaf, "not_activity", "holds no activity session")
    outcome = ParseOutcome(leaf, "ok")
    for p in parsed:
        try:
            outcome.activities.append(
                activity_row(p, leaf=leaf, profile_timezone=profile_timezone, thresholds=thresholds)
            )
        except Exception as e:
            return ParseOutcome(leaf, "quarantined",
                                f"could not be summarised ({type(e).__name__}: {e})")
        outcome.warnings += p.warnings
        outcome.fallback = outcome.fallback or p.decoder not in (None, "fit_fast")
        if p.partial_reason:
            outcome.status, outcome.reason = "partial", p.partial_reason
    if store is not None:
        try:
            for row, samples in outcome.activities:  # made durable by the parent's flush
                parquet_files.write_sample_columns(store, row["activity_id"], samples,
                                                   durable=False)
        except RulesViolated as e:
            return ParseOutcome(leaf, "quarantined", f"samples out of range ({e})")
        outcome.activities = [(row, None) for row, _ in outcome.activities]
        outcome.leaf = replace(leaf, data=b"")
    return outcome


def activity_row(parsed: ParsedActivity, *, leaf: Leaf, profile_timezone: str | None,
                 thresholds: Thresholds) -> tuple[dict, SampleColumns]:
    """One ``schemas.Activities`` row (``fast_time_fraction`` filled later) and its samples."""
    meta = leaf.metadata or {}
    if meta.get("sport"):  # the type the athlete gave on Strava outranks the file's guess
        parsed = replace(parsed, sport=meta["sport"])
    parsed = on_utc_clock(parsed, profile_timezone=profile_timezone)
    offset, local_date, date_source = local_start(parsed, profile_timezone=profile_timezone)
    row = {
        "activity_id": f"{leaf.sha256[:16]}-{parsed.session_index}",
        "source_files": [leaf.source],
        "format": parsed.format,
        "sport": parsed.sport,
        "sub_sport": parsed.sub_sport,
        "name": meta.get("name") or parsed.name,
        "gear": meta.get("gear"),
        "device": parsed.device,
        "start_time_utc": utc_datetime(parsed.start_time_utc),
        "local_date": local_date,
        "local_date_source": date_source,
        "utc_offset_min": offset,
        **activity_values(parsed, thresholds=thresholds),
        "fast_time_fraction": None,
        "rpe_0_10": meta.get("rpe_0_10"),
        "summary_only": bool(parsed.summary_only),
        "partial": parsed.partial_reason is not None,
        "partial_reason": parsed.partial_reason,
        "content_sha256": leaf.sha256,
    }
    return row, parsed.columns


def crashed_outcome(leaf: Leaf) -> ParseOutcome:
    """The outcome of a file whose parsing process died (a crash in a decoder's C code)."""
    return ParseOutcome(leaf, "quarantined", CRASHED)


def stored_error(error: Exception, *, doing: str = "stored") -> str:
    """The reason given for an input that could not be read or stored (an unexpected error)."""
    text = f"{type(error).__name__}: {error}".splitlines()[0][:300]
    return (f"could not be {doing} ({text}); the rest of the import went on. The file is kept "
            "in quarantine; please report it")
