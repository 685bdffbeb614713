"""What an import did: each activity file's ``ParseOutcome`` and the whole import's
``IngestSummary`` (the one-line summary, its lists, and ``--json``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.ingest.counts import counts_text
from pipeline.ingest.parse.model import SampleColumns
from pipeline.ingest.sources import Leaf
from pipeline.terminal import shown

MAX_WARNING_LINES = 20


@dataclass
class ParseOutcome:
    """What became of one activity file: ``ok``, ``partial``, ``not_activity``, ``quarantined``
    or ``refused`` (unsafe: an XML entity or DTD; kept in quarantine, never parsed further)."""

    leaf: Leaf
    status: str
    reason: str | None = None
    activities: list[tuple[dict, SampleColumns | None]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fallback: bool = False  # a FIT file the fast decoder left to fitparse


@dataclass
class IngestSummary:
    """Counts and lists for the one-line summary and ``--json``."""

    new: list[str] = field(default_factory=list)  # activity ids
    updated: list[str] = field(default_factory=list)  # twins whose data a richer source replaced
    duplicates: list[str] = field(default_factory=list)  # sources already in the store
    partial: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    not_activity: list[tuple[str, str]] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # unsafe inputs
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (source, values cleaned...)
    skipped: int = 0  # files in folders/archives that are not activity files
    fallback: list[str] = field(default_factory=list)  # FIT files the fast decoder left to fitparse
    seconds: float = 0.0
    quarantine_dir: str = "the quarantine folder"  # the store's, set by the import

    @property
    def rejected(self) -> list[tuple[str, str]]:
        return self.quarantined + self.refused

    def as_dict(self) -> dict:
        pairs = lambda xs: [{"source": s, "reason": r} for s, r in xs]  # noqa: E731
        return {
            "new": len(self.new),
            "updated": len(self.updated),
            "duplicates": len(self.duplicates),
            "partial": pairs(self.partial),
            "not_activity": pairs(self.not_activity),
            "quarantined": pairs(self.quarantined),
            "refused": pairs(self.refused),
            "warnings": [{"source": s, "warning": w} for s, w in self.warnings],
            "skipped": self.skipped,
            "fitparse_fallback": len(self.fallback),
            "seconds": round(self.seconds, 2),
            "new_activity_ids": self.new,
        }

    def counts(self) -> dict[str, int]:
        """This import's counts, defined as in ``pipeline.ingest.counts`` (the report's)."""
        return {"new": len(self.new), "duplicates": len(self.duplicates),
                "quarantined": len(self.rejected), "partial": len(self.partial),
                "not_activity": len(self.not_activity)}

    def text(self) -> str:
        line = (
            counts_text(self.counts())
            + (f", {len(self.updated)} updated from a richer source" if self.updated else "")
            + (f", {self.skipped} other files skipped" if self.skipped else "")
            + (f", decoded by the fitparse fallback: {len(self.fallback)} files"
               if self.fallback else "")
            + (f", {len(self.warnings)} warnings" if self.warnings else "")
            + f" in {self.seconds:.1f} s"
        )
        lines = [line]
        for title, items in (
            (f"Quarantined (could not be read; kept in {self.quarantine_dir})",
             self.quarantined),
            ("Refused (unsafe)", self.refused),
            ("Partial (recovered from a damaged file)", self.partial),
            ("Not an activity", self.not_activity),
        ):
            if items:
                lines.append(f"{title}:")
                lines += [f"  {shown(source)}: {shown(reason)}" for source, reason in items]
        if self.warnings:  # a bulk import can have thousands: the first ones, the rest in --json
            lines.append("Warnings (values cleaned or assumed):")
            lines += [f"  {shown(source)}: {shown(w)}"
                      for source, w in self.warnings[:MAX_WARNING_LINES]]
            if len(self.warnings) > MAX_WARNING_LINES:
                lines.append(f"  ... and {len(self.warnings) - MAX_WARNING_LINES} more (--json "
                             "lists them all)")
        return "\n".join(lines)
