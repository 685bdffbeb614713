"""The pain log's merging: entries <-> the stored frame, and a merge where a later entry of the
same (date, context, time) replaces the earlier one. Pure (entries in, entries out)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.entrylog.merge import MergeCounts, frame_value, merged_by_key
from pipeline.painlog.parse import CLI_SOURCE, FLAGS, Entry
from pipeline.schemas import PAIN_CONTEXTS

# --- entries <-> the stored frame ------------------------------------------------------------


def pain_log_frame(entries: list[Entry]) -> pd.DataFrame:
    """Entries as a ``schemas.PainLog`` frame plus ``source`` and ``line`` (where each is from)."""

    def column(attr: str, dtype: str) -> pd.Series:
        return pd.Series([getattr(e, attr) for e in entries], dtype=dtype)

    return pd.DataFrame(
        {
            "date": pd.Series([pd.Timestamp(e.date) for e in entries], dtype="datetime64[us]"),
            "context": column("context", "str"),
            "pain_0_10": column("pain_0_10", "float64"),
            "time": column("time", "str"),
            **{flag: column(flag, "boolean") for flag in FLAGS},
            "note": column("note", "str"),
            "activity": column("activity", "str"),
            "source": column("source", "str"),
            "line": column("line", "Int64"),
        }
    )


def entries_from_frame(pain_log: pd.DataFrame) -> list[Entry]:
    """The stored frame's rows as entries (columns missing from an older file become None)."""
    entries = []
    for row in pain_log.to_dict("records"):
        flags = {flag: None if frame_value(row, flag) is None else bool(row[flag])
                 for flag in FLAGS}
        line = frame_value(row, "line")
        entries.append(Entry(
            date=pd.Timestamp(row["date"]).date(), context=str(row["context"]),
            pain_0_10=float(row["pain_0_10"]), time=frame_value(row, "time"), **flags,
            note=frame_value(row, "note"), source=frame_value(row, "source") or "unknown",
            line=None if line is None else int(line), activity=frame_value(row, "activity"),
        ))
    return entries


def _order(entry: Entry) -> tuple:
    return (entry.date, PAIN_CONTEXTS.index(entry.context), entry.time or "",
            entry.activity or "")


def _changes(old: Entry, new: Entry) -> list[str]:
    """What differs between two entries of one key, e.g. ``["pain 2 -> 5", "note changed"]``."""
    def shown(flag: bool | None) -> str:
        return "unknown" if flag is None else ("yes" if flag else "no")

    changes = [f"pain {old.pain_0_10:g} -> {new.pain_0_10:g}"] * (old.pain_0_10 != new.pain_0_10)
    changes += [f"{flag} {shown(getattr(old, flag))} -> {shown(getattr(new, flag))}"
                for flag in FLAGS if getattr(old, flag) != getattr(new, flag)]
    return changes + ["note changed"] * (old.note != new.note)


@dataclass(frozen=True)
class MergeResult(MergeCounts):
    """What a merge did (``MergeCounts``). ``replaced`` holds (earlier, later) entries of the
    same key; ``superseded`` the same for two rows of one input (the later row is kept)."""

    superseded: list[tuple[Entry, Entry]] = field(default_factory=list)

    def as_dict(self) -> dict:
        def key(e: Entry) -> dict:
            # "activity" only where it applies, so the other entries' shape is unchanged
            return {"date": e.date.isoformat(), "context": e.context, "time": e.time,
                    **({"activity": e.activity} if e.activity else {})}

        return {
            "source": self.source,
            "raw_copy": self.raw_copy,
            "rows": self.rows,
            "new": len(self.new),
            "replaced": len(self.replaced),
            "unchanged": self.unchanged,
            "total_entries": self.total,
            "replaced_entries": [
                {**key(new), "pain_before": old.pain_0_10, "pain_after": new.pain_0_10,
                 "changes": _changes(old, new), "source_before": old.source, "line": new.line}
                for old, new in self.replaced
            ],
            "superseded_in_input": [
                {**key(new), "line": old.line, "replaced_by_line": new.line}
                for old, new in self.superseded
            ],
        }

    def one_entry_text(self) -> str:
        """``runload pain add``'s answer: the entry itself and what became of it."""
        holds = f"the pain log holds {self.total} {'entry' if self.total == 1 else 'entries'}"
        if self.new:
            e = self.new[0]
            return f"added {e.label().replace('_', ' ')}: pain {e.pain_0_10:g}/10 ({holds})"
        if self.replaced:
            old, new = self.replaced[0]
            return (f"replaced {new.label().replace('_', ' ')}: {', '.join(_changes(old, new))}"
                    f" (the earlier entry came from {old.source}; {holds})")
        return f"already in the pain log, nothing changed ({holds})"

    def text(self) -> str:
        if self.source == CLI_SOURCE and self.rows == 1:
            return self.one_entry_text()
        entries = self.rows - len(self.superseded)
        source = "the command line" if self.source == CLI_SOURCE else self.source
        lines = [
            f"merged {entries} {'entry' if entries == 1 else 'entries'} from {source}: "
            f"{len(self.new)} new, {len(self.replaced)} replaced earlier ones, "
            f"{self.unchanged} unchanged (the pain log holds {self.total})"
        ]
        for old, new in self.replaced:
            where = f" (line {new.line})" if new.line else ""
            lines.append(f"  replaced {new.label()}{where}: {', '.join(_changes(old, new))}"
                         f" (the earlier entry came from {old.source})")
        for old, new in self.superseded:
            lines.append(f"  line {new.line} replaces line {old.line} ({new.label()})")
        return "\n".join(lines)


def merged_entries(stored: list[Entry], incoming: list[Entry], *, source: str) -> tuple[
    list[Entry], MergeResult
]:
    """The log after merging ``incoming`` (later wins per key) and what changed, sorted."""
    merged = merged_by_key(stored, incoming, order=_order)
    result = MergeResult(source=source, rows=len(incoming), new=merged.new,
                         replaced=merged.replaced, unchanged=merged.unchanged,
                         superseded=merged.superseded, total=len(merged.log))
    return merged.log, result
