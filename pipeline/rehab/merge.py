"""The rehab log's merging: entries <-> the stored frame; a later entry of the same exercise and
day replaces the earlier one. Pure (entries in, entries out)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.entrylog.merge import MergeCounts, frame_value, merged_by_key
from pipeline.rehab.catalogue import exercise_focus, exercise_stage
from pipeline.rehab.parse import CLI_SOURCE, Entry

NUMBERS = {"sets": "Int64", "reps": "Int64", "load_kg": "float64", "hold_s": "float64",
           "pain_0_10": "float64"}


def rehab_log_frame(entries: list[Entry]) -> pd.DataFrame:
    """Entries as a ``schemas.RehabLog`` frame, with each exercise's catalogue ``stage`` and
    ``focus`` (null when the name is unknown) and where each row came from."""

    def column(attr: str, dtype: str) -> pd.Series:
        return pd.Series([getattr(e, attr) for e in entries], dtype=dtype)

    return pd.DataFrame({
        "date": pd.Series([pd.Timestamp(e.date) for e in entries], dtype="datetime64[us]"),
        "exercise": column("exercise", "str"),
        **{name: column(name, dtype) for name, dtype in NUMBERS.items()},
        "note": column("note", "str"),
        "stage": pd.Series([exercise_stage(e.exercise, load_kg=e.load_kg) for e in entries],
                           dtype="str"),
        "focus": pd.Series([exercise_focus(e.exercise) for e in entries], dtype="str"),
        "source": column("source", "str"),
        "line": column("line", "Int64"),
    })


def entries_from_frame(rehab_log: pd.DataFrame) -> list[Entry]:
    """The stored frame's rows as entries."""
    out = []
    for row in rehab_log.to_dict("records"):
        sets, reps, line, load, hold, pain = (frame_value(row, name) for name in (
            "sets", "reps", "line", "load_kg", "hold_s", "pain_0_10"))
        out.append(Entry(
            date=pd.Timestamp(row["date"]).date(), exercise=str(row["exercise"]),
            sets=None if sets is None else int(sets), reps=None if reps is None else int(reps),
            load_kg=None if load is None else float(load),
            hold_s=None if hold is None else float(hold),
            pain_0_10=None if pain is None else float(pain), note=frame_value(row, "note"),
            source=frame_value(row, "source") or "unknown",
            line=None if line is None else int(line)))
    return out


@dataclass(frozen=True)
class MergeResult(MergeCounts):
    """What a merge did (``MergeCounts``: new, replaced, unchanged, total, as the pain log)."""

    def as_dict(self) -> dict:
        return {"source": self.source, "raw_copy": self.raw_copy, "rows": self.rows,
                "new": len(self.new), "replaced": len(self.replaced),
                "unchanged": self.unchanged, "total_entries": self.total,
                "unknown_exercises": sorted({e.exercise for e in self.new
                                             if exercise_focus(e.exercise) is None})}

    def text(self) -> str:
        source = "the command line" if self.source == CLI_SOURCE else self.source
        lines = [f"merged {self.rows} rehab {'entry' if self.rows == 1 else 'entries'} from "
                 f"{source}: {len(self.new)} new, {len(self.replaced)} replaced earlier ones, "
                 f"{self.unchanged} unchanged (the rehab log holds {self.total})"]
        lines += [f"  replaced {new.label()}" + (f" (line {new.line})" if new.line else "")
                  for _old, new in self.replaced]
        unknown = self.as_dict()["unknown_exercises"]
        if unknown:
            lines.append(f"  kept with stage unknown (not in the built-in catalogue): "
                         f"{', '.join(unknown)}")
        return "\n".join(lines)


def merged_entries(stored: list[Entry], incoming: list[Entry], *,
                   source: str) -> tuple[list[Entry], MergeResult]:
    """The log after merging ``incoming`` (later wins per key) and what changed, sorted."""
    # two rows of one input with one key: the later is kept, and not reported (unlike the
    # pain log's "superseded")
    merged = merged_by_key(stored, incoming, order=lambda e: e.key)
    return merged.log, MergeResult(source=source, rows=len(incoming), new=merged.new,
                                   replaced=merged.replaced, unchanged=merged.unchanged,
                                   total=len(merged.log))
